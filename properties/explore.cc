#include "properties/explore.h"

#include "properties/invariants.h"
#include "sim/assert.h"
#include "sim/digest.h"

namespace h2sim {

uint32_t EnumeratingChoices::pick(uint32_t n, sim::Label label) {
  size_t k = path_.size();
  if (k < prefix_.size()) {
    // Re-walking an explored prefix: its states are known, so no pruning here.
    H2SIM_ASSERT(prefix_[k].n == n && prefix_[k].label == label);
    path_.push_back(prefix_[k]);
    return prefix_[k].value;
  }
  if (k >= depth_max_) throw TooDeep{};
  if (visited_ && probe()) {
    sim::Digest d;
    d.add_u64(probe()->state_digest());
    d.add_u64((uint64_t{n} << 8) | static_cast<uint8_t>(label));
    if (!visited_->emplace(d.value(), true).second) throw Pruned{};
  }
  path_.push_back({n, 0, label});
  return 0;
}

namespace {

// The next path in depth-first order: the deepest decision that has an untried value gets it,
// and everything after it is dropped. False when every path was tried.
bool next_prefix(std::vector<sim::Decision>* path) {
  while (!path->empty()) {
    sim::Decision& last = path->back();
    if (last.value + 1 < last.n) {
      ++last.value;
      return true;
    }
    path->pop_back();
  }
  return false;
}

std::string outcome_text(const grpc::CallOutcome& c) {
  return c.client_saw ? grpc::status_text(*c.client_saw) : "no status";
}

}  // namespace

ExploreReport explore(const Scenario& scenario, const ExploreOptions& options) {
  ExploreReport report;
  report.outcomes.resize(scenario.calls_size());
  std::map<uint64_t, bool> visited;
  std::vector<sim::Decision> prefix;
  for (;;) {
    if (report.executions + report.pruned >= options.executions_max) {
      report.bound = "max executions (" + std::to_string(options.executions_max) + ")";
      break;
    }
    EnumeratingChoices choices(prefix, options.prune ? &visited : nullptr, options.depth_max);
    bool too_deep = false;
    try {
      Result r = run_case(scenario, choices, options.factory);
      ++report.executions;
      for (const grpc::CallOutcome& c : r.calls) {
        report.outcomes[c.call].emplace(outcome_text(c), choices.path());
      }
      for (const Verdict& v : check_all(r, scenario)) {
        if (v.holds) continue;
        ++report.failing_executions;
        if (report.failed_invariant.empty() || choices.path().size() < report.shortest_failure.size()) {
          report.failed_invariant = std::string(v.name);
          report.shortest_failure = choices.path();
        }
        break;
      }
    } catch (const EnumeratingChoices::Pruned&) {
      ++report.pruned;
    } catch (const EnumeratingChoices::TooDeep&) {
      too_deep = true;
      report.bound = "max depth (" + std::to_string(options.depth_max) + " decisions)";
    }
    if (options.progress && (report.executions + report.pruned) % 1000 == 0) {
      options.progress(report.executions + report.pruned, visited.size());
    }
    prefix = choices.path();
    if (too_deep) {
      // Nothing beyond the bound is explored; the siblings before it still are.
    }
    if (!next_prefix(&prefix)) {
      report.complete = report.bound.empty();
      break;
    }
  }
  report.states = visited.size();
  return report;
}

}  // namespace h2sim
