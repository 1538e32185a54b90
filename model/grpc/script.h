// What the client and server applications of a call do: the scenario's call scripts, in plain
// terms of this layer (model/run translates a Scenario into them, so gRPC knows no file format).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "model/grpc/status.h"
#include "model/h2/frame.h"
#include "sim/time.h"

namespace h2sim::grpc {

enum class CallKind : uint8_t { unary, client_streaming, server_streaming, bidi_streaming };

// When the client application half-closes its side (sends END_STREAM).
enum class HalfClose : uint8_t {
  after_messages,  // with its last request message
  after_response,  // once its messages are out and response headers (or status) arrived
  never,           // keeps its side open until the call ends
};

struct ClientScript {
  uint32_t messages = 0;  // request messages; the first leaves with the request headers
  uint32_t message_bytes = 0;
  sim::Duration interval;  // between two request messages
  HalfClose half_close = HalfClose::after_messages;
  sim::Duration deadline;      // from the call's start; zero: none
  sim::Duration cancel_after;  // the application cancels the call; zero: never
  uint32_t metadata_headers = 0;  // custom metadata in the request headers (metadata_header())
  uint32_t metadata_bytes = 0;
  // The headers, each message and END_STREAM (an empty DATA frame) in writes of their own, the
  // first message headers_gap after the headers, END_STREAM end_stream_gap after the last one.
  bool write_per_frame = false;
  sim::Duration headers_gap;
  sim::Duration end_stream_gap;
  // A request without messages ends on its HEADERS; otherwise on an empty DATA frame after them.
  bool end_stream_on_headers = false;
};

enum class ServerAction : uint8_t {
  respond,              // read (read_messages, or until the client half-closes), answer, status
  abort_at_once,        // status as soon as the request headers are read
  abort_after_reading,  // status after reading read_messages request messages
  reset,                // after reading read_messages, RST_STREAM(reset_code) without a status,
                        // after `messages` response messages if any
  cancel,               // as reset, but the application cancels its call: the personality's
                        // cancel_status(), written as an abort
};

struct ServerScript {
  ServerAction action = ServerAction::respond;
  uint32_t read_messages = 0;  // respond: 0 means "until the client half-closes"
  uint32_t messages = 0;       // response messages before the status (respond)
  uint32_t message_bytes = 0;
  Status status;
  sim::Duration delay;  // the handler's think time before it acts
  h2::ErrorCode reset_code = h2::ErrorCode::no_error;
  uint32_t header_metadata = 0;   // custom metadata in the response headers
  uint32_t trailer_metadata = 0;  // and in the trailers
  uint32_t metadata_bytes = 0;
  bool headers_before_status = false;  // never trailers-only
  bool answer_on_headers = false;      // respond: act on the request headers alone
  bool write_per_message = false;      // a write per response message, and one for the status
  // RST_STREAM after the status while the client is open, in place of the personality's choice.
  std::optional<h2::ErrorCode> reset_after_status;
  sim::Duration reset_after_status_delay;  // zero: in the status's write
  sim::Duration status_delay;  // between the response's messages and its status (not trailers-only)
};

struct CallScript {
  CallKind kind = CallKind::unary;
  ClientScript client;
  ServerScript server;
  sim::Duration start;  // from the start of the run
  uint32_t connection = 0;  // the client connection that carries it
};

// Which header block custom metadata travels in; its letter is part of the header's name.
enum class MetadataBlock : char { request = 'q', response = 'h', trailers = 't' };
// Custom metadata entry `i` of a call's header block: a name and a value of `bytes` bytes that
// say which call and entry they belong to, so the receiver can tell a value that arrived intact
// from one cut, merged or moved ("x-h2sim-md-q2" = "c17.2." then letters, to length).
h2::Header metadata_header(MetadataBlock block, uint32_t call, uint32_t i, uint32_t bytes);
// A header list's size as MAX_HEADER_LIST_SIZE counts it (RFC 7541 §4.1): name, value and 32
// bytes for each field.
uint64_t header_list_bytes(std::span<const h2::Header> headers);
// How many of the `expected` entries of `call` in `block` are in `headers`, each intact.
uint32_t metadata_intact(std::span<const h2::Header> headers, MetadataBlock block, uint32_t call, uint32_t expected,
                         uint32_t bytes);

// The response messages a handler sends when its script asks for `scripted`. A unary or
// client-streaming handler sends at most one, and exactly one when it ends OK: grpc++ writes the
// one response object it was given, grpc-go the handler's reply, and grpc-java fails a call
// completed without one or with two (live mode showed why it matters: a grpc++ unary client
// given four responses never completes).
inline uint32_t response_messages(CallKind kind, uint32_t scripted, bool ok) {
  if (kind != CallKind::unary && kind != CallKind::client_streaming) return scripted;
  if (ok) return 1;
  return scripted < 1 ? scripted : 1;
}

// The response messages a handler following `script` sends before its status: a response's and a
// cancel's scripted messages (an abort sends none), as many as the call's kind allows. A unary or
// client-streaming handler that ends with another status than OK sends none: its API takes a
// response or an error. grpc++ sends the response object only with an OK status
// (grpcpp/impl/codegen/method_handler.h), grpc-go's handler returns (nil, err), grpcio's
// context.abort() raises, grpc-js's callback(err) drops the value, and the grpc-java peer calls
// onError alone. Through Apache it decides the outcome: docs/fidelity.md item 25. (A scripted
// RESET is h2sim's own server, no library: it still sends its one message first.)
inline uint32_t messages_before_status(CallKind kind, const ServerScript& script, bool ok) {
  bool sends = script.action == ServerAction::respond || script.action == ServerAction::cancel;
  bool one_response = kind == CallKind::unary || kind == CallKind::client_streaming;
  if (one_response && !ok) return 0;
  return response_messages(kind, sends ? script.messages : 0, ok);
}

}  // namespace h2sim::grpc
