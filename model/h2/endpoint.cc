#include "model/h2/endpoint.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstring>

#include "model/h2/codec.h"
#include "sim/assert.h"

namespace h2sim::h2 {

namespace {

// A header block as nghttp2 takes it: views of the strings, which nghttp2 copies when the block
// is submitted. Blocks of up to inline_fields fields (every gRPC block) need no allocation;
// larger ones take the heap, so this is no cap on a block's size.
class NvBlock {
 public:
  static constexpr size_t inline_fields = 16;
  // h2sim's call tag (call_tag_header) stays out of every HPACK dynamic table: indexed, each
  // call's new value evicted the modelled headers, and nghttp2's deflater keeps all entries of one
  // name in one hash bucket, so on a connection of 100 calls every lookup of it walked about 85
  // entries (12.6% of the samples of a 10,000-call run, bench/README.md "Issue 13 on 2026-12-04,
  // third session").
  static constexpr uint8_t never_indexed = NGHTTP2_NV_FLAG_NO_INDEX;
  static constexpr uint8_t plain = NGHTTP2_NV_FLAG_NONE;

  explicit NvBlock(std::span<const Header> headers) {
    if (headers.size() > inline_fields) {
      heap_.resize(headers.size());
      data_ = heap_.data();
    }
    for (size_t i = 0; i < headers.size(); ++i) {
      const Header& h = headers[i];
      data_[i] = {reinterpret_cast<uint8_t*>(const_cast<char*>(h.first.data())),
                  reinterpret_cast<uint8_t*>(const_cast<char*>(h.second.data())), h.first.size(),
                  h.second.size(), h.first == call_tag_header ? never_indexed : plain};
    }
    size_ = headers.size();
  }
  NvBlock(const NvBlock&) = delete;
  NvBlock& operator=(const NvBlock&) = delete;
  const nghttp2_nv* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  nghttp2_nv inline_[inline_fields];
  std::vector<nghttp2_nv> heap_;
  nghttp2_nv* data_ = inline_;
  size_t size_ = 0;
};

}  // namespace

// nghttp2 callbacks: they record frames and events, and never call back into the session.
struct Callbacks {
  static Endpoint& self(void* user_data) { return *static_cast<Endpoint*>(user_data); }

  static int on_begin_headers(nghttp2_session*, const nghttp2_frame*, void* user_data) {
    Headers& incoming = self(user_data).incoming_headers_;
    incoming.clear();
    // gRPC blocks have up to 8 fields: one allocation instead of the vector growing 1, 2, 4, 8.
    incoming.reserve(8);
    return 0;
  }

  static int on_header(nghttp2_session*, const nghttp2_frame*, const uint8_t* name,
                       size_t namelen, const uint8_t* value, size_t valuelen, uint8_t,
                       void* user_data) {
    self(user_data).incoming_headers_.emplace_back(
        std::string(reinterpret_cast<const char*>(name), namelen),
        std::string(reinterpret_cast<const char*>(value), valuelen));
    return 0;
  }

  static int on_data_chunk(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data,
                           size_t len, void* user_data) {
    Endpoint& e = self(user_data);
    if (e.read_buffer_bytes_ > 0 && e.events_.size() > e.piece_first_event_ &&
        e.events_.back().kind == Event::Kind::data && e.events_.back().stream == StreamId{stream_id}) {
      // The same buffer held the end of one DATA frame and the start of the next.
      e.events_.back().data.insert(e.events_.back().data.end(), data, data + len);
      return 0;
    }
    Event ev;
    ev.kind = Event::Kind::data;
    ev.stream = StreamId{stream_id};
    ev.data.assign(data, data + len);
    e.events_.push_back(std::move(ev));
    return 0;
  }

  static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    Endpoint& e = self(user_data);
    StreamId id{frame->hd.stream_id};
    bool es = frame->hd.flags & NGHTTP2_FLAG_END_STREAM;
    switch (frame->hd.type) {
      case NGHTTP2_HEADERS: {
        e.blocks_.push_back(std::move(e.incoming_headers_));
        e.incoming_headers_.clear();
        Event ev;
        ev.kind = Event::Kind::headers;
        ev.stream = id;
        ev.end_stream = es;
        ev.headers = e.blocks_.back();  // stays valid until the next take_events (endpoint.h)
        switch (frame->headers.cat) {
          case NGHTTP2_HCAT_REQUEST: ev.headers_kind = HeadersKind::request; break;
          case NGHTTP2_HCAT_RESPONSE: ev.headers_kind = HeadersKind::response; break;
          default: ev.headers_kind = HeadersKind::trailers; break;
        }
        StreamFlags& f = e.flags(id);
        f.headers_received = true;
        if (es) f.end_stream_received = true;
        e.events_.push_back(std::move(ev));
        break;
      }
      case NGHTTP2_DATA:
        if (e.report_data_frames_) {
          Event ev;
          ev.kind = Event::Kind::data_frame;
          ev.stream = id;
          e.events_.push_back(std::move(ev));
        }
        if (es) {
          e.flags(id).end_stream_received = true;
          Event ev;
          ev.kind = Event::Kind::end_stream;
          ev.stream = id;
          ev.end_stream_with_payload = frame->hd.length > frame->data.padlen;
          e.events_.push_back(std::move(ev));
        }
        break;
      case NGHTTP2_RST_STREAM: {
        e.flags(id).reset_received = true;
        Event ev;
        ev.kind = Event::Kind::reset;
        ev.stream = id;
        ev.code = static_cast<ErrorCode>(frame->rst_stream.error_code);
        e.events_.push_back(std::move(ev));
        break;
      }
      case NGHTTP2_GOAWAY: {
        Event ev;
        ev.kind = Event::Kind::goaway;
        ev.code = static_cast<ErrorCode>(frame->goaway.error_code);
        ev.last_stream_id = StreamId{frame->goaway.last_stream_id};
        e.events_.push_back(std::move(ev));
        break;
      }
      default:
        break;
    }
    return 0;
  }

