// FNV-1a 64 over 8-byte little-endian words (then the tail bytes, then the length): a small,
// fully specified hash for trace digests and state identities. Its output depends only on the
// bytes fed in, never on pointers or iteration order. Word-wise because byte-wise FNV was 6% of
// a run (bench/run_bench.cc).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace h2sim::sim {

class Digest {
 public:
  void add(std::string_view bytes) {
    size_t i = 0;
    for (; i + 8 <= bytes.size(); i += 8) {
      uint64_t word = 0;
      for (int b = 7; b >= 0; --b) word = (word << 8) | static_cast<unsigned char>(bytes[i + b]);
      mix(word);
    }
    uint64_t tail = 0;
    for (size_t b = bytes.size(); b > i; --b) tail = (tail << 8) | static_cast<unsigned char>(bytes[b - 1]);
    mix(tail);
    mix(bytes.size());
  }
  void add_u64(uint64_t v) { mix(v); }
  uint64_t value() const { return hash_; }
  // 16 lowercase hex digits, most significant first (what "%016llx" prints; snprintf's format
  // parsing was 0.6% of a run).
  std::string hex() const {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 0; i < 16; ++i) out[15 - i] = digits[(hash_ >> (4 * i)) & 0xf];
    return out;
  }

 private:
  void mix(uint64_t word) {
    hash_ ^= word;
    hash_ *= 0x100000001b3ULL;
    hash_ ^= hash_ >> 32;  // folds high bits down so later words affect every bit
  }
  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

}  // namespace h2sim::sim
