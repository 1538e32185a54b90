#include "model/h2/session_memory.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "sim/assert.h"

namespace h2sim::h2 {

namespace {

// Chunks are big enough for a session's usual needs (its struct, the 16 KiB frame buffer, the
// HPACK tables and a few dozen small blocks) in one or two mallocs.
constexpr size_t chunk_bytes = 32 * 1024;

// A chunk starts with its link to the previous chunk and its size.
struct ChunkHeader {
  void* older;
  size_t bytes;
};

// Standard-size chunks kept between sessions, per thread. A run's four sessions hold 128 KiB;
// handing it back to malloc at the end of every run made glibc trim its heap and fault the pages
// back in during the next run (up to a page fault per run, and run times that moved by 20% with
// the heap's layout). Bounded: a thread keeps at most spare_chunks_max chunks (512 KiB), and
// frees the chunks of sessions that end while it holds that many.
constexpr size_t spare_chunks_max = 16;
struct ChunkCache {
  void* chunks[spare_chunks_max];
  size_t count = 0;
  ~ChunkCache() {
    while (count > 0) std::free(chunks[--count]);
  }
};
thread_local ChunkCache spare_chunks;
static_assert(sizeof(ChunkHeader) <= alignof(std::max_align_t));

}  // namespace

SessionMemory::~SessionMemory() {
  while (chunks_ != nullptr) {
    ChunkHeader header;
    std::memcpy(&header, chunks_, sizeof header);
    if (header.bytes == chunk_bytes && spare_chunks.count < spare_chunks_max) {
      spare_chunks.chunks[spare_chunks.count++] = chunks_;
    } else {
      std::free(chunks_);
    }
    chunks_ = header.older;
  }
}

void* SessionMemory::carve(size_t block_bytes) {
  if (static_cast<size_t>(end_ - next_) < block_bytes) {
    // The rest of the newest chunk is abandoned: it is smaller than the block asked for.
    size_t bytes = std::max(chunk_bytes, header_bytes + block_bytes);
    std::byte* chunk;
    if (bytes == chunk_bytes && spare_chunks.count > 0) {
      H2SIM_ASSERT(spare_chunks.count <= spare_chunks_max);
      chunk = static_cast<std::byte*>(spare_chunks.chunks[--spare_chunks.count]);
    } else {
      chunk = static_cast<std::byte*>(std::malloc(bytes));
      H2SIM_ASSERT(chunk != nullptr);
    }
    ChunkHeader header{chunks_, bytes};
    std::memcpy(chunk, &header, sizeof header);
    chunks_ = chunk;
    pooled_bytes_ += bytes;
    next_ = chunk + header_bytes;
    end_ = chunk + bytes;
  }
  void* block = next_;
  next_ += block_bytes;
  return block;
}

void* SessionMemory::allocate_unpooled(size_t bytes) {
  if (!pooling) return std::malloc(bytes);
  auto* block = static_cast<std::byte*>(std::malloc(header_bytes + bytes));
  H2SIM_ASSERT(block != nullptr);
  reinterpret_cast<Header*>(block)->size_class = unpooled;
  return block + header_bytes;
}

void SessionMemory::release_unpooled(void* payload) {
  std::free(pooling && payload != nullptr ? static_cast<void*>(header_of(payload)) : payload);
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
    auto* block = static_cast<std::byte*>(std::realloc(header_of(payload), header_bytes + bytes));
    H2SIM_ASSERT(block != nullptr);
    return block + header_bytes;
  }
  // Moves between classes (or between the pool and malloc): copy what both sizes hold. An
  // unpooled block is larger than any pooled one, so `bytes` bounds the copy then.
  size_t old_bytes = size_class == unpooled ? bytes : session_class_bytes(size_class);
  void* moved = allocate(bytes);
  std::memcpy(moved, payload, std::min(old_bytes, bytes));
  release(payload);
  return moved;
}

}  // namespace h2sim::h2