  static int on_stream_close(nghttp2_session*, int32_t stream_id, uint32_t error_code,
                             void* user_data) {
    Endpoint& e = self(user_data);
    StreamId id{stream_id};
    e.flags(id).closed = true;
    e.outgoing_.erase(id);
    if (auto r = e.pending_resets_.find(id); r != e.pending_resets_.end() && !r->second.even_if_closed) {
      e.pending_resets_.erase(r);
    }
    Event ev;
    ev.kind = Event::Kind::closed;
    ev.stream = id;
    ev.code = static_cast<ErrorCode>(error_code);
    e.events_.push_back(std::move(ev));
    return 0;
  }

  static int on_frame_send(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    Endpoint& e = self(user_data);
    StreamId id{frame->hd.stream_id};
    bool es = frame->hd.flags & NGHTTP2_FLAG_END_STREAM;
    switch (frame->hd.type) {
      case NGHTTP2_HEADERS:
        e.flags(id).headers_sent = true;
        if (es) e.flags(id).end_stream_sent = true;
        break;
      case NGHTTP2_DATA:
        e.flags(id).data_bytes_sent += frame->hd.length - frame->data.padlen;
        if (es) e.flags(id).end_stream_sent = true;
        break;
      case NGHTTP2_RST_STREAM:
        e.flags(id).reset_sent = true;
        break;
      default:
        break;
    }
    return 0;
  }

  static ssize_t read_data(nghttp2_session* session, int32_t stream_id, uint8_t* buf,
                           size_t length, uint32_t* data_flags, nghttp2_data_source*,
                           void* user_data) {
    Endpoint& e = self(user_data);
    auto it = e.outgoing_.find(StreamId{stream_id});
    if (it == e.outgoing_.end()) {
      *data_flags |= NGHTTP2_DATA_FLAG_EOF;
      return 0;
    }
    Endpoint::Outgoing& out = it->second;
    size_t available = out.bytes.size() - out.head;
    if (available == 0 && !out.eof) return NGHTTP2_ERR_DEFERRED;
    size_t n = std::min(available, length);
    for (size_t end : out.frame_ends) {
      if (end > out.head) {
        n = std::min(n, end - out.head);
        break;
      }
    }
    if (n > 0) std::memcpy(buf, out.bytes.data() + out.head, n);
    out.head += n;
    if (out.head == out.bytes.size()) {
      out.bytes.clear();
      out.head = 0;
      out.frame_ends.clear();
      // An END_STREAM asked for on a frame of its own waits for the next call, which finds
      // nothing left and sends an empty DATA frame with it.
      if (out.eof && !(out.eof_on_empty_frame && n > 0)) {
        *data_flags |= NGHTTP2_DATA_FLAG_EOF;
        out.provider_active = false;
        if (out.trailers) {
          // Documented as safe from inside this callback; it keeps the trailers after the body.
          *data_flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
          NvBlock nva(*out.trailers);
          nghttp2_submit_trailer(session, stream_id, nva.data(), nva.size());
          out.trailers.reset();
        }
      }
    }
    return static_cast<ssize_t>(n);
  }
};

