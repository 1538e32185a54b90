// Virtual time. A run never reads a real clock; Time only advances when the World pops an event.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>

namespace h2sim::sim {

// Virtual time saturates instead of wrapping: a sum past the largest instant stays at it, so a
// far-off timer is simply never reached (the run ends at its time limit first).
constexpr int64_t saturating_add(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

// A span of virtual time in nanoseconds.
struct Duration {
  int64_t ns = 0;

  static constexpr Duration nanoseconds(int64_t n) { return {n}; }
  static constexpr Duration microseconds(int64_t n) { return {n * 1000}; }
  static constexpr Duration milliseconds(int64_t n) { return {n * 1000 * 1000}; }

  constexpr auto operator<=>(const Duration&) const = default;
  constexpr Duration operator+(Duration other) const { return {saturating_add(ns, other.ns)}; }
  constexpr Duration operator-(Duration other) const {
    return {other.ns == std::numeric_limits<int64_t>::min() ? std::numeric_limits<int64_t>::max()
                                                            : saturating_add(ns, -other.ns)};
  }
};

// An instant of virtual time: nanoseconds since the start of the run.
struct Time {
  int64_t ns = 0;

  constexpr auto operator<=>(const Time&) const = default;
  constexpr Time operator+(Duration d) const { return {saturating_add(ns, d.ns)}; }
  constexpr Duration operator-(Time other) const { return Duration{ns} - Duration{other.ns}; }
};

}  // namespace h2sim::sim
