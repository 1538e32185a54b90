#include "model/run/hostile.h"

#include <nghttp2/nghttp2.h>

#include <optional>
#include <string>

#include "model/h2/codec.h"
#include "sim/assert.h"
#include "sim/choice.h"

namespace h2sim {

namespace {

using h2::ErrorCode;
using h2::FrameType;
using Bytes = std::vector<uint8_t>;

// How long the hostile client keeps its connection after the attack before closing it, so that
// everything it provoked has arrived (the proxy must then let go of everything it held).
constexpr sim::Duration linger = sim::Duration::milliseconds(20);

void put_frame(Bytes& out, FrameType type, uint8_t flags, uint32_t stream, const Bytes& payload,
               uint32_t length_override = 0) {
  // Any 32 bits a hostile peer likes; the codec drops the reserved bit as it writes them.
  h2::write_frame(type, flags, h2::StreamId{static_cast<int32_t>(stream)}, payload, &out,
                  length_override ? length_override : UINT32_MAX);
}

Bytes u32(uint32_t v) {
  Bytes b;
  h2::write_u32(v, &b);
  return b;
}

Bytes setting(uint16_t id, uint32_t value) {
  Bytes b = {static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id)};
  Bytes v = u32(value);
  b.insert(b.end(), v.begin(), v.end());
  return b;
}

// The value a SETTINGS payload gives `id` (the last entry for it wins, RFC 9113 §6.5.3), if any:
// setting()'s reader.
std::optional<uint32_t> setting_value(std::span<const uint8_t> payload, uint16_t id) {
  constexpr size_t entry_bytes = 6;
  std::optional<uint32_t> value;
  for (size_t at = 0; at + entry_bytes <= payload.size(); at += entry_bytes) {
    if (((payload[at] << 8) | payload[at + 1]) == id) value = h2::read_u32(&payload[at + 2]);
  }
  return value;
}

Bytes encode_block(const h2::Headers& headers) {
  nghttp2_hd_deflater* deflater;
  H2SIM_ASSERT(nghttp2_hd_deflate_new(&deflater, 4096) == 0);
  std::vector<nghttp2_nv> nva;
  for (const h2::Header& h : headers) {
    nva.push_back({reinterpret_cast<uint8_t*>(const_cast<char*>(h.first.data())),
                   reinterpret_cast<uint8_t*>(const_cast<char*>(h.second.data())), h.first.size(),
                   h.second.size(), NGHTTP2_NV_FLAG_NONE});
  }
  Bytes out(nghttp2_hd_deflate_bound(deflater, nva.data(), nva.size()));
  ssize_t n = nghttp2_hd_deflate_hd(deflater, out.data(), out.size(), nva.data(), nva.size());
  H2SIM_ASSERT(n >= 0);
  out.resize(static_cast<size_t>(n));
  nghttp2_hd_deflate_del(deflater);
  return out;
}

h2::Headers request_headers() {
  return {{":method", "POST"},
          {":scheme", "http"},
          {":path", "/h2sim.test.Echo/BidiStream"},
          {":authority", "h2sim.test"},
          {"content-type", "application/grpc"},
          {"te", "trailers"}};
}

// FRAME_TOO_LARGE's DATA payload: past the largest a peer must take before its SETTINGS.
uint32_t too_large_frame_bytes(uint32_t param) { return h2::default_max_frame_bytes + 1 + param; }
// BYTE_MUTATION flips at most this many bytes, whatever `count` says: a request flush is a few
// dozen bytes, and a handful of flips already breaks every part of it.
constexpr uint32_t byte_mutations_max = 16;
// OVERSIZED_HEADERS: the value's size in KiB for a `param`. Always above 64 KiB, the largest
// default header list limit among the proxies (nghttp2's SETTINGS_MAX_HEADER_LIST_SIZE default
// and ours), so the list is oversized for every peer; `param` picks how far above, in 256 steps.
constexpr uint32_t oversized_header_steps = 256;
constexpr uint32_t oversized_header_kib_min = 65;
uint32_t oversized_header_kib(uint32_t param) { return param % oversized_header_steps + oversized_header_kib_min; }

// A request whose header block is larger than any default limit, in frames no larger than the
// default SETTINGS_MAX_FRAME_SIZE.
void put_oversized_headers(Bytes& out, uint32_t param) {
  h2::Headers headers = request_headers();
  headers.emplace_back("x-big", std::string(size_t{1024} * oversized_header_kib(param), 'a'));
  Bytes big = encode_block(headers);
  size_t at = 0;
  bool first = true;
  while (at < big.size()) {
    size_t n = std::min<size_t>(h2::default_max_frame_bytes, big.size() - at);
    bool last = at + n == big.size();
    uint8_t flags = static_cast<uint8_t>((last ? h2::flag_end_headers : 0) | (first ? h2::flag_end_stream : 0));
    put_frame(out, first ? FrameType::headers : FrameType::continuation, flags, 1,
              Bytes(big.begin() + at, big.begin() + at + n));
    at += n;
    first = false;
  }
}

// A valid request flush with some of its bytes flipped, chosen by the spec's seed.
void put_mutated_request(Bytes& out, const Hostile& spec, uint32_t count) {
  put_frame(out, FrameType::headers, h2::flag_end_headers, 1, hostile_request_block());
  put_frame(out, FrameType::data, h2::flag_end_stream, 1, Bytes{0, 0, 0, 0, 2, 8, 1});
  sim::SplitMix64 rng(spec.seed());
  for (uint32_t i = 0; i < std::min(count, byte_mutations_max); ++i) {
    out[rng.below(static_cast<uint32_t>(out.size()))] ^= static_cast<uint8_t>(1 + rng.below(255));
  }
}

// The attacks made of connection-level frames (stream 0) and floods of them; false for the rest.
bool connection_attack_bytes(const Hostile& spec, uint32_t count, Bytes& out) {
  switch (spec.kind()) {
    case DATA_ON_STREAM_ZERO:
      put_frame(out, FrameType::data, 0, 0, Bytes(8, 'x'));
      return true;
    case WINDOW_OVERFLOW:
      put_frame(out, FrameType::window_update, 0, 0, u32(0x7fffffff));
      put_frame(out, FrameType::window_update, 0, 0, u32(0x7fffffff));
      return true;
    case WINDOW_UPDATE_ZERO:
      put_frame(out, FrameType::window_update, 0, 0, u32(0));
      return true;
    case SETTINGS_BAD_VALUE: {
      Bytes bad = spec.param() % 3 == 0   ? setting(NGHTTP2_SETTINGS_ENABLE_PUSH, 2)
                  : spec.param() % 3 == 1 ? setting(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 0x80000000u)
                                          : setting(NGHTTP2_SETTINGS_MAX_FRAME_SIZE, 100);
      put_frame(out, FrameType::settings, 0, 0, bad);
      return true;
    }
    case SETTINGS_BAD_LENGTH:
      put_frame(out, FrameType::settings, 0, 0, Bytes(5, 0));
      return true;
    case SETTINGS_FLOOD:
      for (uint32_t i = 0; i < count; ++i) put_frame(out, FrameType::settings, 0, 0, Bytes{});
      return true;
    case PING_FLOOD:
      for (uint32_t i = 0; i < count; ++i) put_frame(out, FrameType::ping, 0, 0, Bytes(8, 0));
      return true;
    case UNKNOWN_FRAME_TYPE:
      put_frame(out, static_cast<FrameType>(0xfa), 0, 0, Bytes(4, 1));
      put_frame(out, FrameType::headers, h2::flag_end_headers | h2::flag_end_stream, 1, hostile_request_block());
      return true;
    case RST_ON_IDLE_STREAM:
      put_frame(out, FrameType::rst_stream, 0, 1, u32(static_cast<uint32_t>(ErrorCode::cancel)));
      return true;
    default:
      return false;
  }
}

// The header blocks a peer must refuse, each on a request of its own.
bool bad_header_attack_bytes(const Hostile& spec, Bytes& out) {
  const uint8_t es = h2::flag_end_stream, eh = h2::flag_end_headers;
  h2::Headers headers = request_headers();
  switch (spec.kind()) {
    case BAD_HPACK:
      // An indexed header field naming index 0x7f + ... beyond any table: a decoding error.
      put_frame(out, FrameType::headers, eh | es, 1, Bytes{0xff, 0xff, 0xff, 0xff, 0x0f});
      return true;
    case OVERSIZED_HEADERS:
      put_oversized_headers(out, spec.param());
      return true;
    case UPPERCASE_HEADER_NAME:
      headers.emplace_back("X-Upper", "1");
      put_frame(out, FrameType::headers, eh | es, 1, encode_block(headers));
      return true;
    case CONNECTION_SPECIFIC_HEADER:
      headers.emplace_back("connection", "keep-alive");
      put_frame(out, FrameType::headers, eh | es, 1, encode_block(headers));
      return true;
    default:
      return false;
  }
}

// The attack's bytes after the preface and SETTINGS.
Bytes attack_bytes(const Hostile& spec) {
  Bytes out;
  uint32_t count = spec.count() == 0 ? 1 : spec.count();
  if (connection_attack_bytes(spec, count, out) || bad_header_attack_bytes(spec, out)) return out;
  Bytes block = hostile_request_block();
  const uint8_t es = h2::flag_end_stream, eh = h2::flag_end_headers;
  switch (spec.kind()) {
    case NO_ATTACK:
      put_frame(out, FrameType::headers, eh | es, 1, block);
      break;
    case FRAME_TOO_LARGE:
      put_frame(out, FrameType::headers, eh, 1, block);
      put_frame(out, FrameType::data, 0, 1, Bytes(too_large_frame_bytes(spec.param()), 'x'));
      break;
    case DATA_ON_IDLE_STREAM:
      put_frame(out, FrameType::data, 0, 1, Bytes(8, 'x'));
      break;
    case HEADERS_ON_CLOSED_STREAM:
      put_frame(out, FrameType::headers, eh, 1, block);
      put_frame(out, FrameType::rst_stream, 0, 1, u32(static_cast<uint32_t>(ErrorCode::cancel)));
      put_frame(out, FrameType::headers, eh | es, 1, block);
      break;
    case CONTINUATION_FLOOD:
      put_frame(out, FrameType::headers, 0, 1, Bytes(block.begin(), block.begin() + 1));
      for (uint32_t i = 0; i < count; ++i) put_frame(out, FrameType::continuation, 0, 1, Bytes{});
      break;
    case RAPID_RESET:
      for (uint32_t i = 0; i < count; ++i) {
        uint32_t stream = 1 + 2 * i;
        put_frame(out, FrameType::headers, eh, stream, block);
        put_frame(out, FrameType::rst_stream, 0, stream, u32(static_cast<uint32_t>(ErrorCode::cancel)));
      }
      break;
    case PREMATURE_CLOSE:
      put_frame(out, FrameType::headers, eh, 1, block);
      put_frame(out, FrameType::data, 0, 1, Bytes{0, 0, 0, 0, 20, 8, 1});  // half a message
      break;
    case BYTE_MUTATION:
      put_mutated_request(out, spec, count);
      break;
    case PRIORITY_SELF_DEPENDENCY:
      put_frame(out, FrameType::headers, eh, 1, block);
      put_frame(out, FrameType::priority, 0, 1, Bytes{0, 0, 0, 1, 16});
      break;
    case INVALID_PREFACE:
      break;  // the preface itself is wrong, see attack()
    case PADDING_TOO_LONG:
      put_frame(out, FrameType::headers, eh, 1, block);
      put_frame(out, FrameType::data, h2::flag_padded, 1, Bytes{10, 'x', 'y'});
      break;
    case EVEN_STREAM_ID:
      put_frame(out, FrameType::headers, eh | es, 2, block);
      break;
    case STREAM_ID_DECREASING:
      put_frame(out, FrameType::headers, eh, 3, block);
      put_frame(out, FrameType::headers, eh, 1, block);
      break;
    case CONTINUATION_WITHOUT_HEADERS:
      put_frame(out, FrameType::continuation, eh, 1, block);
      break;
    default:
      break;
  }
  return out;
}

}  // namespace

