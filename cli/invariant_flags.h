// --invariant NAME and --no-invariant NAME, shared by the commands that judge runs (run, check,
// explore, matrix, live): which invariants of the table (properties/invariants.h) they judge.
#pragma once

#include <string>

#include "cli/args.h"
#include "properties/invariants.h"

namespace h2sim::cli {

inline constexpr Option invariant_option = {
    "--invariant", "NAME", "also judge this opt-in invariant (repeatable; h2sim invariants lists them)", true};
inline constexpr Option no_invariant_option = {"--no-invariant", "NAME",
                                               "do not judge this default invariant (repeatable)", true};

// The defaults with --invariant and --no-invariant applied. False with `error` naming an unknown
// invariant and listing the known ones.
bool invariants_from_flags(const Parsed& p, InvariantSet* on, std::string* error);

}  // namespace h2sim::cli
