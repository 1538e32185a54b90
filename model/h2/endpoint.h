// One HTTP/2 connection endpoint: an nghttp2 session driven without sockets. Bytes go in through
// receive() (one read batch) and out through take_output() (one flush); what happened comes back
// as typed Events. It logs nothing: a run's trace is decoded from the wire (wire_trace.h).
//
// nghttp2 is never called from inside its own callbacks (nghttp2#1088, #1244, #1590): callbacks
// only record; the owner acts on the events after receive() returns. The one exception is the
// documented nghttp2_submit_trailer() from a data source read callback.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "model/h2/frame.h"
#include "model/h2/session_memory.h"
#include "model/h2/settings.h"
#include "sim/host.h"
#include "sim/state_hash.h"

struct nghttp2_session;

namespace h2sim::h2 {

enum class Role : uint8_t { client, server };

// Which kind of header block a HEADERS frame carried (nghttp2's category).
enum class HeadersKind : uint8_t { request, response, trailers };

struct Event {
  enum class Kind : uint8_t {
    headers,     // a complete header block; end_stream if it carried END_STREAM
    data,        // a chunk of DATA payload
    end_stream,  // a DATA frame with END_STREAM was received
    reset,       // RST_STREAM received (code)
    closed,      // the stream is closed in nghttp2 (code: the reason, NO_ERROR if clean)
    goaway,      // GOAWAY received (code, last_stream_id)
    // A DATA frame on a stream this endpoint's RST_STREAM closed: nghttp2 drops it (RFC 9113
    // §5.1 says to ignore it). Reported only with EndpointOptions::report_data_after_reset.
    data_after_reset,
    // A whole DATA frame was received (its payload came as data events before it). Reported only
    // with EndpointOptions::report_data_frames.
    data_frame,
    error,       // the session hit a fatal error; the connection is unusable
  };
  Kind kind = Kind::headers;
  StreamId stream;
  HeadersKind headers_kind = HeadersKind::request;
  bool end_stream = false;
  // end_stream: the DATA frame that carried END_STREAM had payload too (grpc-java words the two
  // cases apart).
  bool end_stream_with_payload = false;
  // The header block, kept by the endpoint until the next take_events() (a view, so a block is
  // stored once rather than copied into every event).
  std::span<const Header> headers;
  std::vector<uint8_t> data;
  ErrorCode code = ErrorCode::no_error;
  StreamId last_stream_id;
  // With EndpointOptions::read_buffer_bytes: the piece of its read batch the event came in
  // (0, 1, ...). Otherwise 0.
  uint32_t piece = 0;
};

// What an endpoint knows about one of its streams, from the frames it sent and received.
struct StreamFlags {
  uint64_t data_bytes_sent = 0;
  bool headers_sent = false;
  bool headers_received = false;
  bool end_stream_sent = false;
  bool end_stream_received = false;
  bool reset_sent = false;
  bool reset_received = false;
  bool closed = false;
};

struct EndpointOptions {
  OpeningSettings settings = {};
  // The first stream a client opens (RFC 9113 §5.1.1: odd). Netty's client, grpc-java's
  // transport, keeps stream 1 for an HTTP/1.1 upgrade and opens 3 first.
  int32_t first_stream_id = 1;
  // The owner calls consume() once it has passed received DATA on, so the peer's window only
  // reopens as fast as the data drains (a proxy's backpressure). Off: nghttp2 reopens it at once.
  bool manual_flow_control = false;
  // Keep the history add_state() needs (explore's state identities, sim/host.h). Off, as in
  // every run no search asks about, nothing is kept.
  bool keep_history = false;
  // Report DATA that reaches a stream after this endpoint reset it (Event::Kind::data_after_reset),
  // for an owner that answers it as Go's x/net server does. Off: nghttp2 drops it unreported, and
  // no frame costs a callback more.
  bool report_data_after_reset = false;
  // Report each whole DATA frame received (Event::Kind::data_frame), for an owner that answers
  // every frame of a stream it refused while the batch is read: grpc-java's server
  // (model/grpc/server.cc). Off: no frame costs an event more.
  bool report_data_frames = false;
  // The owner reads its connection through a buffer of this many bytes, as nginx reads a backend
  // (grpc_buffer_size): a read batch goes to nghttp2 in pieces of at most this size, and the DATA
  // payload of one stream in one piece is one data event. 0: the whole batch at once, an event
  // for each chunk nghttp2 reports.
  uint32_t read_buffer_bytes = 0;
};

// A header block, for a state (Endpoint::add_state, and hosts that hold blocks of their own).
void add_state(sim::StateHash& h, std::span<const Header> headers);

class Endpoint {
 public:
  explicit Endpoint(Role role, EndpointOptions options = {});
  ~Endpoint();
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  Role role() const { return role_; }

