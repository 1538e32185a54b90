#include "relay.h"

#include <algorithm>

namespace planted {

using Kind = h2::Event::Kind;

Relay::Relay(std::string name, const h2sim::ProxyConfig& config)
    : name_(std::move(name)),
      pool_size_(config.upstream_connections.value_or(0)),
      pool_streams_(config.upstream_max_concurrent_streams.value_or(100)) {}

Relay::~Relay() = default;

void Relay::start(sim::Net& net, sim::Address upstream) {
  net_ = &net;
  upstream_address_ = upstream;
}

void Relay::on_accept(sim::ConnId client) {
  auto s = std::make_unique<Session>();
  s->conn = client;
  s->endpoint = std::make_unique<h2::Endpoint>(h2::Role::server);
  sessions_.push_back(std::move(s));
  flush_all();  // our SETTINGS
}

Relay::Session* Relay::session_of(sim::ConnId end) {
  for (auto& s : sessions_) {
    if (s->conn == end) return s.get();
  }
  return nullptr;
}

Relay::Upstream* Relay::upstream_of(sim::ConnId end) {
  for (auto& u : upstreams_) {
    if (u->conn == end) return u.get();
  }
  return nullptr;
}

Relay::Upstream& Relay::open_upstream() {
  auto u = std::make_unique<Upstream>();
  u->conn = net_->connect(upstream_address_);
  u->endpoint = std::make_unique<h2::Endpoint>(h2::Role::client);
  upstreams_.push_back(std::move(u));
  return *upstreams_.back();
}

Relay::Upstream& Relay::upstream_for(Session& s) {
  if (!pooled()) {
    if (s.own == nullptr) s.own = &open_upstream();
    return *s.own;
  }
  for (Upstream* u : pool_) {
    if (u->calls < pool_streams_) return *u;
  }
  if (pool_.size() < pool_size_ || pool_.empty()) {
    pool_.push_back(&open_upstream());
    return *pool_.back();
  }
  // Every connection is full: the least busy one queues the stream.
  return **std::min_element(pool_.begin(), pool_.end(), [](Upstream* a, Upstream* b) { return a->calls < b->calls; });
}

void Relay::on_bytes(sim::ConnId end, std::span<const uint8_t> batch) {
  if (Session* s = session_of(end)) {
    if (s->closed) return;
    s->endpoint->receive(batch);
    for (const h2::Event& e : s->endpoint->take_events()) from_client(*s, e);
    if (!s->endpoint->alive()) on_client_lost(*s, false);
  } else if (Upstream* u = upstream_of(end)) {
    if (u->closed) return;
    u->endpoint->receive(batch);
    for (const h2::Event& e : u->endpoint->take_events()) from_server(*u, e);
    if (!u->endpoint->alive()) upstream_lost(*u);
  }
  flush_all();
}

void Relay::from_client(Session& s, const h2::Event& e) {
  if (e.kind == Kind::headers && e.headers_kind == h2::HeadersKind::request) {
    Upstream& u = upstream_for(s);
    auto call = std::make_unique<Call>();
    call->session = &s;
    call->down = e.stream;
    call->upstream = &u;
    call->up = u.endpoint->submit_request(e.headers, e.end_stream);
    ++u.calls;
    calls_.push_back(std::move(call));
    on_call_opened(*calls_.back());
    return;
  }
  auto it = std::find_if(calls_.begin(), calls_.end(),
                         [&](const auto& c) { return c->session == &s && c->down == e.stream; });
  if (it == calls_.end()) return;
  Call& call = **it;
  if (call.upstream->closed) return;
  h2::Endpoint& up = *call.upstream->endpoint;
  switch (e.kind) {
    case Kind::data: up.send_data(call.up, e.data, false); break;
    case Kind::headers:  // request trailers end the request
    case Kind::end_stream: up.send_data(call.up, {}, true); break;
    case Kind::reset: up.reset(call.up, e.code); break;
    default: break;
  }
}

Relay::Call* Relay::call_of_upstream(Upstream& u, h2::StreamId up) {
  for (auto& c : calls_) {
    if (c->upstream == &u && c->up == up) return c.get();
  }
  return nullptr;
}

void Relay::from_server(Upstream& u, const h2::Event& e) {
  if (e.kind == Kind::goaway) {
    u.draining = true;
    std::erase(pool_, &u);
    if (!pooled()) {
      // The session's next calls need another connection.
      for (auto& s : sessions_) {
        if (s->own == &u) s->own = nullptr;
      }
    }
    return;
  }
  Call* call = call_of_upstream(u, e.stream);
  if (call == nullptr || call->session->closed) return;
  switch (e.kind) {
    case Kind::headers:
      if (e.headers_kind == h2::HeadersKind::trailers) {
        forward_trailers(*call, e.headers);
      } else {
        forward_response_headers(*call, e.headers, e.end_stream);
      }
      break;
    case Kind::data: forward_response_data(*call, e.data); break;
    case Kind::end_stream: forward_response_end(*call); break;
    case Kind::reset: forward_upstream_reset(*call, e.code); break;
    default: break;
  }
}

void Relay::forward_response_headers(Call& call, std::span<const h2::Header> headers, bool end_stream) {
  call.session->endpoint->submit_response(call.down, headers, end_stream);
  call.response_started = true;
  call.response_ended |= end_stream;
}

// Nothing follows the response's end (a defect may have ended it early).
void Relay::forward_response_data(Call& call, std::span<const uint8_t> data) {
  if (call.response_ended) return;
  call.session->endpoint->send_data(call.down, data, false);
}

void Relay::forward_trailers(Call& call, std::span<const h2::Header> trailers) {
  if (call.response_ended) return;
  call.session->endpoint->send_trailers(call.down, trailers);
  call.response_ended = true;
}

void Relay::forward_response_end(Call& call) {
  if (call.response_ended) return;
  call.session->endpoint->send_data(call.down, {}, true);
  call.response_ended = true;
}

// The response so far reaches the client, then the reset with the server's code (RFC 9113 §8.1).
void Relay::forward_upstream_reset(Call& call, h2::ErrorCode code) {
  call.session->endpoint->reset_after_output(call.down, code);
}

// Without a pool the session's upstream connection goes with it; with one, its calls' streams are
// cancelled and the connection serves the other clients on.
void Relay::on_client_lost(Session& s, bool) {
  if (s.closed) return;
  s.closed = true;
  for (auto& c : calls_) {
    if (c->session != &s || c->upstream->closed) continue;
    c->upstream->endpoint->reset(c->up, h2::ErrorCode::cancel);
  }
  if (s.own != nullptr && !s.own->closed) {
    s.own->closed = true;
    net_->reset(s.own->conn);
  }
  net_->reset(s.conn);
}

// An upstream connection gone: its calls end at the client with a reset (what was relayed first).
void Relay::upstream_lost(Upstream& u) {
  if (u.closed) return;
  u.closed = true;
  std::erase(pool_, &u);
  for (auto& s : sessions_) {
    if (s->own == &u) s->own = nullptr;
  }
  for (auto& c : calls_) {
    if (c->upstream != &u || c->session->closed) continue;
    c->session->endpoint->reset_after_output(c->down, h2::ErrorCode::cancel);
  }
  net_->reset(u.conn);
}

void Relay::on_peer_closed(sim::ConnId end, bool reset) {
  if (Session* s = session_of(end)) {
    on_client_lost(*s, reset);
  } else if (Upstream* u = upstream_of(end)) {
    upstream_lost(*u);
  }
  flush_all();
}

void Relay::flush_all() {
  for (auto& s : sessions_) {
    if (s->closed) continue;
    sim::Flush out = s->endpoint->take_output();
    if (!out.bytes.empty()) net_->write(s->conn, std::move(out));
  }
  for (auto& u : upstreams_) {
    if (u->closed) continue;
    sim::Flush out = u->endpoint->take_output();
    if (!out.bytes.empty()) net_->write(u->conn, std::move(out));
  }
  std::erase_if(calls_, [](const std::unique_ptr<Call>& c) {
    const h2::StreamFlags* down = c->session->endpoint->stream(c->down);
    const h2::StreamFlags* up = c->upstream->endpoint->stream(c->up);
    bool gone = (c->session->closed || down == nullptr || down->closed) &&
                (c->upstream->closed || up == nullptr || up->closed);
    if (gone) --c->upstream->calls;
    return gone;
  });
}

std::vector<std::string> Relay::leftovers() const {
  std::vector<std::string> out;
  for (const auto& c : calls_) {
    if (c->session->closed || c->upstream->closed) continue;
    out.push_back("call for client stream " + std::to_string(c->down.value) + " still relayed");
  }
  return out;
}

}  // namespace planted
