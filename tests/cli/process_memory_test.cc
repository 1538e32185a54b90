#include "cli/process_memory.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <vector>

namespace h2sim::cli {
namespace {

long minor_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

// Touches `bytes` of fresh memory and frees it; returns the page faults that took.
long faults_to_fill(size_t bytes) {
  long before = minor_faults();
  std::vector<char> block(bytes, 1);
  volatile char sink = block[bytes / 2];
  (void)sink;
  return minor_faults() - before;
}

// A large run's memory, freed at its end, serves the next run without coming from the OS again
// (cli/process_memory.h). With glibc's defaults a 64 MiB block is a fresh mapping each time, and
// filling it faults in all 16,384 pages again.
TEST(ProcessMemory, MemoryARunFreedServesTheNextWithoutFaultingItIn) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's allocator ignores mallopt";
#endif
  keep_freed_memory();
  constexpr size_t bytes = size_t{64} << 20;
  faults_to_fill(bytes);  // the first time, the heap grows
  EXPECT_LT(faults_to_fill(bytes), 1000);
}

}  // namespace
}  // namespace h2sim::cli