  // Feeds one read batch. Events produced are appended to events().
  void receive(std::span<const uint8_t> batch);
  // The events since the last call, in the order nghttp2 reported them. The reference is valid
  // until the next call (two buffers take turns, so taking events allocates nothing once both
  // have grown); do not call again while iterating.
  using EventList = std::vector<Event, SessionAllocator<Event>>;
  const EventList& take_events();

  // Client: opens a stream. With end_stream the HEADERS carry END_STREAM, otherwise the body
  // follows through send_data.
  StreamId submit_request(std::span<const Header> headers, bool end_stream);
  // Server: response headers; with end_stream this is a trailers-only response.
  void submit_response(StreamId stream, std::span<const Header> headers, bool end_stream);
  void submit_response(StreamId stream, const Headers& headers, bool end_stream) {
    submit_response(stream, std::span<const Header>(headers), end_stream);
  }
  // Queues body bytes (after the headers); end_stream closes our side after them.
  void send_data(StreamId stream, std::span<const uint8_t> bytes, bool end_stream);
  // Queues body bytes that leave in DATA frames of their own, never sharing one with bytes
  // queued before or after them (nginx writes what one buffer of a backend read held as one
  // frame). Flow control and the peer's frame size may still cut them into several.
  void send_data_frame(StreamId stream, std::span<const uint8_t> bytes);
  // Closes our side with an empty DATA(END_STREAM) frame of its own, after any queued body bytes
  // (which send_data(..., true) would have carried the flag on): how grpcio writes its half-close.
  void send_end_stream_frame(StreamId stream);
  // Queues trailers after the body; they carry END_STREAM.
  void send_trailers(StreamId stream, std::span<const Header> trailers);
  void send_trailers(StreamId stream, const Headers& trailers) {
    send_trailers(stream, std::span<const Header>(trailers));
  }
  // RST_STREAM now; queued body and trailers of the stream are dropped. No-op on a closed stream.
  void reset(StreamId stream, ErrorCode code);
  // RST_STREAM now, even on a stream already closed by both END_STREAMs or by the peer's reset;
  // a no-op once this endpoint has reset the stream. grpc-go's and grpc-java's clients reset after
  // trailers whatever the proxy sent with them (model/grpc/client.cc).
  void reset_even_if_closed(StreamId stream, ErrorCode code);
  // RST_STREAM on a stream this endpoint has reset already, in answer to a frame the peer sent
  // before it saw that reset (data_after_reset): RFC 9113 §5.4.2 allows one such reply, §5.1
  // asks for silence, and Go's x/net server answers with STREAM_CLOSED.
  void reset_again(StreamId stream, ErrorCode code);
  // RST_STREAM once everything queued for the stream has left (body, trailers): how a proxy
  // forwards a response tail before resetting.
  void reset_after_output(StreamId stream, ErrorCode code);
  // The same, and sent even when that output closed the stream (the peer had ended its side), on
  // a stream neither side reset: a frame on a closed stream, which RFC 9113 §5.1 forbids and
  // grpc-core's close_from_api writes all the same (model/grpc/server.cc).
  void reset_after_output_even_if_closed(StreamId stream, ErrorCode code);
  // One more RST_STREAM(code) right after the reset pending for the stream (reset_after_output*)
  // leaves: a reply to a frame that came in before it left, as reset_again is to one that came
  // in after.
  void reset_again_after_pending_reset(StreamId stream, ErrorCode code);
  // Drops the stream's body and trailers queued but not yet serialized; headers already submitted
  // still leave. With reset_after_output: the headers, then the reset, and none of the body.
  void discard_unsent_data(StreamId stream);
  // Drops the last `bytes` of the stream's body queued and not yet serialized (all of it if
  // fewer are), and any trailers after them.
  void discard_unsent_tail(StreamId stream, size_t bytes);
  // Whether body bytes of the stream are queued and not yet serialized.
  bool has_unsent_data(StreamId stream) const;
  // GOAWAY naming the last stream this endpoint processed (or `last_stream`, if given).
  void goaway(ErrorCode code, std::optional<StreamId> last_stream = std::nullopt);
  // manual_flow_control: `bytes` of the stream's received DATA have been passed on.
  void consume(StreamId stream, size_t bytes);
  // DATA payload bytes of the stream serialized so far.
  uint64_t data_bytes_sent(StreamId stream) const;
  // Server: the first GOAWAY of a graceful shutdown (last stream 2^31-1, RFC 9113 §6.8).
  void shutdown_notice();
  // The highest stream id the peer opened that this endpoint processed.
  StreamId last_peer_stream() const;
  // The peer's SETTINGS_MAX_CONCURRENT_STREAMS as nghttp2 holds it (before the peer's SETTINGS
  // arrive, nghttp2's assumption).
  uint32_t peer_max_concurrent_streams() const;

  // Serializes everything nghttp2 wants to send into one flush, with frame boundaries.
  sim::Flush take_output();

