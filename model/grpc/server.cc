#include "model/grpc/server.h"

#include <algorithm>
#include <charconv>
#include <iterator>

#include "sim/assert.h"

namespace h2sim::grpc {

ServerHost::ServerHost(std::span<const CallScript> calls, const ServerPersonality& personality,
                       std::vector<CallOutcome>& outcomes, ServerSettingsOverride overrides)
    : scripts_(calls), personality_(personality), settings_(personality.settings), outcomes_(outcomes) {
  if (overrides.max_concurrent_streams) settings_.max_concurrent_streams = overrides.max_concurrent_streams;
  if (overrides.initial_window_bytes) settings_.initial_window_bytes = overrides.initial_window_bytes;
}

ServerHost::~ServerHost() = default;

void ServerHost::start(sim::Net& net, sim::Address) { net_ = &net; }

void ServerHost::on_accept(sim::ConnId end) {
  bool netty = personality_.header_list_limit == HeaderListLimit::netty;
  h2::EndpointOptions options{.settings = settings_,
                              .keep_history = net_->asks_state(),
                              .report_data_after_reset = netty,
                              .report_data_frames = netty};
  bool added = endpoints_.emplace(end, std::make_unique<h2::Endpoint>(h2::Role::server, options)).second;
  H2SIM_ASSERT(added);  // a connection end is accepted once
  flush(end);
}

void ServerHost::on_bytes(sim::ConnId end, std::span<const uint8_t> batch) {
  auto it = endpoints_.find(end);
  H2SIM_ASSERT(it != endpoints_.end());
  h2::Endpoint& endpoint = *it->second;
  endpoint.receive(batch);
  touched_.clear();
  refused_now_.clear();
  connection_error_ = false;
  for (const h2::Event& event : endpoint.take_events()) {
    handle(end, endpoint, event);
    if (connection_error_) break;  // nothing after a connection error is read
  }
  // The application acts once the whole read batch has been parsed, in stream order. Only a call
  // this batch touched can have become ready: readiness depends on nothing but what the call's
  // own events set, and every call was asked after the batch that last touched it. (Asking every
  // call not yet acted after each batch cost a cache miss per call in flight on the connection.)
  std::sort(touched_.begin(), touched_.end());
  touched_.erase(std::unique(touched_.begin(), touched_.end()), touched_.end());
  if (!connection_error_) {
    for (const Key& key : touched_) maybe_act(calls_.at(key));
  }
  flush(end);
  // A connection error (nghttp2 sent its GOAWAY, or ours did, or the peer is not speaking HTTP/2
  // at all: RFC 9113 §3.4 allows closing without GOAWAY) ends the connection.
  if ((connection_error_ || !endpoint.alive()) && closed_.insert(end).second) {
    on_peer_closed(end, false);
    net_->shutdown(end);
  }
}

void ServerHost::handle(sim::ConnId conn, h2::Endpoint& endpoint, const h2::Event& event) {
  using Kind = h2::Event::Kind;
  if (event.stream == h2::connection_stream_id) return;
  Key key{conn, event.stream};
  if (event.kind == Kind::data_after_reset || event.kind == Kind::data_frame) {
    answer_refused_data(key, endpoint, event.kind);
    return;
  }
  if (event.kind == Kind::headers && event.headers_kind == h2::HeadersKind::request) {
    if (refuse_header_list(conn, endpoint, event)) return;
    ServerCall call;
    call.conn = conn;
    call.stream = event.stream;
    if (const std::string* v = h2::find_header(event.headers, h2::call_tag_header)) {
      int index = -1;
      auto r = std::from_chars(v->data(), v->data() + v->size(), index);
      if (r.ec == std::errc() && index >= 0 && static_cast<size_t>(index) < scripts_.size()) call.index = index;
    }
    call.read_closed = event.end_stream;
    call.end_lost = event.end_stream && personality_.loses_end_stream_on_headers;
    if (call.index >= 0) {
      outcomes_[call.index].server_read_all = event.end_stream;
      const ClientScript& client = scripts_[call.index].client;
      outcomes_[call.index].request_metadata_intact =
          metadata_intact(event.headers, MetadataBlock::request, static_cast<uint32_t>(call.index),
                          client.metadata_headers, client.metadata_bytes);
    }
    // nghttp2 reports a stream's request headers once, and stream ids are never reused.
    bool added = calls_.emplace(key, std::move(call)).second;
    H2SIM_ASSERT(added);
    touched_.push_back(key);
    return;
  }
  auto it = calls_.find(key);
  if (it == calls_.end()) return;
  ServerCall& call = it->second;
  touched_.push_back(key);
  switch (event.kind) {
    case Kind::data:
      // nghttp2 delivers no DATA after the client's END_STREAM or RST_STREAM.
      H2SIM_ASSERT(!call.read_closed);
      call.reader.feed(event.data);
      for (uint32_t seq : call.reader.take_sequence_numbers()) {
        ++call.messages_read;  // only ever counts up: a message read stays read
        if (call.index >= 0) outcomes_[call.index].requests_received.push_back(seq);
      }
      // Every message counted is in the call's outcome (which other calls naming the same script,
      // a proxy's retry say, may add to).
      H2SIM_ASSERT(call.index < 0 || call.messages_read <= outcomes_[call.index].requests_received.size());
      break;
    case Kind::headers:  // request trailers end the request too
    case Kind::end_stream:
      call.read_closed = true;
      if (call.index >= 0) outcomes_[call.index].server_read_all = true;
      break;
    case Kind::reset:
      if (!call.done && call.index >= 0) outcomes_[call.index].server_saw_cancel = true;
      call.done = true;
      call.read_closed = true;
      break;
    default:
      break;
  }
}

// Netty's decoder, for DATA on a stream no longer in its map, chooses STREAM_CLOSED over
// PROTOCOL_ERROR: a reset per frame, seen for a stream whose header block it refused, both for a
// frame read with the block (before its reset left) and for one read later. Its other resets (a
// handler's) would meet the same path, but that was never measured, and the differential's
// scenarios with them agree as they are.
void ServerHost::answer_refused_data(const Key& key, h2::Endpoint& endpoint, h2::Event::Kind kind) {
  if (kind == h2::Event::Kind::data_after_reset) {
    if (!refused_.contains(key)) return;
    endpoint.reset_again(key.second, h2::ErrorCode::stream_closed);
    net_->mark("grpc-java server: RST(STREAM_CLOSED) for DATA after it refused the block");
    return;
  }
  if (std::find(refused_now_.begin(), refused_now_.end(), key) == refused_now_.end()) return;
  endpoint.reset_again_after_pending_reset(key.second, h2::ErrorCode::stream_closed);
  net_->mark("grpc-java server: RST(STREAM_CLOSED) for DATA read with a refused block");
}

bool ServerHost::refuse_header_list(sim::ConnId conn, h2::Endpoint& endpoint, const h2::Event& event) {
  const std::optional<uint32_t>& limit = settings_.max_header_list_bytes;
  if (personality_.header_list_limit != HeaderListLimit::netty || !limit) return false;
  uint64_t bytes = header_list_bytes(event.headers);
  if (bytes <= *limit) return false;
  if (bytes > uint64_t{*limit} + *limit / 4) {
    // A connection error. Netty's GOAWAY names the last stream it made, which a refused block
    // below the quarter made too (the tap saw last=3 for a 12 KB block on stream 5 after a 9 KB
    // one refused on stream 3).
    h2::StreamId last = h2::connection_stream_id;
    for (const auto& [key, call] : calls_) {
      if (key.first == conn) last = std::max(last, key.second);
    }
    for (const Key& key : refused_) {
      if (key.first == conn) last = std::max(last, key.second);
    }
    endpoint.goaway(h2::ErrorCode::protocol_error, last);
    net_->mark("grpc-java server: header list a quarter past its limit, GOAWAY(PROTOCOL_ERROR)");
    connection_error_ = true;
    return true;
  }
  // Netty makes the stream only to answer it: the handler never sees the call.
  endpoint.submit_response(event.stream, {{":status", "431"}}, true);
  endpoint.reset_after_output_even_if_closed(event.stream, h2::ErrorCode::protocol_error);
  refused_.insert(Key{conn, event.stream});
  refused_now_.push_back(Key{conn, event.stream});
  net_->mark("grpc-java server: header list past its limit, :status 431");
  return true;
}

void ServerHost::maybe_act(ServerCall& call) {
  if (call.done || call.waiting) return;
  if (call.index < 0) {
    act(call);
    return;
  }
  const ServerScript& script = scripts_[call.index].server;
  CallKind kind = scripts_[call.index].kind;
  // A handler given its one request before it runs never runs without it.
  if (call.end_lost && (kind == CallKind::unary || kind == CallKind::server_streaming)) return;
  bool half_closed = call.read_closed && !call.end_lost;  // as the handler knows it
  bool ready = false;
  switch (script.action) {
    case ServerAction::abort_at_once:
      ready = true;
      break;
    case ServerAction::abort_after_reading:
    case ServerAction::reset:
    case ServerAction::cancel:
      ready = call.messages_read >= script.read_messages || half_closed;
      break;
    case ServerAction::respond:
      ready = script.answer_on_headers || half_closed ||
              (script.read_messages > 0 && call.messages_read >= script.read_messages);
      break;
  }
  if (!ready) return;
  if (script.delay.ns > 0) {
    call.waiting = true;
    bool added = timers_.emplace(net_->set_timer(script.delay), Key{call.conn, call.stream}).second;
    H2SIM_ASSERT(added);
    return;
  }
  act(call);
}

// The response's header block and its trailers, with the script's custom metadata. Each is sized
// before it is filled, and trailers-only moves the status fields into the head: a handful of
// allocations fewer per call (bench/run_bench.cc).
std::pair<h2::Headers, h2::Headers> ServerHost::header_blocks(const ServerCall& call, const Status& status) {
  uint32_t header_metadata = 0, trailer_metadata = 0, metadata_bytes = 0;
  if (call.index >= 0) {
    const ServerScript& script = scripts_[call.index].server;
    header_metadata = script.header_metadata;
    trailer_metadata = script.trailer_metadata;
    metadata_bytes = script.metadata_bytes;
    outcomes_[call.index].response_metadata_sent = header_metadata + trailer_metadata;
  }
  auto index = static_cast<uint32_t>(call.index);
  h2::Headers trailers;
  trailers.reserve(2 + trailer_metadata);
  trailers.emplace_back("grpc-status", std::to_string(static_cast<uint32_t>(status.code)));
  if (!status.message.empty()) trailers.emplace_back("grpc-message", percent_encode(status.message));
  for (uint32_t i = 0; i < trailer_metadata; ++i) {
    trailers.push_back(metadata_header(MetadataBlock::trailers, index, i, metadata_bytes));
  }
  h2::Headers head;
  head.reserve(2 + header_metadata + trailers.size());
  head.emplace_back(":status", "200");
  head.emplace_back("content-type", "application/grpc");
  for (uint32_t i = 0; i < header_metadata; ++i) {
    head.push_back(metadata_header(MetadataBlock::response, index, i, metadata_bytes));
  }
  return {std::move(head), std::move(trailers)};
}

void ServerHost::act(ServerCall& call) {
  // A call acts once, when no think time is running; done is final, so it cannot act again.
  H2SIM_ASSERT(!call.done && !call.waiting);
  H2SIM_ASSERT(call.index >= -1 && call.index < static_cast<int>(scripts_.size()));
  h2::Endpoint& endpoint = *endpoints_.at(call.conn);
  call.done = true;
  if (call.index >= 0 && scripts_[call.index].server.action == ServerAction::reset) {
    reset_call(call, endpoint);
    return;
  }
  // A cancel ends the call as an abort does, with the library's CANCELLED status, after the
  // messages the script sends (a scenario's server personality without one is refused on loading).
  std::optional<Status> cancel;
  if (call.index >= 0 && scripts_[call.index].server.action == ServerAction::cancel) {
    cancel = cancel_status(personality_);
    H2SIM_ASSERT(cancel.has_value());
    net_->mark("server: the application cancels, a CANCELLED status");
  }
  Status status{Code::unimplemented, "unknown call"};
  uint32_t messages = 0, message_bytes = 0;
  bool abort = true;
  Status application_status = status;
  if (call.index >= 0) {
    const ServerScript& script = scripts_[call.index].server;
    status = cancel ? *cancel : script.status;
    abort = script.action != ServerAction::respond;
    messages = messages_before_status(scripts_[call.index].kind, script, status.code == Code::ok);
    message_bytes = script.message_bytes;
    application_status = status;
    // The application's status, as some libraries put it on the wire: an OK without its message.
    status = status_sent(personality_, scripts_[call.index].kind, status);
  }
  auto [head, trailers] = header_blocks(call, status);
  const ServerScript* script = call.index >= 0 ? &scripts_[call.index].server : nullptr;
  bool headers_before_status = script && script->headers_before_status;
  if (headers_before_status && messages == 0 && personality_.headers_before_status_may_merge &&
      net_->choose(2, sim::Label::write) == 1) {
    net_->mark("server: headers sent before the status leave with it, trailers-only");
    headers_before_status = false;
  }
  bool personality_rst_after_status = personality_.rst_after_status == ServerRstAfterStatus::no_error_if_client_open;

  if (messages == 0 && !headers_before_status && (!abort || personality_.trailers_only_on_early_abort)) {
    // Trailers-only: one HEADERS with END_STREAM carrying the status (§2.1 close_from_api).
    record_status(call, application_status);
    head.insert(head.end(), std::make_move_iterator(trailers.begin()),
                std::make_move_iterator(trailers.end()));
    endpoint.submit_response(call.stream, head, true);
    reset_after_status(call, endpoint, abort ? personality_.rst_after_trailers_only : personality_rst_after_status,
                       abort ? "server: trailers-only abort then RST(NO_ERROR)"
                             : "server: RST(NO_ERROR) after status, client still open",
                       cancel.has_value());
    return;
  }
  endpoint.submit_response(call.stream, head, false);
  bool write_per_message = script && script->write_per_message;
  for (uint32_t seq = 0; seq < messages; ++seq) {
    if (write_per_message) flush(call.conn);  // the headers, then each message, in writes of their own
    endpoint.send_data(call.stream, encode_message(seq, message_bytes, true), false);
    outcomes_[call.index].responses_sent.push_back(seq);
  }
  if (write_per_message) flush(call.conn);
  if (script && script->status_delay.ns > 0) {
    delay_status(call, script->status_delay, PendingStatus{{call.conn, call.stream}, application_status,
                                                           std::move(trailers), cancel.has_value()});
    return;
  }
  send_status(call, endpoint, application_status, trailers, cancel.has_value());
}

void ServerHost::delay_status(const ServerCall& call, sim::Duration delay, PendingStatus pending) {
  // The headers and messages leave now; the status waits (on_timer), and counts only once sent.
  flush(call.conn);
  bool added = status_timers_.emplace(net_->set_timer(delay), std::move(pending)).second;
  H2SIM_ASSERT(added);
}

void ServerHost::record_status(const ServerCall& call, const Status& status) {
  if (call.index < 0) return;
  outcomes_[call.index].server_sent = status;
  outcomes_[call.index].server_status_at = net_->now();
}

void ServerHost::send_status(ServerCall& call, h2::Endpoint& endpoint, const Status& status,
                             const h2::Headers& trailers, bool cancel) {
  record_status(call, status);
  endpoint.send_trailers(call.stream, trailers);
  reset_after_status(call, endpoint, personality_.rst_after_status == ServerRstAfterStatus::no_error_if_client_open,
                     "server: RST(NO_ERROR) after status, client still open", cancel);
}

void ServerHost::reset_after_status(ServerCall& call, h2::Endpoint& endpoint, bool personality_rst,
                                    std::string_view mark, bool cancel) {
  const ServerScript* script = call.index >= 0 ? &scripts_[call.index].server : nullptr;
  if (cancel && call.read_closed && !script->reset_after_status) {
    // grpc-core's close_from_api (the only way a server library here cancels) writes
    // RST_STREAM(NO_ERROR) after the status on a stream the client has half-closed too: a frame on
    // a closed stream, which the tap saw through haproxy, nginx and nghttpx (a server-streaming
    // call cancelled after one response, scenarios/server-cancels-its-call.textproto,
    // docs/fidelity.md "A server's cancel is a status"). Not on a stream the client reset.
    endpoint.reset_after_output_even_if_closed(call.stream, h2::ErrorCode::no_error);
    net_->mark("server: a cancel's RST(NO_ERROR) on a stream the client closed");
    return;
  }
  // A reset asks a client that is still uploading to stop (RFC 9113 §8.1); on a stream the client
  // already closed it would be a frame on a closed stream, so it is never sent there.
  if (call.read_closed) return;
  if (!script || !script->reset_after_status) {
    if (personality_rst) {
      endpoint.reset_after_output(call.stream, h2::ErrorCode::no_error);
      net_->mark(mark);
    }
    return;
  }
  h2::ErrorCode code = *script->reset_after_status;
  if (script->reset_after_status_delay.ns == 0) {
    endpoint.reset_after_output(call.stream, code);
    net_->mark("server: scripted RST after status, same write");
    return;
  }
  bool added = reset_timers_.emplace(net_->set_timer(script->reset_after_status_delay),
                                     std::pair{Key{call.conn, call.stream}, code}).second;
  H2SIM_ASSERT(added);
}

void ServerHost::reset_call(ServerCall& call, h2::Endpoint& endpoint) {
  // The handler (or the server's transport) gives up without a status: RST_STREAM, after the
  // response messages if the script has any. The client's status comes from the reset.
  const ServerScript& script = scripts_[call.index].server;
  outcomes_[call.index].server_reset = static_cast<uint32_t>(script.reset_code);
  uint32_t messages = response_messages(scripts_[call.index].kind, script.messages, false);
  if (messages > 0) {
    endpoint.submit_response(call.stream, {{":status", "200"}, {"content-type", "application/grpc"}},
                             false);
    for (uint32_t seq = 0; seq < messages; ++seq) {
      endpoint.send_data(call.stream, encode_message(seq, script.message_bytes, true), false);
      outcomes_[call.index].responses_sent.push_back(seq);
    }
  }
  endpoint.reset_after_output(call.stream, script.reset_code);
}

void ServerHost::on_peer_closed(sim::ConnId end, bool) {
  peer_closed_.insert(end);
  for (auto& [key, call] : calls_) {
    if (key.first != end || call.done) continue;
    call.done = true;
    if (call.index >= 0) outcomes_[call.index].server_saw_cancel = true;
  }
}

void ServerHost::on_timer(sim::TimerId timer) {
  if (auto r = reset_timers_.find(timer); r != reset_timers_.end()) {
    auto [key, code] = r->second;
    reset_timers_.erase(r);
    // Sent only if the client's side is still open and the connection still up by then.
    if (calls_.at(key).read_closed || closed_.contains(key.first) || peer_closed_.contains(key.first)) return;
    h2::Endpoint& endpoint = *endpoints_.at(key.first);
    if (!endpoint.alive()) return;
    endpoint.reset_after_output(key.second, code);
    net_->mark("server: scripted RST after status, later write");
    flush(key.first);
    return;
  }
  if (auto p = status_timers_.find(timer); p != status_timers_.end()) {
    PendingStatus pending = std::move(p->second);
    status_timers_.erase(p);
    Key key = pending.key;
    h2::Endpoint& endpoint = *endpoints_.at(key.first);
    const h2::StreamFlags* f = endpoint.stream(key.second);
    // A stream the proxy reset, or whose connection closed, while the handler waited gets no status.
    if (closed_.contains(key.first) || peer_closed_.contains(key.first) || !endpoint.alive() || f == nullptr ||
        f->closed || f->reset_received || f->reset_sent) {
      net_->mark("server: the stream was gone before its delayed status");
      // Nor the trailers' metadata (header_blocks counted it with the response headers').
      if (int index = calls_.at(key).index; index >= 0) {
        outcomes_[index].response_metadata_sent -= scripts_[index].server.trailer_metadata;
      }
      return;
    }
    send_status(calls_.at(key), endpoint, pending.status, pending.trailers, pending.cancel);
    flush(key.first);
    return;
  }
  auto it = timers_.find(timer);
  H2SIM_ASSERT(it != timers_.end());
  Key key = it->second;
  timers_.erase(it);
  ServerCall& call = calls_.at(key);
  H2SIM_ASSERT(call.waiting);  // the handler's think time is what this timer measured
  call.waiting = false;
  if (!call.done) act(call);
  flush(key.first);
}

void ServerHost::flush(sim::ConnId conn) {
  sim::Flush out = endpoints_.at(conn)->take_output();
  if (!out.bytes.empty()) net_->write(conn, std::move(out));
}

// Everything the server's future depends on, and the outcomes (what the run is judged by). The
// scripts, the personality and the endpoint options are fixed for the run; touched_ is scratch,
// cleared at the start of each read. Each list goes after its length.
bool ServerHost::add_state(sim::StateHash& h) const {
  h.add_u64(endpoints_.size());
  for (const auto& [conn, endpoint] : endpoints_) {
    h.add_u64(conn.value);
    endpoint->add_state(h);
  }
  std::vector<Key> keys;
  keys.reserve(calls_.size());
  for (const auto& entry : calls_) keys.push_back(entry.first);
  std::sort(keys.begin(), keys.end());
  h.add_u64(keys.size());
  for (const Key& key : keys) {
    const ServerCall& c = calls_.at(key);
    h.add_u64((uint64_t{c.conn.value} << 32) | static_cast<uint32_t>(c.stream.value));
    h.add_u64((uint64_t{static_cast<uint32_t>(c.index)} << 32) | c.messages_read);
    h.add_u64(uint64_t{c.read_closed} | uint64_t{c.end_lost} << 1 | uint64_t{c.waiting} << 2 | uint64_t{c.done} << 3);
    c.reader.add_state(h);
  }
  h.add_u64(timers_.size());
  for (const auto& [timer, key] : timers_) {
    h.add_u64(timer.value);
    h.add_u64((uint64_t{key.first.value} << 32) | static_cast<uint32_t>(key.second.value));
  }
  h.add_u64(reset_timers_.size());
  for (const auto& [timer, pending] : reset_timers_) {
    h.add_u64(timer.value);
    h.add_u64((uint64_t{pending.first.first.value} << 32) | static_cast<uint32_t>(pending.first.second.value));
    h.add_u64(static_cast<uint32_t>(pending.second));
  }
  h.add_u64(status_timers_.size());
  for (const auto& [timer, pending] : status_timers_) {
    // The status and its trailers follow from the call's script and whether it cancelled.
    h.add_u64(timer.value);
    h.add_u64((uint64_t{pending.key.first.value} << 32) | static_cast<uint32_t>(pending.key.second.value));
    h.add_u64(pending.cancel);
  }
  for (const std::set<sim::ConnId>* conns : {&closed_, &peer_closed_}) {
    h.add_u64(conns->size());
    for (sim::ConnId conn : *conns) h.add_u64(conn.value);
  }
  h.add_u64(refused_.size());
  for (const Key& key : refused_) h.add_u64((uint64_t{key.first.value} << 32) | static_cast<uint32_t>(key.second.value));
  grpc::add_state(h, outcomes_);
  return true;
}

}  // namespace h2sim::grpc