Bytes hostile_request_block() { return encode_block(request_headers()); }

ExpectedAnswer expected_answer(HostileKind kind, uint32_t param, uint32_t peer_max_frame_bytes) {
  using K = ExpectedAnswer::Kind;
  switch (kind) {
    case FRAME_TOO_LARGE:
      if (too_large_frame_bytes(param) <= peer_max_frame_bytes) {
        return {K::none, {}, "RFC 9113 §4.2, §6.5.3: within the peer's SETTINGS_MAX_FRAME_SIZE"};
      }
      return {K::stream_or_connection_error, {ErrorCode::frame_size_error}, "RFC 9113 §4.2"};
    case DATA_ON_STREAM_ZERO:
      return {K::connection_error, {ErrorCode::protocol_error}, "RFC 9113 §6.1"};
    case DATA_ON_IDLE_STREAM:
    case RST_ON_IDLE_STREAM:
      return {K::connection_error, {ErrorCode::protocol_error}, "RFC 9113 §5.1 idle"};
    case HEADERS_ON_CLOSED_STREAM:
      return {K::stream_or_connection_error, {ErrorCode::stream_closed, ErrorCode::protocol_error},
              "RFC 9113 §5.1 closed"};
    case BAD_HPACK:
      return {K::connection_error, {ErrorCode::compression_error}, "RFC 9113 §4.3, RFC 7541 §2.3.3"};
    case CONTINUATION_FLOOD:
      // Empty CONTINUATIONs are legal but abusive; a peer may cut them off (CVE-2024-27316).
      return {K::none, {ErrorCode::enhance_your_calm, ErrorCode::protocol_error}, "RFC 9113 §10.5"};
    case WINDOW_OVERFLOW:
      return {K::connection_error, {ErrorCode::flow_control_error}, "RFC 9113 §6.9.1"};
    case WINDOW_UPDATE_ZERO:
      return {K::connection_error, {ErrorCode::protocol_error}, "RFC 9113 §6.9"};
    case SETTINGS_BAD_VALUE:
      return {K::connection_error,
              {param % 3 == 1 ? ErrorCode::flow_control_error : ErrorCode::protocol_error},
              "RFC 9113 §6.5.2"};
    case SETTINGS_BAD_LENGTH:
      return {K::connection_error, {ErrorCode::frame_size_error}, "RFC 9113 §6.5"};
    case PRIORITY_SELF_DEPENDENCY:
      return {K::stream_or_connection_error, {ErrorCode::protocol_error}, "RFC 9113 §5.3.1"};
    case INVALID_PREFACE:
      return {K::connection_error, {ErrorCode::protocol_error}, "RFC 9113 §3.4"};
    case PADDING_TOO_LONG:
      return {K::connection_error, {ErrorCode::protocol_error}, "RFC 9113 §6.1"};
    case UPPERCASE_HEADER_NAME:
    case CONNECTION_SPECIFIC_HEADER:
      return {K::stream_or_connection_error, {ErrorCode::protocol_error}, "RFC 9113 §8.2, §8.1.1"};
    case STREAM_ID_DECREASING:
      // RFC 9113 §5.1.1 asks for PROTOCOL_ERROR, but nghttp2 (1.52, nghttp2_session.c
      // session_on_request_headers_received) ignores a header block on a lower stream id it can
      // no longer tell from a closed one, and so does every proxy built on it, ours included.
      // A finding pinned by HostileFindings.Nghttp2IgnoresADecreasingStreamId, not a hidden one.
      return {K::none, {ErrorCode::protocol_error}, "RFC 9113 §5.1.1 (nghttp2 ignores it)"};
    case EVEN_STREAM_ID:
    case CONTINUATION_WITHOUT_HEADERS:
      return {K::connection_error, {ErrorCode::protocol_error}, "RFC 9113 §5.1.1, §6.10"};
    default:
      return {K::none, {}, "legal or only abusive"};
  }
}