  // What this endpoint saw of a stream, closed ones included; null for a stream it never saw.
  // The pointer stays valid as long as the endpoint.
  const StreamFlags* stream(StreamId id) const;
  // Bytes queued in our send buffers and not yet serialized (flow control can hold them).
  size_t queued_bytes() const;
  // Streams nghttp2 still has open.
  size_t open_streams() const;
  bool failed() const { return failed_; }
  // False once nghttp2 has nothing more to read or write (after GOAWAY both ways, or an error).
  bool alive() const;

  // Explore's identity of this endpoint (with keep_history; sim/host.h, Host::add_state): what
  // decides everything it does from here on, given the same calls. endpoint.cc says why it is
  // enough.
  void add_state(sim::StateHash& h) const;

 private:
  struct Outgoing {
    std::vector<uint8_t> bytes;
    size_t head = 0;
    bool eof = false;
    bool eof_on_empty_frame = false;  // send_end_stream_frame
    // Offsets in `bytes` a DATA frame may not run past (send_data_frame), ascending; those at or
    // before `head` are spent.
    std::vector<size_t> frame_ends;
    std::optional<Headers> trailers;
    bool provider_active = false;
  };
  friend struct Callbacks;

  // The endpoint's own per-stream maps live in memory_ too (see SessionMemory).
  template <typename V>
  using StreamMap = std::map<StreamId, V, std::less<StreamId>,
                             SessionAllocator<std::pair<const StreamId, V>>>;
  // Every stream seen stays (stream() answers for closed ones), so a connection that carried
  // thousands of calls has thousands of entries, looked up on every frame. Ids grow from 1 on
  // each side, so they index a deque (one load a lookup, where a tree took a dozen dependent
  // ones: 2.7% of a 10,000-call run; growing keeps references valid). An id far past the highest
  // seen (a hostile peer may open stream 2^31-1 first) goes to `far` instead.
  struct StreamTable {
    static constexpr size_t near_reach = 4096;  // how far past the end an id may grow the deque
    explicit StreamTable(SessionMemory* m)
        : near(SessionAllocator<std::optional<StreamFlags>>(m)),
          far(SessionAllocator<std::pair<const StreamId, StreamFlags>>(m)) {}
    StreamFlags& at(StreamId id);  // inserted if new
    const StreamFlags* find(StreamId id) const;
    size_t open() const;

    std::deque<std::optional<StreamFlags>, SessionAllocator<std::optional<StreamFlags>>> near;
    StreamMap<StreamFlags> far;
  };
  StreamFlags& flags(StreamId id) { return streams_.at(id); }
  void attach_provider(StreamId stream);
  static void keep_opening_whole(sim::Flush& flush);
  bool submit_due_resets();
  void reset_closed(StreamId stream, ErrorCode code);
  void defer_reset(uint64_t op, StreamId stream, ErrorCode code, bool even_if_closed);
  // With keep_history: the call `op` goes into the history at the current place in the received
  // bytes; the caller adds its arguments to what this returns. Null without a history.
  struct History;
  sim::StateHash* note(uint64_t op);
  struct FrameCursor;
  // report_data_after_reset: reads the batch's frame headers for DATA on streams this endpoint reset.
  void watch_late_data(std::span<const uint8_t> batch);

  Role role_;
  SessionMemory memory_;  // what nghttp2 allocates for session_, and the containers below
  nghttp2_session* session_ = nullptr;
  EventList events_;
  EventList taken_;  // what take_events() last returned
  StreamTable streams_;
  StreamMap<Outgoing> outgoing_;
  // reset_after_output: submitted once everything queued for the stream has been serialized.
  struct PendingReset {
    ErrorCode code;
    bool even_if_closed;
    // reset_again_after_pending_reset: how many resets follow it, and their code.
    uint32_t resets_after = 0;
    ErrorCode code_after = ErrorCode::no_error;
  };
  StreamMap<PendingReset> pending_resets_;
  Headers incoming_headers_;  // the header block being received (blocks never interleave)
  // The blocks events_ and taken_ view; they take turns like the event lists. Moving a block
  // into the vector keeps its elements in place, so a view stays valid as the vector grows.
  std::vector<Headers> blocks_;
  std::vector<Headers> taken_blocks_;
  bool failed_ = false;
  bool opened_ = false;  // the first flush, with the connection's opening, has been taken
  std::unique_ptr<History> history_;
  std::unique_ptr<FrameCursor> late_data_;  // with report_data_after_reset
  bool report_data_frames_ = false;
  uint32_t read_buffer_bytes_ = 0;
  // The connection window the first consume() opens (OpeningSettings::connection_window_at_first_release); 0 once done.
  uint32_t connection_window_at_first_release_ = 0;
  size_t piece_first_event_ = 0;  // with read_buffer_bytes: events_'s size as the piece began
  void receive_piece(std::span<const uint8_t> piece);
};

}  // namespace h2sim::h2