namespace {

// The callbacks and options are the same for every session and never change after they are
// built, so they are built once (immutable shared setup, not state a run could observe).
const nghttp2_session_callbacks* shared_callbacks() {
  static nghttp2_session_callbacks* cbs = [] {
    nghttp2_session_callbacks* c;
    H2SIM_ASSERT(nghttp2_session_callbacks_new(&c) == 0);
    nghttp2_session_callbacks_set_on_begin_headers_callback(c, Callbacks::on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(c, Callbacks::on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(c, Callbacks::on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_recv_callback(c, Callbacks::on_frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(c, Callbacks::on_stream_close);
    nghttp2_session_callbacks_set_on_frame_send_callback(c, Callbacks::on_frame_send);
    return c;
  }();
  return cbs;
}

// nghttp2's allocator interface over the endpoint's SessionMemory (mem_user_data).
SessionMemory& memory(void* mem_user_data) { return *static_cast<SessionMemory*>(mem_user_data); }
void* session_malloc(size_t bytes, void* m) { return memory(m).allocate(bytes); }
void session_free(void* block, void* m) { memory(m).release(block); }
void* session_calloc(size_t count, size_t bytes, void* m) {
  return memory(m).allocate_zeroed(count, bytes);
}
void* session_realloc(void* block, size_t bytes, void* m) {
  return memory(m).reallocate(block, bytes);
}

nghttp2_option* make_options(bool manual_flow_control, bool fallback_rfc7540_priorities) {
  nghttp2_option* o;
  H2SIM_ASSERT(nghttp2_option_new(&o) == 0);
  // nghttp2's RST_STREAM rate limiter reads the wall clock; a burst far above any run's limits
  // keeps real time from ever deciding an outcome.
  nghttp2_option_set_stream_reset_rate_limit(o, 1u << 30, 1u << 30);
  nghttp2_option_set_no_auto_window_update(o, manual_flow_control);
  nghttp2_option_set_server_fallback_rfc7540_priorities(o, fallback_rfc7540_priorities);
  return o;
}

// A server that announces SETTINGS_NO_RFC7540_PRIORITIES falls back to RFC 7540's priorities
// when its client does not announce it too, as nghttpx does: live (nghttpx 1.52, 2026-12-07), a
// client without that setting that made a stream depend on itself got GOAWAY(PROTOCOL_ERROR,
// "depend on itself"), where nghttp2 without the fallback ignores the PRIORITY frame.
const nghttp2_option* shared_options(bool manual_flow_control, bool fallback_rfc7540_priorities) {
  static nghttp2_option* options[2][2] = {{make_options(false, false), make_options(false, true)},
                                          {make_options(true, false), make_options(true, true)}};
  return options[manual_flow_control][fallback_rfc7540_priorities];
}

}  // namespace

// Why an endpoint's history names its state (explore; sim/host.h, Host::add_state).
//
// Everything an endpoint holds (its nghttp2 session, the streams' flags, the bytes queued to
// send, the resets waiting, the events not taken yet) is a deterministic function of the calls
// made on it, in order: nghttp2 reads no clock and draws nothing, and the callbacks only record.
// The history keeps every call that changes it: receive, take_output and each submission with
// its arguments, each at its place in the received bytes (how many had been fed before it).
// Queries (stream(), queued_bytes(), ...) change nothing and are left out.
//
// One thing is left out on purpose: where one receive() ends and the next begins, when no other
// call comes between them and the first ends at a frame's end. That is what lets two runs whose
// reads fell differently be one state. nghttp2's reader (nghttp2_session_mem_recv, 1.52) works
// through its input a frame at a time and handles a frame that ends a call in that call, so at a
// frame's end it is back at a frame header with nothing buffered, whether the input goes on or
// not. What a call does besides that, it does on entry: it drops surplus idle streams (made only
// by RFC 7540 priority signals) and ignores the input if the session no longer wants to read. So
// a read's end is kept in the history (op_read_end) unless it is at a frame's end, the session
// still wants to read, and no priority signal (a PRIORITY frame, or HEADERS with the PRIORITY
// flag) has ever come in. Inside a frame the cut matters: DATA is delivered and counted against
// the windows chunk by chunk.
//
// A take_output() with nothing to send is left out too (see there). The events not taken yet are
// added as they are (add_state): when the owner takes them is not a call on the session.
// Where a stream of received bytes stands in HTTP/2's framing: preface bytes still to come (a
// server reads the client's connection preface first), a frame header's bytes so far, and its
// payload left. feed() hands each frame header to `on_header` as it completes.
struct Endpoint::FrameCursor {
  uint32_t preface_left = 0;
  uint8_t header[frame_header_bytes] = {};
  uint32_t header_have = 0;
  uint32_t payload_left = 0;

  explicit FrameCursor(Role role)
      : preface_left(role == Role::server ? static_cast<uint32_t>(connection_preface.size()) : 0) {}
  bool at_frame_end() const { return preface_left == 0 && header_have == 0 && payload_left == 0; }

  template <typename OnHeader>
  void feed(std::span<const uint8_t> bytes, OnHeader&& on_header) {
    feed(bytes, on_header, [](const FrameHeader&) {});
  }

  // on_end(header) once a frame's last payload byte is in (at once for an empty payload).
  template <typename OnHeader, typename OnEnd>
  void feed(std::span<const uint8_t> bytes, OnHeader&& on_header, OnEnd&& on_end) {
    while (!bytes.empty()) {
      if (preface_left > 0) {
        size_t n = std::min<size_t>(preface_left, bytes.size());
        preface_left -= static_cast<uint32_t>(n);
        bytes = bytes.subspan(n);
      } else if (payload_left > 0) {
        size_t n = std::min<size_t>(payload_left, bytes.size());
        payload_left -= static_cast<uint32_t>(n);
        bytes = bytes.subspan(n);
        if (payload_left == 0) on_end(current);
      } else {
        header[header_have++] = bytes.front();
        bytes = bytes.subspan(1);
        if (header_have == frame_header_bytes) {
          header_have = 0;
          current = read_frame_header(header);
          payload_left = current.length;
          on_header(current);
          if (payload_left == 0) on_end(current);
        }
      }
    }
  }

 private:
  FrameHeader current{};
};

struct Endpoint::History {
  explicit History(Role role) : cursor(role) {}
  sim::StateHash calls;     // each call: where in the received bytes, what, and its arguments
  sim::StateHash received;  // the received bytes, as one stream
  uint64_t received_bytes = 0;
  FrameCursor cursor;
  bool priority_seen = false;

  bool at_frame_end() const { return cursor.at_frame_end(); }
  void feed(std::span<const uint8_t> bytes);
};

void Endpoint::History::feed(std::span<const uint8_t> bytes) {
  received.append(bytes);
  received_bytes += bytes.size();
  cursor.feed(bytes, [&](const FrameHeader& h) {
    priority_seen |= h.type == static_cast<uint8_t>(FrameType::priority) ||
                     (h.type == static_cast<uint8_t>(FrameType::headers) && (h.flags & flag_priority));
  });
}

namespace {

// The calls an endpoint's history records.
enum : uint64_t {
  op_open = 1, op_read_end, op_take_output, op_request, op_response, op_data,
  op_end_stream_frame, op_trailers, op_reset, op_reset_after_output, op_discard, op_goaway,
  op_consume, op_shutdown_notice, op_reset_again, op_reset_after_output_even_if_closed,
  op_reset_even_if_closed, op_reset_again_after_pending_reset, op_data_frame, op_discard_tail,
};

}  // namespace

void add_state(sim::StateHash& h, std::span<const Header> headers) {
  h.add_u64(headers.size());
  for (const Header& header : headers) {
    h.add(header.first);
    h.add(header.second);
  }
}

sim::StateHash* Endpoint::note(uint64_t op) {
  if (!history_) return nullptr;
  sim::StateHash& h = history_->calls;
  h.add_u64(history_->received_bytes);
  h.add_u64(op);
  return &h;
}

void Endpoint::add_state(sim::StateHash& h) const {
  H2SIM_ASSERT(history_);
  h.add(history_->calls.value());
  h.add(history_->received.value());
  h.add_u64(history_->received_bytes);
  h.add_u64(failed_);
  h.add_u64(events_.size());
  for (const Event& e : events_) {
    h.add_u64((uint64_t{static_cast<uint8_t>(e.kind)} << 40) | (uint64_t{static_cast<uint8_t>(e.headers_kind)} << 32) |
              (uint64_t{e.end_stream} << 31) | static_cast<uint32_t>(e.stream.value));
    h2::add_state(h, e.headers);
    h.add(e.data);
    h.add_u64((uint64_t{static_cast<uint32_t>(e.code)} << 32) | static_cast<uint32_t>(e.last_stream_id.value));
  }
}

Endpoint::Endpoint(Role role, EndpointOptions options)
    : role_(role),
      events_(SessionAllocator<Event>(&memory_)),
      taken_(SessionAllocator<Event>(&memory_)),
      streams_(&memory_),
      outgoing_(SessionAllocator<std::pair<const StreamId, Outgoing>>(&memory_)),
      pending_resets_(SessionAllocator<std::pair<const StreamId, PendingReset>>(&memory_)) {
  // nghttp2 copies the allocator table; memory_ outlives the session (deleted in ~Endpoint).
  nghttp2_mem mem{&memory_, session_malloc, session_free, session_calloc, session_realloc};
  const nghttp2_option* nghttp2_options =
      shared_options(options.manual_flow_control, role == Role::server && options.settings.no_rfc7540_priorities == 1u);
  int rv = role == Role::client
               ? nghttp2_session_client_new3(&session_, shared_callbacks(), this, nghttp2_options, &mem)
               : nghttp2_session_server_new3(&session_, shared_callbacks(), this, nghttp2_options, &mem);
  H2SIM_ASSERT(rv == 0);
  events_.reserve(8);
  taken_.reserve(8);

  const OpeningSettings& o = options.settings;
  nghttp2_settings_entry settings[9];
  size_t entries = 0;
  auto add = [&](int32_t id, const std::optional<uint32_t>& value) {
    if (value) settings[entries++] = {id, *value};
  };
  add(NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, o.header_table_bytes);
  add(NGHTTP2_SETTINGS_ENABLE_PUSH, o.enable_push);
  add(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, o.max_concurrent_streams);
  add(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, o.initial_window_bytes);
  add(NGHTTP2_SETTINGS_MAX_FRAME_SIZE, o.max_frame_bytes);
  add(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, o.max_header_list_bytes);
  add(NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL, o.enable_connect_protocol);
  add(NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, o.no_rfc7540_priorities);
  if (o.extension_id != 0) settings[entries++] = {o.extension_id, o.extension_value};
  H2SIM_ASSERT(nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, entries) == 0);
  H2SIM_ASSERT(!o.connection_window_at_first_release || options.manual_flow_control);
  if (o.connection_window_at_first_release) {
    connection_window_at_first_release_ = o.connection_window_bytes;
  } else if (o.connection_window_bytes > NGHTTP2_INITIAL_CONNECTION_WINDOW_SIZE) {
    H2SIM_ASSERT(nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                                       static_cast<int32_t>(o.connection_window_bytes)) == 0);
  }
  if (options.first_stream_id != 1) {
    H2SIM_ASSERT(role == Role::client && options.first_stream_id % 2 == 1);
    H2SIM_ASSERT(nghttp2_session_set_next_stream_id(session_, options.first_stream_id) == 0);
  }
  if (options.report_data_after_reset) late_data_ = std::make_unique<FrameCursor>(role);
  report_data_frames_ = options.report_data_frames;
  read_buffer_bytes_ = options.read_buffer_bytes;
  if (options.keep_history) {
    history_ = std::make_unique<History>(role);
    sim::StateHash* h = note(op_open);
    h->add_u64(static_cast<uint64_t>(role));
    for (size_t i = 0; i < entries; ++i) {
      h->add_u64((uint64_t{static_cast<uint32_t>(settings[i].settings_id)} << 32) | settings[i].value);
    }
    h->add_u64(o.connection_window_bytes | uint64_t{o.connection_window_at_first_release} << 32);
    h->add_u64(static_cast<uint32_t>(options.first_stream_id));
    h->add_u64(options.manual_flow_control);
    h->add_u64(uint64_t{options.report_data_after_reset} | uint64_t{options.report_data_frames} << 1 |
               uint64_t{options.read_buffer_bytes} << 2);
  }
}

Endpoint::~Endpoint() { nghttp2_session_del(session_); }

void Endpoint::receive(std::span<const uint8_t> batch) {
  if (read_buffer_bytes_ == 0) {
    receive_piece(batch);
    return;
  }
  uint32_t piece = 0;
  for (size_t at = 0; at < batch.size() && !failed_; at += read_buffer_bytes_, ++piece) {
    piece_first_event_ = events_.size();
    receive_piece(batch.subspan(at, std::min<size_t>(read_buffer_bytes_, batch.size() - at)));
    for (size_t i = piece_first_event_; i < events_.size(); ++i) events_[i].piece = piece;
  }
}

void Endpoint::receive_piece(std::span<const uint8_t> batch) {
  if (failed_) return;
  if (history_) history_->feed(batch);
  if (late_data_) watch_late_data(batch);
  ssize_t rv = nghttp2_session_mem_recv(session_, batch.data(), batch.size());
  if (history_ && (!history_->at_frame_end() || history_->priority_seen || !nghttp2_session_want_read(session_))) {
    note(op_read_end);
  }
  if (rv < 0) {
    failed_ = true;
    Event ev;
    ev.kind = Event::Kind::error;
    ev.code = ErrorCode::protocol_error;
    events_.push_back(std::move(ev));
  }
}

// nghttp2 drops DATA on a closed stream before any callback sees the frame, so the frames are
// followed here, ahead of it. A DATA frame is reported once its last byte is in, as haproxy and
// Go's x/net act on a whole frame: reported at its header, a frame split across two reads drew
// its reset one read early, before the proxy had the frame (a shaped case through haproxy-3.2,
// 2026-12-06, judged illegal by the legal-frames monitor). A stream this endpoint reset is closed
// only once the reset was serialized (take_output), so its flags before the batch are its flags at
// each frame of it; the events come before those nghttp2 reports for the same batch, which
// concern other streams.
void Endpoint::watch_late_data(std::span<const uint8_t> batch) {
  late_data_->feed(batch, [](const FrameHeader&) {}, [&](const FrameHeader& h) {
    if (h.type != static_cast<uint8_t>(FrameType::data)) return;
    const StreamFlags* f = streams_.find(h.stream);
    if (f == nullptr || !f->closed || !f->reset_sent) return;
    Event ev;
    ev.kind = Event::Kind::data_after_reset;
    ev.stream = h.stream;
    events_.push_back(std::move(ev));
  });
}

const Endpoint::EventList& Endpoint::take_events() {
  taken_.clear();
  taken_.swap(events_);
  taken_blocks_.clear();
  taken_blocks_.swap(blocks_);
  return taken_;
}

void Endpoint::attach_provider(StreamId stream) {
  Outgoing& out = outgoing_[stream];
  out.provider_active = true;
}

StreamId Endpoint::submit_request(std::span<const Header> headers, bool end_stream) {
  H2SIM_ASSERT(role_ == Role::client);
  NvBlock nva(headers);
  nghttp2_data_provider provider{};
  provider.read_callback = Callbacks::read_data;
  if (sim::StateHash* h = note(op_request)) {
    h2::add_state(*h, headers);
    h->add_u64(end_stream);
  }
  StreamId id{nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(),
                                     end_stream ? nullptr : &provider, nullptr)};
  H2SIM_ASSERT(id > connection_stream_id);
  flags(id);
  if (!end_stream) attach_provider(id);
  return id;
}

void Endpoint::submit_response(StreamId stream, std::span<const Header> headers,
                               bool end_stream) {
  H2SIM_ASSERT(role_ == Role::server);
  if (sim::StateHash* h = note(op_response)) {
    h->add_u64(static_cast<uint32_t>(stream.value));
    h2::add_state(*h, headers);
    h->add_u64(end_stream);
  }
  if (flags(stream).closed || flags(stream).reset_sent) return;
  NvBlock nva(headers);
  nghttp2_data_provider provider{};
  provider.read_callback = Callbacks::read_data;
  int rv = nghttp2_submit_response(session_, stream.value, nva.data(), nva.size(),
                                   end_stream ? nullptr : &provider);
  H2SIM_ASSERT(rv == 0);
  if (!end_stream) attach_provider(stream);
}

void Endpoint::send_data(StreamId stream, std::span<const uint8_t> bytes, bool end_stream) {
  if (sim::StateHash* h = note(op_data)) {
    h->add_u64((uint64_t{end_stream} << 32) | static_cast<uint32_t>(stream.value));
    h->add(bytes);
  }
  const StreamFlags& f = flags(stream);
  if (f.closed || f.reset_sent || f.end_stream_sent) return;
  auto it = outgoing_.find(stream);
  H2SIM_ASSERT(it != outgoing_.end() && it->second.provider_active);
  Outgoing& out = it->second;
  H2SIM_ASSERT(!out.eof);
  out.bytes.insert(out.bytes.end(), bytes.begin(), bytes.end());
  if (end_stream) out.eof = true;
  nghttp2_session_resume_data(session_, stream.value);  // fails harmlessly if not deferred
}

void Endpoint::send_data_frame(StreamId stream, std::span<const uint8_t> bytes) {
  // The bytes follow as send_data's; this says they end a frame on both sides.
  if (sim::StateHash* h = note(op_data_frame)) h->add_u64(static_cast<uint32_t>(stream.value));
  auto it = outgoing_.find(stream);
  if (it != outgoing_.end() && it->second.provider_active && !it->second.eof) {
    Outgoing& out = it->second;
    if (out.bytes.size() > out.head) out.frame_ends.push_back(out.bytes.size());
    out.frame_ends.push_back(out.bytes.size() + bytes.size());
  }
  send_data(stream, bytes, false);
}

void Endpoint::send_end_stream_frame(StreamId stream) {
  if (sim::StateHash* h = note(op_end_stream_frame)) h->add_u64(static_cast<uint32_t>(stream.value));
  auto it = outgoing_.find(stream);
  if (it != outgoing_.end() && it->second.provider_active && !it->second.eof) {
    it->second.eof_on_empty_frame = true;
  }
  send_data(stream, {}, true);
}

void Endpoint::send_trailers(StreamId stream, std::span<const Header> trailers) {
  if (sim::StateHash* h = note(op_trailers)) {
    h->add_u64(static_cast<uint32_t>(stream.value));
    h2::add_state(*h, trailers);
  }
  const StreamFlags& f = flags(stream);
  if (f.closed || f.reset_sent || f.end_stream_sent) return;
  auto it = outgoing_.find(stream);
  H2SIM_ASSERT(it != outgoing_.end() && it->second.provider_active && !it->second.eof);
  it->second.trailers.emplace(trailers.begin(), trailers.end());
  it->second.eof = true;
  nghttp2_session_resume_data(session_, stream.value);
}

void Endpoint::reset(StreamId stream, ErrorCode code) {
  if (sim::StateHash* h = note(op_reset)) h->add_u64((uint64_t{static_cast<uint32_t>(code)} << 32) | static_cast<uint32_t>(stream.value));
  StreamFlags& f = flags(stream);
  if (f.closed || f.reset_sent) return;
  outgoing_.erase(stream);
  pending_resets_.erase(stream);
  H2SIM_ASSERT(nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream.value,
                                         static_cast<uint32_t>(code)) == 0);
  f.reset_sent = true;  // set now so later submits on this stream are refused at once
}

