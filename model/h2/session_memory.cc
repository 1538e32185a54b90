#include "model/h2/session_memory.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "sim/assert.h"

namespace h2sim::h2 {

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool pooling = false;  // let ASan see every nghttp2 allocation (see the header)
#else
constexpr bool pooling = true;
#endif

// Every block starts with a header naming its size class; the payload after it keeps malloc's
// alignment.
constexpr size_t header_bytes = alignof(std::max_align_t);
constexpr uint32_t unpooled = UINT32_MAX;  // the block came from malloc on its own
struct Header {
  uint32_t size_class;
};
static_assert(sizeof(Header) <= header_bytes);

// Chunks are big enough for a session's usual needs (its struct, the 16 KiB frame buffer, the
// HPACK tables and a few dozen small blocks) in one or two mallocs.
constexpr size_t chunk_bytes = 32 * 1024;

Header* header_of(void* payload) {
  return reinterpret_cast<Header*>(static_cast<std::byte*>(payload) - header_bytes);
}
void* payload_of(void* block) { return static_cast<std::byte*>(block) + header_bytes; }

}  // namespace

SessionMemory::~SessionMemory() {
  while (chunks_ != nullptr) {
    void* older;
    std::memcpy(&older, chunks_, sizeof older);
    std::free(chunks_);
    chunks_ = older;
  }
}

void* SessionMemory::carve(size_t block_bytes) {
  if (static_cast<size_t>(end_ - next_) < block_bytes) {
    // The rest of the newest chunk is abandoned: it is smaller than the block asked for.
    size_t bytes = std::max(chunk_bytes, header_bytes + block_bytes);
    auto* chunk = static_cast<std::byte*>(std::malloc(bytes));
    H2SIM_ASSERT(chunk != nullptr);
    std::memcpy(chunk, &chunks_, sizeof chunks_);  // the link to the previous chunk
    chunks_ = chunk;
    pooled_bytes_ += bytes;
    next_ = chunk + header_bytes;
    end_ = chunk + bytes;
  }
  void* block = next_;
  next_ += block_bytes;
  return block;
}

void* SessionMemory::allocate(size_t bytes) {
  if (!pooling) return std::malloc(bytes);
  if (bytes > pooled_bytes_max) {
    void* block = std::malloc(header_bytes + bytes);
    H2SIM_ASSERT(block != nullptr);
    static_cast<Header*>(block)->size_class = unpooled;
    return payload_of(block);
  }
  uint32_t size_class = session_size_class(bytes);
  H2SIM_ASSERT(size_class < class_count && session_class_bytes(size_class) >= bytes);
  void* payload = free_[size_class];
  if (payload != nullptr) {
    // A released block's payload holds the next free block of its class.
    std::memcpy(&free_[size_class], payload, sizeof(void*));
  } else {
    payload = payload_of(carve(header_bytes + session_class_bytes(size_class)));
  }
  header_of(payload)->size_class = size_class;
  return payload;
}

void* SessionMemory::allocate_zeroed(size_t count, size_t bytes) {
  if (!pooling) return std::calloc(count, bytes);
  H2SIM_ASSERT(bytes == 0 || count <= SIZE_MAX / bytes);
  void* payload = allocate(count * bytes);
  std::memset(payload, 0, count * bytes);
  return payload;
}

void* SessionMemory::reallocate(void* payload, size_t bytes) {
  if (!pooling) return std::realloc(payload, bytes);
  if (payload == nullptr) return allocate(bytes);
  uint32_t size_class = header_of(payload)->size_class;
  if (size_class != unpooled && bytes <= session_class_bytes(size_class)) return payload;
  if (size_class == unpooled && bytes > pooled_bytes_max) {
    void* block = std::realloc(header_of(payload), header_bytes + bytes);
    H2SIM_ASSERT(block != nullptr);
    return payload_of(block);
  }
  // Moves between classes (or between the pool and malloc): copy what both sizes hold. An
  // unpooled block is larger than any pooled one, so `bytes` bounds the copy then.
  size_t old_bytes = size_class == unpooled ? bytes : session_class_bytes(size_class);
  void* moved = allocate(bytes);
  std::memcpy(moved, payload, std::min(old_bytes, bytes));
  release(payload);
  return moved;
}

void SessionMemory::release(void* payload) {
  if (!pooling) {
    std::free(payload);
    return;
  }
  if (payload == nullptr) return;
  uint32_t size_class = header_of(payload)->size_class;
  if (size_class == unpooled) {
    std::free(header_of(payload));
    return;
  }
  H2SIM_ASSERT(size_class < class_count);
  std::memcpy(payload, &free_[size_class], sizeof(void*));
  free_[size_class] = payload;
}

}  // namespace h2sim::h2