HostileClient::HostileClient(const Hostile& spec) : spec_(spec) {}

void HostileClient::start(sim::Net& net, sim::Address next_hop) {
  net_ = &net;
  conn_ = net.connect(next_hop);
  attack_timer_ = net.set_timer(sim::Duration{static_cast<int64_t>(spec_.start_ns())});
}

void HostileClient::attack() {
  Bytes out;
  if (spec_.kind() == INVALID_PREFACE) {
    std::string bad = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    out.assign(bad.begin(), bad.end());
  } else {
    out.assign(h2::connection_preface.begin(), h2::connection_preface.end());
    put_frame(out, FrameType::settings, 0, 0, {});
  }
  out.insert(out.end(), held_replies_.begin(), held_replies_.end());
  held_replies_.clear();
  Bytes body = attack_bytes(spec_);
  out.insert(out.end(), body.begin(), body.end());
  attacked_ = true;
  send(std::move(out));
  if (spec_.kind() == PREMATURE_CLOSE) {
    net_->reset(conn_);
    closed_ = true;
  } else {
    close_timer_ = net_->set_timer(linger);
  }
}

void HostileClient::send(Bytes bytes) {
  if (closed_ || bytes.empty()) return;
  sim::Flush flush;
  flush.bytes = std::move(bytes);
  net_->write(conn_, std::move(flush));
}

