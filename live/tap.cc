#include "live/tap.h"

#include <nghttp2/nghttp2.h>

#include <cstring>

namespace h2sim::live {

namespace {

constexpr size_t preface_bytes = 24;  // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
constexpr size_t frame_header_bytes = 9;

uint32_t read_u32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

}  // namespace

struct FrameDecoder::Inflater {
  nghttp2_hd_inflater* hd = nullptr;
  Inflater() { nghttp2_hd_inflate_new(&hd); }
  ~Inflater() { nghttp2_hd_inflate_del(hd); }
};

FrameDecoder::FrameDecoder(h2::EndpointTag tag, bool sent, bool client_to_server)
    : tag_(tag), sent_(sent), preface_left_(client_to_server ? preface_bytes : 0),
      inflater_(std::make_unique<Inflater>()) {}

FrameDecoder::~FrameDecoder() = default;

void FrameDecoder::feed(std::span<const uint8_t> bytes, sim::Time at, uint32_t batch, h2::FrameLog* log) {
  size_t skip = std::min(preface_left_, bytes.size());
  preface_left_ -= skip;
  pending_.insert(pending_.end(), bytes.begin() + static_cast<ptrdiff_t>(skip), bytes.end());
  size_t used = 0;
  while (pending_.size() - used >= frame_header_bytes) {
    const uint8_t* h = pending_.data() + used;
    size_t length = (size_t{h[0]} << 16) | (size_t{h[1]} << 8) | h[2];
    if (pending_.size() - used < frame_header_bytes + length) break;
    frame({h, frame_header_bytes}, {h + frame_header_bytes, length}, at, batch, log);
    used += frame_header_bytes + length;
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(used));
}

void FrameDecoder::frame(std::span<const uint8_t> header, std::span<const uint8_t> payload, sim::Time at,
                         uint32_t batch, h2::FrameLog* log) {
  using h2::FrameType;
  auto type = static_cast<FrameType>(header[3]);
  uint8_t flags = header[4];
  auto stream = static_cast<h2::StreamId>(read_u32(header.data() + 5) & 0x7fffffffu);
  if (type == FrameType::continuation) {
    if (open_index_ >= log->size()) return;
    block_.insert(block_.end(), payload.begin(), payload.end());
    if (flags & h2::flag_end_headers) {
      decode_block(block_, &(*log)[open_index_].headers);
      (*log)[open_index_].flags |= h2::flag_end_headers;
      open_index_ = SIZE_MAX;
    }
    return;
  }
  h2::FrameRecord f;
  f.at = at;
  f.endpoint = tag_;
  f.sent = sent_;
  f.batch = batch;
  f.type = type;
  f.flags = flags;
  f.stream_id = stream;
  f.length = static_cast<uint32_t>(payload.size());
  if ((type == FrameType::rst_stream && payload.size() >= 4)) {
    f.error_code = static_cast<h2::ErrorCode>(read_u32(payload.data()));
  } else if (type == FrameType::goaway && payload.size() >= 8) {
    f.last_stream_id = static_cast<h2::StreamId>(read_u32(payload.data()) & 0x7fffffffu);
    f.error_code = static_cast<h2::ErrorCode>(read_u32(payload.data() + 4));
  }
  bool headers = type == FrameType::headers;
  if (headers) {
    // The header block: after the pad length and priority fields, before the padding.
    size_t start = 0, padding = 0;
    if ((flags & h2::flag_padded) && !payload.empty()) {
      padding = payload[0];
      start = 1;
    }
    if (flags & h2::flag_priority) start += 5;
    if (start + padding <= payload.size()) {
      block_.assign(payload.begin() + static_cast<ptrdiff_t>(start), payload.end() - static_cast<ptrdiff_t>(padding));
    } else {
      block_.clear();
    }
    // The record shows END_HEADERS once the block is complete, as an endpoint's log would.
    f.flags &= static_cast<uint8_t>(~h2::flag_end_headers);
  }
  log->push_back(std::move(f));
  if (headers) {
    open_index_ = log->size() - 1;
    if (flags & h2::flag_end_headers) {
      decode_block(block_, &log->back().headers);
      log->back().flags |= h2::flag_end_headers;
      open_index_ = SIZE_MAX;
    }
  }
}

bool FrameDecoder::decode_block(std::span<const uint8_t> block, h2::Headers* out) {
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

void TapHost::start(sim::Net& net, sim::Address next_hop) {
  net_ = &net;
  next_hop_ = next_hop;
}

void TapHost::on_accept(sim::ConnId client) {
  sim::ConnId proxy = net_->connect(next_hop_);
  h2::EndpointTag tag{h2::Leg::downstream, connections_++, true, false, true};
  sides_[client] = {proxy, std::make_unique<FrameDecoder>(tag, true, true), 0};
  sides_[proxy] = {client, std::make_unique<FrameDecoder>(tag, false, false), 0};
}

void TapHost::on_bytes(sim::ConnId end, std::span<const uint8_t> batch) {
  auto it = sides_.find(end);
  if (it == sides_.end()) return;
  Side& side = it->second;
  sim::Flush flush;
  flush.bytes.assign(batch.begin(), batch.end());
  net_->write(side.peer, std::move(flush));
  side.decoder->feed(batch, net_->now(), side.reads++, log_);
}

void TapHost::on_peer_closed(sim::ConnId end, bool reset) {
  auto it = sides_.find(end);
  if (it == sides_.end()) return;
  if (reset) {
    net_->reset(it->second.peer);
  } else {
    net_->shutdown(it->second.peer);
  }
}

}  // namespace h2sim::live