void Endpoint::reset_even_if_closed(StreamId stream, ErrorCode code) {
  if (sim::StateHash* h = note(op_reset_even_if_closed)) {
    h->add_u64((uint64_t{static_cast<uint32_t>(code)} << 32) | static_cast<uint32_t>(stream.value));
  }
  StreamFlags& f = flags(stream);
  if (!f.closed) {
    reset(stream, code);
    return;
  }
  if (!f.reset_sent) reset_closed(stream, code);
}

void Endpoint::reset_closed(StreamId stream, ErrorCode code) {
  StreamFlags& f = flags(stream);
  H2SIM_ASSERT(f.closed && !f.reset_sent);
  // nghttp2 queues a reset for a stream it no longer holds (as reset_again).
  H2SIM_ASSERT(nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream.value, static_cast<uint32_t>(code)) == 0);
  f.reset_sent = true;
}

void Endpoint::reset_again(StreamId stream, ErrorCode code) {
  if (sim::StateHash* h = note(op_reset_again)) {
    h->add_u64((uint64_t{static_cast<uint32_t>(code)} << 32) | static_cast<uint32_t>(stream.value));
  }
  const StreamFlags* f = streams_.find(stream);
  H2SIM_ASSERT(f != nullptr && f->closed && f->reset_sent);
  // nghttp2 queues a reset for a stream it no longer holds, and closing it again once sent is a
  // harmless no-op.
  H2SIM_ASSERT(nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream.value, static_cast<uint32_t>(code)) == 0);
}

