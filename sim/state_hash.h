// The 128-bit hash explore's state identities are made of (World::state_digest). Pruning trusts
// it: two different states with one hash would silently drop the second's continuations, so it
// is XXH3-128 (Debian's libxxhash), where 64-bit FNV (sim/digest.h, kept for trace digests)
// made a collision among the millions of states of a larger search a real possibility.
// Like Digest, its value depends only on the bytes fed in, never on pointers or iteration order.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace h2sim::sim {

struct Hash128 {
  uint64_t low = 0;
  uint64_t high = 0;

  auto operator<=>(const Hash128&) const = default;
  // 32 lowercase hex digits, high half first.
  std::string hex() const;
};

// XXH3-128 of one byte string.
Hash128 xxh3_128(std::string_view bytes);

// A streaming hash over a sequence of words and byte strings. Items go into a buffer whose first
// 16 bytes are the hash of everything before it; a full buffer is hashed into those 16 bytes
// (a chain of XXH3-128 over blocks). A byte string is its length, then its bytes if they fit in
// the buffer, else their own XXH3-128: where each item starts is fixed by the items before it,
// so distinct sequences give distinct blocks and only an XXH3 collision can merge them.
class StateHash {
 public:
  StateHash();
  void add_u64(uint64_t v);
  void add(std::string_view bytes);
  void add(std::span<const uint8_t> bytes) {
    add(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }
  void add(const Hash128& h) {
    add_u64(h.low);
    add_u64(h.high);
  }
  // Bytes as they are, without their length: appends in a row hash as one append of their
  // concatenation, however they were cut (an endpoint's received bytes, h2/endpoint.h). The
  // caller keeps the sequence unambiguous (a run's length goes after it).
  void append(std::span<const uint8_t> bytes);
  Hash128 value() const;

 private:
  static constexpr size_t buffer_bytes = 256;
  static constexpr size_t chain_bytes = 16;
  void compress();
  unsigned char buffer_[buffer_bytes];
  size_t used_ = chain_bytes;
};

}  // namespace h2sim::sim
