// --json FILE: a run, a campaign or a search as the messages of reports/output.proto, printed
// with protobuf's JSON mapping. The schema is that file; tests read the JSON back strictly.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"
#include "properties/check.h"
#include "properties/explore.h"
#include "properties/invariants.h"
#include "reports/junit.h"
#include "reports/matrix_page.h"
#include "reports/output.pb.h"

namespace h2sim {

output::Run run_output(const Scenario& scenario, const Result& result, const std::vector<Verdict>& verdicts);

// A run the proxy under test crashed or hung on (`what`, as properties/isolation.h's ChildRun
// says it), after `decisions` decisions: no calls, no verdicts, not holding.
output::Run died_run_output(const Scenario& scenario, const std::string& what, size_t decisions);

output::Statistics statistics_output(const CampaignStats& stats, double seconds);

// `replay_command` turns a replay file's path into the command that replays it.
output::Check check_output(const CheckOptions& options, const CheckResult& result,
                           const std::function<std::string(const std::string&)>& replay_command);

output::Explore explore_output(const Scenario& scenario, const ExploreReport& report);

output::Matrix matrix_output(const Matrix& matrix, bool interrupted);

// A test case per cell, failing where the status was lost.
std::vector<JunitCase> matrix_junit_cases(const Matrix& matrix);

// The Output as indented JSON.
std::string to_json(const output::Output& out);

// Writes `out` to `path` (live/net/files.h: write_output_file). False with `error` otherwise.
bool write_json(const std::string& path, const output::Output& out, std::string* error);

}  // namespace h2sim