void Endpoint::reset_after_output(StreamId stream, ErrorCode code) {
  defer_reset(op_reset_after_output, stream, code, false);
}

void Endpoint::reset_after_output_even_if_closed(StreamId stream, ErrorCode code) {
  defer_reset(op_reset_after_output_even_if_closed, stream, code, true);
}

void Endpoint::reset_again_after_pending_reset(StreamId stream, ErrorCode code) {
  if (sim::StateHash* h = note(op_reset_again_after_pending_reset)) {
    h->add_u64((uint64_t{static_cast<uint32_t>(code)} << 32) | static_cast<uint32_t>(stream.value));
  }
  auto it = pending_resets_.find(stream);
  H2SIM_ASSERT(it != pending_resets_.end());
  ++it->second.resets_after;
  it->second.code_after = code;
}

void Endpoint::defer_reset(uint64_t op, StreamId stream, ErrorCode code, bool even_if_closed) {
  if (sim::StateHash* h = note(op)) {
    h->add_u64((uint64_t{static_cast<uint32_t>(code)} << 32) | static_cast<uint32_t>(stream.value));
  }
  const StreamFlags& f = flags(stream);
  if (f.closed || f.reset_sent) return;
  // Deferred even with nothing queued: nghttp2 drops a stream's unsent HEADERS once an
  // RST_STREAM for it is submitted, so the reset waits until take_output has serialized them.
  pending_resets_.emplace(stream, PendingReset{code, even_if_closed});
}

