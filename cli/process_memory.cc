#include "cli/process_memory.h"

#include <malloc.h>

namespace h2sim::cli {

void keep_freed_memory() {
  constexpr int one_gib = 1 << 30;
  // Failure leaves glibc's defaults: slower at scale, the same runs.
  mallopt(M_MMAP_THRESHOLD, one_gib);
  mallopt(M_TRIM_THRESHOLD, one_gib);
}

}  // namespace h2sim::cli
