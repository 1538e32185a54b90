// Wall-clock time, for what is about people and machines rather than runs: progress lines,
// campaign throughput, a search's time limit, a worker's case timeout. A run never reads it
// (virtual time is sim/time.h); the tidy test keeps wall clocks in live/.
#pragma once

#include <chrono>
#include <cstdint>

namespace h2sim::live {

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  std::chrono::steady_clock::time_point start_;
};

// Nanoseconds of a monotonic clock, comparable across processes on this machine (worker slots).
inline int64_t monotonic_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace h2sim::live
