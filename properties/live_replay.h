// A replay file confirmed against the real proxy: its simulated run's schedule (live/schedule.h)
// imposed on the taps of N live runs, and how many of them reproduce it. A live run reproduces the
// simulated one when every call ends at the client as it did there and the same invariants
// break. The caller prints; progress comes through a callback.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "model/scenario/replay.pb.h"
#include "properties/campaign.h"
#include "properties/live_runs.h"

namespace h2sim {

struct LiveReplayOptions {
  LiveTarget target;
  live::Peers peers;
  std::string scenario_path;  // where peers read the scenario (the replay's, written out)
  uint64_t repeat = 100;
  uint64_t timeout_ms = 3000;
  std::function<void(uint64_t done, uint64_t reproduced)> progress;  // after every run
};

struct LiveReplayResult {
  CaseRun simulated;       // the replay run again: scenario, result, verdicts
  std::string expected;    // what reproducing means, for a person
  uint64_t runs = 0;
  uint64_t reproduced = 0;
  std::map<std::string, uint64_t> outcomes;  // live outcomes, all calls joined
  std::optional<Result> reproducing;         // one run that reproduced, and one that did not
  std::optional<Result> other;
  uint64_t failing = 0;                      // live runs that broke an invariant
  std::string schedule;                      // what the taps were told, and what they cannot do
  uint64_t groups_met = 0;  // read batches delivered whole and apart, over all runs, of those that came
  uint64_t groups_reached = 0;
  std::map<std::string, uint64_t> divergences;  // where live frames left the schedule: runs
  bool interrupted = false;
  std::string error;         // the proxy or a peer did not start, or the replay does not run
  std::string stop_problem;  // the proxy had to be killed
};

// `replay` must be valid for `proxies` (the caller loaded it).
LiveReplayResult replay_live(const Replay& replay, const ProxyRegistry& proxies, const LiveReplayOptions& options);

// The invariants a run's verdicts break, in order, ", "-joined ("status preserved"), or "none".
std::string broken_invariants(const std::vector<Verdict>& verdicts);

}  // namespace h2sim
