// Replaying a recorded case: its scenario with its recorded decisions, through the proxy it
// names, which must be the one (and the version) the file was recorded with.
#pragma once

#include <h2sim/proxy.h>

#include <string>

#include "model/run/result.h"
#include "model/scenario/replay.pb.h"

namespace h2sim {

struct Replayed {
  Result result;
  bool digest_recorded = false;  // the file holds a digest of its own format to compare
  bool digest_matches = false;
  // Decisions answered with the plainest choice past the end of a cut recording (a check
  // worker stopped mid-case: Replay.decisions_cut).
  size_t beyond_cut = 0;
};

// Runs the replay. False with `error` if its proxy is another version than `proxies` has, or its
// decisions do not fit its scenario (a replay never silently diverges). `path` names the file in
// messages.
bool replay_case(const Replay& replay, const std::string& path, const ProxyRegistry& proxies, Replayed* out,
                 std::string* error);

}  // namespace h2sim
