// RFC 9113 §5.1 stream states as a table, and a monitor that replays every endpoint's frames
// through it. A frame an endpoint sends while its own view of the stream forbids it is a
// violation. The same table draws the state diagrams in reports/.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "model/h2/frame.h"

namespace h2sim::h2 {

enum class StreamState : uint8_t {
  idle,
  reserved_local,
  reserved_remote,
  open,
  half_closed_local,
  half_closed_remote,
  closed,
};
inline constexpr int stream_state_count = 7;
std::string_view stream_state_name(StreamState state);

// The frame-level events that move a stream, from one endpoint's point of view.
enum class StreamEvent : uint8_t {
  send_headers,
  send_headers_es,
  send_data,
  send_data_es,
  send_rst,
  send_push_promise,
  recv_headers,
  recv_headers_es,
  recv_data,
  recv_data_es,
  recv_rst,
  recv_push_promise,
};
inline constexpr int stream_event_count = 12;
std::string_view stream_event_name(StreamEvent event);

// Maps a frame to its stream event; false for frames that do not move stream state
// (PRIORITY, WINDOW_UPDATE, connection-level frames).
bool stream_event_of(const FrameRecord& frame, StreamEvent* event);

struct Transition {
  bool legal = false;  // for send events: may the endpoint send this in this state?
  StreamState next = StreamState::idle;
};

// The table: state x event -> transition. Receive events are always "legal" for the receiver
// (a peer's misbehaviour is the peer's violation, seen on its own sends).
Transition transition(StreamState state, StreamEvent event);

struct Violation {
  size_t frame_index = 0;  // index in the FrameLog
  std::string what;
};

// Which frames a monitor judges: its caller knows which endpoints' views mean something (a
// hostile peer breaks the protocol on purpose; a live tap's order is not an endpoint's).
using FrameFilter = std::function<bool(const FrameRecord&)>;

class StreamMonitor {
 public:
  // With a filter, frames it rejects are not judged and do not move any view. With
  // receives_may_lag, a received frame's place in the log is when it was sent, not when the
  // endpoint read it (a real proxy seen from the other end of a live socket): a send on a stream
  // that such a receive closed is not judged, as the two may have crossed (RFC 9113 §5.4.2).
  explicit StreamMonitor(FrameFilter judged = nullptr, bool receives_may_lag = false)
      : judged_(std::move(judged)), receives_may_lag_(receives_may_lag) {}
  // Feeds frames in log order; each endpoint's view is keyed by (connection, side, stream).
  void observe(const FrameRecord& frame, size_t frame_index);
  const std::vector<Violation>& violations() const { return violations_; }
  // Every (state, event) pair taken, with counts: the coverage reports draw.
  std::map<std::pair<StreamState, StreamEvent>, uint32_t> taken() const;
  // The streams not closed in their endpoint's view (a run's end: what is still open), each
  // with the endpoint and its state.
  struct OpenStream {
    EndpointTag endpoint;
    StreamId stream{};
    StreamState state = StreamState::idle;
  };
  std::vector<OpenStream> open_streams() const;

 private:
  struct View {
    StreamState state = StreamState::idle;
    EndpointTag endpoint;  // whose view it is
    // Each frame received on a closed stream licenses one RST_STREAM in reply (RFC 9113 §5.4.2):
    // Go's x/net server answers every DATA frame that reaches a stream it reset (docs/fidelity.md
    // item 23).
    uint32_t resets_licensed = 0;
    // A gRPC library's resets on the stream once closed, and the DATA frames it read before:
    // each such frame allows it one reset more (StreamMonitor::observe).
    uint32_t library_closed_resets = 0;
    uint32_t data_read_open = 0;
    bool closed_by_receive = false;
    bool reset_sent = false;
    bool reset_sent_open = false;  // a reset sent before the stream closed
  };
  using Key = std::tuple<uint32_t, bool, StreamId>;  // (connection, client side, stream)
  View& view(const Key& key);
  // By connection end (connection * 2 + client side), then sorted by stream: new streams have
  // the highest id on their connection, so a view is appended, never inserted in the middle (one
  // sorted vector of every view shifted half of them per stream when ten thousand calls
  // interleaved a hundred connections). Iterating in index order is Key order.
  std::vector<std::vector<std::pair<StreamId, View>>> views_;
  uint32_t taken_[stream_state_count][stream_event_count] = {};
  std::vector<Violation> violations_;
  FrameFilter judged_;
  bool receives_may_lag_ = false;
};

// Runs a whole log through a fresh monitor.
std::vector<Violation> check_frames(const FrameLog& log, const FrameFilter& judged = nullptr,
                                    bool receives_may_lag = false);

}  // namespace h2sim::h2
