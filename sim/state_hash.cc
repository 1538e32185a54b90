#include "sim/state_hash.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>

#include "sim/assert.h"

namespace h2sim::sim {

namespace {

Hash128 from(XXH128_hash_t h) { return {h.low64, h.high64}; }

}  // namespace

std::string Hash128::hex() const {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 0; i < 16; ++i) {
    out[15 - i] = digits[(high >> (4 * i)) & 0xf];
    out[31 - i] = digits[(low >> (4 * i)) & 0xf];
  }
  return out;
}

Hash128 xxh3_128(std::string_view bytes) { return from(XXH3_128bits(bytes.data(), bytes.size())); }

// The chain starts from zero bytes: the first block's hash covers them like any other.
StateHash::StateHash() { std::memset(buffer_, 0, chain_bytes); }

void StateHash::compress() {
  Hash128 h = from(XXH3_128bits(buffer_, used_));
  std::memcpy(buffer_, &h.low, 8);
  std::memcpy(buffer_ + 8, &h.high, 8);
  used_ = chain_bytes;
}

void StateHash::add_u64(uint64_t v) {
  if (used_ + 8 > buffer_bytes) compress();
  std::memcpy(buffer_ + used_, &v, 8);
  used_ += 8;
  H2SIM_ASSERT(used_ <= buffer_bytes);
}

void StateHash::add(std::string_view bytes) {
  add_u64(bytes.size());
  if (used_ + bytes.size() <= buffer_bytes) {
    if (!bytes.empty()) std::memcpy(buffer_ + used_, bytes.data(), bytes.size());
    used_ += bytes.size();
    return;
  }
  add(xxh3_128(bytes));
}

// Fills the buffer to the brim before compressing, and compresses only when more bytes wait:
// where a block ends depends on the bytes alone, never on how the appends cut them.
void StateHash::append(std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    if (used_ == buffer_bytes) compress();
    size_t n = std::min(bytes.size(), buffer_bytes - used_);
    std::memcpy(buffer_ + used_, bytes.data(), n);
    used_ += n;
    bytes = bytes.subspan(n);
  }
}

Hash128 StateHash::value() const { return from(XXH3_128bits(buffer_, used_)); }

}  // namespace h2sim::sim
