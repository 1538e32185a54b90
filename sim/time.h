// Virtual time. A run never reads a real clock; Time only advances when the World pops an event.
#pragma once

#include <compare>
#include <cstdint>

namespace h2sim::sim {

// A span of virtual time in nanoseconds.
struct Duration {
  int64_t ns = 0;

  static constexpr Duration nanoseconds(int64_t n) { return {n}; }
  static constexpr Duration microseconds(int64_t n) { return {n * 1000}; }
  static constexpr Duration milliseconds(int64_t n) { return {n * 1000 * 1000}; }

  constexpr auto operator<=>(const Duration&) const = default;
  constexpr Duration operator+(Duration other) const { return {ns + other.ns}; }
  constexpr Duration operator-(Duration other) const { return {ns - other.ns}; }
  constexpr Duration operator*(int64_t k) const { return {ns * k}; }
};

// An instant of virtual time: nanoseconds since the start of the run.
struct Time {
  int64_t ns = 0;

  constexpr auto operator<=>(const Time&) const = default;
  constexpr Time operator+(Duration d) const { return {ns + d.ns}; }
  constexpr Duration operator-(Time other) const { return {ns - other.ns}; }
};

}  // namespace h2sim::sim
