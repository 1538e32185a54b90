// A campaign as `h2sim check` runs it: numbered cases (properties/campaign.h) in this process or
// in worker processes (live/net/workers.h), each failure shrunk, checked for determinism and
// written as a replay file; a worker that crashes or hangs on a case is a finding too, with the
// case as far as it got. What case i is never depends on how the campaign is split up. Printing
// is the caller's: it gets progress through a callback and the findings as data.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "properties/campaign.h"

namespace h2sim {

struct CheckProgress {
  uint64_t done = 0;   // cases finished
  uint64_t total = 0;  // cases this shard runs
  uint64_t runs = 0;   // cases and shrink runs
  double seconds = 0;
  size_t findings = 0;
  std::string activity;  // "shrinking case 5: 12 steps, 301 runs", or empty
};

struct CheckOptions {
  GenOptions gen;
  uint64_t cases = 200;
  uint64_t seed = 0;
  uint32_t shard_index = 0;
  uint32_t shard_count = 1;
  // Worker processes. 1: the cases run here, or in one worker when a proxy under test is not one of
  // h2sim's own (a plug-in's, a custom binary's), so that its crash or hang is a finding.
  uint32_t jobs = 1;
  std::string out_dir = "h2sim-out/check";
  double case_timeout_s = 10;  // --jobs: a case (shrinking included) running longer is a hang
  uint32_t shrink_runs_max = 20000;
  bool stop_at_first_failure = true;
  // Coverage feedback (properties/corpus.h): a corpus of cases that reached new coverage, and
  // half the cases mutants of its entries. `corpus_dir` (check --corpus) is loaded first and
  // gets each new entry as a file; empty for an in-memory corpus only. Off unless asked for
  // (check --feedback): it cost a third of the cases/s for no more coverage (bench/README.md).
  bool feedback = false;
  std::string corpus_dir;
  // How replay files name the command that wrote them ("h2sim check --seed 3 ...").
  std::string program = "h2sim";
  // Called about five times a second while cases run, and as shrinking goes.
  std::function<void(const CheckProgress&)> progress;
};

struct CheckFinding {
  uint64_t case_index = 0;
  // "invariant", "crash", "hang" or "determinism"; or "scenario": the case fails through the
  // reference too, so it is the scenario's problem, not the proxy's (never shrunk or reported
  // as a finding: CheckResult::scenario_problems).
  std::string kind;
  std::string invariant;    // the broken invariant, or what happened to the worker
  // Empty if it could not be written (see write_error), or if a worker stopped on the case
  // before its scenario was made (a crash or hang with no scenario: nothing to replay).
  std::string replay_path;
  std::string write_error;  // why the replay file could not be written, if it could not
  uint32_t shrink_steps = 0;
  double shrink_seconds = 0;
  double found_after_seconds = 0;
  bool shrink_cut_short = false;  // an interrupt ended shrinking early
  // The case as reported: the shrunk case run again from its decisions; for a crash or hang the
  // scenario as far as the worker got (then `minimal` holds no run).
  Replay replay;
  std::optional<CaseRun> minimal;
};

struct CheckResult {
  CampaignStats stats;
  std::vector<CheckFinding> findings;
  // Cases that fail through the reference (passthrough) too: counted and listed apart.
  std::vector<CheckFinding> scenario_problems;
  double seconds = 0;
  std::string error;         // why the campaign could not run (out_dir refused, a fork failed)
  std::string corpus_error;  // why a new corpus entry could not be written (the first such)
  bool interrupted = false;  // SIGINT or SIGTERM stopped it: what finished is here
};

// The case indices shard `index` of `count` runs: those congruent to index modulo count. The
// shards of one seed together run exactly the unsharded campaign's cases.
std::vector<uint64_t> shard_indices(uint64_t cases, uint32_t index, uint32_t count);

// Claims options.out_dir (live/net/files.h: created, or emptied if h2sim wrote it; anything else
// is refused) and loads options.corpus_dir (created if missing) before the first case, then runs the campaign until it ends, a failure stops it,
// or it is interrupted (live/net/interrupt.h; the caller installs the handler).
CheckResult run_check(const CheckOptions& options);

}  // namespace h2sim
