#include "proxy_under_test/policy.h"

#include "proxy_under_test/h2_relay.h"
#include "sim/assert.h"

namespace h2sim::proxy {

namespace {

using h2::ErrorCode;

constexpr std::string_view preset_origin = "built-in preset";

// How golang.org/x/net/http2 opens its connections, read in x/net 0.7.0 and seen in Caddy's own
// writes (strace, 2026-12-07; docs/fidelity.md "Caddy's backend connections", "What each proxy
// tells its clients" and "What each proxy tells its servers"). To clients, server.go: SETTINGS
// HEADER_TABLE_SIZE 4,096, MAX_CONCURRENT_STREAMS 250 (defaultMaxStreams), INITIAL_WINDOW_SIZE
// 2^20 (initialStreamRecvWindowSize), MAX_FRAME_SIZE 2^20 and MAX_HEADER_LIST_SIZE 1,048,896
// (http.DefaultMaxHeaderBytes and its 320 bytes of slack), then a WINDOW_UPDATE that opens the
// connection's window to 2^20 (initialConnRecvWindowSize). To a cleartext backend, transport.go
// newClientConn with AllowHTTP (h2c, which Caddy's and Traefik's h2c transports set): the first
// request on stream 3, leaving stream 1 to an upgraded request, SETTINGS ENABLE_PUSH 0,
// INITIAL_WINDOW_SIZE 4 MiB (transportDefaultStreamFlow) and MAX_HEADER_LIST_SIZE 10 MiB
// (defaultMaxHeaderListSize), then a WINDOW_UPDATE of 2^30 (transportDefaultConnFlow). Both
// presets opened their connections as h2sim's own relay until 2026-12-07.
// The transport keeps its connections in one pool per backend address for every client
// connection (client_conn_pool.go getClientConn: the first that can take a new request, else a
// new dial), and counts the server's SETTINGS_MAX_CONCURRENT_STREAMS
// (transport.go idleStateLocked). Live, Caddy 2.6.2 (2026-12-07): two calls while the server
// allowed one stream went on two backend connections (docs/fidelity.md "nghttpx opens another
// backend connection at the server's limit"). Until then each client connection had one of its
// own, and the second call waited on it as stream 5.
constexpr ProxyPolicy with_xnet_connections(ProxyPolicy p) {
  p.downstream_opening = {.header_table_bytes = 4096,
                          .max_concurrent_streams = 250,
                          .initial_window_bytes = 1048576,
                          .max_frame_bytes = 1048576,
                          .max_header_list_bytes = 1048896,
                          .connection_window_bytes = 1048576};
  p.upstream_opening = {.enable_push = 0,
                        .max_concurrent_streams = std::nullopt,
                        .initial_window_bytes = 4194304,
                        .max_header_list_bytes = 10485760,
                        .connection_window_bytes = 65535 + (1u << 30)};
  p.upstream_first_stream_id = 3;
  p.upstream_connections = 1000;  // no bound of its own: one for every call at the server's limit
  return p;
}

// nginx's connections. To clients (strace of nginx 1.22.1's writes, 2026-12-07): SETTINGS
// MAX_CONCURRENT_STREAMS 128 (http2_max_concurrent_streams), INITIAL_WINDOW_SIZE 65,536
// (http2_body_preread_size) and MAX_FRAME_SIZE 2^24 - 1, then a WINDOW_UPDATE that opens the
// connection's window to 2^31 - 1 (ngx_http_v2_init, NGX_HTTP_V2_MAX_WINDOW). nginx-1.18's are
// read and not measured (no 1.18 binary here): those defaults are as old as 1.11.0.
// Its backend connection, as ngx_http_grpc_module opens and reads it (strace of nginx
// 1.22.1's writes, 2026-12-07; docs/fidelity.md "nginx's backend reads"); nginx-1.18's as the
// module's connection start and grpc_buffer_size 4k are as old as it, 1.13.10. It tells servers
// SETTINGS HEADER_TABLE_SIZE 0, ENABLE_PUSH 0 and INITIAL_WINDOW_SIZE 2^31 - 1, then a
// WINDOW_UPDATE of 0x7fff0000 that opens the connection's window to 2^31 - 1; the preset had
// announced 65,535-byte windows, 100 streams and a 65,536-byte header list, so a server's large
// response waited for window updates the real nginx never needed. And
// ngx_http_upstream_process_non_buffered_request reads the backend into one buffer of
// grpc_buffer_size (4k, a page): the grpc filter hands what it held of a response's DATA to the
// client's stream, one DATA frame a buffer. Live (scenarios/nginx-sends-a-buffer-a-data-frame.textproto):
// a 40,009-byte message reached the client as frames of 4,053 (the server's SETTINGS ACK, HEADERS
// frame and a DATA frame header shared the first buffer), 4,096, 4,096, 4,096, 4,087 (a DATA
// header in that buffer), ... bytes, where the server sent 16,384-byte frames. A reset loses the
// DATA of its own buffer only (scenarios/nginx-passes-the-buffers-before-a-reset.textproto).
constexpr ProxyPolicy with_nginx_connections(ProxyPolicy p) {
  p.downstream_opening = {.max_concurrent_streams = 128,
                          .initial_window_bytes = 65536,
                          .max_frame_bytes = 16777215,
                          .max_header_list_bytes = std::nullopt,
                          .connection_window_bytes = 2147483647};
  p.upstream_opening = {.header_table_bytes = 0,
                        .enable_push = 0,
                        .max_concurrent_streams = std::nullopt,
                        .initial_window_bytes = 2147483647,
                        .max_header_list_bytes = std::nullopt,
                        .connection_window_bytes = 2147483647};
  p.upstream_read_bytes = 4096;
  return p;
}

// haproxy 2.6.12's SETTINGS (mux_h2.c h2c_send_settings: an entry only where its value is not the
// RFC's, ENABLE_PUSH 0 to servers only), as the presets' comments say, and its connection
// windows: 65,535 until its first WINDOW_UPDATE (after the first DATA it reads), which opens them to
// 2^31 - 1 (h2c_send_conn_wu). The model opens them with the first DATA it passes on.
constexpr h2::OpeningSettings haproxy_client_opening = {.max_concurrent_streams = 100,
                                                        .initial_window_bytes = std::nullopt,
                                                        .max_header_list_bytes = std::nullopt,
                                                        .enable_connect_protocol = 1,
                                                        .connection_window_bytes = 2147483647,
                                                        .connection_window_at_first_release = true};
constexpr h2::OpeningSettings haproxy_server_opening = {.enable_push = 0,
                                                        .max_concurrent_streams = 100,
                                                        .initial_window_bytes = std::nullopt,
                                                        .max_header_list_bytes = std::nullopt,
                                                        .enable_connect_protocol = 1,
                                                        .connection_window_bytes = 2147483647,
                                                        .connection_window_at_first_release = true};

constexpr ProxyPolicy all_presets[] = {
    {
        .name = "passthrough",
        .source = "RFC 9113 §8.1 done right (docs/behaviours.md §2.4): resets forwarded with their code after the response",
        .upstream_reset = UpstreamReset::forward_code,
    },
    {
        .name = "haproxy-2.6",
        .source = "docs/behaviours.md §1.2, §1.5, §1.6 (Debian 12 haproxy 2.6.12, no e87397bc7)",
        // §1.2 step 1: any received RST_STREAM, NO_ERROR included, is a server-side error.
        .upstream_reset = UpstreamReset::abort_call,
        // §1.2 step 3, h2_do_shutr(): REFUSED_STREAM if no HEADERS were sent, else CANCEL.
        .abort_reset_before_response_headers = ErrorCode::refused_stream,
        .abort_reset_after_response_headers = ErrorCode::cancel,
        .abort_reset_after_response_end = ErrorCode::cancel,
        // Live, haproxy 2.6.12: an upstream RST after response headers ends the client stream
        // with an empty DATA(END_STREAM), then RST(CANCEL) if the client is still uploading; no
        // RST if its END_STREAM was already in.
        .abort_ends_response_first = true,
        // Its 504 on `timeout server` (idle_timeout_ns) carries its own page, 92 bytes (live).
        .http_error_page = ErrorPage::haproxy,
        // §1.2 step 2 and §1.6 rows D/H: the response in the channel still reaches the client.
        .flush_response_before_reset = true,
        // §1.6 rows F/G: a client abort reaches the server as DATA(ES) then RST(CANCEL).
        .client_abort = ClientAbort::end_stream_then_cancel,
        // §1.6 row E: a complete response without RST leaves the stream open for the upload.
        .after_response = AfterResponse::wait_for_client,
        // What it tells clients (strace of haproxy 2.6.12's writes, 2026-12-07): SETTINGS
        // MAX_CONCURRENT_STREAMS 100 and ENABLE_CONNECT_PROTOCOL 1, windows of 65,535; with its
        // first WINDOW_UPDATE of a stream, one that raises the connection's window to 2^31 - 1.
        // Until 2026-12-07 the model raised it after the SETTINGS.
        .downstream_opening = haproxy_client_opening,
        // What it tells servers (the same strace): SETTINGS ENABLE_PUSH 0, MAX_CONCURRENT_STREAMS
        // 100 and ENABLE_CONNECT_PROTOCOL 1, windows of 65,535, no WINDOW_UPDATE at the start; the
        // connection's window opens as the client's (h2c_send_conn_wu serves both sides).
        .upstream_opening = haproxy_server_opening,
        // mux_h2.c: DATA on a stream that is neither open nor half-closed(local) is a stream error
        // STREAM_CLOSED (h2c_frt_handle_data, "RFC7540#6.1"), and a stream already released
        // (h2_closed_stream) is taken as closed by a reset it received, so DATA the client sent
        // before it saw haproxy's reset is answered with RST_STREAM(STREAM_CLOSED). Live, haproxy
        // 2.6.12 with the grpc-java client on a loaded machine (2026-12-06, docs/fidelity.md "Data
        // that crosses haproxy's reset"): the client's first message crossed the trailers and
        // RST(CANCEL), and haproxy answered it with RST(STREAM_CLOSED) 9 ms later.
        .reset_late_client_data = true,
        // §1.7 `option http-buffer-request`, off by default ("should definitely not be used by
        // default", doc/configuration.txt 2.6): with it the request waits "until either the whole
        // body is received or the request buffer is full". The buffer is tune.bufsize (16384)
        // less tune.maxrewrite (1024) by default; the headers' share of it is not modelled.
        .request_buffering_setting = true,
        .request_buffer_bytes = 15360,
        // mux_h2.c h2_avail_streams: a backend connection with none of the server's streams left
        // takes no new one, and the client connection's next request gets a connection of its own.
        // Live, haproxy 2.6.12 (2026-12-07, docs/fidelity.md "haproxy's second backend
        // connection"): the second call past a one-stream server left on a new connection.
        .upstream_connection_at_server_limit = true,
    },
    {
        .name = "haproxy-3.2",
        .source = "docs/behaviours.md §1.3, §1.4 (e87397bc7, v3.2.0)",
        .upstream_reset = UpstreamReset::abort_call,
        .abort_reset_before_response_headers = ErrorCode::refused_stream,
        .abort_reset_after_response_headers = ErrorCode::cancel,
        // §1.4 rule 4: a frontend stream whose END_STREAM was sent is reset with NO_ERROR.
        .abort_reset_after_response_end = ErrorCode::no_error,
        .http_error_page = ErrorPage::haproxy,  // as haproxy-2.6 (not measured on 3.2)
        .flush_response_before_reset = true,
        // §1.6 row F on 3.5-dev: the server gets RST(CANCEL) only.
        .client_abort = ClientAbort::cancel,
        // As haproxy-2.6: h2c_handle_data still answers DATA on a closed stream with STREAM_CLOSED.
        .reset_late_client_data = true,
        // As haproxy-2.6: §1.7 `option http-buffer-request`, off by default.
        .request_buffering_setting = true,
        .request_buffer_bytes = 15360,
        // As haproxy-2.6 (h2_avail_streams is unchanged in 3.2; not measured).
        .upstream_connection_at_server_limit = true,
    },
    // Its connections: with_nginx_connections.
    with_nginx_connections({
        .name = "nginx",
        .source = "docs/behaviours.md §3 (nginx >= 1.19.5, grpc_pass: ngx_http_grpc_module.c, ngx_http_v2.c)",
        // ngx_http_grpc_filter: a reset is an error only if the response is not done.
        .upstream_reset = UpstreamReset::abort_call,
        .ignore_reset_after_response = IgnoreResetAfterResponse::any,
        // ngx_http_v2_close_stream: RST(INTERNAL_ERROR) when the response was not finished.
        .abort_reset_after_response_headers = ErrorCode::internal_error,
        .abort_reset_after_response_end = ErrorCode::internal_error,
        // Before any response headers the request fails with 502 (C22).
        .abort_before_response_headers_http_status = 502,
        .http_error_page = ErrorPage::nginx_1_22,
        // Headers and the DATA of earlier reads reach the client; the DATA read with the reset
        // do not (live, nginx 1.22.1: 5 of 5 and 19 of 19 runs, docs/fidelity.md).
        .flush_response_before_reset = true,
        .data_read_with_reset = DataReadWithReset::dropped,
        .reset_queued_while_others_process = true,
        // With no `keepalive` in an upstream block each request has a backend connection of its
        // own, which ngx_http_upstream_finalize_request closes: a client's reset reaches the server
        // as that close, with no RST_STREAM. Live (nginx 1.22.1, 2026-12-07,
        // scenarios/nginx-closes-the-backend-connection-of-each-call.textproto): two calls on one
        // client connection reached the server as stream 1 of two connections, and a client's
        // CANCEL as nothing but the connection's end. The preset shared one backend connection per
        // client connection and passed CANCEL on until then.
        .client_abort = ClientAbort::close_connection,
        // ngx_http_v2_close_stream: RST(NO_ERROR) when out_closed && !in_closed.
        .after_response = AfterResponse::reset_no_error,
        .upstream_connection_per_call = true,
        // ngx_http_grpc_handler sets r->request_body_no_buffering = 1 whatever the configuration
        // (proxy_request_buffering, on by default, is proxy_pass's and does not apply): the
        // request streams. A body read before grpc_pass runs (the mirror module with
        // mirror_request_body on, as nginx's tests of a buffered grpc request do) is read whole, to a
        // temporary file past client_body_buffer_size: no bound short of the END_STREAM.
        .request_buffering_setting = true,
    }),
    // As nginx's connections (with_nginx_connections; not measured).
    with_nginx_connections({
        .name = "nginx-1.18",
        .source = "docs/behaviours.md §3, §4 A7 (before 4c8abb84e/671cbc184: ticket #1792)",
        // "upstream rejected request with error 0": any reset fails the request, even after
        // END_STREAM, and the response in the same read is not sent.
        .upstream_reset = UpstreamReset::abort_call,
        .abort_reset_after_response_headers = ErrorCode::internal_error,
        .abort_reset_after_response_end = ErrorCode::internal_error,
        .abort_before_response_headers_http_status = 502,
        .http_error_page = ErrorPage::nginx_1_18,
        .flush_response_before_reset = false,
        // As nginx: a backend connection of its own for each request, closed when it ends.
        .client_abort = ClientAbort::close_connection,
        .after_response = AfterResponse::reset_no_error,
        .upstream_connection_per_call = true,
        // As nginx: grpc_pass streams the request; a mirror before it reads the body whole.
        .request_buffering_setting = true,
    }),
    {
        .name = "nghttpx",
        .source = "docs/behaviours.md §3 (shrpx_http2_session.cc, shrpx_http2_upstream.cc @692c8d8f)",
        .upstream_reset = UpstreamReset::forward_code,
        // on_stream_close_callback: NO_ERROR on a MSG_COMPLETE response is normal completion.
        .ignore_reset_after_response = IgnoreResetAfterResponse::no_error,
        // infer_upstream_rst_stream_error_code: CANCEL and the rest become INTERNAL_ERROR (A6).
        .forwarded_codes = ForwardedCodes::nghttpx,
        // What it has not written when the server's reset arrives goes with the reset: headers,
        // message and reset read together reached the client as the reset alone (live, nghttpx
        // 1.52, scenarios/nghttpx-drops-response-read-with-reset.textproto), and grpc-go read a
        // message cut short where the rest of it came with the reset (docs/fidelity.md item 18).
        .flush_response_before_reset = false,
        // A client's reset reaches the server as RST_STREAM(INTERNAL_ERROR): the default code of
        // Http2DownstreamConnection::submit_rst_stream. Live (nghttpx 1.52, 2026-12-07): a
        // client's CANCEL and grpc-core's ENHANCE_YOUR_CALM both left as INTERNAL_ERROR
        // (scenarios/nghttpx-resets-the-backend-stream-with-internal-error.textproto). Before, the
        // preset passed the client's code on.
        .client_abort = ClientAbort::internal_error,
        // on_frame_send_callback: RST(NO_ERROR) right after any END_STREAM to a client that has
        // not closed ("to finish off incomplete request", 36a8f245).
        .after_response = AfterResponse::reset_no_error,
        // Its SETTINGS to clients (strace of nghttpx 1.52's writes, 2026-12-07): MAX_CONCURRENT_STREAMS
        // 100, INITIAL_WINDOW_SIZE 65,535, NO_RFC7540_PRIORITIES 1 and ENABLE_CONNECT_PROTOCOL 1,
        // and no WINDOW_UPDATE of the connection. To servers (the same strace): MAX_CONCURRENT_STREAMS
        // 100, INITIAL_WINDOW_SIZE 65,535 and NO_RFC7540_PRIORITIES 1, then a WINDOW_UPDATE that
        // opens the connection's window to 2^31 - 1 (--backend-connection-window-size). Until
        // 2026-12-07 the preset opened both as h2sim's relay: a MAX_HEADER_LIST_SIZE of 65,536
        // nghttpx does not send, and a backend connection window of 65,535. With
        // NO_RFC7540_PRIORITIES nghttp2 keeps no closed streams, so HEADERS on a stream the client
        // reset goes unanswered, live and here (scenarios/hostile-headers-on-closed-stream-through-nghttpx.textproto);
        // a client that does not announce it gets RFC 7540's priorities (model/h2/endpoint.cc).
        .downstream_opening = {.max_concurrent_streams = 100,
                               .initial_window_bytes = 65535,
                               .max_header_list_bytes = std::nullopt,
                               .enable_connect_protocol = 1,
                               .no_rfc7540_priorities = 1},
        .upstream_opening = {.max_concurrent_streams = 100,
                             .initial_window_bytes = 65535,
                             .max_header_list_bytes = std::nullopt,
                             .no_rfc7540_priorities = 1,
                             .connection_window_bytes = 2147483647},
        // One backend connection for every client connection: a worker keeps its HTTP/2 backend
        // sessions per backend address and puts each request on one with room, opening another
        // only when all are full. Live (nghttpx 1.52, one worker as h2sim runs it, 2026-12-06):
        // two client connections' calls left on one backend connection as streams 1 and 3, and a
        // call on a client connection opened after the first had closed went there as stream 3
        // (docs/fidelity.md "nghttpx shares its backend connection"). Before, the preset opened one
        // per client connection.
        .upstream_connections = 100,
    },
    {
        .name = "envoy-2024",
        .source = "docs/behaviours.md §3, §4 A2-A5 (envoy#38206, #30149, #36200, #13349; before PR #44749)",
        // Any upstream reset resets the downstream stream...
        .upstream_reset = UpstreamReset::abort_call,
        // ...as a LocalReset, which reasonToReset() encodes as NO_ERROR (A4).
        .abort_reset_before_response_headers = ErrorCode::no_error,
        .abort_reset_after_response_headers = ErrorCode::no_error,
        .abort_reset_after_response_end = ErrorCode::no_error,
        // The buffered response tail is discarded (A2, A3).
        .flush_response_before_reset = false,
        // Client reset reasons are not propagated (A5).
        .client_abort = ClientAbort::no_error,
        // HCM: local complete, remote not complete -> downstream LocalReset (NO_ERROR).
        .after_response = AfterResponse::reset_no_error,
    },
    with_xnet_connections({
        .name = "go-proxy",
        .source = "docs/behaviours.md §3 (golang/net http2 transport.go, pipe.go, server.go: Traefik v2+, Caddy v2)",
        // END_STREAM closes the body pipe with EOF+trailers; a later RST is a no-op.
        .upstream_reset = UpstreamReset::forward_code,
        .ignore_reset_after_response = IgnoreResetAfterResponse::any,
        // The handler finished while the request body is open: RST(NO_ERROR) (5602c733).
        .after_response = AfterResponse::reset_no_error,
        // server.go processData: DATA after that reset was written gets RST(STREAM_CLOSED).
        .reset_late_client_data = true,
    }),
    with_xnet_connections({
        .name = "caddy-2.6",
        .source = "docs/behaviours.md §6.1 (Debian 12 caddy 2.6.2: reverseproxy.go finalizeResponse on golang.org/x/net/http2 0.7.0)",
        // transport.go processResetStream: a reset closes the body pipe with the error, and the
        // body read in streaming.go copyBuffer fails...
        .upstream_reset = UpstreamReset::abort_call,
        // ...unless endStream already closed the pipe with EOF and the trailers (pipe.go
        // closeWithError keeps the first error): a reset after END_STREAM changes nothing.
        .ignore_reset_after_response = IgnoreResetAfterResponse::any,
        // Before response headers the round trip fails and Caddy answers 502 itself, with the
        // status alone (server.go ServeHTTP: WriteHeader(errStatus), no error routes).
        .abort_before_response_headers_http_status = 502,
        .http_error_page = ErrorPage::none,
        // After them finalizeResponse logs "aborting with incomplete response" and returns nil:
        // the handler ends normally, so the x/net server ends the stream with an empty
        // DATA(END_STREAM) and no trailers, whatever the client's state. That frame is its own
        // (server.go writeChunk once the handler is done): every message before it was flushed,
        // and writeDataFromHandler waited for its write (live: docs/fidelity.md item 22).
        .end_response_on_abort = true,
        // pipe.go Read hands out buffered bytes before the error.
        .flush_response_before_reset = true,
        // A client reset cancels the request's context; the transport's cleanupWriteRequest
        // resets the server's stream with CANCEL.
        .client_abort = ClientAbort::cancel,
        // server.go wroteFrame: the handler is done and the request body is open, so
        // RST(NO_ERROR) follows the END_STREAM (5602c733).
        .after_response = AfterResponse::reset_no_error,
        // server.go processData: the client's DATA processed after that reset was written finds
        // the stream closed and is answered with RST(STREAM_CLOSED) (live: docs/fidelity.md
        // item 23, the three frames in one write when the handler ended first).
        .reset_late_client_data = true,
    }),
    {
        .name = "apache-2.4",
        .source = "docs/behaviours.md §6.2 (Debian 12 apache2 2.4.71, mod_http2 2.0.42: h2_proxy_session.c, mod_proxy_http2.c, h2_stream.c)",
        .upstream_reset = UpstreamReset::abort_call,
        // h2_proxy_session.c ev_stream_done: a stream closed with error code 0 is a success.
        .ignore_reset_after_response = IgnoreResetAfterResponse::no_error,
        // ev_stream_done: a failed stream that forwarded response DATA gets an error bucket
        // (ap_map_http_request_error(APR_EINVAL, 400)), which h2_stream.c
        // stream_do_error_bucket turns into RST(STREAM_CLOSED).
        .abort_reset_after_response_headers = ErrorCode::stream_closed,
        .abort_reset_after_response_end = ErrorCode::stream_closed,
        // mod_proxy_http2.c request_done: a failed stream with no response DATA forwarded
        // leaves the handler with HTTP_BAD_GATEWAY, and Apache answers with its 502 page.
        .abort_before_response_headers_http_status = 502,
        .http_error_page = ErrorPage::apache_2_4,
        // Apache's own error document (ap_send_error_response) is sent with this type.
        .http_error_content_type = "text/html; charset=iso-8859-1",
        .flush_response_before_reset = true,
        // ...except the DATA read with the reset, which races the error bucket through the beam
        // (the policy field's comment).
        .data_read_with_reset = DataReadWithReset::sometimes_dropped,
        // A client reset aborts the request's connection; h2_proxy_session.c cancel_iter
        // resets the server's stream with code 0.
        .client_abort = ClientAbort::no_error,
        // h2_session.c on_stream_state_enter(CLOSED_L) and h2_stream.c h2_stream_on_output_change:
        // a response delivered to a stream the client has not closed ends with RST(NO_ERROR).
        .after_response = AfterResponse::reset_no_error,
        // h2_proxy_stream_end_headers_out runs at the first DATA (stream_response_data) or at
        // the stream's close (ev_stream_done); the EOS only at the close.
        .hold_response_until_upstream_closed = true,
        // submit_stream attaches a body provider to every request: an empty request's
        // END_STREAM follows its HEADERS in an empty DATA (measured live, 10 of 10 runs).
        .request_end_in_data = true,
        // What it tells clients (strace of apache2 2.4.71's writes, 2026-12-07): SETTINGS
        // MAX_CONCURRENT_STREAMS 100 (H2MaxSessionStreams) alone, windows of 65,535 (H2WindowSize),
        // then a WINDOW_UPDATE that opens the connection's window to 2^31 - 1.
        .downstream_opening = {.max_concurrent_streams = 100,
                               .initial_window_bytes = std::nullopt,
                               .max_header_list_bytes = std::nullopt,
                               .connection_window_bytes = 2147483647},
        // mod_proxy_http2.c sets up each backend session with window bits 30 for the connection
        // and log2(req_buffer_size = 32 KiB) = 15 for streams, and h2_proxy_session.c
        // session_start announces ENABLE_PUSH 0 and (1 << bits) - 1: INITIAL_WINDOW_SIZE 32,767,
        // then a WINDOW_UPDATE to 2^30 - 1 (live: a server's 40,009-byte message stops at 32,767
        // bytes until Apache's WINDOW_UPDATE, docs/fidelity.md item 27; its SETTINGS, nothing
        // more, in the strace of 2026-12-07).
        .upstream_opening = {.enable_push = 0,
                             .max_concurrent_streams = std::nullopt,
                             .initial_window_bytes = 32767,
                             .max_header_list_bytes = std::nullopt,
                             .connection_window_bytes = (1u << 30) - 1},
        // mod_proxy_http2.c proxy_http2_handler runs each request on a backend connection of
        // its own, taken from the worker's pool (ap_proxy_acquire_connection) and given back
        // when the request is done; 2.0.42 has no request engines any more, so a connection
        // never carries two requests at once (Debian's module has no engine code). The pool
        // holds ThreadsPerChild (25 in Debian's mpm_event.conf) connections. Live: four
        // concurrent calls opened four backend connections, each with stream 1, in an order
        // Apache's worker threads chose (docs/fidelity.md item 29).
        .upstream_connections = 25,
        .upstream_max_concurrent_streams = 1,
    },
    {
        .name = "h2o-2.2",
        .source = "docs/behaviours.md §3, §4 A8 (h2o#3566 description, before 4630405fd)",
        // RST(NO_ERROR) becomes RST(STREAM_CLOSED), aborting the stream...
        .upstream_reset = UpstreamReset::forward_code,
        .forwarded_codes = ForwardedCodes::no_error_as_stream_closed,
        // ...and failing to flush pending body bytes.
        .flush_response_before_reset = false,
    },
    {
        .name = "hyper-h2-old",
        .source = "docs/behaviours.md §3, §4 B13 (hyperium/hyper#4130, before h2#922)",
        // HEADERS(ES)+RST(NO_ERROR) loses the END_STREAM state: HEADERS, empty DATA(ES), RST.
        .upstream_reset = UpstreamReset::forward_code,
        .reframe_trailers_only = true,
    },
    {
        .name = "traefik-oxy",
        .source = "docs/behaviours.md §4 B14, B15 (traefik#1639, #1805, #4181): unannounced trailers not proxied",
        .upstream_reset = UpstreamReset::forward_code,
        .ignore_reset_after_response = IgnoreResetAfterResponse::any,
        .trailers = Trailers::drop,
    },
    {
        .name = "citrix-adc",
        .source = "docs/behaviours.md §4 B17 (grpc/grpc-dotnet#2062): error status re-emitted as grpc-status 0",
        .upstream_reset = UpstreamReset::forward_code,
        .trailers = Trailers::launder_to_ok,
    },
};

}  // namespace

std::span<const ProxyPolicy> presets() { return all_presets; }

const ProxyPolicy* find_preset(std::string_view name) {
  for (const ProxyPolicy& p : all_presets) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::string known_presets() {
  std::string out;
  for (const ProxyPolicy& p : all_presets) {
    if (!out.empty()) out += ", ";
    out += p.name;
  }
  return out;
}

}  // namespace h2sim::proxy

namespace h2sim::proxy {

ProxyPolicy with_config(const ProxyPolicy& preset, const ProxyConfig& c) {
  ProxyPolicy policy = preset;
  if (c.max_requests_per_connection) policy.max_requests_per_connection = *c.max_requests_per_connection;
  if (c.goaway_graceful) policy.goaway_graceful = *c.goaway_graceful;
  if (c.idle_timeout_ns) policy.idle_timeout_ns = *c.idle_timeout_ns;
  if (c.downstream_window_bytes) policy.downstream_opening.initial_window_bytes = *c.downstream_window_bytes;
  if (c.upstream_window_bytes) policy.upstream_opening.initial_window_bytes = *c.upstream_window_bytes;
  if (c.downstream_max_concurrent_streams) {
    policy.downstream_opening.max_concurrent_streams = *c.downstream_max_concurrent_streams;
  }
  if (c.upstream_connections && policy.upstream_connection_per_call) {
    // nginx's `keepalive N`, as h2sim live configures it. Live (nginx 1.22.1, 2026-12-07,
    // scenarios/nginx-keepalive-reuses-idle-backend-connections.textproto): calls at once still
    // went on a connection each, stream 1; a later call took an idle one as stream 3; and a
    // client's CANCEL still closed its call's connection with no RST_STREAM. Until then the
    // scenario's pool multiplexed the calls on one connection and passed the CANCEL on.
    policy.upstream_keepalive_connections = *c.upstream_connections;
  } else if (c.upstream_connections) {
    policy.upstream_connections = *c.upstream_connections;
  }
  if (c.upstream_max_concurrent_streams) policy.upstream_max_concurrent_streams = *c.upstream_max_concurrent_streams;
  if (c.request_buffering) policy.request_buffering = *c.request_buffering;
  return policy;
}

bool is_preset(const ProxyEntry& entry) { return entry.origin == preset_origin; }

void add_presets(ProxyRegistry& registry) {
  for (const ProxyPolicy& preset : presets()) {
    ProxyEntry entry;
    entry.name = std::string(preset.name);
    entry.version = "built-in";
    entry.description = std::string(preset.source);
    entry.origin = std::string(preset_origin);
    // Presets take every standard setting; none reads free-form settings, and request buffering
    // only those whose real proxy can be configured to buffer.
    entry.config_fields = config_all & ~config_settings;
    if (!preset.request_buffering_setting) entry.config_fields &= ~config_request_buffering;
    entry.factory = [&preset](const ProxyConfig& config) {
      return std::make_unique<H2Relay>(with_config(preset, config));
    };
    std::string error;
    H2SIM_ASSERT(registry.add(std::move(entry), &error));
  }
}

}  // namespace h2sim::proxy
