#include "proxy_under_test/h2_relay.h"

#include <algorithm>

#include "sim/assert.h"

namespace h2sim::proxy {

using h2::ErrorCode;
using Kind = h2::Event::Kind;

namespace {

// The headers without the status fields: what a proxy that loses trailers-only statuses sends.
h2::Headers without_grpc_status(std::span<const h2::Header> headers) {
  h2::Headers out;
  for (const h2::Header& h : headers) {
    if (h.first != "grpc-status" && h.first != "grpc-message") out.push_back(h);
  }
  return out;
}

ErrorCode forwarded_code(ForwardedCodes map, ErrorCode code) {
  switch (map) {
    case ForwardedCodes::same:
      return code;
    case ForwardedCodes::nghttpx:
      return code == ErrorCode::no_error || code == ErrorCode::refused_stream
                 ? code
                 : ErrorCode::internal_error;
    case ForwardedCodes::no_error_as_stream_closed:
      return code == ErrorCode::no_error ? ErrorCode::stream_closed : code;
  }
  return code;
}

// A one-millisecond pause between the two GOAWAYs of a graceful shutdown: longer than a round
// trip in every preset scenario, as RFC 9113 §6.8 asks.
constexpr sim::Duration goaway_pause = sim::Duration::milliseconds(1);

}  // namespace

H2Relay::H2Relay(const ProxyPolicy& policy) : policy_(policy) {}

H2Relay::~H2Relay() = default;

void H2Relay::start(sim::Net& net, sim::Address upstream) {
  net_ = &net;
  upstream_ = upstream;
}

void H2Relay::on_accept(sim::ConnId end) {
  auto s = std::make_unique<Session>();
  s->down_conn = end;
  h2::EndpointOptions options;
  options.settings = policy_.downstream_opening;
  options.manual_flow_control = true;
  options.keep_history = net_->asks_state();
  options.report_data_after_reset = policy_.reset_late_client_data;
  s->down = std::make_unique<h2::Endpoint>(h2::Role::server, options);
  bool added = by_conn_.emplace(end, s.get()).second;
  H2SIM_ASSERT(added);  // a connection end is accepted once
  sessions_.push_back(std::move(s));
  flush(*sessions_.back());
}

H2Relay::Upstream& H2Relay::open_upstream(Session* owner) {
  auto u = std::make_unique<Upstream>();
  u->conn = net_->connect(upstream_);
  h2::EndpointOptions options;
  options.settings = policy_.upstream_opening;
  options.first_stream_id = policy_.upstream_first_stream_id;
  options.read_buffer_bytes = policy_.upstream_read_bytes;
  options.manual_flow_control = true;
  options.keep_history = net_->asks_state();
  u->endpoint = std::make_unique<h2::Endpoint>(h2::Role::client, options);
  u->owner = owner;
  bool added = up_by_conn_.emplace(u->conn, u.get()).second;
  H2SIM_ASSERT(added);
  upstreams_.push_back(std::move(u));
  return *upstreams_.back();
}

// The upstream connection a new call of `s` goes on: the session's own, or one of the pool.
H2Relay::Upstream& H2Relay::upstream_for(Session& s) {
  if (!pooled()) {
    // With upstream_connection_at_server_limit a connection is full at the server's
    // SETTINGS_MAX_CONCURRENT_STREAMS, and another is opened for the session; else the first
    // takes every call and nghttp2 queues those past the limit. A new connection is held to the
    // limit the server gave the session's others before its own SETTINGS arrive: live, haproxy
    // 2.6.12 put at most two streams on each of eight new connections for a burst of ten calls
    // past a two-stream server, none refused, where nghttp2's assumed 100 had the server refuse
    // eight. (upstream_max_concurrent_streams is a pool's bound: a scenario's does not apply here.)
    uint32_t limit = UINT32_MAX;
    for (const Upstream* u : s.own) limit = std::min(limit, u->endpoint->peer_max_concurrent_streams());
    for (Upstream* u : s.own) {
      if (!policy_.upstream_connection_at_server_limit || u->calls < limit) return *u;
    }
    if (!s.own.empty()) net_->mark("proxy: another backend connection at the server's stream limit");
    s.own.push_back(&open_upstream(&s));
    return *s.own.back();
  }
  if (policy_.upstream_connection_per_call) {
    while (!idle_upstreams_.empty()) {
      Upstream* idle = idle_upstreams_.front();
      idle_upstreams_.erase(idle_upstreams_.begin());
      if (idle->closed || idle->draining || !idle->endpoint->alive()) continue;
      net_->mark("proxy: an idle keepalive backend connection takes the call");
      return *idle;
    }
    net_->mark("proxy: a backend connection of its own for the call");
    return open_upstream(nullptr);
  }
  if (Upstream* u = pick_pooled()) {
    for (const auto& [stream, other] : u->sessions) {
      if (other != &s) {
        net_->mark("proxy: pooled upstream connection carries two client connections' calls");
        break;
      }
    }
    return *u;
  }
  net_->mark("proxy: pooled upstream connection opened");
  pool_.push_back(&open_upstream(nullptr));
  return *pool_.back();
}

// A pooled connection with room, as the policy picks; null when a new one should be opened.
H2Relay::Upstream* H2Relay::pick_pooled() {
  uint32_t room = policy_.upstream_max_concurrent_streams;
  if (policy_.upstream_pooling == UpstreamPooling::round_robin) {
    if (pool_.size() < policy_.upstream_connections) return nullptr;
    return pool_[round_robin_++ % pool_.size()];
  }
  // A connection is full at the server's SETTINGS_MAX_CONCURRENT_STREAMS too (nghttp2's 100
  // until they arrive). Measured live for nghttpx 1.52 (docs/fidelity.md "nghttpx opens another
  // backend connection at the server's limit"); Go's x/net transport (ClientConn.idleStateLocked)
  // and Envoy's pool (1.22 release notes: capacity follows SETTINGS) do the same, from source.
  for (Upstream* u : pool_) {
    if (u->calls < std::min(room, u->endpoint->peer_max_concurrent_streams())) return u;
  }
  if (pool_.size() < policy_.upstream_connections) return nullptr;
  // Every connection is full: the least busy takes it, and nghttp2 queues the stream until the
  // server's limit lets it start.
  Upstream* least = pool_.front();
  for (Upstream* u : pool_) {
    if (u->calls < least->calls) least = u;
  }
  return least;
}

H2Relay::CallRelay* H2Relay::by_down(Session& s, h2::StreamId id) {
  for (CallRelay& c : s.calls) {
    if (c.down == id) return &c;
  }
  return nullptr;
}

void H2Relay::check_relay(const CallRelay& c) {
  H2SIM_ASSERT(c.down != h2::connection_stream_id);
  // The server's stream exists once the request is forwarded, and only then.
  H2SIM_ASSERT((c.upstream == nullptr) == (c.up == h2::connection_stream_id));
  H2SIM_ASSERT(!c.request_held || c.upstream == nullptr);
  H2SIM_ASSERT(!c.response_end_submitted || c.response_headers_submitted);
  H2SIM_ASSERT(!c.closed_after_response || c.finished);
  H2SIM_ASSERT(c.request_bytes_consumed <= c.request_bytes_received);
  H2SIM_ASSERT(c.response_bytes_consumed <= c.response_bytes_received);
}

H2Relay::CallRelay* H2Relay::by_up(Session& s, const Upstream& u, h2::StreamId id) {
  for (CallRelay& c : s.calls) {
    if (c.up == id && c.upstream == &u) return &c;
  }
  return nullptr;
}

bool H2Relay::client_stream_closed(Session& s, const CallRelay& call) const {
  // HAProxy §1.2 step 3: a stream is CLOSED once the client's END_STREAM was received and ours
  // was sent (queued in this pass counts: it leaves first).
  const h2::StreamFlags* f = s.down->stream(call.down);
  return f == nullptr || f->closed || f->reset_sent ||
         (f->end_stream_received && call.response_end_submitted);
}

void H2Relay::on_bytes(sim::ConnId end, std::span<const uint8_t> batch) {
  if (auto it = by_conn_.find(end); it != by_conn_.end()) {
    on_downstream_bytes(*it->second, batch);
    return;
  }
  auto up = up_by_conn_.find(end);
  H2SIM_ASSERT(up != up_by_conn_.end());  // a connection the relay accepted or opened
  on_upstream_bytes(*up->second, batch);
}

void H2Relay::on_downstream_bytes(Session& s, std::span<const uint8_t> batch) {
  if (s.closed) {
    H2SIM_ASSERT(s.calls.empty());
    return;
  }
  s.down->receive(batch);
  // The client's frames wake the connection: what it queued leaves with this pass's output.
  release_queued_resets(s, false);
  for (const h2::Event& event : s.down->take_events()) from_client(s, event);
  after_input(s);
  if (pooled()) flush_pool();
}

bool H2Relay::others_relayed(const Session& s, const CallRelay& call) const {
  return std::any_of(s.calls.begin(), s.calls.end(),
                     [&](const CallRelay& c) { return &c != &call && !c.finished && !streams_closed(s, c); });
}

void H2Relay::release_queued_resets(Session& s, bool unless_others) {
  // Every pass calls this: only a policy that queues resets walks the calls.
  if (!policy_.reset_queued_while_others_process) return;
  for (CallRelay& call : s.calls) {
    if (!call.queued_reset) continue;
    if (unless_others && others_relayed(s, call)) continue;
    // Woken by a later read, the reset goes first in the queue (before the output of that read);
    // the stream's own headers left in an earlier pass. In the pass that queued it, after them.
    if (unless_others) {
      s.down->reset_after_output(call.down, *call.queued_reset);
    } else {
      s.down->reset(call.down, *call.queued_reset);
    }
    call.queued_reset.reset();
  }
}

void H2Relay::on_upstream_bytes(Upstream& u, std::span<const uint8_t> batch) {
  piece_data_.clear();
  if (!pooled()) {
    Session& s = *u.owner;
    if (s.closed) {
      H2SIM_ASSERT(s.calls.empty());
      return;
    }
    u.endpoint->receive(batch);
    // Another call's response wakes the connection too (nginx writes its queue with it).
    release_queued_resets(s, false);
    for (const h2::Event& event : u.endpoint->take_events()) from_server(s, u, event);
    after_input(s);
    return;
  }
  if (u.closed) return;
  u.endpoint->receive(batch);
  // The sessions whose calls the read touched, in the order it touched them.
  std::vector<Session*> touched;
  for (const h2::Event& event : u.endpoint->take_events()) {
    if (event.kind == Kind::goaway && !u.draining) {
      net_->mark("proxy: pooled upstream connection drains after GOAWAY");
      u.draining = true;
      std::erase(pool_, &u);
    }
    auto it = u.sessions.find(event.stream);
    if (it == u.sessions.end() || it->second->closed) continue;
    if (std::find(touched.begin(), touched.end(), it->second) == touched.end()) release_queued_resets(*it->second, false);
    from_server(*it->second, u, event);
    if (std::find(touched.begin(), touched.end(), it->second) == touched.end()) touched.push_back(it->second);
  }
  for (Session* s : touched) {
    if (!s->closed) after_input(*s);
  }
  if (!u.endpoint->alive() && !u.closed) on_upstream_lost(u);
  flush_pool();
}

// What every pass over a session's input ends with.
void H2Relay::after_input(Session& s) {
  // Once the whole read is handled (an upstream reset in it comes first), a complete response
  // may close the client's stream.
  for (CallRelay& call : s.calls) {
    // A held response leaves once the server's stream is closed both ways.
    bool upstream_closed = call.upstream_response_ended && call.request_end_forwarded;
    if (!call.finished && (call.headers_held || call.end_held) && upstream_closed) release_held_response(s, call);
    if (call.response_end_submitted) after_response_end(s, call);
  }
  // The last call still relayed is gone: nginx's connection handler runs and writes the queue.
  release_queued_resets(s, true);
  // Everything produced in one pass leaves in one flush per connection (§5 write coalescing).
  flush(s);
  forget_finished(s);
  bool own_failed = !pooled() && std::ranges::any_of(s.own, [](const Upstream* u) { return !u->endpoint->alive(); });
  if (!s.down->alive() || own_failed) close_session(s);
}

void H2Relay::close_session(Session& s) {
  // A connection error ended one side (nghttp2 sent its GOAWAY, or could not go on): every call
  // of the session is cancelled on the other side, and both connections are closed.
  net_->mark("proxy: connection error closes the session");
  for (CallRelay& call : s.calls) {
    if (call.upstream && !call.upstream->closed && up(call).alive()) up(call).reset(call.up, ErrorCode::cancel);
    if (s.down->alive()) s.down->reset(call.down, ErrorCode::cancel);
    if (call.idle_timer_set) net_->cancel_timer(call.idle_timer);
  }
  flush(s);
  for (CallRelay& call : s.calls) {
    if (call.upstream) let_go_upstream(call);
  }
  s.calls.clear();
  s.closed = true;
  net_->shutdown(s.down_conn);
  // A pooled connection serves other sessions too: only a session's own ones close with it.
  for (Upstream* u : s.own) {
    u->closed = true;
    net_->shutdown(u->conn);
  }
}

void H2Relay::count_request(Session& s, h2::StreamId stream) {
  if (policy_.max_requests_per_connection == 0) return;
  if (++s.requests != policy_.max_requests_per_connection) return;
  if (policy_.goaway_graceful) {
    // RFC 9113 §6.8: announce, let in-flight requests arrive, then name the last stream.
    net_->mark("proxy: graceful GOAWAY after max requests");
    s.down->shutdown_notice();
    bool added = timers_.emplace(net_->set_timer(goaway_pause),
                                 Timer{&s, h2::connection_stream_id, TimerKind::final_goaway}).second;
    H2SIM_ASSERT(added);
  } else {
    // nginx http2_max_requests (D27): one GOAWAY naming this stream as the last.
    net_->mark("proxy: abrupt GOAWAY after max requests");
    s.down->goaway(ErrorCode::no_error, stream);
  }
}

void H2Relay::touch(Session& s, CallRelay& call) {
  if (policy_.idle_timeout_ns == 0 || call.finished) return;
  if (call.idle_timer_set) net_->cancel_timer(call.idle_timer);
  call.idle_timer = net_->set_timer(sim::Duration{static_cast<int64_t>(policy_.idle_timeout_ns)});
  call.idle_timer_set = true;
  bool added = timers_.emplace(call.idle_timer, Timer{&s, call.down, TimerKind::idle}).second;
  H2SIM_ASSERT(added);  // the world never hands out a timer id twice
}

void H2Relay::from_client(Session& s, const h2::Event& event) {
  if (event.kind == Kind::headers && event.headers_kind == h2::HeadersKind::request) {
    H2SIM_ASSERT(by_down(s, event.stream) == nullptr);  // a client stream opens once
    CallRelay call;
    call.down = event.stream;
    if (policy_.request_buffering && !event.end_stream) {
      net_->mark("proxy: request held until the client's END_STREAM or a full buffer");
      call.request_held = true;
      call.held_request_headers.assign(event.headers.begin(), event.headers.end());
    } else {
      forward_request(s, call, event.headers, event.end_stream);
    }
    s.calls.push_back(std::move(call));
    touch(s, s.calls.back());
    count_request(s, event.stream);
    return;
  }
  if (event.kind == Kind::data_after_reset) {
    net_->mark("proxy: RST(STREAM_CLOSED) for DATA after its reset");
    s.down->reset_again(event.stream, ErrorCode::stream_closed);
    return;
  }
  CallRelay* call = by_down(s, event.stream);
  if (call == nullptr) return;  // a stream we already forgot
  // DATA still counts on a finished call: it is dropped, but its window must reopen, or the
  // client's upload (and every stream sharing the connection window) stalls for good
  // (scenarios/regression-nginx-502-upload.textproto).
  if (event.kind == Kind::data) call->request_bytes_received += event.data.size();
  if (call->finished) return;
  touch(s, *call);
  if (call->request_held) {
    hold_request(s, *call, event);
    check_relay(*call);
    return;
  }
  switch (event.kind) {
    case Kind::data:
      up(*call).send_data(call->up, event.data, false);
      break;
    case Kind::headers:  // request trailers end the request
    case Kind::end_stream:
      up(*call).send_data(call->up, {}, true);
      call->request_end_forwarded = true;
      break;
    case Kind::reset:
      forward_client_reset(*call, event.code);
      break;
    default:
      break;
  }
  check_relay(*call);
}

// A client's RST_STREAM, as the proxy presents it to the server (ProxyPolicy::client_abort).
void H2Relay::forward_client_reset(CallRelay& call, ErrorCode code) {
  switch (policy_.client_abort) {
    case ClientAbort::end_stream_then_cancel:
      // A client that already half-closed has had its END_STREAM forwarded: only the
      // CANCEL follows (scenarios/regression-cancel-after-half-close.textproto).
      net_->mark("proxy: client abort sent upstream as END_STREAM then CANCEL");
      if (!call.request_end_forwarded) up(call).send_data(call.up, {}, true);
      up(call).reset_after_output(call.up, ErrorCode::cancel);
      break;
    case ClientAbort::close_connection:
      H2SIM_ASSERT(policy_.upstream_connection_per_call && call.upstream->calls == 1);
      net_->mark("proxy: client abort closes the call's backend connection");
      close_upstream(*call.upstream);
      break;
    case ClientAbort::forward_code:
      up(call).reset(call.up, code);
      break;
    case ClientAbort::cancel:
    case ClientAbort::no_error:
    case ClientAbort::internal_error:
      up(call).reset(call.up, policy_.client_abort == ClientAbort::cancel     ? ErrorCode::cancel
                              : policy_.client_abort == ClientAbort::no_error ? ErrorCode::no_error
                                                                              : ErrorCode::internal_error);
      break;
  }
  call.finished = true;
}

void H2Relay::close_upstream(Upstream& u) {
  if (u.closed) return;
  u.closed = true;
  std::erase(pool_, &u);
  std::erase(idle_upstreams_, &u);
  net_->shutdown(u.conn);
}

// The call's upstream connection no longer carries it; one of its own is closed at the pass's end.
void H2Relay::let_go_upstream(const CallRelay& call) {
  Upstream& u = *call.upstream;
  --u.calls;
  u.sessions.erase(call.up);
  if (policy_.upstream_connection_per_call && u.calls == 0) {
    u.reusable = call.request_end_forwarded && call.upstream_response_ended;
    finished_upstreams_.push_back(&u);
  }
}

void H2Relay::close_finished_upstreams() {
  // In the order they were opened, as the World numbers connections.
  std::sort(finished_upstreams_.begin(), finished_upstreams_.end(),
            [](const Upstream* a, const Upstream* b) { return a->conn.value < b->conn.value; });
  for (Upstream* u : finished_upstreams_) {
    bool keep = policy_.upstream_keepalive_connections > 0 && u->reusable && !u->closed && !u->draining &&
                u->endpoint->alive();
    if (!keep) {
      close_upstream(*u);
      continue;
    }
    net_->mark("proxy: keepalive keeps the call's backend connection idle");
    idle_upstreams_.insert(idle_upstreams_.begin(), u);
    if (idle_upstreams_.size() > policy_.upstream_keepalive_connections) close_upstream(*idle_upstreams_.back());
  }
  finished_upstreams_.clear();
}

void H2Relay::forward_request(Session& s, CallRelay& call, std::span<const h2::Header> headers, bool end_stream) {
  Upstream& u = upstream_for(s);
  call.upstream = &u;
  bool end_in_data = end_stream && policy_.request_end_in_data;
  call.up = u.endpoint->submit_request(headers, end_stream && !end_in_data);
  if (end_in_data) u.endpoint->send_data(call.up, {}, true);
  ++u.calls;
  if (pooled()) u.sessions[call.up] = &s;
  call.request_end_forwarded = end_stream;  // an empty request ends with its HEADERS (or DATA)
}

void H2Relay::hold_request(Session& s, CallRelay& call, const h2::Event& event) {
  switch (event.kind) {
    case Kind::data:
      call.held_request_data.insert(call.held_request_data.end(), event.data.begin(), event.data.end());
      if (policy_.request_buffer_bytes != 0 && call.held_request_data.size() >= policy_.request_buffer_bytes) {
        net_->mark("proxy: request buffer full, the request leaves before its END_STREAM");
        release_request(s, call);
      }
      break;
    case Kind::headers:  // request trailers end the request
    case Kind::end_stream:
      call.held_request_end = true;
      release_request(s, call);
      break;
    case Kind::reset:
      // The server never heard of the call: nothing to tell it.
      net_->mark("proxy: client abort of a held request, the server never saw it");
      call.finished = true;
      break;
    default:
      break;
  }
}

// Everything held leaves at once: the headers, the DATA read so far (in one DATA frame's worth
// of writes), and the END_STREAM if it came.
void H2Relay::release_request(Session& s, CallRelay& call) {
  call.request_held = false;
  call.request_bytes_prebuffered = call.request_bytes_received;
  bool end = call.held_request_end;
  forward_request(s, call, call.held_request_headers, end && call.held_request_data.empty());
  if (!call.held_request_data.empty()) up(call).send_data(call.up, call.held_request_data, end);
  call.request_end_forwarded = end;
  call.held_request_headers = {};
  call.held_request_data = {};
}

void H2Relay::from_server(Session& s, Upstream& u, const h2::Event& event) {
  if (event.kind == Kind::goaway) return;  // streams it refused end by their own resets
  CallRelay* call = by_up(s, u, event.stream);
  if (call == nullptr || call->finished) return;
  touch(s, *call);
  switch (event.kind) {
    case Kind::headers:
      if (event.end_stream) call->upstream_response_ended = true;
      if (policy_.hold_response_until_upstream_closed && !call->response_end_submitted) {
        // h2_proxy_session.c h2_proxy_stream_add_header_out: before any DATA every field, the
        // trailers' too, goes into the response headers; after DATA into the trailers.
        auto& into = call->response_headers_submitted ? call->held_trailers : call->held_headers;
        into.insert(into.end(), event.headers.begin(), event.headers.end());
        if (!call->response_headers_submitted) call->headers_held = true;
        if (event.end_stream) call->end_held = true;
        break;
      }
      if (event.headers_kind == h2::HeadersKind::response) {
        forward_response_headers(s, *call, event);
      } else if (!call->response_end_submitted) {
        forward_trailers(s, *call, event.headers);
      }
      break;
    case Kind::data:
      call->response_bytes_received += event.data.size();
      if (call->headers_held) {
        // h2_proxy_session.c stream_response_data: the first DATA sends the headers out.
        call->headers_held = false;
        call->response_headers_submitted = true;
        s.down->submit_response(call->down, call->held_headers, false);
      }
      if (policy_.upstream_read_bytes > 0) {
        note_piece_data(s, *call, event);
        s.down->send_data_frame(call->down, event.data);
      } else {
        s.down->send_data(call->down, event.data, false);
      }
      break;
    case Kind::end_stream:
      call->upstream_response_ended = true;
      if (policy_.hold_response_until_upstream_closed) {
        call->end_held = true;
        break;
      }
      s.down->send_data(call->down, {}, true);
      call->response_end_submitted = true;
      break;
    case Kind::reset:
      reset_piece_ = event.piece;
      on_upstream_reset(s, *call, event.code);
      reset_piece_.reset();
      break;
    case Kind::closed:
      // A stream above the last one a GOAWAY names (RFC 9113 §6.8) is closed by nghttp2 with
      // REFUSED_STREAM and no RST_STREAM on the wire; the relay takes it as a reset with that code
      // (nghttpx: on_stream_close_callback; the tap saw nghttpx answer the client with
      // RST(REFUSED_STREAM), scenarios/request-header-list-past-server-limit.textproto).
      if (event.code == ErrorCode::refused_stream) on_upstream_reset(s, *call, event.code);
      break;
    default:
      break;
  }
  check_relay(*call);
}

void H2Relay::forward_response_headers(Session& s, CallRelay& call, const h2::Event& event) {
  call.response_headers_submitted = true;
  if (!event.end_stream) {
    s.down->submit_response(call.down, event.headers, false);
    return;
  }
  call.response_end_submitted = true;
  // A trailers-only response: the status travels in this one block.
  if (policy_.reframe_trailers_only) {
    net_->mark("proxy: trailers-only re-framed as HEADERS + empty DATA(END_STREAM)");
    s.down->submit_response(call.down, event.headers, false);
    s.down->send_data(call.down, {}, true);
  } else if (policy_.trailers == Trailers::drop) {
    net_->mark("proxy: trailers dropped");
    s.down->submit_response(call.down, without_grpc_status(event.headers), false);
    s.down->send_data(call.down, {}, true);
  } else if (policy_.trailers == Trailers::launder_to_ok) {
    net_->mark("proxy: status laundered to OK");
    s.down->submit_response(call.down, without_grpc_status(event.headers), false);
    s.down->send_trailers(call.down, {{"grpc-status", "0"}});
  } else {
    s.down->submit_response(call.down, event.headers, true);
  }
}

void H2Relay::forward_trailers(Session& s, CallRelay& call,
                               std::span<const h2::Header> trailers) {
  call.response_end_submitted = true;
  switch (policy_.trailers) {
    case Trailers::forward:
      s.down->send_trailers(call.down, trailers);
      break;
    case Trailers::drop:
      net_->mark("proxy: trailers dropped");
      s.down->send_data(call.down, {}, true);
      break;
    case Trailers::launder_to_ok:
      net_->mark("proxy: status laundered to OK");
      s.down->send_trailers(call.down, {{"grpc-status", "0"}});
      break;
  }
}

void H2Relay::on_upstream_reset(Session& s, CallRelay& call, ErrorCode code) {
  if (policy_.hold_response_until_upstream_closed && code == ErrorCode::no_error) {
    // h2_proxy_session.c ev_stream_done: a stream closed with error code 0 succeeded, ended
    // or not: what was held leaves, and a response cut short ends without trailers.
    net_->mark("proxy: RST(NO_ERROR) closes the server's stream as a success");
    release_held_response(s, call);
    call.finished = true;
    return;
  }
  bool ignore = call.upstream_response_ended &&
                (policy_.ignore_reset_after_response == IgnoreResetAfterResponse::any ||
                 (policy_.ignore_reset_after_response == IgnoreResetAfterResponse::no_error &&
                  code == ErrorCode::no_error));
  if (ignore) {
    net_->mark("proxy: reset after a complete response ignored");
    return;
  }
  call.finished = true;
  if (policy_.upstream_reset == UpstreamReset::abort_call) {
    net_->mark("proxy: upstream reset aborts the call");
    abort_client_side(s, call);
    return;
  }
  if (client_stream_closed(s, call)) return;
  ErrorCode forwarded = forwarded_code(policy_.forwarded_codes, code);
  if (forwarded != code) net_->mark("proxy: reset code rewritten");
  if (policy_.flush_response_before_reset) {
    s.down->reset_after_output(call.down, forwarded);
  } else {
    s.down->reset(call.down, forwarded);
  }
}

void H2Relay::release_held_response(Session& s, CallRelay& call) {
  if (call.response_end_submitted) return;
  if (!call.headers_held && !call.response_headers_submitted) {
    // ev_stream_done: a success without any response sends the request's headers_out as they
    // are, with the status ap_read_request starts every request with (200): no grpc-status.
    net_->mark("proxy: RST(NO_ERROR) before any response becomes an empty 200");
    call.response_headers_submitted = true;
    s.down->submit_response(call.down, {{":status", "200"}}, true);
  } else if (call.headers_held) {
    // ev_stream_done: a response without DATA goes out with the close, as one HEADERS(ES).
    net_->mark("proxy: response held until the server's stream closed");
    call.headers_held = false;
    call.response_headers_submitted = true;
    s.down->submit_response(call.down, call.held_headers, true);
  } else if (!call.held_trailers.empty()) {
    s.down->send_trailers(call.down, call.held_trailers);
  } else {
    s.down->send_data(call.down, {}, true);
  }
  call.end_held = false;
  call.response_end_submitted = true;
}

void H2Relay::after_response_end(Session& s, CallRelay& call) {
  if (policy_.after_response != AfterResponse::reset_no_error || call.closed_after_response) return;
  const h2::StreamFlags* f = s.down->stream(call.down);
  if (f == nullptr || f->end_stream_received || f->closed || f->reset_sent) return;
  // The response (the server's, or the proxy's own error page) is complete and the client is
  // still uploading: ask it to stop (RFC 9113 §8.1) and let the server's stream go.
  net_->mark("proxy: RST(NO_ERROR) after a complete response to an uploading client");
  call.finished = true;
  call.closed_after_response = true;
  s.down->reset_after_output(call.down, ErrorCode::no_error);
  const h2::StreamFlags* upstream = up_stream(call);
  if (upstream && !upstream->closed && !upstream->end_stream_sent) up(call).reset(call.up, ErrorCode::cancel);
}

void H2Relay::respond_with_http_status(Session& s, CallRelay& call, uint32_t status) {
  net_->mark("proxy: HTTP error response instead of the server's");
  call.response_headers_submitted = true;
  call.response_end_submitted = true;
  std::string body = error_page_body(policy_.http_error_page, status);
  if (body.empty()) {
    s.down->submit_response(call.down, {{":status", std::to_string(status)}}, true);
    return;
  }
  s.down->submit_response(call.down,
                          {{":status", std::to_string(status)}, {"content-type", std::string(policy_.http_error_content_type)}},
                          false);
  s.down->send_data(call.down, std::span(reinterpret_cast<const uint8_t*>(body.data()), body.size()),
                    true);
}

bool H2Relay::drops_data_read_with_reset(Session& s, const CallRelay& call) {
  if (!call.response_headers_submitted || call.response_end_submitted) return false;
  switch (policy_.data_read_with_reset) {
    case DataReadWithReset::relayed: return false;
    case DataReadWithReset::dropped: return true;
    case DataReadWithReset::sometimes_dropped:
      // Asked only when there is a tail to lose, so that no other run draws a choice more.
      return s.down->has_unsent_data(call.down) && net_->choose(2, sim::Label::write) == 1;
  }
  return false;
}

void H2Relay::note_piece_data(const Session& s, const CallRelay& call, const h2::Event& event) {
  for (PieceData& d : piece_data_) {
    if (d.session != &s || d.down != call.down) continue;
    if (d.piece != event.piece) d = {&s, call.down, event.piece, 0};
    d.bytes += event.data.size();
    return;
  }
  piece_data_.push_back({&s, call.down, event.piece, event.data.size()});
}

uint64_t H2Relay::data_in_piece(const Session& s, const CallRelay& call, uint32_t piece) const {
  for (const PieceData& d : piece_data_) {
    if (d.session == &s && d.down == call.down && d.piece == piece) return d.bytes;
  }
  return 0;
}

void H2Relay::abort_client_side(Session& s, CallRelay& call) {
  if (client_stream_closed(s, call)) {
    net_->mark("proxy: abort finds the client stream closed, no reset");
    return;
  }
  bool ended_here = false;  // the response's END_STREAM is the proxy's, not the server's
  if ((policy_.end_response_on_abort || policy_.abort_ends_response_first) && call.response_headers_submitted &&
      !call.response_end_submitted) {
    // Both write an END_STREAM frame of their own, never on a message still queued: haproxy's
    // h2_do_shutw, and Caddy's handler returning after each message was flushed to the x/net
    // server (measured live: docs/fidelity.md items 14, 21 and 22; grpc-java words the two apart).
    s.down->send_end_stream_frame(call.down);
    call.response_end_submitted = true;
    ended_here = true;
    const h2::StreamFlags* down = s.down->stream(call.down);
    if (policy_.end_response_on_abort || (down != nullptr && down->end_stream_received)) {
      net_->mark("proxy: abort ends the response with an empty DATA(END_STREAM), no trailers");
      return;
    }
    net_->mark("proxy: abort ends the response with an empty DATA(END_STREAM), then resets the uploading client");
  }
  if (!call.response_headers_submitted && policy_.abort_before_response_headers_http_status != 0) {
    respond_with_http_status(s, call, policy_.abort_before_response_headers_http_status);
    return;
  }
  ErrorCode code = !call.response_headers_submitted ? policy_.abort_reset_before_response_headers
                   : call.response_end_submitted    ? policy_.abort_reset_after_response_end
                                                    : policy_.abort_reset_after_response_headers;
  if (code == ErrorCode::cancel && call.response_end_submitted && !ended_here) {
    net_->mark("proxy: RST(CANCEL) after a complete response to an uploading client");
  }
  if (drops_data_read_with_reset(s, call)) {
    // Everything relayed from earlier reads has been flushed (after_input): what is unsent came
    // in this read. Read through a buffer, only the reset's own buffer is lost.
    net_->mark("proxy: response data read with the reset dropped");
    if (policy_.upstream_read_bytes > 0 && reset_piece_) {
      s.down->discard_unsent_tail(call.down, data_in_piece(s, call, *reset_piece_));
    } else {
      s.down->discard_unsent_data(call.down);
    }
  }
  if (policy_.reset_queued_while_others_process && others_relayed(s, call)) {
    net_->mark("proxy: reset queued until the client's next frame (another call still relayed)");
    call.queued_reset = code;
    return;
  }
  if (policy_.flush_response_before_reset) {
    s.down->reset_after_output(call.down, code);
  } else {
    net_->mark("proxy: response tail discarded by the reset");
    s.down->reset(call.down, code);
  }
}

void H2Relay::on_timer(sim::TimerId timer) {
  auto it = timers_.find(timer);
  if (it == timers_.end()) return;
  Timer t = it->second;
  timers_.erase(it);
  Session& s = *t.session;
  if (s.closed) {
    H2SIM_ASSERT(s.calls.empty());
    return;
  }
  if (t.kind == TimerKind::final_goaway) {
    s.down->goaway(ErrorCode::no_error);
  } else if (CallRelay* call = by_down(s, t.down); call && !call->finished &&
                                                   call->idle_timer == timer) {
    // C26: the idle timeout kills the call on both sides.
    net_->mark("proxy: idle timeout");
    call->finished = true;
    if (!call->response_headers_submitted) {
      respond_with_http_status(s, *call, 504);
    } else {
      // After the headers the call is aborted as a server's failure is: nginx resets the client
      // with INTERNAL_ERROR, haproxy 2.6 ends the response with an empty DATA(END_STREAM) (live,
      // scenarios/proxy-idle-timeout-after-response-headers.textproto).
      abort_client_side(s, *call);
    }
    if (call->upstream && !call->upstream->closed) {
      if (policy_.client_abort == ClientAbort::close_connection) {
        // nginx finalizes the request and closes the call's backend connection, as on a client's
        // abort: no RST_STREAM (live, nginx 1.22.1, scenarios/proxy-504-after-idle-timeout).
        close_upstream(*call->upstream);
      } else {
        up(*call).reset(call->up, ErrorCode::cancel);
      }
    }
  }
  flush(s);
  forget_finished(s);
  if (pooled()) flush_pool();
}

bool H2Relay::streams_closed(const Session& s, const CallRelay& c) const {
  // The client's stream first: while it is open (most calls in flight) the server's is not asked.
  if (const h2::StreamFlags* down = s.down->stream(c.down); down != nullptr && !down->closed) return false;
  // A stream on a lost connection is closed whatever its endpoint last knew of it; one never
  // opened (a held request) is closed too.
  const h2::StreamFlags* upstream = up_stream(c);
  return upstream == nullptr || upstream->closed;
}

void H2Relay::forget_finished(Session& s) {
  std::erase_if(s.calls, [&](const CallRelay& c) {
    bool gone = streams_closed(s, c);
    H2SIM_ASSERT(!gone || (c.request_bytes_consumed == c.request_bytes_received &&
                           c.response_bytes_consumed == c.response_bytes_received));
    if (gone && c.idle_timer_set) {
      net_->cancel_timer(c.idle_timer);
      timers_.erase(c.idle_timer);
    }
    if (gone && c.upstream) let_go_upstream(c);
    return gone;
  });
}

void H2Relay::on_peer_closed(sim::ConnId end, bool) {
  Session* s = nullptr;
  Upstream* u = nullptr;
  if (auto it = by_conn_.find(end); it != by_conn_.end()) s = it->second;
  if (auto it = up_by_conn_.find(end); it != up_by_conn_.end()) u = it->second;
  if (pooled()) {
    if (s) on_downstream_lost(*s);
    if (u) on_upstream_lost(*u);
    flush_pool();
    return;
  }
  if (u) s = u->owner;
  if (s == nullptr || s->closed) return;
  // Either side gone: the other connection is closed too (no more streams can complete).
  s->closed = true;
  for (Upstream* own : s->own) {
    if (own != u) net_->reset(own->conn);
    own->closed = true;
  }
  if (u != nullptr) net_->reset(s->down_conn);
  for (CallRelay& c : s->calls) {
    if (c.idle_timer_set) net_->cancel_timer(c.idle_timer);
    if (c.upstream) --c.upstream->calls;
  }
  s->calls.clear();
}

// A client connection gone, with a pool: its calls' upstream streams are cancelled (the
// connections serve other clients and stay).
void H2Relay::on_downstream_lost(Session& s) {
  if (s.closed) return;
  s.closed = true;
  for (CallRelay& c : s.calls) {
    if (c.idle_timer_set) net_->cancel_timer(c.idle_timer);
    if (c.upstream == nullptr) continue;
    if (!c.upstream->closed) {
      const h2::StreamFlags* f = up(c).stream(c.up);
      if (f && !f->closed) up(c).reset(c.up, ErrorCode::cancel);
    }
    let_go_upstream(c);
  }
  s.calls.clear();
}

// A pooled upstream connection lost (reset, closed, or failed): every call on it is aborted on
// the client's side as an upstream reset would abort it, and the pool opens another for new calls.
void H2Relay::on_upstream_lost(Upstream& u) {
  if (u.closed) return;
  u.closed = true;
  std::erase(pool_, &u);
  net_->mark("proxy: pooled upstream connection lost aborts its calls");
  std::vector<Session*> sessions;
  for (const auto& [stream, session] : u.sessions) {
    if (std::find(sessions.begin(), sessions.end(), session) == sessions.end()) sessions.push_back(session);
  }
  for (Session* s : sessions) {
    for (CallRelay& call : s->calls) {
      if (call.upstream != &u || call.finished) continue;
      call.finished = true;
      abort_client_side(*s, call);
    }
    flush(*s);
    forget_finished(*s);
  }
  if (u.endpoint->alive()) net_->shutdown(u.conn);
}

void H2Relay::flush_pool() {
  std::vector<Upstream*> wrote = write_pool();
  // A session's pass ran before its calls' pooled output left (in write_pool): DATA written only
  // now lets the client's window reopen, and a reset or END_STREAM written only now may close a
  // call's last stream. No later event need come for the session (a WINDOW_UPDATE on the pooled
  // connection is none of its calls'), so its windows are released and its finished calls let go
  // here (scenarios/regression-pool-cancel-leak.textproto, regression-pool-window-stall.textproto).
  std::vector<Session*> sessions;
  for (Upstream* u : wrote) {
    for (const auto& [stream, s] : u->sessions) {
      if (!s->closed && std::find(sessions.begin(), sessions.end(), s) == sessions.end()) sessions.push_back(s);
    }
  }
  for (Session* s : sessions) {
    flush(*s);
    forget_finished(*s);
  }
  // The WINDOW_UPDATEs the release queued upstream; no DATA, so nothing more to release.
  if (!sessions.empty()) write_pool();
  if (policy_.upstream_connection_per_call) close_finished_upstreams();
}

std::vector<H2Relay::Upstream*> H2Relay::write_pool() {
  std::vector<Upstream*> wrote;
  for (const auto& u : upstreams_) {
    if (u->closed) continue;
    sim::Flush out = u->endpoint->take_output();
    if (out.bytes.empty()) continue;
    net_->write(u->conn, std::move(out));
    wrote.push_back(u.get());
  }
  return wrote;
}

bool H2Relay::release_windows(Session& s) {
  bool any = false;
  for (CallRelay& c : s.calls) {
    // Everything received is consumed already: nothing to release, whatever left or closed. (Not
    // asking the endpoints saves two stream lookups a side for each idle call in flight.)
    if (c.request_bytes_consumed == c.request_bytes_received &&
        c.response_bytes_consumed == c.response_bytes_received) {
      continue;
    }
    // What left on the other side may be consumed; a finished call gives everything back, and so
    // does one whose streams are both closed: forget_finished drops it next, and what it held
    // unconsumed would shrink the connection windows for good (every later stream starved:
    // scenarios/regression-nginx-window-after-abort.textproto).
    bool release_all = c.finished || streams_closed(s, c) || c.request_held;
    // A held request is read as it comes (the proxy's buffer takes it), and so stays what was
    // read before its release: what is consumed never goes back.
    uint64_t sent = c.upstream ? std::max(up(c).data_bytes_sent(c.up), c.request_bytes_prebuffered) : 0;
    uint64_t requests_out = release_all ? c.request_bytes_received : std::min(c.request_bytes_received, sent);
    uint64_t responses_out = release_all ? c.response_bytes_received
                                         : std::min(c.response_bytes_received, s.down->data_bytes_sent(c.down));
    // What has left stays left (an endpoint's bytes sent only grow): consumed never goes back.
    H2SIM_ASSERT(requests_out >= c.request_bytes_consumed && responses_out >= c.response_bytes_consumed);
    s.down->consume(c.down, requests_out - c.request_bytes_consumed);
    if (c.upstream && !c.upstream->closed) up(c).consume(c.up, responses_out - c.response_bytes_consumed);
    any |= requests_out != c.request_bytes_consumed || responses_out != c.response_bytes_consumed;
    c.request_bytes_consumed = requests_out;
    c.response_bytes_consumed = responses_out;
    check_relay(c);
  }
  return any;
}

void H2Relay::flush(Session& s) {
  if (s.closed) return;
  sim::Flush down = s.down->take_output();
  if (pooled()) {
    // The pooled connections' output leaves in flush_pool, once every session touched has run.
    if (release_windows(s)) sim::append(down, s.down->take_output());
    if (!down.bytes.empty()) net_->write(s.down_conn, std::move(down));
    return;
  }
  std::vector<sim::Flush>& upward = upward_scratch_;  // reused: a flush allocates no list
  upward.clear();
  for (Upstream* u : s.own) upward.push_back(u->endpoint->take_output());
  // DATA has now left; reopen the windows it freed, in the same flushes. With nothing consumed
  // the sessions are as the first take_output left them, with nothing to send. A session with no
  // upstream connection yet may still hold requests (request buffering) whose DATA it read.
  if (release_windows(s)) {
    sim::append(down, s.down->take_output());
    for (size_t i = 0; i < s.own.size(); ++i) sim::append(upward[i], s.own[i]->endpoint->take_output());
  }
  if (!down.bytes.empty()) net_->write(s.down_conn, std::move(down));
  for (size_t i = 0; i < s.own.size(); ++i) {
    if (!upward[i].bytes.empty()) net_->write(s.own[i]->conn, std::move(upward[i]));
  }
}

// Everything the relay's future depends on (the policy is fixed for the run). Sessions and
// upstream connections go by their index in the order they were opened, never by address; each
// list goes after its length.
bool H2Relay::add_state(sim::StateHash& h) const {
  std::map<const Session*, uint64_t> session_index;
  std::map<const Upstream*, uint64_t> upstream_index;
  for (const auto& s : sessions_) session_index.emplace(s.get(), session_index.size() + 1);
  for (const auto& u : upstreams_) upstream_index.emplace(u.get(), upstream_index.size() + 1);
  auto session = [&](const Session* s) { return s ? session_index.at(s) : 0; };
  auto upstream = [&](const Upstream* u) { return u ? upstream_index.at(u) : 0; };
  h.add_u64(sessions_.size());
  for (const auto& s : sessions_) {
    h.add_u64((uint64_t{s->down_conn.value} << 32) | s->requests);
    h.add_u64((uint64_t{s->own.size()} << 1) | s->closed);
    for (const Upstream* u : s->own) h.add_u64(upstream(u));
    s->down->add_state(h);
    h.add_u64(s->calls.size());
    for (const CallRelay& c : s->calls) add_call_state(h, c, upstream(c.upstream));
  }
  h.add_u64(upstreams_.size());
  for (const auto& u : upstreams_) {
    h.add_u64((uint64_t{u->conn.value} << 32) | u->calls);
    h.add_u64((session(u->owner) << 3) | uint64_t{u->reusable} << 2 | uint64_t{u->closed} << 1 | u->draining);
    u->endpoint->add_state(h);
    h.add_u64(u->sessions.size());
    for (const auto& [stream, owner] : u->sessions) h.add_u64((session(owner) << 32) | static_cast<uint32_t>(stream.value));
  }
  // by_conn_ and up_by_conn_ index the sessions and connections above by their connections.
  h.add_u64(pool_.size());
  for (const Upstream* u : pool_) h.add_u64(upstream(u));
  h.add_u64(idle_upstreams_.size());
  for (const Upstream* u : idle_upstreams_) h.add_u64(upstream(u));
  h.add_u64(round_robin_);
  h.add_u64(timers_.size());
  for (const auto& [timer, t] : timers_) {
    h.add_u64(timer.value);
    h.add_u64((session(t.session) << 40) | (uint64_t{static_cast<uint8_t>(t.kind)} << 32) |
              static_cast<uint32_t>(t.down.value));
  }
  return true;
}

void H2Relay::add_call_state(sim::StateHash& h, const CallRelay& c, uint64_t upstream) {
  h.add_u64((uint64_t{static_cast<uint32_t>(c.down.value)} << 32) | static_cast<uint32_t>(c.up.value));
  h.add_u64(upstream);
  h.add_u64(uint64_t{c.response_headers_submitted} | uint64_t{c.response_end_submitted} << 1 |
            uint64_t{c.upstream_response_ended} << 2 | uint64_t{c.request_end_forwarded} << 3 |
            uint64_t{c.finished} << 4 | uint64_t{c.closed_after_response} << 5 | uint64_t{c.headers_held} << 6 |
            uint64_t{c.end_held} << 7 | uint64_t{c.idle_timer_set} << 8 | uint64_t{c.request_held} << 9 |
            uint64_t{c.held_request_end} << 10 | uint64_t{c.queued_reset.has_value()} << 11);
  if (c.queued_reset) h.add_u64(static_cast<uint32_t>(*c.queued_reset));
  h2::add_state(h, c.held_headers);
  h2::add_state(h, c.held_trailers);
  h2::add_state(h, c.held_request_headers);
  h.add(c.held_request_data);
  h.add_u64(c.idle_timer.value);
  h.add_u64(c.request_bytes_received);
  h.add_u64(c.request_bytes_consumed);
  h.add_u64(c.response_bytes_received);
  h.add_u64(c.response_bytes_consumed);
  h.add_u64(c.request_bytes_prebuffered);
}

std::vector<std::string> H2Relay::leftovers() const {
  std::vector<std::string> out;
  for (const auto& s : sessions_) {
    if (s->closed) continue;
    for (const CallRelay& c : s->calls) {
      out.push_back("call relay for client stream " + std::to_string(c.down.value) +
                    " / server stream " + std::to_string(c.up.value) + " still held");
    }
    size_t queued = s->down->queued_bytes();
    for (const Upstream* u : s->own) queued += u->closed ? 0 : u->endpoint->queued_bytes();
    if (queued > 0) out.push_back(std::to_string(queued) + " bytes still buffered");
  }
  for (const auto& u : upstreams_) {
    if (u->owner != nullptr || u->closed || u->endpoint->queued_bytes() == 0) continue;
    out.push_back(std::to_string(u->endpoint->queued_bytes()) + " bytes still buffered for a pooled upstream connection");
  }
  return out;
}

}  // namespace h2sim::proxy
