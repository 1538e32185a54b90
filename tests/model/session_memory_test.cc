// SessionMemory: nghttp2's allocator and the endpoint's. It must keep malloc's contracts (alignment,
// zeroing, realloc preserving contents, size 0 and sizes past the pool), reuse released blocks
// by size class, and stay bounded by peak use. Under AddressSanitizer it passes everything to
// malloc (pooled_bytes() stays 0), and only the contracts are checked.
#include "model/h2/session_memory.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

namespace h2sim::h2 {
namespace {

bool aligned(const void* p) { return reinterpret_cast<uintptr_t>(p) % alignof(std::max_align_t) == 0; }

TEST(SessionMemory, BlocksOfEverySizeAreAlignedDistinctAndWritable) {
  SessionMemory m;
  std::vector<size_t> sizes = {0, 1, 15, 16, 17, 255, 256, 257, 511, 4096, 4097, 16384,
                               SessionMemory::pooled_bytes_max, SessionMemory::pooled_bytes_max + 1, 100000};
  std::vector<void*> blocks;
  for (size_t bytes : sizes) {
    void* p = m.allocate(bytes);
    ASSERT_NE(p, nullptr) << bytes;
    EXPECT_TRUE(aligned(p)) << bytes;
    std::memset(p, static_cast<int>(bytes & 0xff), bytes);
    blocks.push_back(p);
  }
  // No two live blocks overlap: each still holds its own fill.
  for (size_t i = 0; i < sizes.size(); ++i) {
    const auto* bytes = static_cast<const unsigned char*>(blocks[i]);
    for (size_t k = 0; k < sizes[i]; ++k) ASSERT_EQ(bytes[k], sizes[i] & 0xff) << sizes[i];
  }
  EXPECT_EQ(std::set<void*>(blocks.begin(), blocks.end()).size(), blocks.size());
  for (void* p : blocks) m.release(p);
  m.release(nullptr);
}

TEST(SessionMemory, ZeroedBlocksAreZeroEvenWhenReused) {
  SessionMemory m;
  void* dirty = m.allocate(64);
  std::memset(dirty, 0xab, 64);
  m.release(dirty);
  auto* zeroed = static_cast<unsigned char*>(m.allocate_zeroed(8, 8));
  for (int i = 0; i < 64; ++i) ASSERT_EQ(zeroed[i], 0) << i;
  m.release(zeroed);
}

TEST(SessionMemory, ReallocateKeepsTheContentsAcrossClassesAndPastThePool) {
  SessionMemory m;
  auto* p = static_cast<unsigned char*>(m.allocate(10));
  for (int i = 0; i < 10; ++i) p[i] = static_cast<unsigned char>(i + 1);
  for (size_t bytes : {size_t{200}, size_t{3000}, SessionMemory::pooled_bytes_max + 100, size_t{50}}) {
    p = static_cast<unsigned char*>(m.reallocate(p, bytes));
    ASSERT_NE(p, nullptr);
    for (int i = 0; i < 10; ++i) ASSERT_EQ(p[i], i + 1) << bytes;
  }
  m.release(p);
  void* fresh = m.reallocate(nullptr, 32);  // realloc(NULL, n) is malloc(n)
  ASSERT_NE(fresh, nullptr);
  m.release(fresh);
}

TEST(SessionMemory, ReleasedBlocksAreReusedSoMemoryStaysBoundedByPeakUse) {
  SessionMemory m;
  for (int round = 0; round < 1000; ++round) {
    std::vector<void*> live;
    for (size_t bytes : {24, 24, 300, 16384, 5000}) live.push_back(m.allocate(bytes));
    for (void* p : live) m.release(p);
  }
  if (m.pooled_bytes() == 0) GTEST_SKIP() << "not pooling (AddressSanitizer build)";
  // One round's peak is under 25 KiB: everything fits the first 32 KiB chunk, reused 1,000 times.
  EXPECT_LE(m.pooled_bytes(), 32u * 1024);
  void* a = m.allocate(24);
  m.release(a);
  void* b = m.allocate(20);
  EXPECT_EQ(b, a);  // same class: the block just released
  m.release(b);
}

}  // namespace
}  // namespace h2sim::h2
