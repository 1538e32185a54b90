// gRPC status codes and the spec's tables that synthesize a status when the server's is missing:
// RST_STREAM code -> status (doc/PROTOCOL-HTTP2.md "Errors", docs/behaviours.md §2.4) and
// HTTP status -> status (doc/http-grpc-status-mapping.md), plus grpc-message percent-encoding.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "model/h2/frame.h"

namespace h2sim::grpc {

enum class Code : uint32_t {
  ok = 0,
  cancelled = 1,
  unknown = 2,
  invalid_argument = 3,
  deadline_exceeded = 4,
  not_found = 5,
  already_exists = 6,
  permission_denied = 7,
  resource_exhausted = 8,
  failed_precondition = 9,
  aborted = 10,
  out_of_range = 11,
  unimplemented = 12,
  internal = 13,
  unavailable = 14,
  data_loss = 15,
  unauthenticated = 16,
};
std::string_view code_name(Code code);
bool parse_code_name(std::string_view name, Code* code);

struct Status {
  Code code = Code::ok;
  std::string message;
  bool operator==(const Status&) const = default;
};
// "PERMISSION_DENIED: Details sent by the server", on one line: control characters in the
// message are escaped ("x%y\n" prints as "x%y\\n").
std::string status_text(const Status& status);

// The spec's RST_STREAM mapping, as a server-sent reset maps on a client. CANCEL maps to
// CANCELLED (the deadline check is the caller's, see personalities).
Code code_for_reset(h2::ErrorCode reset);
// How each client stack turns a RST_STREAM that came without a status into one: the code and
// the words its application sees. Each table was read from that stack's code as Debian 12 and
// npm ship it (live mode's peers), and the words were seen live (docs/fidelity.md,
// "Disagreements with the model", items 2, 3 and 8, since fixed).
enum class ResetWords : uint8_t {
  // chttp2 grpc_http2_error_to_grpc_status: the spec's table, "Received RST_STREAM with error
  // code N" (frame_rst_stream.cc).
  grpc_core,
  // grpc-go 1.33 http2_client.go handleRSTStream: http2ErrConvTab (FLOW_CONTROL_ERROR is
  // RESOURCE_EXHAUSTED, a code past the table UNKNOWN), "stream terminated by RST_STREAM with
  // error code: INTERNAL_ERROR".
  grpc_go,
  // grpc-java 1.41 NettyClientHandler.onRstStreamRead and GrpcUtil.Http2Error: NO_ERROR is
  // UNAVAILABLE and HTTP_1_1_REQUIRED UNKNOWN; "RST_STREAM closed stream. HTTP/2 error code:
  // INTERNAL_ERROR", with the status's own description in parentheses where it has one.
  grpc_java,
  // @grpc/grpc-js 1.14 subchannel-call.js: a word per code ("Call cancelled", "Stream refused
  // by server"), "Received RST_STREAM with code 2 (Internal server error)", the rest INTERNAL
  // "Received RST_STREAM with code N". (NO_ERROR is the caller's: grpc-js maps the HTTP status.)
  grpc_js,
};
Status status_for_reset(ResetWords words, h2::ErrorCode reset);

// doc/http-grpc-status-mapping.md: used only when no grpc-status was received.
Code code_for_http_status(int http_status);
// grpc-go 1.33's message for such a status (http2_client.go operateHeaders): the HTTP reason
// phrase and code, then the content-type it did not expect (or that it found none), "; "-joined.
std::string grpc_go_http_status_words(int http_status, std::string_view content_type);
// grpc-java 1.41's (Http2ClientStreamTransportState.validateInitialMetadata): "HTTP status code
// N", then, when the content-type is not gRPC's, "\ninvalid content-type: " and that type ("null"
// when absent). grpc-java goes on with "\nheaders: Metadata(...)" and the body's first bytes; its
// live peer reports the words up to there, since they carry the proxy's date (docs/fidelity.md).
std::string grpc_java_http_status_words(int http_status, std::string_view content_type);

// grpc-message is percent-encoded (doc/PROTOCOL-HTTP2.md): bytes outside 0x20-0x7e and '%'.
std::string percent_encode(std::string_view message);
std::string percent_decode(std::string_view encoded);

// The status a client reads from a header block ending the call: grpc-status and grpc-message;
// without grpc-status, the HTTP status mapping (`http_status` from the response headers, 0 if
// none). Trailers-only blocks carry both.
Status status_from_trailers(std::span<const h2::Header> trailers, int http_status);
// The same for a block written out in place, e.g. {{"grpc-status", "7"}}.
inline Status status_from_trailers(std::initializer_list<h2::Header> trailers, int http_status) {
  return status_from_trailers(std::span<const h2::Header>(trailers.begin(), trailers.size()),
                              http_status);
}

}  // namespace h2sim::grpc
