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
          static_cast<StreamId>(read_u32(p + 5) & 0x7fffffffu)};
}

void write_frame_header(const FrameHeader& h, std::vector<uint8_t>* out) {
  out->push_back(static_cast<uint8_t>(h.length >> 16));
  out->push_back(static_cast<uint8_t>(h.length >> 8));
  out->push_back(static_cast<uint8_t>(h.length));
  out->push_back(h.type);
  out->push_back(h.flags);
  write_u32(static_cast<uint32_t>(h.stream) & 0x7fffffffu, out);
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

struct FrameDecoder::Inflater {
  nghttp2_hd_inflater* hd = nullptr;
  Inflater() { H2SIM_ASSERT(nghttp2_hd_inflate_new(&hd) == 0); }
  ~Inflater() { nghttp2_hd_inflate_del(hd); }
};

FrameDecoder::FrameDecoder(EndpointTag tag, bool sent, bool client_to_server)
    : tag_(tag),
      sent_(sent),
      preface_left_(client_to_server ? connection_preface.size() : 0),
      inflater_(std::make_unique<Inflater>()) {}

FrameDecoder::~FrameDecoder() = default;

void FrameDecoder::feed(std::span<const uint8_t> bytes, sim::Time at, uint32_t batch, FrameLog* log) {
  if (not_http2_) return;
  if (preface_left_ > 0) {
    size_t n = std::min(preface_left_, bytes.size());
    size_t checked = connection_preface.size() - preface_left_;
    if (std::memcmp(bytes.data(), connection_preface.data() + checked, n) != 0) {
      not_http2_ = true;
      return;
    }
    preface_left_ -= n;
    bytes = bytes.subspan(n);
  }
  // Whole frames are decoded where they lie; only a frame cut by the end of `bytes` is copied.
  std::span<const uint8_t> in = bytes;
  if (!pending_.empty()) {
    pending_.insert(pending_.end(), bytes.begin(), bytes.end());
    in = pending_;
  }
  size_t used = 0;
  while (in.size() - used >= frame_header_bytes) {
    FrameHeader h = read_frame_header(in.subspan(used));
    if (in.size() - used - frame_header_bytes < h.length) break;
    frame(h, in.subspan(used + frame_header_bytes, h.length), at, batch, log);
    used += frame_header_bytes + h.length;
  }
  if (pending_.empty()) {
    pending_.assign(bytes.begin() + static_cast<ptrdiff_t>(used), bytes.end());
  } else {
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(used));
  }
}

void FrameDecoder::frame(const FrameHeader& h, std::span<const uint8_t> payload, sim::Time at, uint32_t batch,
                         FrameLog* log) {
  auto type = static_cast<FrameType>(h.type);
  if (type == FrameType::continuation) {
    if (open_index_ >= log->size()) return;
    block_.insert(block_.end(), payload.begin(), payload.end());
    if (h.flags & flag_end_headers) {
      decode_block(block_, &(*log)[open_index_].headers);
      (*log)[open_index_].flags |= flag_end_headers;
      open_index_ = SIZE_MAX;
    }
    return;
  }
  FrameRecord f;
  f.at = at;
  f.endpoint = tag_;
  f.sent = sent_;
  f.batch = batch;
  f.type = type;
  f.flags = h.flags;
  f.stream_id = h.stream;
  f.length = h.length;
  if (type == FrameType::rst_stream && payload.size() >= 4) {
    f.error_code = static_cast<ErrorCode>(read_u32(payload.data()));
  } else if (type == FrameType::goaway && payload.size() >= 8) {
    f.last_stream_id = static_cast<StreamId>(read_u32(payload.data()) & 0x7fffffffu);
    f.error_code = static_cast<ErrorCode>(read_u32(payload.data() + 4));
  }
  bool headers = type == FrameType::headers;
  if (headers) {
    // The header block: after the pad length and priority fields, before the padding.
    size_t start = 0, padding = 0;
    if ((h.flags & flag_padded) && !payload.empty()) {
      padding = payload[0];
      start = 1;
    }
    if (h.flags & flag_priority) start += 5;
    if (start + padding <= payload.size()) {
      block_.assign(payload.begin() + static_cast<ptrdiff_t>(start), payload.end() - static_cast<ptrdiff_t>(padding));
    } else {
      block_.clear();
    }
    // The record shows END_HEADERS once the block is complete, as an endpoint's log would.
    f.flags &= static_cast<uint8_t>(~flag_end_headers);
  }
  log->push_back(std::move(f));
  if (headers) {
    open_index_ = log->size() - 1;
    if (h.flags & flag_end_headers) {
      decode_block(block_, &log->back().headers);
      log->back().flags |= flag_end_headers;
      open_index_ = SIZE_MAX;
    }
  }
}

bool FrameDecoder::decode_block(std::span<const uint8_t> block, Headers* out) {
  const uint8_t* in = block.data();
  size_t left = block.size();
  for (;;) {
    nghttp2_nv nv;
    int inflate_flags = 0;
    ssize_t rv = nghttp2_hd_inflate_hd2(inflater_->hd, &nv, &inflate_flags, in, left, 1);
    if (rv < 0) return false;
    in += rv;
    left -= static_cast<size_t>(rv);
    if (inflate_flags & NGHTTP2_HD_INFLATE_EMIT) {
      out->emplace_back(std::string(reinterpret_cast<const char*>(nv.name), nv.namelen),
                        std::string(reinterpret_cast<const char*>(nv.value), nv.valuelen));
    }
    if (inflate_flags & NGHTTP2_HD_INFLATE_FINAL) {
      nghttp2_hd_inflate_end_headers(inflater_->hd);
      return true;
    }
    if ((inflate_flags & NGHTTP2_HD_INFLATE_EMIT) == 0 && left == 0) return true;
  }
}

}  // namespace h2sim::h2
