#include "properties/replay.h"

#include "model/scenario/scenario_io.h"
#include "properties/harness.h"

namespace h2sim {

namespace {

// A replay through another version of its proxy would report a digest mismatch that means
// nothing.
std::string check_proxy_identity(const Replay& replay, const std::string& path, const ProxyRegistry& proxies) {
  if (!replay.scenario().has_proxy() || replay.proxy_version().empty()) return {};
  const ProxyEntry* entry = proxies.find(replay.scenario().proxy().preset());
  if (entry == nullptr || entry->version == replay.proxy_version()) return {};
  return path + ": recorded with proxy '" + entry->name + "' version " + replay.proxy_version() +
         ", but this h2sim has version " + entry->version + " (" + entry->origin + ")";
}

}  // namespace

bool replay_case(const Replay& replay, const std::string& path, const ProxyRegistry& proxies, Replayed* out,
                 std::string* error) {
  *error = check_proxy_identity(replay, path, proxies);
  if (!error->empty()) return false;
  ReplayChoices choices(replay);
  try {
    out->result = run_case(replay.scenario(), choices, proxies);
  } catch (const sim::ChoiceError& e) {
    *error = path + ": the recorded decisions do not fit this scenario: " + e.what();
    return false;
  }
  if (!choices.exhausted()) {
    *error = path + ": the run took " + std::to_string(choices.consumed()) + " of " +
             std::to_string(replay.decisions_size()) + " recorded decisions";
    return false;
  }
  out->beyond_cut = choices.beyond_cut();
  out->digest_recorded = !replay.trace_digest().empty();
  out->digest_matches = replay.trace_digest() == out->result.digest;
  return true;
}

}  // namespace h2sim