void Endpoint::discard_unsent_tail(StreamId stream, size_t bytes) {
  if (sim::StateHash* h = note(op_discard_tail)) {
    h->add_u64(static_cast<uint32_t>(stream.value));
    h->add_u64(bytes);
  }
  auto it = outgoing_.find(stream);
  if (it == outgoing_.end()) return;
  Outgoing& out = it->second;
  out.bytes.resize(out.bytes.size() - std::min(bytes, out.bytes.size() - out.head));
  if (out.bytes.size() == out.head) {
    out.bytes.clear();
    out.head = 0;
  }
  // What is left ends where send_data_frame ended it; the boundaries past it went with the tail.
  std::erase_if(out.frame_ends, [&out](size_t end) { return end > out.bytes.size(); });
  out.eof = false;
  out.trailers.reset();
}

void Endpoint::discard_unsent_data(StreamId stream) {
  if (sim::StateHash* h = note(op_discard)) h->add_u64(static_cast<uint32_t>(stream.value));
  auto it = outgoing_.find(stream);
  if (it == outgoing_.end()) return;
  Outgoing& out = it->second;
  out.bytes.clear();
  out.head = 0;
  out.frame_ends.clear();
  out.eof = false;
  out.trailers.reset();
}

bool Endpoint::has_unsent_data(StreamId stream) const {
  auto it = outgoing_.find(stream);
  return it != outgoing_.end() && it->second.head < it->second.bytes.size();
}

