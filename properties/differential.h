// Differential runs: scenarios drawn from the check generators (proxy overrides, deadlines and
// cancels removed, the network widened; differential.cc says why), each run live through a real
// proxy and explored with the proxy's preset; every call whose live outcome the simulation did not
// reach is a disagreement, written out with its scenario, the live traces and a replay file per
// simulated outcome. The caller prints: disagreements come through a callback as they are found.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "live/peers.h"
#include "model/scenario/scenario.pb.h"
#include "properties/generators.h"
#include "properties/live_runs.h"

namespace h2sim {

// One call the simulation did not predict: what it ended with live, and what the preset reaches.
struct UnpredictedCall {
  size_t call = 0;
  std::string live;
  std::vector<std::string> simulated;
};

// A simulated outcome of a disagreeing call, written as a replay file.
struct SimulatedReplay {
  std::string outcome;
  std::string path;
};

struct Disagreement {
  uint64_t index = 0;
  Scenario scenario;
  bool complete = true;  // the simulated search was complete
  bool loopback_complete = true;  // if not, the loopback search was (live_compare.h)
  std::vector<UnpredictedCall> unpredicted;
  std::vector<std::vector<SimulatedReplay>> replays;  // per call
  std::string stem;  // the files' common path: STEM.textproto, STEM.live.txt
};

// The check generators as live runs take them: every personality (or those given), the one
// preset, no proxy overrides (the real proxy runs with its template's configuration), no
// deadlines or cancels (they race a real clock), and a simulated network wide enough for what a
// real one does (differential.cc says why).
GenOptions live_generators(const std::string& preset, const std::vector<std::string>& clients = {},
                           const std::vector<std::string>& servers = {});

struct DifferentialOptions {
  LiveTarget target;
  std::string preset;       // the preset that models the target
  std::string proxy_name;   // as --proxy named it, for the commands in the files
  live::Peers peers;
  uint64_t cases = 20;
  uint64_t seed = 1;
  uint64_t repeat = 3;
  uint64_t timeout_ms = 3000;
  std::string out_dir;  // claimed by the caller
  std::function<void(uint64_t done, uint64_t cases)> progress;  // after each agreeing case
  std::function<void(const Disagreement&)> disagreement;        // after each disagreeing one
};

struct DifferentialResult {
  uint64_t cells = 0;  // (call, distinct live outcome) pairs
  uint64_t agree = 0;
  uint64_t partial = 0;  // simulated searches cut short
  uint64_t loopback_partial = 0;  // of those, the ones whose loopback search was cut short too
  uint64_t disagreeing = 0;
  uint64_t done = 0;     // cases drawn, the skipped ones included
  uint64_t skipped = 0;  // cases the real peers cannot follow (differential_skip_reason)
  uint64_t runs = 0;     // live runs of the cases that ran
  bool interrupted = false;
  // Why it stopped early: a file that could not be written (write_failed) or a proxy or peer
  // that would not start.
  std::string error;
  bool write_failed = false;
  std::string stop_problem;  // a proxy that had to be killed (LiveOutcomes::stop_problem)
};

// Why the chosen real peers cannot run a generated scenario as written (a script field they do not
// follow, a reset a server library cannot send), or empty. Such cases are skipped and counted,
// not run differently: what a peer would do instead is not what the model was asked.
std::string differential_skip_reason(const live::Peers& peers, const Scenario& scenario);

DifferentialResult run_differential(const DifferentialOptions& options);

}  // namespace h2sim
