// FNV-1a 64 over 8-byte little-endian words (then the tail bytes, then the length): a small,
// fully specified hash for trace digests and state identities. Its output depends only on the
// bytes fed in, never on pointers or iteration order. Word-wise because byte-wise FNV was 6% of
// a run (bench/run_bench.cc).
#pragma once

#include <cstdint>
#include <cstdio>
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
  std::string hex() const {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash_));
    return buf;
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
