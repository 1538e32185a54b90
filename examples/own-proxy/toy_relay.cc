#include "toy_relay.h"

namespace toy {

using h2sim::h2::Event;
using h2sim::h2::StreamId;
using Kind = h2sim::h2::Event::Kind;

ToyRelay::ToyRelay(std::string name, bool forget_client_cancel)
    : name_(std::move(name)), forget_client_cancel_(forget_client_cancel) {}

void ToyRelay::start(h2sim::sim::Net& net, h2sim::sim::Address upstream) {
  net_ = &net;
  upstream_ = upstream;
}

void ToyRelay::on_accept(h2sim::sim::ConnId client) {
  auto s = std::make_unique<Session>();
  s->down_conn = client;
  s->up_conn = net_->connect(upstream_);
  s->down = std::make_unique<h2sim::h2::Endpoint>(h2sim::h2::Role::server);
  s->up = std::make_unique<h2sim::h2::Endpoint>(h2sim::h2::Role::client);
  sessions_.push_back(std::move(s));
  flush(*sessions_.back());  // both SETTINGS
}

ToyRelay::Session* ToyRelay::session_of(h2sim::sim::ConnId end) {
  for (auto& s : sessions_) {
    if (s->down_conn == end || s->up_conn == end) return s.get();
  }
  return nullptr;
}

void ToyRelay::on_bytes(h2sim::sim::ConnId end, std::span<const uint8_t> batch) {
  Session* s = session_of(end);
  if (s == nullptr || s->closed) return;
  bool from_client_side = end == s->down_conn;
  h2sim::h2::Endpoint& endpoint = from_client_side ? *s->down : *s->up;
  endpoint.receive(batch);
  for (const Event& e : endpoint.take_events()) {
    if (from_client_side) {
      from_client(*s, e);
    } else {
      from_server(*s, e);
    }
  }
  flush(*s);
}

void ToyRelay::from_client(Session& s, const Event& e) {
  if (e.kind == Kind::headers && e.headers_kind == h2sim::h2::HeadersKind::request) {
    StreamId up = s.up->submit_request(e.headers, e.end_stream);
    s.up_of[e.stream] = up;
    s.down_of[up] = e.stream;
    return;
  }
  auto it = s.up_of.find(e.stream);
  if (it == s.up_of.end()) return;
  StreamId up = it->second;
  switch (e.kind) {
    case Kind::data: s.up->send_data(up, e.data, false); break;
    case Kind::headers:  // request trailers end the request
    case Kind::end_stream: s.up->send_data(up, {}, true); break;
    case Kind::reset:
      // The planted defect: the cancel stops here, and the server's stream stays open.
      if (!forget_client_cancel_) s.up->reset(up, e.code);
      if (forget_client_cancel_) forget(s, e.stream, up);
      break;
    default: break;
  }
}

void ToyRelay::from_server(Session& s, const Event& e) {
  auto it = s.down_of.find(e.stream);
  if (it == s.down_of.end()) return;
  StreamId down = it->second;
  switch (e.kind) {
    case Kind::headers:
      if (e.headers_kind == h2sim::h2::HeadersKind::trailers) {
        s.down->send_trailers(down, e.headers);
      } else {
        s.down->submit_response(down, e.headers, e.end_stream);
      }
      break;
    case Kind::data: s.down->send_data(down, e.data, false); break;
    case Kind::end_stream: s.down->send_data(down, {}, true); break;
    // A server's reset reaches the client with its code, after what came before it.
    case Kind::reset: s.down->reset_after_output(down, e.code); break;
    default: break;
  }
}

void ToyRelay::forget(Session& s, StreamId down, StreamId up) {
  s.up_of.erase(down);
  s.down_of.erase(up);
}

void ToyRelay::flush(Session& s) {
  if (s.closed) return;
  h2sim::sim::Flush down = s.down->take_output();
  h2sim::sim::Flush up = s.up->take_output();
  if (!down.bytes.empty()) net_->write(s.down_conn, std::move(down));
  if (!up.bytes.empty()) net_->write(s.up_conn, std::move(up));
  // A stream pair is done once both of its streams are closed.
  std::vector<std::pair<StreamId, StreamId>> done;
  for (const auto& [down_id, up_id] : s.up_of) {
    const h2sim::h2::StreamFlags* d = s.down->stream(down_id);
    const h2sim::h2::StreamFlags* u = s.up->stream(up_id);
    if ((d == nullptr || d->closed) && (u == nullptr || u->closed)) done.emplace_back(down_id, up_id);
  }
  for (const auto& [down_id, up_id] : done) forget(s, down_id, up_id);
}

void ToyRelay::on_peer_closed(h2sim::sim::ConnId end, bool) {
  Session* s = session_of(end);
  if (s == nullptr || s->closed) return;
  // Either side gone: so is the other (no stream on this pair can complete any more).
  s->closed = true;
  net_->reset(end == s->down_conn ? s->up_conn : s->down_conn);
  s->up_of.clear();
  s->down_of.clear();
}

std::vector<std::string> ToyRelay::leftovers() const {
  std::vector<std::string> out;
  for (const auto& s : sessions_) {
    for (const auto& [down, up] : s->up_of) {
      out.push_back("client stream " + std::to_string(down.value) + " still relayed");
    }
  }
  return out;
}

bool register_toy_relays(h2sim::ProxyRegistry& proxies, const std::string& origin, std::string* error) {
  for (bool defect : {false, true}) {
    std::string name = defect ? "toy-relay-forgets-cancel" : "toy-relay";
    if (!proxies.add({.name = name,
                      .version = "1.0",
                      .description = defect ? "the toy relay, with its client-cancel defect switched on"
                                            : "a small HTTP/2 relay on h2sim's endpoint (examples/own-proxy)",
                      .origin = origin,
                      // It honours none of the scenario's proxy settings: h2sim will not draw them.
                      .config_fields = 0,
                      .factory = [name, defect](const h2sim::ProxyConfig&) {
                        return std::make_unique<ToyRelay>(name, defect);
                      }},
                     error)) {
      return false;
    }
  }
  return true;
}

}  // namespace toy
