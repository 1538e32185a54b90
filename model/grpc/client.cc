#include "model/grpc/client.h"

#include <algorithm>

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

ClientHost::ClientHost(std::span<const CallScript> calls, const ClientPersonality& personality,
                       std::vector<CallOutcome>& outcomes, ClientOptions options)
    : personality_(personality),
      outcomes_(outcomes),
      options_(options) {
  H2SIM_ASSERT(outcomes.size() == calls.size());
  H2SIM_ASSERT(options_.connections >= 1);
  calls_.resize(calls.size());
  for (size_t i = 0; i < calls.size(); ++i) {
    calls_[i].index = static_cast<uint32_t>(i);
    calls_[i].script = &calls[i];
    calls_[i].slot = calls[i].connection;
    H2SIM_ASSERT(calls_[i].slot < options_.connections);
  }
  slots_.resize(options_.connections);
}

ClientHost::~ClientHost() = default;

void ClientHost::start(sim::Net& net, sim::Address next_hop) {
  net_ = &net;
  next_hop_ = next_hop;
  for (Slot& slot : slots_) open(slot);
  for (ClientCall& call : calls_) {
    if (call.script->start.ns == 0) {
      start_call(call);
    } else {
      add_timer(call.script->start, call.index, TimerKind::start);
    }
  }
  for (Slot& slot : slots_) flush(slot);
}

// A new connection for the slot, with a fresh HTTP/2 session: the old one's streams are gone.
void ClientHost::open(Slot& slot) {
  if (slot.endpoint) slot_by_conn_.erase(slot.conn);
  slot.conn = net_->connect(next_hop_);
  slot.endpoint = std::make_unique<h2::Endpoint>(
      h2::Role::client, h2::EndpointOptions{.settings = personality_.settings,
                                            .first_stream_id = personality_.first_stream_id,
                                            .keep_history = net_->asks_state()});
  slot.lost = false;
  slot.closing = false;
  slot.calls.clear();
  slot.force_rst.clear();
  bool added = slot_by_conn_.emplace(slot.conn, static_cast<uint32_t>(&slot - slots_.data())).second;
  H2SIM_ASSERT(added);  // the world never hands out a connection end twice
}

void ClientHost::add_timer(sim::Duration after, uint32_t index, TimerKind kind) {
  bool added = timers_.emplace(net_->set_timer(after), std::pair{index, kind}).second;
  H2SIM_ASSERT(added);  // the world never hands out a timer id twice
}

