// Runs a campaign (properties/campaign.h) in this process or in worker processes, with progress,
// per-case wall-time budgets, and findings written as replay files. The deterministic part (what
// case i is, how it shrinks) is properties/'s; processes and clocks are this file's.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "properties/campaign.h"

namespace h2sim::cli {

struct CheckOptions {
  GenOptions gen;
  uint64_t cases = 200;
  uint64_t seed = 0;
  uint32_t shard_index = 0;
  uint32_t shard_count = 1;
  uint32_t jobs = 1;
  std::string out_dir = "h2sim-out";
  double case_timeout_s = 10;      // --jobs: a case running longer is a hang
  uint32_t shrink_runs_max = 20000;
  bool progress = false;           // draw progress on stderr
  bool stop_at_first_failure = true;
};

struct CheckFinding {
  uint64_t case_index = 0;
  std::string kind;       // "invariant", "crash", "hang" or "determinism"
  std::string invariant;  // the broken invariant, or what happened to the worker
  std::string replay_path;  // empty if it could not be written (see write_error)
  std::string report;     // minimal case, trace and verdicts, for a person
  std::string write_error;  // why a file of the finding could not be written, if one could not
  uint32_t shrink_steps = 0;
  double shrink_seconds = 0;
  double found_after_seconds = 0;
};

struct CheckResult {
  CampaignStats stats;
  std::vector<CheckFinding> findings;
  double seconds = 0;
  std::string error;  // why out_dir could not be claimed: then no case ran
};

// The case indices shard `index` of `count` runs: those congruent to index modulo count. The
// shards of one seed together run exactly the unsharded campaign's cases.
std::vector<uint64_t> shard_indices(uint64_t cases, uint32_t index, uint32_t count);

// Claims options.out_dir (cli/output.h: created, or emptied if h2sim wrote it; anything else is
// refused) before the first case, then runs the campaign.
CheckResult run_check(const CheckOptions& options);

}  // namespace h2sim::cli
