#include "proxy_under_test/h2_relay.h"

#include <algorithm>

#include "sim/assert.h"

namespace h2sim::proxy {

using h2::ErrorCode;
using Kind = h2::Event::Kind;

H2Relay::H2Relay(const ProxyPolicy& policy, h2::Recorder& recorder)
    : policy_(policy), recorder_(recorder) {}

H2Relay::~H2Relay() = default;

void H2Relay::start(sim::Net& net, sim::Address upstream) {
  net_ = &net;
  upstream_ = upstream;
}

void H2Relay::on_accept(sim::ConnId end) {
  auto s = std::make_unique<Session>();
  s->down_conn = end;
  s->down = std::make_unique<h2::Endpoint>(
      h2::Role::server, h2::EndpointTag{h2::Leg::downstream, sim::connection_index(end), false},
      &recorder_.frames, net_);
  by_conn_[end] = s.get();
  sessions_.push_back(std::move(s));
  flush(*sessions_.back());
}

void H2Relay::ensure_upstream(Session& s) {
  if (s.up) return;
  s.up_conn = net_->connect(upstream_);
  s.up = std::make_unique<h2::Endpoint>(
      h2::Role::client, h2::EndpointTag{h2::Leg::upstream, sim::connection_index(s.up_conn), true},
      &recorder_.frames, net_);
  by_conn_[s.up_conn] = &s;
}

H2Relay::CallRelay* H2Relay::by_down(Session& s, h2::StreamId id) {
  for (CallRelay& c : s.calls) {
    if (c.down == id) return &c;
  }
  return nullptr;
}

H2Relay::CallRelay* H2Relay::by_up(Session& s, h2::StreamId id) {
  for (CallRelay& c : s.calls) {
    if (c.up == id) return &c;
  }
  return nullptr;
}

void H2Relay::on_bytes(sim::ConnId end, std::span<const uint8_t> batch) {
  auto it = by_conn_.find(end);
  H2SIM_ASSERT(it != by_conn_.end());
  Session& s = *it->second;
  bool downstream = end == s.down_conn;
  h2::Endpoint& endpoint = downstream ? *s.down : *s.up;
  endpoint.receive(batch);
  for (const h2::Event& event : endpoint.take_events()) {
    if (downstream) {
      from_client(s, event);
    } else {
      from_server(s, event);
    }
  }
  // Everything produced in one pass leaves in one flush per connection (§5 write coalescing).
  flush(s);
  forget_finished(s);
}

void H2Relay::from_client(Session& s, const h2::Event& event) {
  if (event.kind == Kind::headers && event.headers_kind == h2::HeadersKind::request) {
    ensure_upstream(s);
    CallRelay call;
    call.down = event.stream;
    call.up = s.up->submit_request(event.headers, event.end_stream);
    s.calls.push_back(call);
    return;
  }
  CallRelay* call = by_down(s, event.stream);
  if (call == nullptr) return;  // a stream we already finished with
  switch (event.kind) {
    case Kind::data:
      s.up->send_data(call->up, event.data, false);
      break;
    case Kind::headers:  // request trailers end the request
    case Kind::end_stream:
      s.up->send_data(call->up, {}, true);
      break;
    case Kind::reset:
      switch (policy_.client_abort) {
        case ClientAbort::forward_code:
          s.up->reset(call->up, event.code);
          break;
        case ClientAbort::end_stream_then_cancel:
          recorder_.marks.hit("proxy: client abort sent upstream as END_STREAM then CANCEL");
          s.up->send_data(call->up, {}, true);
          s.up->reset_after_output(call->up, ErrorCode::cancel);
          break;
        case ClientAbort::cancel:
          s.up->reset(call->up, ErrorCode::cancel);
          break;
      }
      call->down_closed = true;
      break;
    case Kind::closed:
      call->down_closed = true;
      break;
    default:
      break;
  }
}

void H2Relay::from_server(Session& s, const h2::Event& event) {
  CallRelay* call = by_up(s, event.stream);
  if (call == nullptr) return;
  switch (event.kind) {
    case Kind::headers:
      if (event.headers_kind == h2::HeadersKind::response) {
        s.down->submit_response(call->down, event.headers, event.end_stream);
        call->response_headers_submitted = true;
        call->response_end_submitted = event.end_stream;
      } else if (!call->response_end_submitted) {
        s.down->send_trailers(call->down, event.headers);
        call->response_end_submitted = true;
      }
      break;
    case Kind::data:
      s.down->send_data(call->down, event.data, false);
      break;
    case Kind::end_stream:
      s.down->send_data(call->down, {}, true);
      call->response_end_submitted = true;
      break;
    case Kind::reset:
      call->up_closed = true;
      if (policy_.upstream_reset == UpstreamReset::abort_call) {
        recorder_.marks.hit("proxy: upstream reset aborts the call");
        abort_client_side(s, *call);
      } else {
        const h2::StreamFlags* f = s.down->stream(call->down);
        bool closed = f && (f->closed || (f->end_stream_received && call->response_end_submitted));
        if (!closed) s.down->reset_after_output(call->down, event.code);
      }
      break;
    case Kind::closed:
      call->up_closed = true;
      break;
    default:
      break;
  }
}

void H2Relay::abort_client_side(Session& s, CallRelay& call) {
  const h2::StreamFlags* f = s.down->stream(call.down);
  // HAProxy §1.2 step 3: h2_do_shutr() does nothing on a CLOSED stream: the client's END_STREAM
  // was received and ours was sent (queued in this pass counts: HAProxy emits it first).
  if (f == nullptr || f->closed || f->reset_sent ||
      (f->end_stream_received && call.response_end_submitted)) {
    recorder_.marks.hit("proxy: abort finds the client stream closed, no reset");
    return;
  }
  ErrorCode code = !call.response_headers_submitted ? policy_.abort_reset_before_response_headers
                   : call.response_end_submitted    ? policy_.abort_reset_after_response_end
                                                    : policy_.abort_reset_after_response_headers;
  if (code == ErrorCode::cancel && call.response_end_submitted) {
    recorder_.marks.hit("proxy: RST(CANCEL) after a complete response to an uploading client");
  }
  if (policy_.flush_response_before_reset) {
    s.down->reset_after_output(call.down, code);
  } else {
    s.down->reset(call.down, code);
  }
}

void H2Relay::forget_finished(Session& s) {
  std::erase_if(s.calls, [&](const CallRelay& c) {
    const h2::StreamFlags* down = s.down->stream(c.down);
    const h2::StreamFlags* up = s.up ? s.up->stream(c.up) : nullptr;
    return (down == nullptr || down->closed) && (up == nullptr || up->closed);
  });
}

void H2Relay::on_peer_closed(sim::ConnId end, bool) {
  auto it = by_conn_.find(end);
  if (it == by_conn_.end()) return;
  Session& s = *it->second;
  // Either side gone: the other connection is closed too (no more streams can complete).
  if (!s.closed) {
    s.closed = true;
    if (end == s.down_conn && s.up) net_->reset(s.up_conn);
    if (end != s.down_conn) net_->reset(s.down_conn);
    s.calls.clear();
  }
}

void H2Relay::flush(Session& s) {
  if (s.closed) return;
  sim::Flush down = s.down->take_output();
  if (!down.bytes.empty()) net_->write(s.down_conn, std::move(down));
  if (s.up) {
    sim::Flush up = s.up->take_output();
    if (!up.bytes.empty()) net_->write(s.up_conn, std::move(up));
  }
}

std::vector<std::string> H2Relay::leftovers() const {
  std::vector<std::string> out;
  for (const auto& s : sessions_) {
    if (s->closed) continue;
    for (const CallRelay& c : s->calls) {
      out.push_back("call relay for client stream " + std::to_string(c.down) +
                    " / server stream " + std::to_string(c.up) + " still held");
    }
    size_t queued = s->down->queued_bytes() + (s->up ? s->up->queued_bytes() : 0);
    if (queued > 0) out.push_back(std::to_string(queued) + " bytes still buffered");
  }
  return out;
}

}  // namespace h2sim::proxy
