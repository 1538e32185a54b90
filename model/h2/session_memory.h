// SessionMemory: the memory of one endpoint, handed to nghttp2 as its session's allocator
// (nghttp2_session_*_new3 with an nghttp2_mem) and used by the endpoint's own containers
// (SessionAllocator). A session makes about 34 allocations in a founding-case run, among them a
// 16 KiB frame buffer and the 3 KiB session itself; through glibc's malloc they were 40% of the
// run's allocations (bench/run_bench.cc). Here they are carved from 32 KiB chunks, freed blocks
// are reused by size class (memory stays bounded by the session's peak use), and chunks are
// kept between sessions of a thread rather than returned to malloc (see ChunkCache).
//
// Addresses never influence behaviour (nghttp2 orders nothing by pointer), so this changes no
// run. Under AddressSanitizer the pool would hide memory errors, so there every call goes
// straight to malloc and free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

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
  // The common paths are inline: nghttp2 calls them a few hundred times per run.
  void* allocate(size_t bytes) {
    if (!pooling || bytes > pooled_bytes_max) return allocate_unpooled(bytes);
    uint32_t size_class = session_size_class(bytes);
    void* payload = free_[size_class];
    if (payload != nullptr) {
      // A released block's payload holds the next free block of its class.
      std::memcpy(&free_[size_class], payload, sizeof(void*));
    } else {
      payload = static_cast<std::byte*>(carve(header_bytes + session_class_bytes(size_class))) +
                header_bytes;
    }
    header_of(payload)->size_class = size_class;
    return payload;
  }
  void* allocate_zeroed(size_t count, size_t bytes);
  void* reallocate(void* block, size_t bytes);
  void release(void* payload) {
    if (!pooling || payload == nullptr || header_of(payload)->size_class == unpooled) {
      release_unpooled(payload);
      return;
    }
    uint32_t size_class = header_of(payload)->size_class;
    std::memcpy(payload, &free_[size_class], sizeof(void*));
    free_[size_class] = payload;
  }

  // Bytes obtained from malloc for pooled blocks, for tests and benchmarks.
  size_t pooled_bytes() const { return pooled_bytes_; }

  // Payload sizes up to this many bytes are pooled; larger ones go to malloc.
  static constexpr size_t pooled_bytes_max = 32 * 1024;
  static_assert(session_class_bytes(session_size_class(pooled_bytes_max)) == pooled_bytes_max);

 private:
#if defined(__SANITIZE_ADDRESS__)
  static constexpr bool pooling = false;  // let ASan see every allocation (see the top)
#else
  static constexpr bool pooling = true;
#endif
  static constexpr size_t class_count = session_size_class(pooled_bytes_max) + 1;
  // Every block starts with a header naming its size class; the payload after it keeps
  // malloc's alignment.
  static constexpr size_t header_bytes = alignof(std::max_align_t);
  static constexpr uint32_t unpooled = UINT32_MAX;  // the block came from malloc on its own
  struct Header {
    uint32_t size_class;
  };
  static_assert(sizeof(Header) <= header_bytes);
  static Header* header_of(void* payload) {
    return reinterpret_cast<Header*>(static_cast<std::byte*>(payload) - header_bytes);
  }

  void* carve(size_t block_bytes);
  void* allocate_unpooled(size_t bytes);
  void release_unpooled(void* payload);

  // The chunks obtained from malloc, newest first, linked through their first bytes (a vector
  // of them would be one more allocation per session). Blocks are carved from the newest.
  void* chunks_ = nullptr;
  std::byte* next_ = nullptr;       // first unused byte of the newest chunk
  std::byte* end_ = nullptr;
  void* free_[class_count] = {};    // per class, a list of released blocks (linked in place)
  size_t pooled_bytes_ = 0;
};

// A standard allocator over a SessionMemory, for an endpoint's own containers (its events and
// per-stream maps): their buffers and nodes come from the session's chunks, not from malloc.
template <typename T>
struct SessionAllocator {
  using value_type = T;
  static_assert(alignof(T) <= alignof(std::max_align_t));

  explicit SessionAllocator(SessionMemory* m) : memory(m) {}
  template <typename U>
  SessionAllocator(const SessionAllocator<U>& other) : memory(other.memory) {}
  T* allocate(size_t n) { return static_cast<T*>(memory->allocate(n * sizeof(T))); }
  void deallocate(T* p, size_t) { memory->release(p); }
  template <typename U>
  bool operator==(const SessionAllocator<U>& other) const { return memory == other.memory; }

  SessionMemory* memory;
};

}  // namespace h2sim::h2
