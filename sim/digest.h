// FNV-1a 64: a small, fully specified hash for trace digests and state identities. Its output
// depends only on the bytes fed in, never on pointers or iteration order.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace h2sim::sim {

class Digest {
 public:
  void add(std::string_view bytes) {
    for (unsigned char c : bytes) {
      hash_ ^= c;
      hash_ *= 0x100000001b3ULL;
    }
  }
  void add_u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      hash_ ^= static_cast<unsigned char>(v >> (8 * i));
      hash_ *= 0x100000001b3ULL;
    }
  }
  uint64_t value() const { return hash_; }
  std::string hex() const {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash_));
    return buf;
  }

 private:
  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

}  // namespace h2sim::sim
