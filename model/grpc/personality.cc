#include "model/grpc/personality.h"

namespace h2sim::grpc {

namespace {

// What each library says as its connection opens, as the tap saw it on 2026-12-06 (tshark on
// loopback, scenarios/founding-case.textproto through nghttpx with each peer; docs/fidelity.md
// "What each stack says as a connection opens"). A SETTINGS entry left out keeps its RFC value.
//
// grpc-core 1.51.1 (grpc++ and grpcio) as a client: ENABLE_PUSH 0, MAX_CONCURRENT_STREAMS 0,
// INITIAL_WINDOW_SIZE 4,194,303, MAX_FRAME_SIZE 4,194,303, MAX_HEADER_LIST_SIZE 8,192 and
// GRPC_ALLOW_TRUE_BINARY_METADATA (0xfe03) 1, then WINDOW_UPDATE 4,128,768 on the connection.
constexpr h2::OpeningSettings grpc_core_client_settings = {
    .enable_push = 0,
    .max_concurrent_streams = 0,
    .initial_window_bytes = 4194303,
    .max_frame_bytes = 4194303,
    .max_header_list_bytes = 8192,
    .extension_id = 0xfe03,
    .extension_value = 1,
    .connection_window_bytes = 4194303,
};
// A library's SETTINGS as a server: its client's without ENABLE_PUSH, with its own stream limit.
// Built afresh, not by assigning to the copy's optionals: clang rejects resetting an engaged
// std::optional (libstdc++ 12) in a constant expression.
constexpr h2::OpeningSettings as_server(const h2::OpeningSettings& c, std::optional<uint32_t> max_concurrent_streams) {
  return {
      .enable_push = std::nullopt,
      .max_concurrent_streams = max_concurrent_streams,
      .initial_window_bytes = c.initial_window_bytes,
      .max_frame_bytes = c.max_frame_bytes,
      .max_header_list_bytes = c.max_header_list_bytes,
      .extension_id = c.extension_id,
      .extension_value = c.extension_value,
      .connection_window_bytes = c.connection_window_bytes,
  };
}
// grpc-core as a server: no stream limit.
constexpr h2::OpeningSettings grpc_core_server_settings = as_server(grpc_core_client_settings, std::nullopt);
// grpc-java 1.41.3 (Netty) as a client: ENABLE_PUSH 0, MAX_CONCURRENT_STREAMS 0,
// INITIAL_WINDOW_SIZE 1,048,576, MAX_HEADER_LIST_SIZE 8,192, then WINDOW_UPDATE 983,041; as a
// server MAX_CONCURRENT_STREAMS 2,147,483,647 and the rest the same.
constexpr h2::OpeningSettings grpc_java_client_settings = {
    .enable_push = 0,
    .max_concurrent_streams = 0,
    .initial_window_bytes = 1048576,
    .max_header_list_bytes = 8192,
    .connection_window_bytes = 1048576,
};
constexpr h2::OpeningSettings grpc_java_server_settings = as_server(grpc_java_client_settings, 2147483647);
// An empty SETTINGS frame.
constexpr h2::OpeningSettings empty_settings = {
    .max_concurrent_streams = std::nullopt,
    .initial_window_bytes = std::nullopt,
    .max_header_list_bytes = std::nullopt,
};
constexpr h2::OpeningSettings with_max_frame(h2::OpeningSettings s, uint32_t bytes) {
  s.max_frame_bytes = bytes;
  return s;
}
constexpr h2::OpeningSettings with_window(h2::OpeningSettings s, uint32_t bytes) {
  s.initial_window_bytes = bytes;
  return s;
}
// grpc-go 1.33.3: an empty SETTINGS as a client, MAX_FRAME_SIZE 16,384 alone as a server. No
// WINDOW_UPDATE at the start (its BDP probe opens the windows later; not modelled).
constexpr h2::OpeningSettings grpc_go_client_settings = empty_settings;
constexpr h2::OpeningSettings grpc_go_server_settings = with_max_frame(empty_settings, 16384);
// grpc-js 1.14.7 (Node's http2): INITIAL_WINDOW_SIZE 65,535 alone as a client, an empty SETTINGS
// as a server.
constexpr h2::OpeningSettings grpc_js_client_settings = with_window(empty_settings, 65535);
constexpr h2::OpeningSettings grpc_js_server_settings = empty_settings;

constexpr ClientPersonality grpc_core = {
    .name = "grpc-core",
    .source = "docs/behaviours.md §2.2: chttp2 read batches, last-chance replacement",
    .status_rule = StatusRule::publish_when_both_closed,
    .rst_after_trailers = RstAfterTrailers::no_error_at_batch_end,
    .ok_status_drops_message = true,
    .no_trailers_code = Code::unknown,
    .no_trailers_message = "Stream removed",
    .http_status_prefix = "Received http2 header with status: ",
    .http_status_suffix = "",
    .trailers_without_status_abort = true,
    .cancel_past_deadline_is_deadline_exceeded = true,
    .reset_fails_pending_write = true,
    // grpc++'s WritesDone (callback and sync) is an operation of its own, after the last write
    // completed: the tap saw END_STREAM always on an empty DATA frame, in the last message's write
    // or in one of its own 35 us to 4 ms later (docs/fidelity.md item 12, 2026-12-03). The long
    // ones outlast a server's answer: the 200 x 5 differential of 2026-12-03 (item 15) saw the
    // status and haproxy's CANCEL reach grpc++ 2.1 ms after its last message, END_STREAM not sent.
    .end_stream_on_empty_data = true,
    .end_stream_gap = sim::Duration::microseconds(135),
    .end_stream_gap_longest = sim::Duration::milliseconds(4),
    // grpc++ hands a request stream's next message to the transport once the last write has
    // completed (and the application's interval after that: live/grpcpp/peer.cc, upload()): the
    // tap saw every message in a write of its own, 78 us to 3.3 ms after the one before with no
    // interval (callback API; sync 58 to 315 us; grpcio 55 to 340 us: docs/fidelity.md "Messages
    // one write at a time"). No extra gap stands for the short ones, shorter than any round trip
    // through a proxy; 1 ms for the long ones, long enough for a server's answer to come back
    // first (the 200 x 5 differential of 2026-12-03, item 13: haproxy's CANCEL reached grpc++
    // 460 us after its first message, the second not yet sent, and it reported CANCELLED).
    .message_gap = sim::Duration::milliseconds(1),
    .settings = grpc_core_client_settings,
    // The tap saw 9 KB and 12 KB header blocks (trailers-only and trailers after a message) end
    // the call RESOURCE_EXHAUSTED and RST_STREAM(ENHANCE_YOUR_CALM) about 1 ms later, 6 KB pass
    // (grpc++ and grpcio, docs/fidelity.md "A header list past the advertised limit").
    .header_list_limit = HeaderListLimit::grpc_core,
};

// grpc-core driven from Python (grpcio 1.51): the same transport, and the status asked for at
// the start of the call as grpc++'s callback API does, but rpc.details() is the server's message
// even when the code is OK (measured live, docs/fidelity.md "An OK status's message").
constexpr ClientPersonality grpcio(ClientPersonality p) {
  p.name = "grpcio";
  p.source = "docs/behaviours.md §2.2 through grpcio 1.51 (Python): grpc-core, OK keeps its message";
  p.ok_status_drops_message = false;
  // grpcio's request iterator runs on a thread of its own, and the half-close is an operation
  // of its own after the iterator ends. The tap saw (docs/fidelity.md "What each client sends",
  // grpcio 1.51): the HEADERS with the first message's DATA, or alone and the DATA about 2 ms
  // later; END_STREAM always on an empty DATA frame, in the last message's write or in one of its
  // own 0.24 to 0.7 ms later (the matrix of 2026-12-02, item 10: haproxy then resets a client it
  // sees still uploading, the founding bug), or much later: the 200 x 5 differential of
  // 2026-12-04 (item 16) saw the status and haproxy's CANCEL reach grpcio 3.96 ms after its last
  // message, END_STREAM not sent. grpc-core's longest gap stands for it.
  p.end_stream_on_empty_data = true;
  p.headers_alone_gap = sim::Duration::milliseconds(2);
  // The tap saw that first message leave after the status had come in, about 1 invocation in 7
  // of the founding case through haproxy (docs/fidelity.md "A first message that crosses the
  // status").
  p.first_message_may_precede_a_read = true;
  p.end_stream_gap = sim::Duration::microseconds(700);
  return p;
}

// grpc-core driven through grpc++'s sync API: the same transport, but the application asks for
// the status only in Finish(), and BlockingUnaryCall checks for a response.
constexpr ClientPersonality sync_api(ClientPersonality p) {
  p.name = "grpc-core-sync";
  p.source = "docs/behaviours.md §2.2 step 4 with no status op pending: grpc++ sync API (Finish, BlockingUnaryCall)";
  p.status_asked = StatusAsked::in_finish;
  p.unary_ok_without_message_is_unimplemented = true;
  p.unasked_reset_after_no_trailers_is_no_status = true;
  // A streaming call's constructor sends the request headers at once, and the first Write()
  // comes later: the tap saw the headers of a request stream leave alone in 7 runs of 10, the
  // first message 0.04 to 3.5 ms after (docs/fidelity.md item 12, 2026-12-03).
  p.headers_alone_gap = sim::Duration::microseconds(300);
  return p;
}

constexpr ClientPersonality clients[] = {
    grpc_core,
    sync_api(grpc_core),
    grpcio(grpc_core),
    {
        .name = "grpc-java",
        .source = "docs/behaviours.md §2.3: NettyClientStream, first status wins, RST(CANCEL)",
        .status_rule = StatusRule::first_status_wins,
        .rst_after_trailers = RstAfterTrailers::cancel,
        // StreamObserver.onCompleted() carries no status (measured live, docs/fidelity.md).
        .ok_status_drops_message = true,
        // Http2ClientStreamTransportState.transportDataReceived words the frame that carried
        // the END_STREAM: measured live, haproxy 2.6's empty DATA(END_STREAM) and Apache's
        // END_STREAM on the last message's DATA (docs/fidelity.md, item 21).
        .no_trailers_message = "Received unexpected EOS on empty DATA frame from server",
        .no_trailers_message_after_payload = "Received unexpected EOS on non-empty DATA frame from server",
        // Http2ClientStreamTransportState.validateInitialMetadata, measured live through nginx's 502
        // (docs/fidelity.md, "grpc-java's words for an HTTP status").
        .http_status_words = HttpStatusWords::grpc_java,
        // The same words for a trailers-only 200 without grpc-status or content-type: measured
        // live through Apache's empty 200, "HTTP status code 200\ninvalid content-type: null"
        // (docs/fidelity.md item 30).
        .trailers_only_200_without_status_is_http_status = true,
        .cancel_past_deadline_is_deadline_exceeded = false,
        .reset_words = ResetWords::grpc_java,
        // The tap saw a request stream's HEADERS leave alone and its first message 2.8 to 9.8 ms
        // later in 20 of 20 calls (2026-12-06, through haproxy, nginx and nghttpx, three 16-byte
        // messages 10 ms apart; the comparison could read past grpc-java's stream 3 from then on):
        // the shortest gap, as a choice, as grpc++'s sync API's.
        .headers_alone_gap = sim::Duration::microseconds(2800),
        // Netty's event loop ran that write ahead of reading the status that had come in: the
        // tap saw the message cross haproxy's trailers and RST_STREAM(CANCEL), up to 7 ms after
        // they arrived (docs/fidelity.md "A first message that crosses the status"). Netty
        // writes no DATA on a stream it has read closed, so the write came first.
        .first_message_may_precede_a_read = true,
        .settings = grpc_java_client_settings,
        // Netty's client keeps stream 1 for an HTTP/1.1 upgrade: the tap saw grpc-java's first
        // call on stream 3. Its HEADERS also carry the PRIORITY flag with RFC 7540's default
        // priority (no dependency, weight 16), which nghttp2's API leaves out as meaning nothing;
        // no modelled proxy reads RFC 7540 priorities.
        .first_stream_id = 3,
        // The tap saw a 9 KB block answered with RST_STREAM(PROTOCOL_ERROR), a 12 KB one with
        // GOAWAY(PROTOCOL_ERROR, last stream 0), both INTERNAL "http2 exception" (docs/fidelity.md
        // "A header list past the advertised limit").
        .header_list_limit = HeaderListLimit::netty,
    },
    {
        .name = "grpc-go",
        .source = "docs/behaviours.md §2.3: http2_client.go closeStream, first close wins",
        .status_rule = StatusRule::first_status_wins,
        // Trailers while not half-closed: closeStream(rst=true, NO_ERROR).
        .rst_after_trailers = RstAfterTrailers::no_error,
        // A call that ends OK returns a nil error (measured live, docs/fidelity.md).
        .ok_status_drops_message = true,
        // http2_client.go operateHeaders, measured live through nginx's 502 (docs/fidelity.md).
        .http_status_words = HttpStatusWords::grpc_go,
        .trailers_only_200_without_status_is_http_status = true,
        // handleRSTStream (grpc-go 1.33): CANCEL once the context's deadline has passed is
        // DEADLINE_EXCEEDED, as in grpc-core.
        .cancel_past_deadline_is_deadline_exceeded = true,
        .reset_words = ResetWords::grpc_go,
        .cut_message_is_unexpected_eof = true,
        // CloseSend is a Write with no bytes and Last (stream.go), which loopy sends as an empty
        // DATA(END_STREAM) (controlbuf.go processData) with the message queued before it; a
        // request that does not stream goes out with Last on its message. The tap saw HEADERS,
        // DATA, DATA(ES, 0 bytes) in one write (docs/fidelity.md "What each client sends",
        // grpc-go 1.33.3).
        .end_stream_on_empty_data = true,
        .settings = grpc_go_client_settings,
    },
    {
        .name = "grpc-js",
        .source = "docs/behaviours.md §2.3: subchannel-call.ts endCall, first non-OK status wins",
        .status_rule = StatusRule::first_non_ok_wins,
        // [inference] The reference documents no reset after trailers for grpc-js; its
        // destroyHttp2Stream() half-closes instead of resetting when the server ended the call.
        .rst_after_trailers = RstAfterTrailers::half_close,
        // subchannel-call.js: a stream that ends without trailers, once the client has ended
        // too, closes with rstCode 0 and is reported as such (measured live: haproxy 2.6's empty
        // DATA(END_STREAM), docs/fidelity.md); a reset that closes it first decides instead
        // (no_trailers_status_at_close).
        .no_trailers_message = "Received RST_STREAM with code 0 (Call ended without gRPC status)",
        // Measured live through nginx's 502 (docs/fidelity.md).
        .http_status_prefix = "Received HTTP status code ",
        .http_status_suffix = "",
        .trailers_only_200_without_status_is_http_status = true,
        .cancel_past_deadline_is_deadline_exceeded = false,
        .reset_words = ResetWords::grpc_js,
        .no_error_without_status_uses_http_status = true,
        .no_trailers_status_at_close = true,
        // The peer awaits each write's callback before the next (live/peers/node): the tap saw
        // 150 to 440 us between messages with nothing to read, 1.7 to 2.4 ms while the client
        // read two 40,000-byte responses (the 200 x 5 differential, 2026-12-04, case 80; item 16).
        // As grpc-core's: the script's interval, or 1 ms later than that.
        .message_gap = sim::Duration::milliseconds(1),
        .settings = grpc_js_client_settings,
    },
};

// The server personalities' OK messages were measured live 2026-12-02 through nginx with a
// unary, a client-streaming, a server-streaming and a bidi call each ending OK with a message
// (scenarios/ok-status-with-message-at-server.textproto, docs/fidelity.md).
constexpr ServerPersonality grpc_core_server = {
    .name = "grpc-core",
    .source = "docs/behaviours.md §2.1: close_from_api, writing.cc SentLastFrame; grpc++ 1.51 sync handlers",
    .trailers_only_on_early_abort = true,
    .rst_after_trailers_only = true,
    .rst_after_status = ServerRstAfterStatus::no_error_if_client_open,
    // grpc++ (the UNARY and CLIENT_STREAMING calls' OK came without grpc-message, the others with it).
    .ok_status_message = OkStatusMessage::dropped_with_one_response,
    // ServerContext::TryCancel(): grpc-core's own words (measured live 2026-12-02).
    .cancel_status_message = "Cancelled on the server side",
    .settings = grpc_core_server_settings,
};

// grpc-core driven from Python (grpcio 1.51): the same transport, but the handler's details go
// out with an OK status too (every call kind kept its message live).
constexpr ServerPersonality grpcio_server(ServerPersonality p) {
  p.name = "grpcio";
  p.source = "docs/behaviours.md §2.1 through grpcio 1.51 (Python): grpc-core, OK keeps its message";
  p.ok_status_message = OkStatusMessage::sent;
  // context.cancel() sets the status's details to the code's name (measured live 2026-12-02).
  p.cancel_status_message = "CANCELLED";
  p.headers_before_status_may_merge = true;
  return p;
}

constexpr ServerPersonality servers[] = {
    grpc_core_server,
    grpcio_server(grpc_core_server),
    {
        .name = "grpc-go",
        .source = "docs/behaviours.md §2.3, §5: http2_server.go RST(NO_ERROR) after status (PR #2684)",
        .trailers_only_on_early_abort = true,
        .rst_after_trailers_only = true,
        .rst_after_status = ServerRstAfterStatus::no_error_if_client_open,
        // status.Error(codes.OK, ...) is nil: the wire had "grpc-message:" empty for every kind.
        .ok_status_message = OkStatusMessage::dropped,
        .loses_end_stream_on_headers = true,
        .settings = grpc_go_server_settings,
    },
    {
        .name = "grpc-java",
        .source = "docs/behaviours.md §5: no RST after status (grpc-java#2162 still open)",
        .trailers_only_on_early_abort = true,
        .rst_after_trailers_only = false,
        .rst_after_status = ServerRstAfterStatus::none,
        // onCompleted() closes with Status.OK, no description: no grpc-message for any kind.
        .ok_status_message = OkStatusMessage::dropped,
        .loses_end_stream_on_headers = true,
        .settings = grpc_java_server_settings,
        // The tap saw a 9 KB request block answered with :status 431, RST_STREAM(PROTOCOL_ERROR)
        // and RST_STREAM(STREAM_CLOSED) for its DATA, a 12 KB one with GOAWAY(PROTOCOL_ERROR)
        // naming the stream before it (scenarios/request-header-list-past-server-limit.textproto).
        .header_list_limit = HeaderListLimit::netty,
    },
    {
        // Measured live (docs/fidelity.md, "What each server writes" and the matrix of
        // 2026-12-02): an abort is trailers-only with no RST_STREAM after it, as grpc-java's.
        .name = "grpc-js",
        .source = "docs/fidelity.md: @grpc/grpc-js 1.14.7 server, measured live (trailers-only abort, no RST)",
        .trailers_only_on_early_abort = true,
        .rst_after_trailers_only = false,
        .rst_after_status = ServerRstAfterStatus::none,
        .ok_status_message = OkStatusMessage::replaced_by_ok,
        .settings = grpc_js_server_settings,
    },
};

template <typename T>
std::string names(std::span<const T> all) {
  std::string out;
  for (const T& p : all) {
    if (!out.empty()) out += ", ";
    out += p.name;
  }
  return out;
}

}  // namespace

std::span<const ClientPersonality> client_personalities() { return clients; }
std::span<const ServerPersonality> server_personalities() { return servers; }

const ClientPersonality* find_client_personality(std::string_view name) {
  for (const ClientPersonality& p : clients) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

const ServerPersonality* find_server_personality(std::string_view name) {
  for (const ServerPersonality& p : servers) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

Status status_sent(const ServerPersonality& personality, CallKind kind, Status status) {
  if (status.code != Code::ok) return status;
  bool one_response = kind == CallKind::unary || kind == CallKind::client_streaming;
  switch (personality.ok_status_message) {
    case OkStatusMessage::sent: break;
    case OkStatusMessage::dropped_with_one_response:
      if (one_response) status.message.clear();
      break;
    case OkStatusMessage::dropped: status.message.clear(); break;
    case OkStatusMessage::replaced_by_ok: status.message = "OK"; break;
  }
  return status;
}

std::optional<Status> cancel_status(const ServerPersonality& personality) {
  if (personality.cancel_status_message.empty()) return std::nullopt;
  return Status{Code::cancelled, std::string(personality.cancel_status_message)};
}

std::string known_client_personalities() { return names(client_personalities()); }
std::string known_server_personalities() { return names(server_personalities()); }

}  // namespace h2sim::grpc
