// run(): one scenario, one choice source, one proxy (or none) -> one Result. A pure function:
// nothing else influences it.
#pragma once

#include <string>

#include "model/h2/recorder.h"
#include "model/run/result.h"
#include "model/run/scenario.pb.h"
#include "sim/choice.h"
#include "sim/host.h"

namespace h2sim {

// Checks what the run relies on: calls present and bounded, personalities known, numbers in
// range. Returns an empty string if the scenario is valid, else what is wrong with it.
std::string validate(const Scenario& scenario);

// Builds the world (client -> proxy -> server, or client -> server when proxy is null) and runs
// it. The proxy must write its frames and marks into `recorder`; run() moves them into the
// Result. The scenario must be valid. Throws sim::ChoiceError if a recorded source runs out.
Result run(const Scenario& scenario, sim::ChoiceSource& choices, sim::Host* proxy,
           h2::Recorder& recorder);

// Limits on scenarios, checked by validate().
inline constexpr int calls_max = 16;
inline constexpr uint32_t messages_max = 1000;
inline constexpr uint32_t message_bytes_max = 1 << 20;

}  // namespace h2sim
