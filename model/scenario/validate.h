// What a scenario may hold. Every numeric and text field has one accepted range, in one table
// (field_ranges), and the simulator runs every value in it: validation and the world agree, so
// no accepted value can reach an assertion. Names (proxies, personalities) come from the layers
// above through a Catalogue, so loading checks them too and no command can forget to.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <h2sim/proxy.h>

#include "model/scenario/scenario.pb.h"

namespace h2sim {

// The names a scenario may use: registered proxies (and the configuration each takes), client
// and server personalities.
struct Catalogue {
  const ProxyRegistry* proxies = nullptr;  // not owned; null: no proxy may be named
  std::vector<std::string> clients;
  std::vector<std::string> servers;
};

// Every duration in a scenario is at most one day of virtual time, so sums of a few of them (a
// call's start plus its deadline, an interval times the messages) never overflow int64
// nanoseconds.
inline constexpr uint64_t virtual_time_ns_max = 86'400'000'000'000;
inline constexpr int calls_max = 16;
inline constexpr uint32_t messages_max = 1000;
inline constexpr uint32_t message_bytes_max = 1 << 20;
inline constexpr uint32_t status_message_bytes_max = 8192;
// RFC 9113 §6.9.2: a flow-control window is at most 2^31 - 1.
inline constexpr uint64_t window_bytes_max = (uint64_t{1} << 31) - 1;
inline constexpr uint64_t bytes_max_max = uint64_t{4} << 30;
// What a run writes when the scenario does not say (limits.bytes_max).
inline constexpr uint64_t bytes_max_default = uint64_t{256} << 20;

// The accepted range of one field, named as protobuf does ("h2sim.ClientScript.deadline_ns").
// For a text field the range is of its length in bytes.
struct FieldRange {
  std::string_view field;
  uint64_t min;
  uint64_t max;
  std::string_view why;
};
std::span<const FieldRange> field_ranges();
const FieldRange* find_field_range(std::string_view full_name);

// Empty if the scenario is valid for this catalogue, else what is wrong, naming the field
// ("calls[2].client.deadline_ns: ...").
std::string validate(const Scenario& scenario, const Catalogue& catalogue);

// The message payload bytes the calls will carry, both ways: checked against limits.bytes_max
// before a run, so a scenario's work is bounded before it starts.
uint64_t payload_bytes(const Scenario& scenario);

}  // namespace h2sim