void Endpoint::goaway(ErrorCode code, std::optional<StreamId> last_stream) {
  if (sim::StateHash* h = note(op_goaway)) {
    h->add_u64(static_cast<uint32_t>(code));
    h->add_u64(last_stream ? static_cast<uint32_t>(last_stream->value) : UINT64_MAX);
  }
  StreamId last = last_stream.value_or(last_peer_stream());
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE, last.value, static_cast<uint32_t>(code), nullptr,
                        0);
}

void Endpoint::consume(StreamId stream, size_t bytes) {
  if (bytes == 0) return;
  if (sim::StateHash* h = note(op_consume)) {
    h->add_u64(static_cast<uint32_t>(stream.value));
    h->add_u64(bytes);
  }
  // The window opens before this release is counted: nghttp2 then sends one WINDOW_UPDATE of
  // the window's growth, where haproxy's also acknowledges the DATA it read (below 2^31 - 1 by
  // those bytes until a later update; submitting haproxy's increment instead fails in nghttp2).
  if (connection_window_at_first_release_ > NGHTTP2_INITIAL_CONNECTION_WINDOW_SIZE) {
    H2SIM_ASSERT(nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                                       static_cast<int32_t>(connection_window_at_first_release_)) == 0);
  }
  connection_window_at_first_release_ = 0;
  // A closed stream only returns the connection window.
  if (nghttp2_session_consume(session_, stream.value, bytes) != 0) {
    nghttp2_session_consume_connection(session_, bytes);
  }
}

uint64_t Endpoint::data_bytes_sent(StreamId stream) const {
  const StreamFlags* f = this->stream(stream);
  return f ? f->data_bytes_sent : 0;
}

void Endpoint::shutdown_notice() {
  H2SIM_ASSERT(role_ == Role::server);
  note(op_shutdown_notice);
  nghttp2_submit_shutdown_notice(session_);
}

StreamId Endpoint::last_peer_stream() const {
  return StreamId{nghttp2_session_get_last_proc_stream_id(session_)};
}

