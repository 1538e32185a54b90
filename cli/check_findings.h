// What check prints and writes of its findings: on the terminal each signature once (its first
// case in full, the others one line each), beside each replay file its text, and for --junit a
// test case per signature.
#pragma once

#include <vector>

#include "cli/context.h"
#include "properties/check.h"
#include "reports/junit.h"

namespace h2sim::cli {

// Prints the findings grouped by signature and writes each one's text beside its replay file.
// False (message printed) if a file could not be written.
bool print_findings(const Context& ctx, const CheckResult& r);

// A failing case per finding signature, then a passing one per invariant that held in every case.
std::vector<JunitCase> junit_cases(const Context& ctx, const CheckResult& r);

}  // namespace h2sim::cli
