// RFC 9113 §5.1 stream state diagrams per role, in Graphviz DOT: every legal transition with how
// often it was taken, over one run or a whole campaign, the transitions of failing runs in red.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/h2/stream_state.h"
#include "model/run/result.h"
#include "reports/report_files.h"

namespace h2sim {

// The four roles of a proxied run (client and server alone without a proxy).
enum class Role : uint8_t { client, proxy_downstream, proxy_upstream, server };
const char* role_name(Role role);
Role role_of(const h2::EndpointTag& tag);
// The roles a run has: four with a proxy, client and server without.
std::vector<Role> roles_of(bool proxied);

// Transition counts per role, accumulated over one run or a whole campaign.
struct StateCoverage {
  uint64_t taken[4][h2::stream_state_count][h2::stream_event_count] = {};
  bool failing[4][h2::stream_state_count][h2::stream_event_count] = {};  // taken by a failing run
  void add(const Result& result, bool failed);
};

// One DOT graph per role: every legal transition of the table, labelled with its event and how
// often it was taken; never-taken transitions dashed; those of failing runs red.
std::string state_dot(const StateCoverage& coverage, Role role);

// The state diagram of each role as DIR/state-<role>.dot (and .svg), each appended to `html` as
// a figure. False with `error` if a write failed.
bool write_state_figures(const StateCoverage& coverage, bool proxied, const std::string& dir, ReportFiles* files,
                         std::string* html, std::string* error);

}  // namespace h2sim
