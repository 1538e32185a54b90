#include "model/grpc/client.h"

#include "sim/assert.h"

namespace h2sim::grpc {

namespace {

const char* method_path(CallKind kind) {
  switch (kind) {
    case CallKind::unary: return "/h2sim.test.Echo/Unary";
    case CallKind::client_streaming: return "/h2sim.test.Echo/ClientStream";
    case CallKind::server_streaming: return "/h2sim.test.Echo/ServerStream";
    case CallKind::bidi_streaming: return "/h2sim.test.Echo/BidiStream";
  }
  return "/h2sim.test.Echo/BidiStream";
}

}  // namespace

ClientHost::ClientHost(std::span<const CallScript> calls, const ClientPersonality& personality, std::vector<CallOutcome>& outcomes)
    : personality_(personality),
      outcomes_(outcomes) {
  H2SIM_ASSERT(outcomes.size() == calls.size());
  calls_.resize(calls.size());
  for (size_t i = 0; i < calls.size(); ++i) {
    calls_[i].index = static_cast<uint32_t>(i);
    calls_[i].script = &calls[i];
  }
}

ClientHost::~ClientHost() = default;

void ClientHost::start(sim::Net& net, sim::Address next_hop) {
  net_ = &net;
  conn_ = net.connect(next_hop);
  endpoint_ = std::make_unique<h2::Endpoint>(h2::Role::client);
  for (ClientCall& call : calls_) {
    if (call.script->start.ns == 0) {
      start_call(call);
    } else {
      add_timer(call.script->start, call.index, TimerKind::start);
    }
  }
  flush();
}

void ClientHost::add_timer(sim::Duration after, uint32_t index, TimerKind kind) {
  bool added = timers_.emplace(net_->set_timer(after), std::pair{index, kind}).second;
  H2SIM_ASSERT(added);  // the world never hands out a timer id twice
}

void ClientHost::start_call(ClientCall& call) {
  // A call starts once, on a live connection, before anything else happens to it.
  H2SIM_ASSERT(!call.done && !call.has_stream() && !connection_lost_);
  const ClientScript& script = call.script->client;
  call.started = net_->now();
  // Built in place, one allocation for the list (the six below, grpc-timeout, x-h2sim-call):
  // an initializer list would build each header twice.
  h2::Headers headers;
  headers.reserve(8);
  headers.emplace_back(":method", "POST");
  headers.emplace_back(":scheme", "http");
  headers.emplace_back(":path", method_path(call.script->kind));
  headers.emplace_back(":authority", "h2sim.test");
  headers.emplace_back("content-type", "application/grpc");
  headers.emplace_back("te", "trailers");
  if (script.deadline.ns > 0) {
    int64_t ms = (script.deadline.ns + 999999) / 1000000;
    headers.emplace_back("grpc-timeout", std::to_string(ms) + "m");
  }
  // Tells the server application which script this call follows.
  headers.emplace_back("x-h2sim-call", std::to_string(call.index));
  bool empty_request = script.messages == 0 && script.half_close == HalfClose::after_messages;
  call.stream = endpoint_->submit_request(headers, empty_request);
  H2SIM_ASSERT(call.has_stream());
  outcomes_[call.index].client_stream = call.stream;
  if (empty_request) {
    call.write_closed = true;
    outcomes_[call.index].client_half_closed = true;
  }
  if (script.deadline.ns > 0) add_timer(script.deadline, call.index, TimerKind::deadline);
  if (script.cancel_after.ns > 0) add_timer(script.cancel_after, call.index, TimerKind::cancel);
  if (script.messages > 0) send_next_message(call);
  check_call(call);
}

void ClientHost::send_next_message(ClientCall& call) {
  const ClientScript& script = call.script->client;
  if (call.done || call.write_closed || call.messages_sent >= script.messages) return;
  H2SIM_ASSERT(call.has_stream());
  uint32_t seq = call.messages_sent++;
  bool last = call.messages_sent == script.messages;
  bool close = last && script.half_close == HalfClose::after_messages;
  std::vector<uint8_t> message = encode_message(seq, script.message_bytes, false);
  endpoint_->send_data(call.stream, message, close);
  outcomes_[call.index].requests_sent.push_back(seq);
  if (close) {
    call.write_closed = true;
    outcomes_[call.index].client_half_closed = true;
  } else if (last && script.half_close == HalfClose::after_response && call.response_headers) {
    half_close(call);
  }
  if (!last) add_timer(script.interval, call.index, TimerKind::next_message);
  check_call(call);
}

void ClientHost::half_close(ClientCall& call) {
  if (call.done || call.write_closed) return;
  // The script half-closes after its last message, never before.
  H2SIM_ASSERT(call.has_stream() && call.messages_sent == call.script->client.messages);
  endpoint_->send_data(call.stream, {}, true);
  call.write_closed = true;
  outcomes_[call.index].client_half_closed = true;
  check_call(call);
}

ClientHost::ClientCall* ClientHost::by_stream(h2::StreamId stream) {
  for (ClientCall& call : calls_) {
    if (call.stream == stream) return &call;
  }
  return nullptr;
}

void ClientHost::on_bytes(sim::ConnId, std::span<const uint8_t> batch) {
  endpoint_->receive(batch);
  for (const h2::Event& event : endpoint_->take_events()) handle(event);
  end_batch();
  flush();
}

void ClientHost::handle(const h2::Event& event) {
  using Kind = h2::Event::Kind;
  if (event.kind == Kind::error) {
    fail_all({Code::internal, "HTTP/2 connection error"});
    return;
  }
  if (event.kind == Kind::goaway) {
    for (ClientCall& call : calls_) {
      if (!call.done && call.stream > event.last_stream_id) {
        publish(call, {Code::unavailable, "Received GOAWAY"});
      }
    }
    return;
  }
  // Every other event is about one stream (nghttp2 treats stream-level frames on stream 0 as a
  // connection error), so it never matches a call that has not started.
  H2SIM_ASSERT(event.stream != h2::connection_stream_id);
  ClientCall* call = by_stream(event.stream);
  if (call == nullptr) return;
  if (call->done) {
    on_late_event(*call, event);
    return;
  }
  switch (event.kind) {
    case Kind::headers:
      if (!event.end_stream) {
        on_response_headers(*call, event);
      } else {
        on_trailers(*call, status_from_trailers(event.headers, call->http_status));
      }
      break;
    case Kind::data:
      call->reader.feed(event.data);
      for (uint32_t seq : call->reader.take_sequence_numbers()) {
        outcomes_[call->index].responses_received.push_back(seq);
      }
      break;
    case Kind::end_stream:
      on_end_without_trailers(*call);
      break;
    case Kind::reset:
      on_reset(*call, event.code);
      break;
    case Kind::closed:
      if (!call->done && call->held) publish(*call, *call->held);
      // Closed with a code but no frame from the peer: e.g. REFUSED_STREAM when nghttp2 will not
      // start a stream after a GOAWAY. The spec's table maps it (UNAVAILABLE for REFUSED).
      if (!call->done && event.code != h2::ErrorCode::no_error) publish(*call, reset_status(*call, event.code));
      if (!call->done) publish(*call, {Code::internal, "stream closed without a status"});
      break;
    default:
      break;
  }
  check_call(*call);
}

void ClientHost::on_response_headers(ClientCall& call, const h2::Event& event) {
  call.response_headers = true;
  if (const std::string* s = h2::find_header(event.headers, ":status")) call.http_status = std::atoi(s->c_str());
  const ClientScript& script = call.script->client;
  if (script.half_close == HalfClose::after_response && call.messages_sent == script.messages) {
    half_close(call);
  }
}

// The server's END_STREAM came on DATA: no trailers. The HTTP status decides
// (doc/http-grpc-status-mapping.md), else the personality's status for a missing one.
void ClientHost::on_end_without_trailers(ClientCall& call) {
  if (call.http_status != 0 && call.http_status != 200) {
    on_trailers(call, {code_for_http_status(call.http_status),
                       std::string(personality_.http_status_prefix) + std::to_string(call.http_status) +
                           std::string(personality_.http_status_suffix)});
  } else {
    on_trailers(call, {personality_.no_trailers_code, std::string(personality_.no_trailers_message)}, false);
  }
}

// An event on a call whose status is out: only a reset can matter.
void ClientHost::on_late_event(ClientCall& call, const h2::Event& event) {
  H2SIM_ASSERT(call.done);
  if (event.kind != h2::Event::Kind::reset) return;
  if (call.replaceable && event.code != h2::ErrorCode::no_error) {
    // grpc-js (§2.3): endCall() replaces an OK status with the reset's, once.
    H2SIM_ASSERT(personality_.status_rule == StatusRule::first_non_ok_wins);
    net_->mark("grpc-js: reset replaces an OK status");
    call.done = false;
    call.replaceable = false;
    publish(call, reset_status(call, event.code));
    return;
  }
  // grpc-core (§2.2 step 6): the stream was removed; a late RST_STREAM is skipped.
  net_->mark("client: reset on a finished call ignored");
}

void ClientHost::on_trailers(ClientCall& call, Status status, bool from_wire) {
  // The server's side ends once: after its END_STREAM nghttp2 delivers nothing more but a reset
  // or the stream's close, and a reset publishes.
  H2SIM_ASSERT(!call.done && !call.read_closed && call.has_stream());
  call.read_closed = true;
  if (personality_.status_rule == StatusRule::publish_when_both_closed) {
    if (call.write_closed) {
      publish(call, std::move(status));
      return;
    }
    // §2.2 steps 1-2: trailers stay unpublished; force_client_rst_stream runs at batch end.
    H2SIM_ASSERT(!call.held && !call.force_rst_pending);
    call.held = std::move(status);
    call.held_without_trailers = !from_wire;
    call.force_rst_pending = true;
    net_->mark("grpc-core: trailers held until the read batch ends");
    return;
  }
  bool ok = status.code == Code::ok;
  publish(call, std::move(status));
  call.replaceable = ok && personality_.status_rule == StatusRule::first_non_ok_wins;
  if (!call.write_closed) {
    switch (personality_.rst_after_trailers) {
      case RstAfterTrailers::cancel:
        endpoint_->reset(call.stream, h2::ErrorCode::cancel);
        net_->mark("client: RST(CANCEL) after trailers while uploading");
        break;
      case RstAfterTrailers::no_error:
      case RstAfterTrailers::no_error_at_batch_end:
        endpoint_->reset(call.stream, h2::ErrorCode::no_error);
        break;
      case RstAfterTrailers::half_close:
        endpoint_->send_data(call.stream, {}, true);
        outcomes_[call.index].client_half_closed = true;
        break;
      case RstAfterTrailers::none:
        break;
    }
    call.write_closed = true;
  }
}

Status ClientHost::reset_status(const ClientCall& call, h2::ErrorCode code) const {
  if (code == h2::ErrorCode::no_error && personality_.no_error_without_status_uses_http_status &&
      call.http_status != 0 && call.http_status != 200) {
    return {code_for_http_status(call.http_status), "Received HTTP status " + std::to_string(call.http_status)};
  }
  Status status = status_for_reset(personality_.reset_words, code);
  sim::Duration deadline = call.script->client.deadline;
  if (status.code == Code::cancelled && personality_.cancel_past_deadline_is_deadline_exceeded &&
      deadline.ns > 0 && net_->now() - call.started >= deadline) {
    status.code = Code::deadline_exceeded;
  }
  return status;
}

void ClientHost::on_reset(ClientCall& call, h2::ErrorCode code) {
  // Only held trailers can have closed the read side of a call still in progress.
  H2SIM_ASSERT(!call.done && call.has_stream() && (!call.read_closed || call.held));
  call.read_closed = true;
  call.write_closed = true;
  // Trailers from the wire, held (only grpc-core holds them): a stream that ended without
  // trailers holds only the status that stands for them, which any reset replaces.
  bool trailers = call.held && !call.held_without_trailers;
  // §2.2 step 3: NO_ERROR after trailers is no error. Step 4: any other reset replaces them,
  // unless the application has not asked for the status yet (grpc-core-sync).
  if (trailers && code == h2::ErrorCode::no_error) {
    publish(call, *call.held);
    return;
  }
  if (trailers && !personality_.reset_replaces_held_trailers) {
    net_->mark("grpc-core-sync: reset after held trailers, no status op pending: kept");
    publish(call, *call.held);
    return;
  }
  if (call.held) net_->mark("grpc-core: reset in the same read batch replaces held trailers");
  publish(call, reset_status(call, code));
}

void ClientHost::end_batch() {
  for (ClientCall& call : calls_) {
    if (call.done || !call.force_rst_pending) continue;
    H2SIM_ASSERT(call.held && !call.write_closed);
    // §2.2 step 6: force_client_rst_stream: RST(NO_ERROR), both sides closed, trailers out.
    endpoint_->reset(call.stream, h2::ErrorCode::no_error);
    call.write_closed = true;
    net_->mark("grpc-core: deferred RST(NO_ERROR) at batch end");
    publish(call, *call.held);
  }
}

void ClientHost::publish(ClientCall& call, Status status) {
  // A status is published once; the one exception (on_late_event) clears replaceable first.
  H2SIM_ASSERT(!call.done && !call.replaceable);
  call.done = true;
  call.force_rst_pending = false;
  CallOutcome& outcome = outcomes_[call.index];
  for (uint32_t seq : call.reader.take_sequence_numbers()) outcome.responses_received.push_back(seq);
  if (personality_.unary_ok_without_message_is_unimplemented && call.script->kind == CallKind::unary &&
      status.code == Code::ok && outcome.responses_received.empty()) {
    net_->mark("grpc++ sync unary: OK without a message is UNIMPLEMENTED");
    status = {Code::unimplemented, "No message returned for unary request"};
  }
  if (personality_.ok_status_drops_message && status.code == Code::ok) status.message.clear();
  outcome.client_saw = std::move(status);
  outcome.client_status_at = net_->now();
  check_call(call);
}

void ClientHost::check_call(const ClientCall& call) const {
  H2SIM_ASSERT(call.messages_sent <= call.script->client.messages);
  H2SIM_ASSERT(call.has_stream() ||
               (call.messages_sent == 0 && !call.write_closed && !call.read_closed && !call.response_headers));
  H2SIM_ASSERT(!call.replaceable || call.done);
  H2SIM_ASSERT(!call.held || call.read_closed);
  H2SIM_ASSERT(!call.held_without_trailers || call.held);
  H2SIM_ASSERT(!call.force_rst_pending || (call.held && !call.write_closed && !call.done));
  // The read side closes with a status (published) or with trailers held for the batch's end.
  H2SIM_ASSERT(!call.read_closed || call.done || call.held);
  H2SIM_ASSERT(call.done == outcomes_[call.index].client_saw.has_value());
}

void ClientHost::fail_all(const Status& status) {
  for (ClientCall& call : calls_) {
    // A call not yet started (no stream) is failed only when the connection is gone for good.
    if (!call.done && (call.has_stream() || connection_lost_)) publish(call, status);
  }
}

void ClientHost::on_peer_closed(sim::ConnId, bool reset) {
  connection_lost_ = true;
  fail_all({Code::unavailable, reset ? "connection reset" : "connection closed"});
}

void ClientHost::on_timer(sim::TimerId timer) {
  auto it = timers_.find(timer);
  H2SIM_ASSERT(it != timers_.end());
  auto [index, kind] = it->second;
  timers_.erase(it);
  ClientCall& call = calls_[index];
  switch (kind) {
    case TimerKind::start:
      // A lost connection or a GOAWAY can have ended the call before it started.
      if (call.done) break;
      if (connection_lost_) {
        publish(call, {Code::unavailable, "connection closed"});
      } else {
        start_call(call);
      }
      break;
    case TimerKind::next_message:
      send_next_message(call);
      break;
    case TimerKind::deadline:
    case TimerKind::cancel:
      if (call.done) break;
      H2SIM_ASSERT(call.has_stream());  // both timers are set when the call starts
      endpoint_->reset(call.stream, h2::ErrorCode::cancel);
      call.write_closed = true;
      outcomes_[index].client_cancelled = true;
      publish(call, kind == TimerKind::deadline ? Status{Code::deadline_exceeded, "Deadline Exceeded"}
                                                : Status{Code::cancelled, "Cancelled"});
      break;
  }
  flush();
}

void ClientHost::flush() {
  if (!endpoint_ || connection_lost_) return;
  sim::Flush out = endpoint_->take_output();
  if (!out.bytes.empty()) net_->write(conn_, std::move(out));
}

}  // namespace h2sim::grpc