void ClientHost::start_call(ClientCall& call) {
  // A call starts once, on a live connection, before anything else happens to it.
  Slot& slot = slots_[call.slot];
  H2SIM_ASSERT(!call.done && !call.has_stream() && !slot.lost);
  const ClientScript& script = call.script->client;
  call.started = net_->now();
  // Built in place, one allocation for the list (the six below, grpc-timeout, x-h2sim-call):
  // an initializer list would build each header twice.
  h2::Headers headers;
  headers.reserve(8 + script.metadata_headers);
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
  headers.emplace_back(h2::call_tag_header, std::to_string(call.index));
  for (uint32_t i = 0; i < script.metadata_headers; ++i) {
    headers.push_back(metadata_header(MetadataBlock::request, call.index, i, script.metadata_bytes));
  }
  outcomes_[call.index].request_metadata_sent = script.metadata_headers;
  bool empty_request = script.messages == 0 && script.half_close == HalfClose::after_messages;
  // Every gRPC library measured ends a request without messages with an empty DATA(END_STREAM)
  // after its HEADERS, in the same write (grpc++ callback and sync, grpcio, grpc-go, grpc-java,
  // grpc-js: the matrix of 2026-12-02, docs/fidelity.md); a script may ask for END_STREAM on the
  // HEADERS instead. A write per frame puts it in a write of its own.
  bool end_with_headers = empty_request && script.end_stream_on_headers && !script.write_per_frame;
  call.stream = slot.endpoint->submit_request(headers, end_with_headers);
  H2SIM_ASSERT(call.has_stream());
  bool added = slot.calls.emplace(call.stream, call.index).second;
  H2SIM_ASSERT(added);  // nghttp2 never reuses a stream id on a connection
  outcomes_[call.index].client_stream = call.stream;
  outcomes_[call.index].wire_connection = sim::connection_index(slot.conn);
  if (end_with_headers) {
    call.write_closed = true;
    outcomes_[call.index].client_half_closed = true;
  }
  if (script.deadline.ns > 0) add_timer(script.deadline, call.index, TimerKind::deadline);
  if (script.cancel_after.ns > 0) add_timer(script.cancel_after, call.index, TimerKind::cancel);
  if (script.write_per_frame) {
    // The headers leave alone; the first message (or an empty request's END_STREAM) in a later
    // write, as grpcio's request iterator writes it (docs/fidelity.md, grpcio 1.51).
    if (script.messages > 0) add_timer(script.headers_gap, call.index, TimerKind::first_message);
    if (empty_request) add_timer(script.end_stream_gap, call.index, TimerKind::end_stream);
  } else if (script.messages > 0 && headers_leave_alone(call)) {
    net_->mark("client: the request headers leave alone, the first message later");
    add_timer(personality_.headers_alone_gap, call.index, TimerKind::first_message);
  } else if (script.messages > 0) {
    send_next_message(call);
  } else if (empty_request && !end_with_headers) {
    // A request stream's half-close is an operation of its own for grpc++ and grpcio, with or
    // without messages before it: its END_STREAM may leave in a later write (docs/fidelity.md
    // item 16: grpcio's HEADERS alone, no END_STREAM 0.48 ms later, when haproxy's CANCEL came).
    if (sim::Duration gap = request_streams(call) ? end_stream_gap() : sim::Duration{}; gap.ns > 0) {
      net_->mark("client: an empty request's END_STREAM leaves in a later write than its headers");
      add_timer(gap, call.index, TimerKind::end_stream);
    } else {
      half_close(call);
      return;  // half_close checked the call
    }
  }
  check_call(call);
}

void ClientHost::send_next_message(ClientCall& call) {
  const ClientScript& script = call.script->client;
  if (call.done || call.write_closed || call.messages_sent >= script.messages) return;
  H2SIM_ASSERT(call.has_stream());
  uint32_t seq = call.messages_sent++;
  bool last = call.messages_sent == script.messages;
  bool end_after = last && script.half_close == HalfClose::after_messages;
  bool own_frame = script.write_per_frame || (personality_.end_stream_on_empty_data && request_streams(call));
  bool close = end_after && !own_frame;
  std::vector<uint8_t> message = encode_message(seq, script.message_bytes, false);
  endpoint(call).send_data(call.stream, message, close);
  call.request_bytes_submitted += message.size();
  outcomes_[call.index].requests_sent.push_back(seq);
  if (end_after && script.write_per_frame) {
    add_timer(script.end_stream_gap, call.index, TimerKind::end_stream);
  } else if (end_after && own_frame) {
    if (sim::Duration gap = end_stream_gap(); gap.ns > 0) {
      net_->mark("client: END_STREAM leaves in a later write than the last message");
      add_timer(gap, call.index, TimerKind::end_stream);
    } else {
      half_close(call, true);  // an empty DATA(END_STREAM) in the message's write
    }
  } else if (close) {
    call.write_closed = true;
    outcomes_[call.index].client_half_closed = true;
  } else if (last && script.half_close == HalfClose::after_response && call.response_headers) {
    half_close(call);
  }
  if (!last) {
    sim::Duration wait = script.interval;
    if (!script.write_per_frame && request_streams(call) && message_leaves_later()) {
      net_->mark("client: a message leaves in a later write than the one before");
      wait = wait + personality_.message_gap;
    }
    add_timer(wait, call.index, TimerKind::next_message);
  }
  check_call(call);
}

// The personality's write patterns are those of a request stream, whose messages and half-close
// the application hands over one operation at a time; a unary or server-streaming request is one
// operation (grpc-core: one batch with the close; grpc-go: SendMsg with Last when the method's
// request does not stream), so its headers, message and END_STREAM leave as one.
bool ClientHost::request_streams(const ClientCall& call) const {
  return call.script->kind == CallKind::client_streaming || call.script->kind == CallKind::bidi_streaming;
}

