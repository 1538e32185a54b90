// SessionMemory: the memory of one nghttp2 session, handed to nghttp2 as its allocator
// (nghttp2_session_*_new3 with an nghttp2_mem). A session makes about 34 allocations in a
// founding-case run, among them a 16 KiB frame buffer and the 3 KiB session itself; through
// glibc's malloc they cost more than the rest of the run's allocations together
// (bench/run_bench.cc). Here they are carved from a few large blocks the endpoint owns, and freed
// ones are reused by size class, so memory stays bounded by the session's peak use.
//
// Addresses never influence behaviour (nghttp2 orders nothing by pointer), so this changes no
// run. Under AddressSanitizer the pool would hide nghttp2's own memory errors, so there every
// call goes straight to malloc and free.
#pragma once

#include <cstddef>
#include <cstdint>

namespace h2sim::h2 {

// SessionMemory's size classes: 16-byte steps up to 256 bytes (nghttp2's many small structs),
// 256-byte steps up to 4 KiB, then 1 KiB steps (the 16 KiB frame buffer wastes less than 1 KiB).
// Few classes keep the free lists, and so an Endpoint, under 1 KiB: glibc serves larger requests
// on its slow path.
constexpr uint32_t session_size_class(size_t bytes) {
  if (bytes <= 256) return bytes == 0 ? 0 : static_cast<uint32_t>((bytes - 1) / 16);
  if (bytes <= 4096) return static_cast<uint32_t>(16 + (bytes - 257) / 256);
  return static_cast<uint32_t>(31 + (bytes - 4097) / 1024);
}
// The payload bytes of a block of the class.
constexpr size_t session_class_bytes(uint32_t size_class) {
  if (size_class < 16) return (size_class + 1) * 16;
  if (size_class < 31) return 512 + (size_class - 16) * 256;
  return 5120 + (size_class - 31) * size_t{1024};
}
static_assert(session_class_bytes(session_size_class(256)) == 256);
static_assert(session_class_bytes(session_size_class(257)) == 512);
static_assert(session_class_bytes(session_size_class(4096)) == 4096);
static_assert(session_class_bytes(session_size_class(4097)) == 5120);

class SessionMemory {
 public:
  SessionMemory() = default;
  ~SessionMemory();
  SessionMemory(const SessionMemory&) = delete;
  SessionMemory& operator=(const SessionMemory&) = delete;

  // malloc, calloc, realloc and free as nghttp2 calls them (same contracts; size 0 is allowed).
  void* allocate(size_t bytes);
  void* allocate_zeroed(size_t count, size_t bytes);
  void* reallocate(void* block, size_t bytes);
  void release(void* block);

  // Bytes obtained from malloc for pooled blocks, for tests and benchmarks.
  size_t pooled_bytes() const { return pooled_bytes_; }

  // Payload sizes up to this many bytes are pooled; larger ones go to malloc.
  static constexpr size_t pooled_bytes_max = 32 * 1024;
  static_assert(session_class_bytes(session_size_class(pooled_bytes_max)) == pooled_bytes_max);

 private:
  static constexpr size_t class_count = session_size_class(pooled_bytes_max) + 1;

  void* carve(size_t block_bytes);

  // The chunks obtained from malloc, newest first, linked through their first bytes (a vector
  // of them would be one more allocation per session). Blocks are carved from the newest.
  void* chunks_ = nullptr;
  std::byte* next_ = nullptr;       // first unused byte of the newest chunk
  std::byte* end_ = nullptr;
  void* free_[class_count] = {};    // per class, a list of released blocks (linked in place)
  size_t pooled_bytes_ = 0;
};

}  // namespace h2sim::h2
