// Personalities are data: how one gRPC stack behaves at the forks where stacks differ, each field
// citing its source in docs/behaviours.md (the "§" numbers below).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/grpc/script.h"
#include "model/h2/settings.h"
#include "sim/time.h"

namespace h2sim::grpc {

// What a client writes when the server's END_STREAM arrives while it has not half-closed.
enum class RstAfterTrailers : uint8_t {
  none,
  no_error_at_batch_end,  // grpc-core: force_client_rst_stream runs when the read batch ends
  no_error,               // grpc-go: closeStream(rst=true, NO_ERROR)
  cancel,                 // grpc-java: CancelClientStreamCommand writes RST(CANCEL)
  half_close,             // grpc-js: ends its own side with END_STREAM
};

// How a client decides its final status when frames race.
enum class StatusRule : uint8_t {
  // grpc-core (§2.2): trailers are published only once both directions are closed; a non-OK
  // RST_STREAM parsed in the same read batch replaces them ("last chance replacement").
  publish_when_both_closed,
  // grpc-java, grpc-go (§2.3): the first status reported wins; later resets are ignored.
  first_status_wins,
  // grpc-js (§2.3): endCall() replaces only a missing or OK status.
  first_non_ok_wins,
};

// When the application asks grpc-core for a call's status (recv_trailing_metadata).
enum class StatusAsked : uint8_t {
  at_start,  // grpc++'s callback API and grpcio: when the call starts
  // grpc++'s sync API, in Finish(): a unary call at once (BlockingUnaryCall runs every op in one
  // batch); a client-streaming call once its writes (and WritesDone) are done, since Finish() is
  // its only way to the response; a bidi or server-streaming call only after its reads end, which
  // the status ends. Measured live through haproxy 2.6: the founding case (bidi) kept its status
  // 20 of 20 (scenarios/founding-case.textproto --client grpc++-sync); a client-streaming call
  // that never half-closes lost it to haproxy's RST(CANCEL) in the trailers' read 20 of 20
  // (scenarios/sync-client-stream-reset-after-trailers.textproto, docs/fidelity.md).
  in_finish,
};

// What a library does with a header block larger than the MAX_HEADER_LIST_SIZE it advertised
// (the personality's settings), each field counted as RFC 7541 §4.1 counts a table entry: name,
// value and 32 bytes. Measured live through nghttpx, which forwards any size (docs/fidelity.md "A
// header list past the advertised limit"), 2026-12-06.
enum class HeaderListLimit : uint8_t {
  // grpc-go advertises none; grpc-js took 12 KB of trailers. grpc++'s server took a 12 KB request
  // and refused a later 9 KB one, which is not understood, so not modelled.
  not_enforced,
  // grpc-core (chttp2's header parsing) as a client: a connection error. Every call on the
  // connection fails with RESOURCE_EXHAUSTED "received initial metadata size exceeds limit"
  // (trailers too), each stream is reset with ENHANCE_YOUR_CALM in one write, and the socket is
  // shut down with no GOAWAY; the next call opens a new connection (measured live with grpc++ and
  // grpcio 1.51: docs/fidelity.md "A header list past the advertised limit").
  grpc_core,
  // Netty's header decoder. A client: INTERNAL "http2 exception" and RST_STREAM(PROTOCOL_ERROR).
  // A server: HEADERS(:status 431, END_STREAM), RST_STREAM(PROTOCOL_ERROR), and RST_STREAM
  // (STREAM_CLOSED) for each DATA frame of the request (Netty made the stream only to answer it,
  // and DATA on a stream it no longer holds gets STREAM_CLOSED); the handler never sees the call.
  // Either side, past a quarter more than the limit: a connection error, GOAWAY(PROTOCOL_ERROR)
  // naming the last stream made before the block, and every call on the connection is lost.
  netty,
};

// Whose words a status derived from an HTTP status carries (status.h).
enum class HttpStatusWords : uint8_t {
  prefix_and_suffix,  // ClientPersonality::http_status_prefix, the number, http_status_suffix
  grpc_go,            // grpc_go_http_status_words()
  grpc_java,          // grpc_java_http_status_words()
};

struct ClientPersonality {
  std::string_view name;
  std::string_view source;
  StatusRule status_rule;
  RstAfterTrailers rst_after_trailers;
  // grpc-core (§2.2 step 4): a non-OK RST_STREAM in the same read batch replaces held trailers
  // only while the application has asked for the status (recv_trailing_metadata pending).
  StatusAsked status_asked = StatusAsked::at_start;
  // grpc++'s BlockingUnaryCall (grpcpp/impl/client_unary_call.h, 1.51): a unary call that ends
  // OK without a response message is reported as UNIMPLEMENTED "No message returned for unary
  // request". The callback API does not check.
  bool unary_ok_without_message_is_unimplemented = false;
  // grpc++'s sync API, a call whose status the application has not asked for yet (status_asked,
  // as it stood before the read): when the response ended without trailers and a reset comes in
  // the same read, the reset replaces nothing, and Finish() finds trailing metadata without a
  // grpc-status: UNKNOWN "No status received". Measured live through haproxy 2.6 (its empty
  // DATA(END_STREAM), then CANCEL to a client still open): bidi calls, and a client-streaming call
  // that half-closes after the response (docs/fidelity.md item 19); a client-streaming call that
  // never half-closes, in Finish() since its last write, gets the reset, CANCELLED (item 20).
  bool unasked_reset_after_no_trailers_is_no_status = false;
  // The application sees an OK status without its grpc-message. A fact of the library's API,
  // not of its transport, measured live (docs/fidelity.md, "An OK status's message"): grpc++
  // makes an OK Status with no message; grpc-go's stubs return a nil error; grpc-java's
  // StreamObserver.onCompleted() carries no status. grpcio (grpc-core underneath) and grpc-js
  // hand the message over.
  bool ok_status_drops_message = false;
  // The status of a response that ends (END_STREAM) without trailers or an error HTTP status.
  // grpc-core's was measured live: haproxy 2.6 ending the stream with an empty DATA(END_STREAM)
  // (scenarios/regression-haproxy26-abort-after-client-ended.textproto, --client grpc++).
  Code no_trailers_code = Code::internal;
  std::string_view no_trailers_message = "server closed the stream without sending trailers";
  // Its message when the END_STREAM came on a DATA frame with payload; empty: the same.
  std::string_view no_trailers_message_after_payload = {};
  // The message of a status derived from an HTTP status without grpc-status: prefix, the
  // number, suffix. grpc-core's wording was measured live (nginx's 502 through grpc++ 1.51).
  std::string_view http_status_prefix = "HTTP status ";
  std::string_view http_status_suffix = " without grpc-status";
  // grpc-go and grpc-java word it their own way (status.h); prefix and suffix are then unused.
  HttpStatusWords http_status_words = HttpStatusWords::prefix_and_suffix;
  // A response that is its trailers alone, without grpc-status, is worded from its HTTP status
  // even when that is 200 (UNKNOWN): grpc-js's handleTrailers "Received HTTP status code 200",
  // grpc-go's operateHeaders "OK: HTTP status code 200; transport: missing content-type field",
  // grpc-java's validateInitialMetadata "HTTP status code 200\ninvalid content-type: null".
  // Measured live through Apache's empty 200 (docs/fidelity.md items 26 and 30).
  bool trailers_only_200_without_status_is_http_status = false;
  // grpc-core 1.51.1 as Debian 12 builds it (grpc++ and grpcio): trailers without grpc-status on
  // a 200 response (trailers-only or after headers) reach retry_filter.cc GetCallStatus with no
  // error, which dereferences the missing grpc-status, and the build's absl assertion aborts the
  // process (grpc++ SIGABRT, grpcio SIGILL). Its calls still open end with no status, the kernel
  // resets its connections. Measured live 2026-12-05 through Apache's empty 200 and from a bare
  // HTTP/2 server (docs/fidelity.md item 28); an HTTP error status is an error before that point.
  bool trailers_without_status_abort = false;
  // grpc-core (§2.2 step 5): CANCEL past the deadline is reported as DEADLINE_EXCEEDED.
  bool cancel_past_deadline_is_deadline_exceeded;
  // grpc-core (call.cc, 1.51: a batch that completes with an error cancels the call with that
  // error, and the first error is the call's status): a non-NO_ERROR RST_STREAM that finds a
  // message still held by flow control fails its send op, so the reset is the status even where
  // the application has not asked for it and held trailers would be kept. Measured live through
  // haproxy 2.6 with grpc++'s sync API: 40,000-byte messages of a call still uploading, trailers
  // and CANCEL in one read, CANCELLED in 4 scenarios of the 200 x 5 run (docs/fidelity.md item 20).
  bool reset_fails_pending_write = false;
  // The code and words of a status that a RST_STREAM stands for (status.h: ResetWords).
  ResetWords reset_words = ResetWords::grpc_core;
  // grpc-js (§2.3): RST_STREAM(NO_ERROR) without a status is INTERNAL "Call ended without gRPC
  // status", or the HTTP status mapping when :status was not 200.
  bool no_error_without_status_uses_http_status = false;
  // grpc-js (subchannel-call.js, 1.14.7): a response that ends without trailers has no status
  // until the stream closes, and the close decides it by its rstCode: a client still uploading
  // keeps the stream open, so a reset that follows (haproxy 2.6's CANCEL after its empty
  // DATA(END_STREAM)) is the status, CANCELLED "Call cancelled"; only a close after the client's
  // own END_STREAM (rstCode 0) is the missing status. Measured live 2026-12-04 (docs/fidelity.md
  // item 16). The others publish the missing status at the END_STREAM.
  bool no_trailers_status_at_close = false;
  // grpc-go (rpc_util.go recvMsg, 1.33.3): a stream that ends (trailers, a reset, END_STREAM on
  // DATA) while a response message is only partly read ends the message reader's io.ReadFull
  // with io.ErrUnexpectedEOF, which toRPCErr makes INTERNAL "unexpected EOF" whatever status the
  // stream ended with. Measured live 2026-12-04: a server reset cutting a 40,000-byte response
  // short through nginx 1.22 (docs/fidelity.md item 17).
  bool cut_message_is_unexpected_eof = false;
  // How the library's writes of a request fall, when a thread of its own decides (issue 14's
  // write patterns, measured by the tap: docs/fidelity.md "What each client sends"). Each
  // "sometimes" is a choice of the run's ChoiceSource (Label::write), answer 0 the same write.
  // A script that writes a frame per write (ClientScript::write_per_frame) overrides all three.
  // All three are patterns of a request stream (client-streaming and bidi calls); a unary or
  // server-streaming request leaves with its END_STREAM on the message, in one write.
  // END_STREAM after the last message on an empty DATA frame of its own, not as the message's flag.
  bool end_stream_on_empty_data = false;
  // Sometimes the request headers leave alone and the first message this long after; zero: never.
  sim::Duration headers_alone_gap = {};
  // The application handed that first message over with the headers, and the library's thread
  // that writes it may get to it before its event loop reads what has arrived meanwhile: at each
  // read while it waits, a choice (Label::write) whether it leaves ahead of that read. When the
  // read carries the status, the message crosses it on the wire (the tap saw it, grpc-java and
  // grpcio, docs/fidelity.md "A first message that crosses the status").
  bool first_message_may_precede_a_read = false;
  // Sometimes the END_STREAM (an empty DATA frame) leaves this long after the last message, in a
  // write of its own; zero: never. Needs end_stream_on_empty_data. If the measured gaps spread
  // past a server's answer, `end_stream_gap_longest` is the longest measured, a third answer.
  sim::Duration end_stream_gap = {};
  sim::Duration end_stream_gap_longest = {};
  // Sometimes a request stream's later message leaves this much later than the script's interval
  // after the one before says, in a write of its own (the library completes a write before the
  // application hands it the next); zero: never.
  sim::Duration message_gap = {};
  // What the library says as its connection opens (its SETTINGS and connection window) and the
  // first stream it opens, as the tap saw them (docs/fidelity.md "What each stack says as a
  // connection opens"). Not modelled: windows that grow later (grpc-core's and grpc-go's BDP
  // probes).
  h2::OpeningSettings settings = {};
  int32_t first_stream_id = 1;
  // What it does with a header block past settings.max_header_list_bytes.
  HeaderListLimit header_list_limit = HeaderListLimit::not_enforced;
};

// What a server writes after its status when the client has not half-closed.
enum class ServerRstAfterStatus : uint8_t {
  none,                      // grpc-java: no RST (grpc-java#2162 still open), §5
  no_error_if_client_open,   // grpc-core SentLastFrame, grpc-go (PR #2684): §2.1, §2.3
};

// Which OK statuses a server library sends without their grpc-message. A fact of its API, as the
// client's ok_status_drops_message is, measured live (docs/fidelity.md, "An OK status's message at
// the server").
enum class OkStatusMessage : uint8_t {
  sent,  // grpcio: context.set_details() goes out whatever the code
  // grpc++'s sync handlers of calls with one response (grpcpp/support/method_handler.h, 1.51):
  // an OK status is replaced by the response's serialization status, which has no message.
  // Streaming-response handlers' statuses go out as returned.
  dropped_with_one_response,
  dropped,  // grpc-go: OK is a nil error; grpc-java: StreamObserver.onCompleted() carries none
  // grpc-js: callback(null, response) and call.end() close with details "OK", whatever the
  // handler meant (measured live 2026-12-02 in the matrix: grpc-message "OK" on every kind).
  replaced_by_ok,
};

struct ServerPersonality {
  std::string_view name;
  std::string_view source;
  // grpc-core close_from_api (§2.1): an abort before any response headers is one HEADERS frame
  // carrying :status, content-type and the status, with END_STREAM (trailers-only).
  bool trailers_only_on_early_abort;
  // grpc-core close_from_api appends RST_STREAM(NO_ERROR) after a trailers-only abort (§2.1).
  bool rst_after_trailers_only;
  ServerRstAfterStatus rst_after_status;
  OkStatusMessage ok_status_message = OkStatusMessage::sent;
  // A request whose END_STREAM rides on its HEADERS (a call without messages) never reaches the
  // handler as ended: grpc-go 1.33 marks the stream read-done but wakes no reader (grpc-go#2867,
  // fixed in 2026 by PR #9391); grpc-java 1.41's NettyServerHandler ignores endStream on HEADERS.
  // Unary and server-streaming handlers, run once their one request is read, never run; the
  // others wait for a message or the half-close that never comes, and the client hangs (measured
  // live: scenarios/server-loses-end-stream-on-headers.textproto, docs/fidelity.md).
  bool loses_end_stream_on_headers = false;
  // The words of the CANCELLED status its application's cancel writes (ServerAction::cancel), or
  // empty if its server API cannot cancel a call (grpc-go, grpc-java). grpc++'s
  // ServerContext::TryCancel() and grpcio's context.cancel() reach grpc-core's close_from_api:
  // the status (trailers-only if no response headers went out), then RST_STREAM(NO_ERROR), as an
  // abort (§2.1). Measured live 2026-12-02 through haproxy, nginx and nghttpx (docs/fidelity.md,
  // "A server's cancel is a status"): neither resets a stream with a code of its choosing.
  std::string_view cancel_status_message = {};
  // Headers the application sent on their own before a status without messages
  // (ServerScript::headers_before_status) sometimes leave with it as one trailers-only HEADERS
  // (a Label::write choice, 0: on their own). grpcio's send_initial_metadata() starts a batch
  // it does not wait for; when the status catches up before the transport wrote it, grpc-core
  // writes trailers-only (seen live 1 run in 24 of scenarios/server-headers-then-status.textproto
  // through nginx, 2026-12-02, the server's BDP ping delaying its write).
  bool headers_before_status_may_merge = false;
  // What the library says as its connection opens, as the tap saw it (as ClientPersonality's).
  h2::OpeningSettings settings = {};
  // What it does with a request header block past settings.max_header_list_bytes.
  HeaderListLimit header_list_limit = HeaderListLimit::not_enforced;
};

// The status a server of this personality writes when its application cancels the call, if it can.
std::optional<Status> cancel_status(const ServerPersonality& personality);

// The status a server of this personality puts on the wire for a call of `kind` whose handler
// ended with `status`.
Status status_sent(const ServerPersonality& personality, CallKind kind, Status status);

const ClientPersonality* find_client_personality(std::string_view name);
const ServerPersonality* find_server_personality(std::string_view name);
std::span<const ClientPersonality> client_personalities();
std::span<const ServerPersonality> server_personalities();
// "grpc-core, grpc-java" for error messages.
std::string known_client_personalities();
std::string known_server_personalities();

}  // namespace h2sim::grpc