// The personality's "sometimes" (ClientPersonality::headers_alone_gap, end_stream_gap,
// message_gap): asked only where the library can do both, so the other personalities' runs take
// no more decisions.
bool ClientHost::headers_leave_alone(const ClientCall& call) {
  return personality_.headers_alone_gap.ns > 0 && request_streams(call) && net_->choose(2, sim::Label::write) == 1;
}

// Zero: the END_STREAM leaves in the last message's write.
sim::Duration ClientHost::end_stream_gap() {
  const ClientPersonality& p = personality_;
  if (p.end_stream_gap.ns == 0) return {};
  uint32_t answers = p.end_stream_gap_longest.ns > 0 ? 3 : 2;
  switch (net_->choose(answers, sim::Label::write)) {
    case 0: return {};
    case 1: return p.end_stream_gap;
    default: return p.end_stream_gap_longest;
  }
}

bool ClientHost::message_leaves_later() {
  return personality_.message_gap.ns > 0 && net_->choose(2, sim::Label::write) == 1;
}

void ClientHost::half_close(ClientCall& call, bool own_frame) {
  if (call.done || call.write_closed) return;
  // The script half-closes after its last message, never before.
  H2SIM_ASSERT(call.has_stream() && call.messages_sent == call.script->client.messages);
  if (own_frame) {
    endpoint(call).send_end_stream_frame(call.stream);
  } else {
    endpoint(call).send_data(call.stream, {}, true);
  }
  call.write_closed = true;
  outcomes_[call.index].client_half_closed = true;
  check_call(call);
}

ClientHost::Slot* ClientHost::slot_of(sim::ConnId end) {
  auto it = slot_by_conn_.find(end);
  return it == slot_by_conn_.end() ? nullptr : &slots_[it->second];
}

// ClientPersonality::first_message_may_precede_a_read: a first message the library still holds
// (the request headers left alone) may leave ahead of the read, while the stream is open for
// the library, whatever the read then says.
void ClientHost::before_read(sim::ConnId end) {
  if (aborted_ || !personality_.first_message_may_precede_a_read) return;
  auto by_conn = slot_by_conn_.find(end);
  H2SIM_ASSERT(by_conn != slot_by_conn_.end());  // a connection the client opened and has not replaced
  Slot& slot = slots_[by_conn->second];
  if (slot.lost) return;
  bool wrote = false;
  for (auto it = timers_.begin(); it != timers_.end();) {
    auto [index, kind] = it->second;
    ClientCall& call = calls_[index];
    // A write_per_frame script's first message waits for the script's gap, not the library.
    if (kind != TimerKind::first_message || call.slot != by_conn->second || call.done ||
        call.script->client.write_per_frame || net_->choose(2, sim::Label::write) == 0) {
      ++it;
      continue;
    }
    net_->mark("client: its first message leaves ahead of a read");
    net_->cancel_timer(it->first);
    it = timers_.erase(it);
    send_next_message(call);
    wrote = true;
  }
  if (wrote) flush(slot);
}

void ClientHost::on_bytes(sim::ConnId end, std::span<const uint8_t> batch) {
  if (aborted_) return;
  Slot* slot = slot_of(end);
  H2SIM_ASSERT(slot != nullptr);  // a connection the client opened and has not replaced
  slot->endpoint->receive(batch);
  for (const h2::Event& event : slot->endpoint->take_events()) {
    handle(*slot, event);
    if (aborted_) return;
  }
  end_batch(*slot);
  flush(*slot);
}

void ClientHost::on_goaway(Slot& slot, const h2::Event& event) {
  for (auto& [stream, index] : slot.calls) {
    ClientCall& call = calls_[index];
    if (!call.done && call.stream > event.last_stream_id) publish(call, {Code::unavailable, "Received GOAWAY"});
  }
}

