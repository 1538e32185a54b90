#include "model/grpc/wire.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "model/grpc/echo.pb.h"
#include "model/grpc/script.h"

namespace h2sim::grpc {

uint64_t header_list_bytes(std::span<const h2::Header> headers) {
  uint64_t bytes = 0;
  for (const h2::Header& h : headers) bytes += h.first.size() + h.second.size() + 32;
  return bytes;
}

h2::Header metadata_header(MetadataBlock block, uint32_t call, uint32_t i, uint32_t bytes) {
  std::string value = "c" + std::to_string(call) + "." + std::to_string(i) + ".";
  value.resize(bytes, 'v');
  // A letter every 61 bytes that depends on the position (past the prefix, which is shorter): a
  // value cut and joined again elsewhere does not read as intact.
  for (size_t k = 61; k < value.size(); k += 61) value[k] = static_cast<char>('a' + (k / 61) % 26);
  return {"x-h2sim-md-" + std::string(1, static_cast<char>(block)) + std::to_string(i), std::move(value)};
}

uint32_t metadata_intact(std::span<const h2::Header> headers, MetadataBlock block, uint32_t call, uint32_t expected,
                         uint32_t bytes) {
  uint32_t intact = 0;
  for (uint32_t i = 0; i < expected; ++i) {
    h2::Header want = metadata_header(block, call, i, bytes);
    for (const h2::Header& h : headers) {
      if (h.first == want.first) {
        intact += h.second == want.second;
        break;
      }
    }
  }
  return intact;
}

std::string message_payload(uint32_t seq, uint32_t payload_bytes) {
  // 'a' + (seq + i) % 26 for each i, copied from the alphabet twice over in runs of up to 26
  // (a division per byte was 1.6% of a 10,000-call run).
  static constexpr std::string_view alphabet2 = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz";
  std::string payload(payload_bytes, '\0');
  const char* from = alphabet2.data() + seq % 26;
  for (size_t at = 0; at < payload.size(); at += 26) {
    std::memcpy(payload.data() + at, from, std::min<size_t>(26, payload.size() - at));
  }
  return payload;
}

std::vector<uint8_t> encode_message(uint32_t seq, uint32_t payload_bytes, bool response) {
  std::string payload = message_payload(seq, payload_bytes);
  std::string body;
  if (response) {
    test::EchoResponse m;
    m.set_seq(seq);
    m.set_payload(std::move(payload));
    m.SerializeToString(&body);
  } else {
    test::EchoRequest m;
    m.set_seq(seq);
    m.set_payload(std::move(payload));
    m.SerializeToString(&body);
  }
  std::vector<uint8_t> out(5 + body.size());
  out[0] = 0;  // not compressed
  uint32_t n = static_cast<uint32_t>(body.size());
  out[1] = n >> 24;
  out[2] = n >> 16;
  out[3] = n >> 8;
  out[4] = n;
  std::copy(body.begin(), body.end(), out.begin() + 5);
  return out;
}

void MessageReader::add_state(sim::StateHash& h) const {
  h.add(buffer_);
  h.add_u64(decoded_.size());
  for (uint32_t seq : decoded_) h.add_u64(seq);
  h.add_u64(uint64_t{response_} << 1 | malformed_);
}

void MessageReader::feed(std::span<const uint8_t> bytes) {
  if (malformed_) return;
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  size_t offset = 0;
  while (buffer_.size() - offset >= 5) {
    const uint8_t* p = buffer_.data() + offset;
    uint32_t n = (uint32_t{p[1]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 8) | p[4];
    if (p[0] != 0 || n > message_bytes_max) {
      malformed_ = true;
      break;
    }
    if (buffer_.size() - offset - 5 < n) break;
    bool ok;
    uint32_t seq;
    if (response_) {
      test::EchoResponse m;
      ok = m.ParseFromArray(p + 5, static_cast<int>(n));
      seq = m.seq();
    } else {
      test::EchoRequest m;
      ok = m.ParseFromArray(p + 5, static_cast<int>(n));
      seq = m.seq();
    }
    if (!ok) {
      malformed_ = true;
      break;
    }
    decoded_.push_back(seq);
    offset += 5 + n;
  }
  buffer_.erase(buffer_.begin(), buffer_.begin() + offset);
}

std::vector<uint32_t> MessageReader::take_sequence_numbers() {
  std::vector<uint32_t> out;
  out.swap(decoded_);
  return out;
}

}  // namespace h2sim::grpc
