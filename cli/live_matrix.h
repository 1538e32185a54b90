// h2sim live --differential --matrix: the differential for every (proxy, client, server) triple
// asked for (properties/differential_matrix.h), with progress on the terminal and the table.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "cli/args.h"

namespace h2sim::cli {

// Runs the sweep the flags ask for. Exit 0 if every cell agreed, 1 if one did not, 2 on bad input
// or a triple that stopped early (a proxy that would not start), 130 if interrupted.
int live_matrix(const Parsed& p, std::span<const std::string> args, uint64_t timeout_ms);

}  // namespace h2sim::cli
