// A sequence diagram of one run (SVG): client | proxy | server lanes (client | server without a
// proxy), virtual time down the page, each frame an arrow from its sending to its receiving end.
#pragma once

#include <string>

#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"

namespace h2sim {

// Frames as arrows, read batches marked beside the reader's lane, the moment each client saw
// its status.
std::string sequence_svg(const Scenario& scenario, const Result& result);

}  // namespace h2sim
