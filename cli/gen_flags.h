// The flags that say what a campaign draws from (--proxy, --client, --server, --hostile), shared
// by check, matrix and live --differential: names checked against what this h2sim has, and the
// defaults filled in.
#pragma once

#include <string>

#include "cli/args.h"
#include "cli/context.h"
#include "properties/generators.h"

namespace h2sim::cli {

// --proxy P (repeatable; "none" for no proxy; default: every registered proxy and none),
// --client C (default: every personality), --server S (default: grpc-core). False with `error`
// naming an unknown name and the known ones. --shape NAME (repeatable) and --swarm
// (properties/shapes.h) where the command offers them.
bool gen_options_from_flags(const Context& ctx, const Parsed& p, GenOptions* gen, std::string* error);

}  // namespace h2sim::cli