uint32_t Endpoint::peer_max_concurrent_streams() const {
  return nghttp2_session_get_remote_settings(session_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
}

bool Endpoint::submit_due_resets() {
  bool any = false;
  for (auto it = pending_resets_.begin(); it != pending_resets_.end();) {
    auto out = outgoing_.find(it->first);
    bool drained = out == outgoing_.end() ||
                   (out->second.head == out->second.bytes.size() && !out->second.trailers);
    if (!drained) {
      ++it;
      continue;
    }
    StreamId stream = it->first;
    PendingReset pending = it->second;
    it = pending_resets_.erase(it);
    StreamFlags& f = flags(stream);
    if (!f.closed) {
      reset(stream, pending.code);
    } else if (pending.even_if_closed && !f.reset_sent && !f.reset_received) {
      reset_closed(stream, pending.code);
    } else {
      continue;
    }
    // nghttp2 queues a reset for a stream it no longer holds (as reset_again).
    for (uint32_t i = 0; i < pending.resets_after; ++i) {
      H2SIM_ASSERT(nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream.value,
                                             static_cast<uint32_t>(pending.code_after)) == 0);
    }
    any = true;
  }
  return any;
}

sim::Flush Endpoint::take_output() {
  // nghttp2 hands out one frame at a time; they are gathered in one buffer per thread (endpoints
  // of a thread take their output one after the other) and the flush gets a buffer of exactly
  // their size. Its bytes end up in the run's segment records, and fixed 512-byte buffers were
  // the most common allocation size of a run. A std::allocator vector, so that appending is a
  // memcpy: with the session's allocator libstdc++ copied byte by byte (2% of a founding-case
  // run in callgrind).
  // A flush with nothing to send changes nothing, so it stays out of the history: nghttp2 sends
  // only what want_write reports, and beyond that a send call only drops surplus idle streams
  // (priority_seen, as for receive).
  if (history_ && (nghttp2_session_want_write(session_) || !pending_resets_.empty() || history_->priority_seen)) {
    note(op_take_output);
  }
  thread_local std::vector<uint8_t> gathered;
  gathered.clear();
  for (;;) {
    const uint8_t* data = nullptr;
    ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) {
      failed_ = true;
      break;
    }
    if (n == 0) {
      if (submit_due_resets()) continue;
      break;
    }
    gathered.insert(gathered.end(), data, data + n);
  }
  sim::Flush flush;
  flush.bytes.assign(gathered.begin(), gathered.end());
  // Frame boundaries, counted first so that a flush of one frame allocates none.
  flush.boundaries.reserve(frame_boundaries(flush.bytes));
  frame_boundaries(flush.bytes, &flush.boundaries);
  if (!opened_ && !flush.bytes.empty()) {
    opened_ = true;
    keep_opening_whole(flush);
  }
  return flush;
}

// A connection's opening (a client's preface, the SETTINGS and a WINDOW_UPDATE on the connection
// right after them) is one unit the network does not cut: every library the tap watched wrote
// it in one write of under 100 bytes, which TCP delivers whole (a segment holds at least 536),
// and a cut inside it only multiplied the paths a search walks (2.8 times the founding case's
// executions once the personalities opened with a WINDOW_UPDATE, 2026-12-06).
void Endpoint::keep_opening_whole(sim::Flush& flush) {
  std::span<const uint8_t> bytes(flush.bytes);
  size_t at = starts_with_preface(bytes) ? connection_preface.size() : 0;
  if (at + frame_header_bytes > bytes.size()) return;
  FrameHeader settings = read_frame_header(bytes.subspan(at));
  if (settings.type != static_cast<uint8_t>(FrameType::settings)) return;
  size_t cut = at + frame_header_bytes + settings.length;
  if (cut + frame_header_bytes > bytes.size()) return;
  FrameHeader next = read_frame_header(bytes.subspan(cut));
  if (next.type != static_cast<uint8_t>(FrameType::window_update) || next.stream != connection_stream_id) return;
  std::erase(flush.boundaries, static_cast<uint32_t>(cut));
}

StreamFlags& Endpoint::StreamTable::at(StreamId id) {
  H2SIM_ASSERT(id.value >= 0);
  auto index = static_cast<size_t>(id.value);
  if (!far.empty()) {
    if (auto it = far.find(id); it != far.end()) return it->second;
  }
  if (index >= near.size()) {
    if (index - near.size() >= near_reach) return far[id];
    near.resize(index + 1);
  }
  std::optional<StreamFlags>& f = near[index];
  if (!f) f.emplace();
  return *f;
}

const StreamFlags* Endpoint::StreamTable::find(StreamId id) const {
  auto index = static_cast<size_t>(id.value);
  if (id.value >= 0 && index < near.size() && near[index]) return &*near[index];
  auto it = far.find(id);
  return it == far.end() ? nullptr : &it->second;
}

size_t Endpoint::StreamTable::open() const {
  size_t open = 0;
  for (const std::optional<StreamFlags>& f : near) open += f && !f->closed;
  for (const auto& [id, f] : far) open += !f.closed;
  return open;
}

const StreamFlags* Endpoint::stream(StreamId id) const {
  return streams_.find(id);
}

size_t Endpoint::queued_bytes() const {
  size_t total = 0;
  for (const auto& [id, out] : outgoing_) total += out.bytes.size() - out.head;
  return total;
}

size_t Endpoint::open_streams() const {
  return streams_.open();
}

bool Endpoint::alive() const {
  return !failed_ && (nghttp2_session_want_read(session_) || nghttp2_session_want_write(session_));
}

}  // namespace h2sim::h2
