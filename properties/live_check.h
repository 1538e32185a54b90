// A campaign against the real proxy (check --live): numbered cases, each a generated scenario
// (properties/differential.h's live_generators) run live through the real binary with its taps
// steered by a seeded ChoiceSource (live/steering.h), judged by every invariant. A failure is
// shrunk with live re-runs: scenario edits, then each tap decision set to 0, every candidate run
// up to R times and accepted when it fails the same way often enough; the finding states its rate
// k of R. With jobs > 1, J worker processes (live/net/workers.h) each start their own proxy on
// their own ports. The scenario of case i never depends on how the campaign is split up; what the
// real proxy does with it may. Printing is the caller's.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "properties/campaign.h"
#include "properties/check.h"
#include "properties/live_runs.h"

namespace h2sim {

struct LiveCheckOptions {
  LiveTarget target;  // its preset names the scenarios' proxy
  std::vector<std::string> clients;  // personalities of our client (empty: all)
  std::vector<std::string> servers;  // of our server (empty: all)
  uint64_t cases = 200;
  uint64_t seed = 0;
  uint32_t jobs = 1;
  uint32_t repeats = 3;  // R: live runs of each shrink candidate, and of the finding
  uint64_t timeout_ms = 3000;
  double case_timeout_s = 300;  // --jobs: a case (shrinking included) running longer is a hang
  uint32_t shrink_candidates_max = 400;
  InvariantSet invariants = InvariantSet::defaults();  // what every live run is judged by
  bool stop_at_first_failure = true;
  std::string out_dir = "h2sim-out/check-live";
  std::string program = "h2sim";
  std::function<void(const CheckProgress&)> progress;
};

struct LiveFinding {
  uint64_t case_index = 0;
  std::string kind = "invariant";  // or "crash", "hang": a worker's
  std::string invariant;
  Scenario scenario;                    // the shrunk case
  std::vector<sim::Decision> steering;  // the tap decisions that steered it
  uint32_t reproduced = 0;              // of `repeats` live runs of the shrunk case
  uint32_t repeats = 0;
  uint32_t shrink_steps = 0;
  uint32_t shrink_runs = 0;  // live runs spent shrinking
  double shrink_seconds = 0;
  double found_after_seconds = 0;
  bool shrink_cut_short = false;
  std::string example;  // one failing live run: its outcomes and frames
  // Written into out_dir: the scenario, the tap decisions, and a replay file of the simulated
  // run through the preset that breaks the same invariant (simulated: whether one was found; if
  // not, the replay is of the plain schedule).
  std::string scenario_path;
  std::string choices_path;
  std::string replay_path;
  bool simulated = false;
  std::string write_error;
};

// A case that broke an invariant once and never again in R live re-runs: not a finding (nothing
// to shrink against, nothing to confirm), but said.
struct LiveFlake {
  uint64_t case_index = 0;
  std::string invariant;
};

struct LiveCheckResult {
  CampaignStats stats;  // decisions are the taps'
  std::vector<LiveFinding> findings;
  std::vector<LiveFlake> flakes;
  double seconds = 0;
  std::string error;         // out_dir refused, the proxy did not start, a fork failed
  std::string stop_problem;  // the proxy had to be killed
  bool interrupted = false;
};

// Claims out_dir, then runs the campaign until it ends, a failure stops it, or it is interrupted
// (the caller installs the handler).
LiveCheckResult run_live_check(const LiveCheckOptions& options);

}  // namespace h2sim
