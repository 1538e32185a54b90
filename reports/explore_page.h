// The report of an exhaustive exploration: the outcomes each call can reach, each with its
// replay command and the run page of the execution that reached it, first; then the search's
// numbers; then the state graph cut down to the decision points where the outcomes diverge
// (reports/decision_graph.h).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "model/scenario/scenario.pb.h"
#include "properties/explore.h"
#include "reports/report_files.h"

namespace h2sim {

// One reachable outcome of one call, and where the command wrote its replay file.
struct ExploreOutcome {
  uint32_t call = 0;
  std::string outcome;      // as ExploreReport::outcomes names it
  std::string replay_path;  // empty if none was written
};

struct ExplorePage {
  const Scenario* scenario = nullptr;
  const ExploreReport* report = nullptr;
  std::string input;                     // the scenario file explored, for commands
  std::vector<ExploreOutcome> outcomes;  // in the order to list them
  std::string shortest_failure_replay;   // its replay file, if the command wrote one
  std::string final_dir;                 // where the page will be read from: links are relative to it
  const ProxyRegistry* proxies = &builtin_registry();  // where the explored proxy is registered
  std::string program = "h2sim";         // as the commands on the page spell it
};

// Writes DIR/index.html (outcomes first), a run page per outcome in DIR/call-<c>-<k>/, the
// shortest failing execution's in DIR/shortest-failure/, and the cut graph as
// DIR/decision-points.dot (and .svg). False with `error` if a write failed.
bool write_explore_report(const ExplorePage& page, const std::string& dir, ReportFiles* files, std::string* error);

}  // namespace h2sim
