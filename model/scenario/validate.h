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
  std::vector<std::string> cancelling_servers;  // those whose application can cancel a call (CANCEL)
};

// Every duration in a scenario is at most one day of virtual time, so sums of a few of them (a
// call's start plus its deadline, an interval times the messages) never overflow int64
// nanoseconds.
inline constexpr uint64_t virtual_time_ns_max = 86'400'000'000'000;
// Calls in a scenario, each copy of a repeated call counted: production-sized runs (ten thousand
// calls over a hundred connections) fit, and limits.bytes_max bounds their work before they start.
inline constexpr int calls_max = 20000;
inline constexpr uint32_t client_connections_max = 1024;
inline constexpr uint32_t upstream_connections_max = 1024;
// Custom metadata per header block, and bytes per value: at most 32 KiB in a block, under the
// 64 KiB header list every endpoint accepts (model/h2/endpoint.h).
inline constexpr uint32_t metadata_entries_max = 8;
inline constexpr uint32_t metadata_bytes_max = 4096;
// Faults of one kind in a scenario, and the moments they may fire at.
inline constexpr uint32_t faults_max = 16;
inline constexpr uint32_t fault_moments_max = 65536;
inline constexpr uint32_t fault_moments_default = 16;
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

// The message payload bytes the calls will carry, both ways, every copy of a repeated call
// counted: checked against limits.bytes_max before a run (with the metadata and each call's
// overhead), so a scenario's work is bounded before it starts.
uint64_t payload_bytes(const Scenario& scenario);
// payload_bytes plus every call's custom metadata values: what bytes_max bounds before a run (the
// calls themselves are bounded by calls_max, their events by limits.events_max).
uint64_t work_bytes(const Scenario& scenario);

// The calls a scenario runs, each copy of a repeated call counted.
uint64_t expanded_calls(const Scenario& scenario);
// The client connections the calls are spread over (at least 1).
uint32_t client_connections(const Scenario& scenario);
// Which of the scenario's `calls` entries the run's call `index` (counting copies) is a copy of,
// and which copy: the inverse of the expansion model/run/scripts.h makes.
struct CallCopy {
  int entry = 0;
  uint32_t copy = 0;
};
CallCopy call_copy(const Scenario& scenario, uint64_t index);

}  // namespace h2sim
