// How live runs compare with the preset's simulation of the same scenario: outcome by outcome
// (is each live outcome of each call in the simulated reachable set?) and frame by frame (where
// the frames our own endpoints saw differ from the simulated run that reached the same outcome).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/h2/frame.h"
#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"
#include "properties/explore.h"

namespace h2sim {

// The frames one of our endpoints sent and read on a leg, as comparable lines: SETTINGS,
// WINDOW_UPDATE, PING and GOAWAY are left out (they follow the proxy's and the kernel's timing,
// not the call), consecutive DATA frames of a stream are merged (proxies re-frame bodies), and
// headers are reduced to :status and grpc-status.
std::vector<std::string> leg_shape(const Result& r, h2::Leg leg, bool client_side);

struct LegDifference {
  std::string leg;       // "downstream (client)" or "upstream (server)"
  bool agrees = true;
  size_t at = 0;         // index of the first differing line
  std::string live;      // that line, or "(nothing)"
  std::string simulated;
  // When it agrees: sent lines that left after more reads than in the simulated run (each
  // direction's lines the same, no write earlier than simulated; live_compare.cc).
  size_t writes_left_later = 0;
};

struct Comparison {
  // Its outcomes include the loopback search's and the random schedules' when it was cut short.
  ExploreReport simulated;
  // The search with every hop at the shortest latency and every write whole, as loopback runs
  // are; run only when the whole search was cut short.
  ExploreReport loopback;
  uint64_t sampled = 0;     // random schedules run because the search was cut short
  uint64_t random_schedules = 0;  // the bound on them, also for finding a run with the live frames
  uint64_t cells = 0;    // (call, distinct live outcome) pairs
  uint64_t agree = 0;    // of those, in the simulated reachable set
  // Per distinct live outcome (all calls, "; "-joined): calls whose outcome was not predicted.
  std::map<std::string, std::vector<size_t>> unpredicted;
  // Per distinct live outcome whose call 0 outcome was predicted: the legs, compared with the
  // first simulated execution that reached it.
  std::map<std::string, std::vector<LegDifference>> legs;
};

// The preset's side of a comparison, which needs nothing from the live runs: the exhaustive
// search, bounded by `executions_max`; if that bound cuts it short, the loopback search (with the
// same bound) and `random_schedules` seeded runs add their outcomes. `should_stop` (asked every
// 1,000 paths) ends the searches early, leaving a prediction that is not to be used. `progress`
// (every 1,000 paths, and every 100 random schedules) hears which part is running ("search",
// "loopback search", "random schedules") and how far it is.
using PredictionProgress = std::function<void(std::string_view part, uint64_t done)>;
Comparison predict_with_preset(const Scenario& simulated_scenario, uint64_t executions_max,
                               uint64_t random_schedules = 2000, std::function<bool()> should_stop = nullptr,
                               const PredictionProgress& progress = nullptr);

// Judges live runs against a prediction: cells, agreement, unpredicted calls and legs.
// `examples` holds one live run per distinct outcome (all calls joined by "; "), keyed by it.
// The client's leg is always traced (our client, or the tap in front of a grpc++ one); the
// server's only when `traced_server` (not a grpc++ server).
void compare_with_live(const Scenario& simulated_scenario, const std::map<std::string, Result>& examples,
                       bool traced_server, Comparison* prediction);

// Both in one: predict_with_preset, then compare_with_live.
Comparison compare_with_preset(const Scenario& simulated_scenario, const std::map<std::string, Result>& examples,
                               bool traced_server, uint64_t executions_max, uint64_t random_schedules = 2000);

}  // namespace h2sim
