#include "model/h2/stream_state.h"

#include <algorithm>

namespace h2sim::h2 {

std::string_view stream_state_name(StreamState state) {
  switch (state) {
    case StreamState::idle: return "idle";
    case StreamState::reserved_local: return "reserved (local)";
    case StreamState::reserved_remote: return "reserved (remote)";
    case StreamState::open: return "open";
    case StreamState::half_closed_local: return "half-closed (local)";
    case StreamState::half_closed_remote: return "half-closed (remote)";
    case StreamState::closed: return "closed";
  }
  return "?";
}

std::string_view stream_event_name(StreamEvent event) {
  switch (event) {
    case StreamEvent::send_headers: return "send H";
    case StreamEvent::send_headers_es: return "send H+ES";
    case StreamEvent::send_data: return "send DATA";
    case StreamEvent::send_data_es: return "send DATA+ES";
    case StreamEvent::send_rst: return "send RST";
    case StreamEvent::send_push_promise: return "send PP";
    case StreamEvent::recv_headers: return "recv H";
    case StreamEvent::recv_headers_es: return "recv H+ES";
    case StreamEvent::recv_data: return "recv DATA";
    case StreamEvent::recv_data_es: return "recv DATA+ES";
    case StreamEvent::recv_rst: return "recv RST";
    case StreamEvent::recv_push_promise: return "recv PP";
  }
  return "?";
}

bool stream_event_of(const FrameRecord& f, StreamEvent* event) {
  if (f.stream_id == connection_stream_id) return false;
  bool es = f.end_stream();
  switch (f.type) {
    case FrameType::headers:
      *event = f.sent ? (es ? StreamEvent::send_headers_es : StreamEvent::send_headers)
                      : (es ? StreamEvent::recv_headers_es : StreamEvent::recv_headers);
      return true;
    case FrameType::data:
      *event = f.sent ? (es ? StreamEvent::send_data_es : StreamEvent::send_data)
                      : (es ? StreamEvent::recv_data_es : StreamEvent::recv_data);
      return true;
    case FrameType::rst_stream:
      *event = f.sent ? StreamEvent::send_rst : StreamEvent::recv_rst;
      return true;
    case FrameType::push_promise:
      *event = f.sent ? StreamEvent::send_push_promise : StreamEvent::recv_push_promise;
      return true;
    default:
      return false;
  }
}

namespace {

using S = StreamState;
using E = StreamEvent;
constexpr Transition ok(S next) { return {true, next}; }
constexpr Transition bad(S stay) { return {false, stay}; }

}  // namespace

Transition transition(StreamState s, StreamEvent e) {
  switch (s) {
    case S::idle:
      switch (e) {
        case E::send_headers: return ok(S::open);
        case E::send_headers_es: return ok(S::half_closed_local);
        case E::recv_headers: return ok(S::open);
        case E::recv_headers_es: return ok(S::half_closed_remote);
        case E::send_push_promise: return ok(S::reserved_local);
        case E::recv_push_promise: return ok(S::reserved_remote);
        case E::recv_data: case E::recv_data_es: case E::recv_rst: return ok(S::idle);
        default: return bad(S::idle);  // DATA or RST_STREAM on an idle stream
      }
    case S::reserved_local:
      switch (e) {
        case E::send_headers: return ok(S::half_closed_remote);
        case E::send_headers_es: return ok(S::closed);
        case E::send_rst: case E::recv_rst: return ok(S::closed);
        default: return e >= E::recv_headers ? ok(s) : bad(s);
      }
    case S::reserved_remote:
      switch (e) {
        case E::recv_headers: return ok(S::half_closed_local);
        case E::recv_headers_es: return ok(S::closed);
        case E::send_rst: case E::recv_rst: return ok(S::closed);
        default: return e >= E::recv_headers ? ok(s) : bad(s);
      }
    case S::open:
      switch (e) {
        case E::send_headers: case E::send_data: return ok(S::open);
        case E::send_headers_es: case E::send_data_es: return ok(S::half_closed_local);
        case E::recv_headers: case E::recv_data: return ok(S::open);
        case E::recv_headers_es: case E::recv_data_es: return ok(S::half_closed_remote);
        case E::send_rst: case E::recv_rst: return ok(S::closed);
        default: return bad(s);
      }
    case S::half_closed_local:
      switch (e) {
        case E::recv_headers: case E::recv_data: return ok(s);
        case E::recv_headers_es: case E::recv_data_es: return ok(S::closed);
        case E::send_rst: case E::recv_rst: return ok(S::closed);
        default: return bad(s);  // no HEADERS or DATA after our END_STREAM
      }
    case S::half_closed_remote:
      switch (e) {
        case E::send_headers: case E::send_data: return ok(s);
        case E::send_headers_es: case E::send_data_es: return ok(S::closed);
        case E::send_rst: case E::recv_rst: return ok(S::closed);
        case E::recv_headers: case E::recv_headers_es: case E::recv_data: case E::recv_data_es:
          return ok(s);  // the peer's violation, not ours
        default: return bad(s);
      }
    case S::closed:
      // RFC 9113 §5.1: nothing but PRIORITY may be sent on a closed stream.
      return e >= E::recv_headers ? ok(s) : bad(s);
  }
  return bad(s);
}

StreamMonitor::View& StreamMonitor::view(const Key& key) {
  size_t end = size_t{std::get<0>(key)} * 2 + std::get<1>(key);
  if (views_.size() <= end) views_.resize(end + 1);
  std::vector<std::pair<StreamId, View>>& streams = views_[end];
  StreamId stream = std::get<2>(key);
  if (streams.empty() || streams.back().first < stream) return streams.emplace_back(stream, View{}).second;
  auto by_stream = [](const std::pair<StreamId, View>& v, StreamId id) { return v.first < id; };
  auto it = std::lower_bound(streams.begin(), streams.end(), stream, by_stream);
  if (it == streams.end() || it->first != stream) it = streams.insert(it, {stream, View{}});
  return it->second;
}

void StreamMonitor::observe(const FrameRecord& frame, size_t frame_index) {
  StreamEvent event;
  if ((judged_ && !judged_(frame)) || !stream_event_of(frame, &event)) return;
  View& view = this->view({frame.endpoint.connection, frame.endpoint.client_side, frame.stream_id});
  view.endpoint = frame.endpoint;
  Transition t = transition(view.state, event);
  ++taken_[static_cast<int>(view.state)][static_cast<int>(event)];
  if (view.state == StreamState::closed) {
    if (frame.sent && receives_may_lag_ && view.closed_by_receive) return;
    if (event == StreamEvent::send_rst && view.resets_licensed > 0) {
      --view.resets_licensed;
      view.reset_sent = true;
      return;
    }
    uint32_t library_allowed = (view.reset_sent_open ? 0u : 1u) + view.data_read_open;
    if (event == StreamEvent::send_rst && frame.endpoint.peer != Peer::proxy &&
        view.library_closed_resets < library_allowed) {
      // A gRPC library's one reset on a stream already closed, by both END_STREAMs or by the
      // peer's reset: grpc-core's server after a cancel's status, grpc-go's and grpc-java's
      // clients after trailers (model/grpc/server.cc, client.cc). And one more for each DATA frame
      // it read while the stream was open: grpc-java's server answers each frame of a request
      // whose header block it refused. RFC 9113 §5.1 forbids them, but what the real library does
      // is no finding against a proxy.
      ++view.library_closed_resets;
      view.reset_sent = true;
      return;
    }
    if (!frame.sent && event != StreamEvent::recv_rst) ++view.resets_licensed;
  }
  if (!t.legal) {
    violations_.push_back({frame_index, std::string(frame_type_name(frame.type)) + " " +
                                            frame_flags_text(frame.type, frame.flags) +
                                            " sent on stream " + std::to_string(frame.stream_id.value) +
                                            " in state " +
                                            std::string(stream_state_name(view.state))});
  }
  if (event == StreamEvent::send_rst) {
    view.reset_sent = true;
    if (view.state != StreamState::closed) view.reset_sent_open = true;
  }
  bool data = event == StreamEvent::recv_data || event == StreamEvent::recv_data_es;
  if (data && view.state != StreamState::closed) ++view.data_read_open;
  if (t.next == StreamState::closed && view.state != StreamState::closed) view.closed_by_receive = !frame.sent;
  view.state = t.next;
}

std::map<std::pair<StreamState, StreamEvent>, uint32_t> StreamMonitor::taken() const {
  std::map<std::pair<StreamState, StreamEvent>, uint32_t> out;
  for (int s = 0; s < stream_state_count; ++s) {
    for (int e = 0; e < stream_event_count; ++e) {
      if (taken_[s][e] > 0) out[{static_cast<StreamState>(s), static_cast<StreamEvent>(e)}] = taken_[s][e];
    }
  }
  return out;
}

std::vector<StreamMonitor::OpenStream> StreamMonitor::open_streams() const {
  std::vector<OpenStream> out;
  for (const auto& streams : views_) {
    for (const auto& [stream, v] : streams) {
      if (v.state != StreamState::closed && v.state != StreamState::idle) out.push_back({v.endpoint, stream, v.state});
    }
  }
  return out;
}

std::vector<Violation> check_frames(const FrameLog& log, const FrameFilter& judged, bool receives_may_lag) {
  StreamMonitor monitor(judged, receives_may_lag);
  for (size_t i = 0; i < log.size(); ++i) monitor.observe(log[i], i);
  return monitor.violations();
}

}  // namespace h2sim::h2
