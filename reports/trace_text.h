// The text form of a run: a headline, one line per frame sent or received, each call's outcome,
// the verdicts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"
#include "properties/invariants.h"

namespace h2sim {

std::string format_trace(const Result& result);
std::string format_outcomes(const Scenario& scenario, const Result& result);
std::string format_verdicts(const Result& result, const std::vector<Verdict>& verdicts);
// The headline (reports/headline.h) wrapped for a terminal, then `preamble` (e.g. check's
// minimal scenario), then everything above and the digest: what `h2sim run` prints.
std::string format_run(const Scenario& scenario, const Result& result,
                       const std::vector<Verdict>& verdicts, std::string_view preamble = "");

}  // namespace h2sim
