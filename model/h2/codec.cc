#include "model/h2/codec.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstring>

#include "sim/assert.h"

namespace h2sim::h2 {

uint32_t read_u32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

void write_u32(uint32_t value, std::vector<uint8_t>* out) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<uint8_t>(value >> shift));
}

FrameHeader read_frame_header(std::span<const uint8_t> bytes) {
  H2SIM_ASSERT(bytes.size() >= frame_header_bytes);
  const uint8_t* p = bytes.data();
  return {(uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2], p[3], p[4],
          StreamId{static_cast<int32_t>(read_u32(p + 5) & 0x7fffffffu)}};
}

void write_frame_header(const FrameHeader& h, std::vector<uint8_t>* out) {
  out->push_back(static_cast<uint8_t>(h.length >> 16));
  out->push_back(static_cast<uint8_t>(h.length >> 8));
  out->push_back(static_cast<uint8_t>(h.length));
  out->push_back(h.type);
  out->push_back(h.flags);
  write_u32(static_cast<uint32_t>(h.stream.value) & 0x7fffffffu, out);
}

void write_frame(FrameType type, uint8_t flags, StreamId stream, std::span<const uint8_t> payload,
                 std::vector<uint8_t>* out, uint32_t length) {
  if (length == UINT32_MAX) length = static_cast<uint32_t>(payload.size());
  write_frame_header({length, static_cast<uint8_t>(type), flags, stream}, out);
  out->insert(out->end(), payload.begin(), payload.end());
}

bool starts_with_preface(std::span<const uint8_t> bytes) {
  return bytes.size() >= connection_preface.size() &&
         std::memcmp(bytes.data(), connection_preface.data(), connection_preface.size()) == 0;
}

size_t frame_boundaries(std::span<const uint8_t> bytes, std::vector<uint32_t>* out) {
  size_t offset = starts_with_preface(bytes) ? connection_preface.size() : 0;
  size_t count = 0;
  while (offset + frame_header_bytes <= bytes.size()) {
    offset += frame_header_bytes + read_frame_header(bytes.subspan(offset)).length;
    if (offset >= bytes.size()) break;
    ++count;
    if (out) out->push_back(static_cast<uint32_t>(offset));
  }
  return count;
}

struct HeaderBlocks::Inflater {
  nghttp2_hd_inflater* hd = nullptr;
  Inflater() { H2SIM_ASSERT(nghttp2_hd_inflate_new(&hd) == 0); }
  ~Inflater() { nghttp2_hd_inflate_del(hd); }
};

HeaderBlocks::HeaderBlocks() = default;
HeaderBlocks::~HeaderBlocks() = default;

uint32_t HeaderBlocks::add(std::span<const uint8_t> block) {
  spans_.emplace_back(static_cast<uint32_t>(bytes_.size()), static_cast<uint32_t>(block.size()));
  bytes_.insert(bytes_.end(), block.begin(), block.end());
  return size() - 1;
}

uint32_t HeaderBlocks::add_decoded(Headers headers) {
  H2SIM_ASSERT(decoded_count_ == size());  // not mixed with raw blocks
  spans_.emplace_back(static_cast<uint32_t>(bytes_.size()), 0);
  decoded_.push_back(std::move(headers));
  ++decoded_count_;
  return size() - 1;
}

std::span<const uint8_t> HeaderBlocks::raw(uint32_t index) const {
  H2SIM_ASSERT(index < size());
  return std::span<const uint8_t>(bytes_).subspan(spans_[index].first, spans_[index].second);
}

namespace {

// One block through the inflater; false if it does not decode.
bool inflate(nghttp2_hd_inflater* hd, std::span<const uint8_t> block, Headers* out) {
  const uint8_t* in = block.data();
  size_t left = block.size();
  for (;;) {
    nghttp2_nv nv;
    int flags = 0;
    ssize_t rv = nghttp2_hd_inflate_hd2(hd, &nv, &flags, in, left, 1);
    if (rv < 0) return false;
    in += rv;
    left -= static_cast<size_t>(rv);
    if (flags & NGHTTP2_HD_INFLATE_EMIT) {
      out->emplace_back(std::string(reinterpret_cast<const char*>(nv.name), nv.namelen),
                        std::string(reinterpret_cast<const char*>(nv.value), nv.valuelen));
    }
    if (flags & NGHTTP2_HD_INFLATE_FINAL) {
      nghttp2_hd_inflate_end_headers(hd);
      return true;
    }
    if ((flags & NGHTTP2_HD_INFLATE_EMIT) == 0 && left == 0) return true;
  }
}

}  // namespace

const Headers& HeaderBlocks::headers(uint32_t index) {
  H2SIM_ASSERT(index < size());
  if (!inflater_ && decoded_count_ <= index) inflater_ = std::make_unique<Inflater>();
  while (decoded_count_ <= index) {
    Headers h;
    broken_ = broken_ || !inflate(inflater_->hd, raw(decoded_count_), &h);
    decoded_.push_back(broken_ ? Headers{} : std::move(h));
    ++decoded_count_;
  }
  return decoded_[index];
}

LazyHeaders::LazyHeaders(Headers headers) : blocks_(std::make_shared<HeaderBlocks>()) {
  index_ = blocks_->add_decoded(std::move(headers));
}

const Headers& LazyHeaders::get() const {
  static const Headers none;
  return blocks_ ? blocks_->headers(index_) : none;
}

std::span<const uint8_t> LazyHeaders::raw() const { return blocks_ ? blocks_->raw(index_) : std::span<const uint8_t>(); }

