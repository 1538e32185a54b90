// A ProxyPolicy says what the built-in relay does at every fork where real proxies differ.
// Presets are values of it, each field citing docs/behaviours.md (the "§" numbers; the
// catalogue entries of §4 are named A1, B11, ...).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <h2sim/proxy.h>

#include "model/h2/frame.h"
#include "model/h2/settings.h"

namespace h2sim::proxy {

// The page a proxy's own HTTP error response (abort_before_response_headers_http_status, 504 on
// idle_timeout_ns) carries: its body decides the length of the DATA frame a client reads, which
// the live comparison checks (bodies captured from the tap with strace, 2026-12-07).
enum class ErrorPage : uint8_t {
  // No body: the status HEADERS alone, with END_STREAM (Caddy's server.go ServeHTTP writes only
  // the status when no error routes are configured).
  none,
  // A short page of h2sim's own, for presets whose page was never measured.
  generic,
  // haproxy's built-in error messages (one line of text under the heading): 92 bytes for 504
  // from Debian's haproxy 2.6.12 (live, `timeout server`, 2026-12-08).
  haproxy,
  // nginx's built-in pages (ngx_http_special_response.c: the status page, then the tail naming
  // the version, server_tokens on): 157 bytes for 502 from Debian's nginx 1.22.1.
  nginx_1_22,
  nginx_1_18,
  // Apache's error document (http_protocol.c ap_send_error_response, with the HTML 4.01 doctype
  // of 2.4.71 and no signature): 272 bytes for 502 from Debian's apache2 2.4.71.
  apache_2_4,
};

// The body of `page` for `status`, or empty for ErrorPage::none.
std::string error_page_body(ErrorPage page, uint32_t status);

// What an RST_STREAM from the server does to the call.
enum class UpstreamReset : uint8_t {
  // The call is torn down whatever the code, like any server-side error (HAProxy §1.2 step 1:
  // h2c_handle_rst_stream never looks at the code). The client side is then reset unless its
  // stream is already closed, with a code chosen by the abort_reset_* fields.
  abort_call,
  // The code is forwarded (through forwarded_codes) once the response tail has left
  // (RFC 9113 §8.1: RST(NO_ERROR) after a complete response asks the client to stop sending).
  forward_code,
};

// What becomes of response DATA that arrived in the read that carried the server's reset, when
// the call is aborted by it (abort_call, response headers already passed on).
enum class DataReadWithReset : uint8_t {
  // It leaves as all relayed data does (flush_response_before_reset decides whether before the
  // reset).
  relayed,
  // nginx (ngx_http_upstream_process_non_buffered_request: the grpc input filter fails on the
  // RST_STREAM, and the DATA it parsed from the same read never reach the output filter): headers
  // already passed on still leave, then the reset. Measured live on nginx 1.22.1 (docs/fidelity.md,
  // "nginx drops the response read with a reset").
  dropped,
  // Apache (mod_proxy_http2 passes each DATA chunk to the client's stream through mod_http2's
  // beam from its worker thread, then the stream's error bucket; the main connection's thread
  // either sends what it took from the beam before the error bucket came, or meets both at once
  // and resets first, and nghttp2 drops the stream's unsent DATA): a choice (Label::write),
  // answer 0 relayed. Measured live on Apache 2.4.71, a 40,000-byte message cut by the server's
  // reset after Apache's 32,767-byte window: 4 of 5 runs dropped the tail (docs/fidelity.md
  // item 27).
  sometimes_dropped,
};

// Which upstream resets are ignored once the server's END_STREAM has arrived.
enum class IgnoreResetAfterResponse : uint8_t {
  none,
  no_error,  // nghttpx §3: NO_ERROR after MSG_COMPLETE is a normal completion
  any,       // nginx >= 1.19.5 (error only if !ctx->done), Go transport (pipe already closed)
};

// How forward_code maps the server's reset code to the one the client gets.
enum class ForwardedCodes : uint8_t {
  same,
  // nghttpx infer_upstream_rst_stream_error_code (§3, A6): NO_ERROR and REFUSED_STREAM kept,
  // everything else (CANCEL included) becomes INTERNAL_ERROR.
  nghttpx,
  // h2o before #3566 (§3, A8): NO_ERROR is forwarded as STREAM_CLOSED.
  no_error_as_stream_closed,
};

// How a client's RST_STREAM reaches the server.
enum class ClientAbort : uint8_t {
  forward_code,           // the same code
  end_stream_then_cancel, // DATA(len 0, END_STREAM) then RST(CANCEL): HAProxy 2.6 §1.6 row F
  cancel,                 // RST(CANCEL): HAProxy 3.0+ §1.6 row F
  no_error,               // Envoy (A5, envoy#13349): the reason is not propagated
  // nghttpx: the backend stream is reset as its downstream connection is detached, with
  // Http2DownstreamConnection::submit_rst_stream's default code, whatever the client said.
  internal_error,
  // nginx with its own backend connection for the call (upstream_connection_per_call): the
  // request is finalized and its backend connection closed, with no RST_STREAM.
  close_connection,
};

// What the proxy does once it has sent the complete response while the client still uploads.
enum class AfterResponse : uint8_t {
  wait_for_client,  // HAProxy §1.6 row E: the stream stays open until the client finishes
  // nginx ngx_http_v2_close_stream (out_closed && !in_closed), nghttpx on_frame_send_callback,
  // Go x/net server (5602c733), Envoy HCM local reset (§3): RST(NO_ERROR) to the client, and the
  // server's stream is cancelled.
  reset_no_error,
};

// What happens to the server's trailers on their way to the client.
enum class Trailers : uint8_t {
  forward,
  // Traefik/oxy, Go ReverseProxy with unannounced trailers (B15): not proxied; the response
  // ends with an empty DATA(END_STREAM).
  drop,
  // Citrix ADC (B17, grpc-dotnet#2062): the status is laundered to grpc-status 0.
  launder_to_ok,
};

// How a pool of upstream connections picks the one a new call goes on.
enum class UpstreamPooling : uint8_t {
  // Envoy's HTTP/2 connection pool (source/common/http/conn_pool_base.cc): the first connection
  // with a free stream slot, a new one while the pool is below its size, else the least busy.
  fill_first,
  // nginx's upstream round robin (ngx_http_upstream_round_robin.c) over keepalive connections:
  // each call on the next connection in turn.
  round_robin,
};

struct ProxyPolicy {
  std::string_view name;
  std::string_view source;
  UpstreamReset upstream_reset = UpstreamReset::forward_code;
  IgnoreResetAfterResponse ignore_reset_after_response = IgnoreResetAfterResponse::none;
  ForwardedCodes forwarded_codes = ForwardedCodes::same;
  // abort_call: the code that resets a client stream that is not closed yet.
  h2::ErrorCode abort_reset_before_response_headers = h2::ErrorCode::refused_stream;
  h2::ErrorCode abort_reset_after_response_headers = h2::ErrorCode::cancel;
  h2::ErrorCode abort_reset_after_response_end = h2::ErrorCode::cancel;
  // When the call is aborted after response headers went out and before the response's end,
  // end the response with an empty DATA(END_STREAM) first, then reset the client stream (with
  // abort_reset_after_response_end) only if the client is still uploading: a client that had sent
  // its END_STREAM sees a response without trailers and no reset. HAProxy 2.6's h2_do_shutw, then
  // h2_do_shutr (docs/behaviours.md §1.2, "Live correction"), measured on Debian's haproxy 2.6.12
  // by h2sim live --differential both ways: scenarios/regression-haproxy26-abort-after-client-ended
  // and regression-haproxy26-abort-ends-response-then-cancels.
  bool abort_ends_response_first = false;
  // Before any response headers, answer an aborted call with this HTTP status (502: nginx's
  // "upstream prematurely closed", C22) instead of a reset; 0 keeps the reset.
  uint32_t abort_before_response_headers_http_status = 0;
  // The page the proxy's own HTTP error responses (the status above, 504 on idle_timeout_ns)
  // carry.
  ErrorPage http_error_page = ErrorPage::generic;
  // That page's content-type, which grpc-go and grpc-java put in their words: nginx's "text/html";
  // Apache's error documents "text/html; charset=iso-8859-1" (measured live, 2026-12-05).
  std::string_view http_error_content_type = "text/html";
  // When the call is aborted after response headers, end the response with an empty
  // DATA(END_STREAM) of its own whatever the client's state (Caddy: the handler returns normally after a
  // failed body copy, docs/behaviours.md §6.1); the after_response rule then applies.
  bool end_response_on_abort = false;
  // The response already received is forwarded before the client stream is reset
  // (HAProxy §1.2 step 2, §1.6 rows D and H); false drops the unflushed tail (Envoy A2/A3,
  // h2o A8).
  bool flush_response_before_reset = true;
  // The response DATA that arrived in the read that carried the server's reset (abort_call).
  DataReadWithReset data_read_with_reset = DataReadWithReset::relayed;
  // nginx (ngx_http_v2_close_stream queues its RST_STREAM, and posts the connection handler that
  // writes the queue only when no other stream is still processing): while another call of the
  // connection is still relayed, the reset of an aborted client stream waits for the connection's
  // next event: the client's next frame, or another call's response (modelled as the next read
  // from the server); a connection with neither never sends it. Measured live on nginx 1.22.1
  // (docs/fidelity.md, "nginx drops the response read with a reset"): with one call the reset
  // leaves at once; with another call waiting, right after the client's next DATA, in the write
  // of the other call's response headers, or never.
  bool reset_queued_while_others_process = false;
  ClientAbort client_abort = ClientAbort::forward_code;
  AfterResponse after_response = AfterResponse::wait_for_client;
  // Apache mod_proxy_http2 (docs/behaviours.md §6.2): response headers leave with the first
  // DATA, or when the server's stream closes; the response's end (trailers, END_STREAM) leaves
  // only when that stream closes, i.e. once the server has reset it or the client's END_STREAM
  // has been forwarded. A trailers-only response waits for the client's upload to end.
  bool hold_response_until_upstream_closed = false;
  // Apache mod_proxy_http2 (h2_proxy_session.c submit_stream: every request is submitted with a
  // body provider): the request's END_STREAM always leaves in a DATA frame, so a request without
  // messages goes upstream as HEADERS and an empty DATA(END_STREAM), never as HEADERS(END_STREAM).
  // Measured live (scenarios/apache-empty-request-ends-in-data.textproto): a grpc-java server,
  // which misses an END_STREAM on HEADERS, sees this one and answers.
  bool request_end_in_data = false;
  Trailers trailers = Trailers::forward;
  // hyper/h2 before #922 (B13), nginx < 1.13.10 and nghttpx 2016 (B11, B12): a trailers-only
  // response is re-framed as HEADERS without END_STREAM and an empty DATA(END_STREAM).
  bool reframe_trailers_only = false;
  // Connection limits (§4 D27-D31): after this many requests on one client connection the proxy
  // sends GOAWAY, gracefully (a shutdown notice first, the final GOAWAY one idle period later) or
  // abruptly (GOAWAY naming the last stream at once). 0: no limit.
  uint32_t max_requests_per_connection = 0;
  bool goaway_graceful = true;
  // What the proxy says as it opens a client's connection and a server's: its SETTINGS and the
  // connection window it opens with a WINDOW_UPDATE after them (§5 flow control on both sides).
  // The defaults are h2sim's own relay's; each preset states its real proxy's, as strace of that
  // proxy's writes saw them (docs/fidelity.md "What each proxy tells its clients" and "What each
  // proxy tells its servers").
  h2::OpeningSettings downstream_opening = {};
  h2::OpeningSettings upstream_opening = {};
  // The proxy reads a server's connection through a buffer of this many bytes and sends what one
  // buffer held of a response's DATA as one DATA frame (nginx: grpc_buffer_size, one memory page
  // by default). 0: a response's DATA goes on as the client's window and frame size allow.
  uint32_t upstream_read_bytes = 0;
  // The id of the first stream on each upstream connection (odd).
  int32_t upstream_first_stream_id = 1;
  // A call with no frame in either direction for this long is killed (C26: HAProxy
  // `timeout server`, nginx grpc_read_timeout): 504 before response headers, RST(CANCEL) to both
  // sides after. 0: no timeout.
  uint64_t idle_timeout_ns = 0;
  // Upstream connections (§5): 0 gives each client connection an upstream connection of its own
  // (HAProxy's default `http-reuse safe` keeps a backend connection to its frontend's streams);
  // N shares a pool of at most N among every client connection (Envoy's per-cluster pool,
  // nginx `keepalive N`), picked as upstream_pooling says, with at most
  // upstream_max_concurrent_streams streams on one before another is used.
  uint32_t upstream_connections = 0;
  UpstreamPooling upstream_pooling = UpstreamPooling::fill_first;
  uint32_t upstream_max_concurrent_streams = 100;
  // nginx with no `keepalive` in an upstream block (its default, and h2sim's live configuration):
  // each call opens a backend connection of its own, which closes when the call ends. Overrides
  // upstream_connections.
  bool upstream_connection_per_call = false;
  // With upstream_connection_per_call, nginx's `keepalive N` (a scenario's upstream_connections):
  // a connection whose call ended cleanly (both END_STREAMs) waits idle for a later call instead
  // of closing, the most recently freed taken first, at most this many; the oldest past them
  // closes (ngx_http_upstream_keepalive_module: the cache is a queue, freed connections go to its
  // head). A call still never shares its connection with another. 0: every one closes.
  uint32_t upstream_keepalive_connections = 0;
  // Go's x/net server (server.go processData) and haproxy (mux_h2.c): DATA that reaches a client
  // stream after the proxy's RST_STREAM of it was written (the client sent it before it saw the
  // reset) is answered with RST_STREAM(STREAM_CLOSED); while the reset is still queued the DATA is
  // dropped quietly. nghttp2 (nghttpx) and nginx drop it either way. A grpc-js client lets that
  // second reset turn an OK it already has into INTERNAL (docs/fidelity.md item 23).
  bool reset_late_client_data = false;
  // Request buffering (docs/fidelity.md, "Request buffering"): the request's headers and DATA
  // wait in the proxy, the server's stream not yet opened, until the client's END_STREAM arrives
  // or request_buffer_bytes of DATA wait (0: no bound short of the END_STREAM); then all of it
  // leaves at once and the rest streams. The proxy reads what it holds (the client's window
  // reopens). Off in every preset, as in each real proxy's default configuration; a scenario
  // switches it on only where the real proxy has the setting (request_buffering_setting).
  bool request_buffering = false;
  bool request_buffering_setting = false;
  uint32_t request_buffer_bytes = 0;
  // Without a pool: once the client connection's upstream connections are all at the server's
  // SETTINGS_MAX_CONCURRENT_STREAMS (100 until they arrive), its next call gets another (haproxy,
  // measured). Otherwise nghttp2 queues the stream until the server's limit lets it start.
  bool upstream_connection_at_server_limit = false;
};

// The presets, in the order `h2sim presets` lists them.
std::span<const ProxyPolicy> presets();
const ProxyPolicy* find_preset(std::string_view name);
// A preset with the scenario's configuration applied over its defaults.
ProxyPolicy with_config(const ProxyPolicy& preset, const ProxyConfig& config);
// Registers every preset (a built-in H2Relay each) in `registry`.
void add_presets(ProxyRegistry& registry);
// Whether `entry` is one of the presets add_presets registers (not a plug-in's or a binary's own).
bool is_preset(const ProxyEntry& entry);
// "passthrough, haproxy-2.6, ..." for error messages.
std::string known_presets();

}  // namespace h2sim::proxy