void ClientHost::handle(Slot& slot, const h2::Event& event) {
  using Kind = h2::Event::Kind;
  if (event.kind == Kind::error) {
    fail_all(slot, {Code::internal, "HTTP/2 connection error"});
    return;
  }
  if (event.kind == Kind::goaway) {
    on_goaway(slot, event);
    return;
  }
  // Every other event is about one stream (nghttp2 treats stream-level frames on stream 0 as a
  // connection error), so it never matches a call that has not started.
  H2SIM_ASSERT(event.stream != h2::connection_stream_id);
  auto found = slot.calls.find(event.stream);
  if (found == slot.calls.end()) return;
  ClientCall* call = &calls_[found->second];
  if (call->done) {
    on_late_event(*call, event);
    return;
  }
  switch (event.kind) {
    case Kind::headers:
      if (refuse_header_list(slot, *call, event.headers)) break;
      if (!event.end_stream) {
        on_response_headers(*call, event);
      } else {
        // Trailers, or a trailers-only response that carries the headers' metadata too.
        const ServerScript& server = call->script->server;
        CallOutcome& outcome = outcomes_[call->index];
        outcome.response_metadata_intact += metadata_intact(event.headers, MetadataBlock::trailers, call->index,
                                                            server.trailer_metadata, server.metadata_bytes);
        if (!call->response_headers) {
          outcome.response_metadata_intact += metadata_intact(event.headers, MetadataBlock::response, call->index,
                                                              server.header_metadata, server.metadata_bytes);
        }
        if (trailers_abort(*call, event.headers)) {
          abort_process();
          return;
        }
        on_trailers(*call, trailers_status(*call, event.headers));
      }
      break;
    case Kind::data:
      call->reader.feed(event.data);
      for (uint32_t seq : call->reader.take_sequence_numbers()) {
        outcomes_[call->index].responses_received.push_back(seq);
      }
      break;
    case Kind::end_stream:
      on_end_without_trailers(*call, event.end_stream_with_payload);
      break;
    case Kind::reset:
      on_reset(*call, event.code);
      break;
    case Kind::closed:
      if (!call->done && call->held) {
        // grpc-js: a close with a code decides over the held no-trailers status.
        bool code_decides = personality_.no_trailers_status_at_close && event.code != h2::ErrorCode::no_error;
        publish(*call, code_decides ? reset_status(*call, event.code) : *call->held);
      }
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

bool ClientHost::refuse_header_list(Slot& slot, ClientCall& call, std::span<const h2::Header> headers) {
  const std::optional<uint32_t>& limit = personality_.settings.max_header_list_bytes;
  if (personality_.header_list_limit == HeaderListLimit::not_enforced || !limit) return false;
  uint64_t bytes = header_list_bytes(headers);
  if (bytes <= *limit) return false;
  if (personality_.header_list_limit == HeaderListLimit::netty && bytes > uint64_t{*limit} + *limit / 4) {
    // A connection error: the GOAWAY leaves with the next flush, and the connection closes after it.
    net_->mark("grpc-java: header list a quarter past its limit, GOAWAY(PROTOCOL_ERROR)");
    slot.endpoint->goaway(h2::ErrorCode::protocol_error, h2::connection_stream_id);
    slot.closing = true;
    fail_all(slot, {Code::internal, "http2 exception"});
    return true;
  }
  if (personality_.header_list_limit == HeaderListLimit::grpc_core) {
    // A connection error to chttp2: every call on the connection fails with it, each stream reset
    // with ENHANCE_YOUR_CALM, lowest first, in one write; then the transport shuts its socket
    // down without a GOAWAY, and the channel's next call connects again.
    net_->mark("grpc-core: header list past its limit, every call RESOURCE_EXHAUSTED, connection closed");
    for (const auto& [stream, index] : slot.calls) {
      ClientCall& other = calls_[index];
      if (other.done) continue;
      // The reset leaves even on a stream the block's END_STREAM closed (a unary call had half-closed).
      other.write_closed = true;
      endpoint(other).reset_even_if_closed(stream, h2::ErrorCode::enhance_your_calm);
      publish(other, {Code::resource_exhausted, "received initial metadata size exceeds limit"});
    }
    slot.closing = true;
    return true;
  }
  call.write_closed = true;
  net_->mark("grpc-java: header list past its limit, RST(PROTOCOL_ERROR)");
  endpoint(call).reset_even_if_closed(call.stream, h2::ErrorCode::protocol_error);
  publish(call, {Code::internal, "http2 exception"});
  return true;
}

void ClientHost::on_response_headers(ClientCall& call, const h2::Event& event) {
  call.response_headers = true;
  const ServerScript& server = call.script->server;
  outcomes_[call.index].response_metadata_intact +=
      metadata_intact(event.headers, MetadataBlock::response, call.index, server.header_metadata, server.metadata_bytes);
  note_http_status(call, event.headers);
  const ClientScript& script = call.script->client;
  if (script.half_close == HalfClose::after_response && call.messages_sent == script.messages) {
    // The application reacts to the headers after the transport has read the rest of the batch
    // (trailers, a reset): grpc++ and grpcio lost an OK status to haproxy's RST(CANCEL) in the
    // headers' read, which a half-close in mid-read would have kept (the matrix's case 12 of
    // 2026-12-02, docs/fidelity.md "The application reacts after the read").
    slots_[call.slot].half_close_after_batch.push_back(call.index);
  }
}

// The response's :status and content-type, which an HTTP error's words depend on.
void ClientHost::note_http_status(ClientCall& call, std::span<const h2::Header> headers) {
  if (const std::string* s = h2::find_header(headers, ":status")) call.http_status = std::atoi(s->c_str());
  if (const std::string* s = h2::find_header(headers, "content-type")) call.content_type = *s;
}

// A response that is its trailers alone carries the response's :status and content-type too:
// an HTTP error there without grpc-status (Caddy's bodyless 502) is worded by each library as
// after response headers (measured live: docs/fidelity.md, "An HTTP error's words").
Status ClientHost::trailers_status(ClientCall& call, std::span<const h2::Header> trailers) const {
  if (!call.response_headers && h2::find_header(trailers, "grpc-status") == nullptr) {
    note_http_status(call, trailers);
    bool http_error = call.http_status != 0 && call.http_status != 200;
    bool worded_200 = call.http_status == 200 && personality_.trailers_only_200_without_status_is_http_status;
    if (http_error || worded_200) return status_from_http_status(call);
  }
  return status_from_trailers(trailers, call.http_status);
}

bool ClientHost::trailers_abort(const ClientCall& call, std::span<const h2::Header> trailers) const {
  if (!personality_.trailers_without_status_abort || h2::find_header(trailers, "grpc-status") != nullptr) return false;
  if (call.response_headers) return call.http_status == 200;
  const std::string* status = h2::find_header(trailers, ":status");
  return status != nullptr && *status == "200";
}

void ClientHost::abort_process() {
  net_->mark(client_process_aborted_mark);
  aborted_ = true;
  for (Slot& slot : slots_) {
    if (slot.endpoint && !slot.lost) net_->reset(slot.conn);
    slot.lost = true;
  }
  for (const auto& [timer, what] : timers_) net_->cancel_timer(timer);
  timers_.clear();
}

// The server's END_STREAM came on DATA: no trailers. The HTTP status decides
// (doc/http-grpc-status-mapping.md), else the personality's status for a missing one.
void ClientHost::on_end_without_trailers(ClientCall& call, bool on_payload) {
  if (personality_.no_trailers_status_at_close && !call.write_closed) {
    // grpc-js: the stream stays open for the upload; its close decides (on_reset, Kind::closed).
    H2SIM_ASSERT(!call.done && !call.read_closed && !call.held);
    call.read_closed = true;
    call.held = no_trailers_status(call, on_payload);
    call.held_without_trailers = true;
    net_->mark("grpc-js: no trailers, the stream's close decides the status");
    return;
  }
  // An HTTP error status stands as the wire's (a later NO_ERROR reset keeps it, §2.2 step 3).
  on_trailers(call, no_trailers_status(call, on_payload), call.http_status != 0 && call.http_status != 200);
}

// The status a library derives from the response's HTTP status, in its words.
Status ClientHost::status_from_http_status(const ClientCall& call) const {
  std::string words;
  switch (personality_.http_status_words) {
    case HttpStatusWords::prefix_and_suffix:
      words = std::string(personality_.http_status_prefix) + std::to_string(call.http_status) +
              std::string(personality_.http_status_suffix);
      break;
    case HttpStatusWords::grpc_go: words = grpc_go_http_status_words(call.http_status, call.content_type); break;
    case HttpStatusWords::grpc_java: words = grpc_java_http_status_words(call.http_status, call.content_type); break;
  }
  return {code_for_http_status(call.http_status), words};
}

Status ClientHost::no_trailers_status(const ClientCall& call, bool on_payload) const {
  if (call.http_status != 0 && call.http_status != 200) return status_from_http_status(call);
  bool own_words = on_payload && !personality_.no_trailers_message_after_payload.empty();
  return {personality_.no_trailers_code, std::string(own_words ? personality_.no_trailers_message_after_payload
                                                               : personality_.no_trailers_message)};
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
  status = status_after_reads(call, std::move(status));
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
    slots_[call.slot].force_rst.push_back(call.index);
    net_->mark("grpc-core: trailers held until the read batch ends");
    return;
  }
  bool ok = status.code == Code::ok;
  publish(call, std::move(status));
  call.replaceable = ok && personality_.status_rule == StatusRule::first_non_ok_wins;
  if (!call.write_closed) {
    switch (personality_.rst_after_trailers) {
      // grpc-java and grpc-go reset the stream even when a reset the proxy sent with the trailers
      // has closed it already: the tap saw grpc-go's RST(NO_ERROR) after haproxy's trailers and
      // RST(CANCEL), grpc-java's RST(CANCEL) after haproxy's and after nginx's and nghttpx's
      // trailers and RST(NO_ERROR) (docs/fidelity.md, "What each client sends"). A frame on a
      // closed stream, which the proxy ignores and the legal-frames monitor excuses.
      case RstAfterTrailers::cancel:
        endpoint(call).reset_even_if_closed(call.stream, h2::ErrorCode::cancel);
        net_->mark("client: RST(CANCEL) after trailers while uploading");
        break;
      case RstAfterTrailers::no_error:
        endpoint(call).reset_even_if_closed(call.stream, h2::ErrorCode::no_error);
        break;
      case RstAfterTrailers::no_error_at_batch_end:
        endpoint(call).reset(call.stream, h2::ErrorCode::no_error);
        break;
      case RstAfterTrailers::half_close:
        endpoint(call).send_data(call.stream, {}, true);
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
    // grpc-js's mapHttpStatusCode, the words of its END_STREAM without trailers too.
    return {code_for_http_status(call.http_status), std::string(personality_.http_status_prefix) +
                                                        std::to_string(call.http_status) +
                                                        std::string(personality_.http_status_suffix)};
  }
  Status status = status_for_reset(personality_.reset_words, code);
  sim::Duration deadline = call.script->client.deadline;
  if (status.code == Code::cancelled && personality_.cancel_past_deadline_is_deadline_exceeded &&
      deadline.ns > 0 && net_->now() - call.started >= deadline) {
    status.code = Code::deadline_exceeded;
  }
  return status;
}

bool ClientHost::status_asked(const ClientCall& call) const {
  if (personality_.status_asked == StatusAsked::at_start) return true;
  const ClientScript& client = call.script->client;
  switch (call.script->kind) {
    case CallKind::unary: return true;
    case CallKind::client_streaming:
      return call.messages_sent == client.messages && (call.write_closed || client.half_close == HalfClose::never);
    case CallKind::server_streaming:
    case CallKind::bidi_streaming: return false;
  }
  return false;
}

void ClientHost::on_reset(ClientCall& call, h2::ErrorCode code) {
  // Only held trailers can have closed the read side of a call still in progress.
  H2SIM_ASSERT(!call.done && call.has_stream() && (!call.read_closed || call.held));
  // Whether the application had asked for the status before this read (status_asked reads the
  // write side, which the reset closes).
  bool asked_before_reset = status_asked(call);
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
  // A write still pending fails with the reset, and its failure cancels the call with the reset's
  // error, whatever status is held (personality: reset_fails_pending_write).
  bool write_fails = personality_.reset_fails_pending_write && write_pending(call);
  if (write_fails && call.held) net_->mark("grpc-core: a pending write fails with the reset: the reset is the status");
  if (trailers && !status_asked(call) && !write_fails) {
    net_->mark("grpc-core-sync: reset after held trailers, no status op pending: kept");
    publish(call, *call.held);
    return;
  }
  if (call.held && !trailers && personality_.unasked_reset_after_no_trailers_is_no_status &&
      !asked_before_reset && !write_fails) {
    net_->mark("grpc-core-sync: reset after a response without trailers, no status op pending");
    publish(call, {Code::unknown, "No status received"});
    return;
  }
  if (call.held && personality_.no_trailers_status_at_close) {
    net_->mark("grpc-js: a reset closes a stream that ended without trailers");
  } else if (call.held) {
    net_->mark("grpc-core: reset in the same read batch replaces held trailers");
  }
  publish(call, status_after_reads(call, reset_status(call, code)));
}

bool ClientHost::write_pending(const ClientCall& call) {
  const h2::StreamFlags* f = endpoint(call).stream(call.stream);
  return f != nullptr && f->data_bytes_sent < call.request_bytes_submitted;
}

Status ClientHost::status_after_reads(const ClientCall& call, Status status) {
  // A response with an HTTP error status is not read as gRPC (its body may be HTML).
  if (!personality_.cut_message_is_unexpected_eof || call.http_status != 200 || call.reader.malformed() ||
      call.reader.pending_bytes() == 0) {
    return status;
  }
  net_->mark("grpc-go: the stream ended inside a response message: unexpected EOF");
  return {Code::internal, "unexpected EOF"};
}

void ClientHost::end_batch(Slot& slot) {
  // In call order, as a walk over every call found them: the order the resets are written in.
  std::sort(slot.force_rst.begin(), slot.force_rst.end());
  std::vector<uint32_t> pending = std::move(slot.force_rst);
  slot.force_rst.clear();
  for (uint32_t index : pending) {
    ClientCall& call = calls_[index];
    if (call.done || !call.force_rst_pending) continue;
    H2SIM_ASSERT(call.held && !call.write_closed);
    // §2.2 step 6: force_client_rst_stream: RST(NO_ERROR), both sides closed, trailers out.
    endpoint(call).reset(call.stream, h2::ErrorCode::no_error);
    call.write_closed = true;
    net_->mark("grpc-core: deferred RST(NO_ERROR) at batch end");
    publish(call, *call.held);
  }
  // Then the applications, in call order.
  std::vector<uint32_t> half_closes = std::move(slot.half_close_after_batch);
  slot.half_close_after_batch.clear();
  std::sort(half_closes.begin(), half_closes.end());
  for (uint32_t index : half_closes) half_close(calls_[index]);
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

void ClientHost::fail_all(Slot& slot, const Status& status) {
  uint32_t slot_index = static_cast<uint32_t>(&slot - slots_.data());
  for (ClientCall& call : calls_) {
    if (call.slot != slot_index || call.done) continue;
    // A call not yet started (no stream) is failed only when the connection is gone for good:
    // lost, with no reconnecting.
    bool on_this_connection = call.has_stream() && slot.calls.count(call.stream) != 0;
    if (on_this_connection || (!call.has_stream() && slot.lost && !reconnects(slot))) publish(call, status);
  }
}

// A connection the peer ended is reopened for a later call as the scenario says
// (ClientOptions::reconnect). One the client closed on its own connection error always is: the
// channel stays usable and its next call connects again, as grpc-java's did after its GOAWAY for
// a header list past its limit (docs/fidelity.md "A header list past the advertised limit").
bool ClientHost::reconnects(const Slot& slot) const { return options_.reconnect || slot.closing; }

void ClientHost::on_peer_closed(sim::ConnId end, bool reset) {
  Slot* slot = slot_of(end);
  if (slot == nullptr || slot->lost) return;
  slot->lost = true;
  fail_all(*slot, {Code::unavailable, reset ? "connection reset" : "connection closed"});
}

void ClientHost::on_timer(sim::TimerId timer) {
  if (aborted_) return;
  auto it = timers_.find(timer);
  H2SIM_ASSERT(it != timers_.end());
  auto [index, kind] = it->second;
  timers_.erase(it);
  ClientCall& call = calls_[index];
  switch (kind) {
    case TimerKind::start:
      // A lost connection or a GOAWAY can have ended the call before it started.
      if (call.done) break;
      if (slots_[call.slot].lost && reconnects(slots_[call.slot])) {
        net_->mark("client: reconnects for a call on a lost connection");
        open(slots_[call.slot]);
      }
      if (slots_[call.slot].lost) {
        publish(call, {Code::unavailable, "connection closed"});
      } else {
        start_call(call);
      }
      break;
    case TimerKind::next_message:
    case TimerKind::first_message:
      send_next_message(call);
      break;
    case TimerKind::end_stream:
      half_close(call);  // an empty DATA(END_STREAM) of its own; nothing if the call ended
      break;
    case TimerKind::deadline:
    case TimerKind::cancel:
      if (call.done) break;
      H2SIM_ASSERT(call.has_stream());  // both timers are set when the call starts
      endpoint(call).reset(call.stream, h2::ErrorCode::cancel);
      call.write_closed = true;
      outcomes_[index].client_cancelled = true;
      publish(call, kind == TimerKind::deadline ? Status{Code::deadline_exceeded, "Deadline Exceeded"}
                                                : Status{Code::cancelled, "Cancelled"});
      break;
  }
  flush(slots_[call.slot]);
}

void ClientHost::flush(Slot& slot) {
  if (!slot.endpoint || slot.lost) return;
  sim::Flush out = slot.endpoint->take_output();
  if (!out.bytes.empty()) net_->write(slot.conn, std::move(out));
  // Sending can close a stream (our END_STREAM after the server's): nghttp2 says so while it
  // serializes, and grpc-js decides a status at that close (no_trailers_status_at_close). Other
  // calls closed by what we sent have published already.
  for (const h2::Event& event : slot.endpoint->take_events()) handle(slot, event);
  if (slot.closing) {
    net_->shutdown(slot.conn);
    slot.lost = true;
  }
}

// Everything the client's future depends on, and the outcomes (what the run is judged by). The
// scripts, the personality and the options are fixed for the run, and a call's script is its
// index's. Each list goes after its length.
bool ClientHost::add_state(sim::StateHash& h) const {
  h.add_u64(slots_.size());
  for (const Slot& slot : slots_) {
    h.add_u64((uint64_t{slot.conn.value} << 3) | uint64_t{slot.closing} << 2 | uint64_t{slot.lost} << 1 |
              (slot.endpoint != nullptr));
    if (slot.endpoint) slot.endpoint->add_state(h);
    h.add_u64(slot.calls.size());
    for (const auto& [stream, index] : slot.calls) h.add_u64((uint64_t{index} << 32) | static_cast<uint32_t>(stream.value));
    for (const std::vector<uint32_t>* list : {&slot.force_rst, &slot.half_close_after_batch}) {
      h.add_u64(list->size());
      for (uint32_t index : *list) h.add_u64(index);
    }
  }
  h.add_u64(slot_by_conn_.size());
  for (const auto& [conn, slot] : slot_by_conn_) h.add_u64((uint64_t{conn.value} << 32) | slot);
  h.add_u64(calls_.size());
  for (const ClientCall& c : calls_) {
    h.add_u64((uint64_t{c.index} << 32) | c.slot);
    h.add_u64((uint64_t{static_cast<uint32_t>(c.stream.value)} << 32) | c.messages_sent);
    h.add_u64(c.request_bytes_submitted);
    h.add_u64(uint64_t{c.write_closed} | uint64_t{c.read_closed} << 1 | uint64_t{c.done} << 2 |
              uint64_t{c.replaceable} << 3 | uint64_t{c.force_rst_pending} << 4 | uint64_t{c.held_without_trailers} << 5 |
              uint64_t{c.response_headers} << 6 | uint64_t{c.held.has_value()} << 7);
    if (c.held) {
      h.add_u64(static_cast<uint64_t>(c.held->code));
      h.add(c.held->message);
    }
    h.add_u64(static_cast<uint32_t>(c.http_status));
    h.add(c.content_type);
    h.add_u64(static_cast<uint64_t>(c.started.ns));
    c.reader.add_state(h);
  }
  h.add_u64(timers_.size());
  for (const auto& [timer, what] : timers_) {
    h.add_u64(timer.value);
    h.add_u64((uint64_t{what.first} << 8) | static_cast<uint8_t>(what.second));
  }
  h.add_u64(aborted_);
  grpc::add_state(h, outcomes_);
  return true;
}

}  // namespace h2sim::grpc