FrameDecoder::FrameDecoder(EndpointTag tag, bool sent, bool client_to_server, std::shared_ptr<HeaderBlocks> blocks)
    : tag_(tag),
      sent_(sent),
      preface_left_(client_to_server ? connection_preface.size() : 0),
      blocks_(blocks ? std::move(blocks) : std::make_shared<HeaderBlocks>()) {}

FrameDecoder::~FrameDecoder() = default;

bool FrameDecoder::check_preface(std::span<const uint8_t>* bytes) {
  size_t n = std::min(preface_left_, bytes->size());
  size_t checked = connection_preface.size() - preface_left_;
  if (n > 0 && std::memcmp(bytes->data(), connection_preface.data() + checked, n) != 0) {
    not_http2_ = true;
    return false;
  }
  preface_left_ -= n;
  *bytes = bytes->subspan(n);
  return true;
}

void FrameDecoder::feed(std::span<const uint8_t> bytes, sim::Time at, uint32_t batch, FrameLog* log) {
  if (not_http2_ || (preface_left_ > 0 && !check_preface(&bytes))) return;
  while (!bytes.empty()) {
    if (!in_frame_) {
      size_t n = std::min(frame_header_bytes - header_have_, bytes.size());
      std::memcpy(header_bytes_ + header_have_, bytes.data(), n);
      header_have_ += n;
      bytes = bytes.subspan(n);
      if (header_have_ < frame_header_bytes) return;
      header_have_ = 0;
      begin_frame(read_frame_header(header_bytes_), at, batch, log);
    }
    // The payload: decoded where it lies when it is all here, else gathered.
    size_t need = frame_.length - payload_.size();
    if (payload_.empty() && bytes.size() >= need) {
      end_frame(bytes.first(need), at, batch, log);
      bytes = bytes.subspan(need);
      continue;
    }
    size_t n = std::min(need, bytes.size());
    payload_.insert(payload_.end(), bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(n));
    bytes = bytes.subspan(n);
    if (payload_.size() == frame_.length) end_frame(payload_, at, batch, log);
  }
}

void FrameDecoder::begin_frame(const FrameHeader& h, sim::Time at, uint32_t batch, FrameLog* log) {
  frame_ = h;
  in_frame_ = true;
  payload_.clear();
  frame_index_ = SIZE_MAX;
  auto type = static_cast<FrameType>(h.type);
  // A CONTINUATION is folded into its HEADERS record rather than logged.
  if (type == FrameType::continuation) return;
  record_ = FrameRecord{};
  record_.at = at;
  record_.endpoint = tag_;
  record_.sent = sent_;
  record_.batch = batch;
  record_.type = type;
  // The record shows END_HEADERS once the block is complete, as an endpoint's view would.
  record_.flags = type == FrameType::headers ? static_cast<uint8_t>(h.flags & ~flag_end_headers) : h.flags;
  record_.stream_id = h.stream;
  record_.length = h.length;
  if (type == FrameType::headers || type == FrameType::push_promise) {
    log->push_back(std::move(record_));
    frame_index_ = log->size() - 1;
  }
}

void FrameDecoder::end_frame(std::span<const uint8_t> payload, sim::Time at, uint32_t batch, FrameLog* log) {
  in_frame_ = false;
  auto type = static_cast<FrameType>(frame_.type);
  if (type == FrameType::headers || type == FrameType::continuation) {
    header_block(frame_, payload, log);
    payload_.clear();
    return;
  }
  if (type == FrameType::push_promise) {
    payload_.clear();
    return;
  }
  if (type == FrameType::rst_stream && payload.size() >= 4) {
    record_.error_code = static_cast<ErrorCode>(read_u32(payload.data()));
  } else if (type == FrameType::goaway && payload.size() >= 8) {
    record_.last_stream_id = StreamId{static_cast<int32_t>(read_u32(payload.data()) & 0x7fffffffu)};
    record_.error_code = static_cast<ErrorCode>(read_u32(payload.data() + 4));
  }
  record_.at = at;
  record_.batch = batch;
  log->push_back(std::move(record_));
  payload_.clear();
}

void FrameDecoder::header_block(const FrameHeader& h, std::span<const uint8_t> payload, FrameLog* log) {
  if (static_cast<FrameType>(h.type) == FrameType::headers) {
    // The block: after the pad length and priority fields, before the padding.
    size_t start = 0, padding = 0;
    if ((h.flags & flag_padded) && !payload.empty()) {
      padding = payload[0];
      start = 1;
    }
    if (h.flags & flag_priority) start += 5;
    std::span<const uint8_t> block;
    if (start + padding <= payload.size()) block = payload.subspan(start, payload.size() - start - padding);
    open_index_ = frame_index_;
    // A block in one frame (nearly every one) goes to blocks_ from where it lies.
    if (h.flags & flag_end_headers) return end_block(block, log);
    block_.assign(block.begin(), block.end());
  } else {
    if (open_index_ >= log->size()) return;  // a CONTINUATION without its HEADERS
    block_.insert(block_.end(), payload.begin(), payload.end());
    if (h.flags & flag_end_headers) end_block(block_, log);
  }
}

void FrameDecoder::end_block(std::span<const uint8_t> block, FrameLog* log) {
  // Whichever of the direction's two decoders meets a block first records it (the sender's, in a
  // simulation; the receiver's, when the sender is a real process outside the World); the other
  // sees the same blocks in the same order.
  uint32_t index = blocks_seen_ < blocks_->size() ? blocks_seen_ : blocks_->add(block);
  ++blocks_seen_;
  (*log)[open_index_].headers = LazyHeaders(blocks_, index);
  (*log)[open_index_].flags |= flag_end_headers;
  open_index_ = SIZE_MAX;
}


}  // namespace h2sim::h2
