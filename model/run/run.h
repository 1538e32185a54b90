// run(): one scenario, one choice source, one proxy (or none) -> one Result. A pure function:
// nothing else influences it.
#pragma once

#include <string>

#include "model/h2/recorder.h"
#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"
#include "sim/choice.h"
#include "sim/host.h"

namespace h2sim {

// Builds the world (client -> proxy -> server, or client -> server when proxy is null) and runs
// it. The proxy must write its frames and marks into `recorder`; run() moves them into the
// Result. The scenario must be valid (model/scenario/validate.h): every value validation accepts
// runs. Throws sim::ChoiceError if a recorded source runs out.
Result run(const Scenario& scenario, sim::ChoiceSource& choices, sim::Host* proxy,
           h2::Recorder& recorder);

}  // namespace h2sim