void HostileClient::on_bytes(sim::ConnId, std::span<const uint8_t> batch) {
  // Acknowledge SETTINGS and PING like any peer, so only the attack is abnormal. Whole frames
  // only; a partial one waits for the next read.
  inbox_.insert(inbox_.end(), batch.begin(), batch.end());
  Bytes replies;
  size_t at = 0;
  while (at + h2::frame_header_bytes <= inbox_.size()) {
    h2::FrameHeader h = h2::read_frame_header(std::span(inbox_).subspan(at));
    if (at + h2::frame_header_bytes + h.length > inbox_.size()) break;
    auto type = static_cast<FrameType>(h.type);
    if (type == FrameType::settings && !(h.flags & h2::flag_ack)) {
      auto payload = std::span<const uint8_t>(inbox_).subspan(at + h2::frame_header_bytes, h.length);
      if (auto max_frame = setting_value(payload, NGHTTP2_SETTINGS_MAX_FRAME_SIZE)) peer_max_frame_bytes_ = *max_frame;
      put_frame(replies, FrameType::settings, h2::flag_ack, 0, {});
    } else if (type == FrameType::ping && !(h.flags & h2::flag_ack) && h.length == 8) {
      put_frame(replies, FrameType::ping, h2::flag_ack, 0, Bytes(inbox_.begin() + at + 9, inbox_.begin() + at + 17));
    }
    at += h2::frame_header_bytes + h.length;
  }
  inbox_.erase(inbox_.begin(), inbox_.begin() + static_cast<ptrdiff_t>(at));
  // Nothing may precede the connection preface: replies wait until the attack has started.
  if (attacked_) {
    send(std::move(replies));
  } else {
    held_replies_.insert(held_replies_.end(), replies.begin(), replies.end());
  }
}

void HostileClient::on_peer_closed(sim::ConnId, bool) {
  peer_closed_ = true;
  if (!closed_) {
    closed_ = true;
    net_->shutdown(conn_);
  }
}

void HostileClient::on_timer(sim::TimerId timer) {
  if (timer == attack_timer_) {
    attack();
  } else if (timer == close_timer_ && !closed_) {
    // Done: close our side; the proxy must release whatever this connection held.
    closed_ = true;
    net_->shutdown(conn_);
  }
}

}  // namespace h2sim
