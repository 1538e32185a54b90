// Runs a scenario with the proxy it names. properties/ is the first layer that knows preset
// names, so it builds the proxy and hands it to model's run().
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "model/h2/recorder.h"
#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"
#include "model/scenario/validate.h"
#include "proxy_under_test/policy.h"
#include "sim/choice.h"
#include "sim/host.h"

namespace h2sim {

// Builds a proxy under test that logs into the run's recorder. Tests use it to put their own
// proxy (a crashing one, say) in the middle.
using ProxyFactory = std::function<std::unique_ptr<sim::Host>(h2::Recorder&)>;

// The names scenarios may use: every preset, every client and server personality.
const Catalogue& builtin_catalogue();

// The policy a scenario's proxy runs: its preset with the scenario's overrides applied.
// The scenario must name a known preset.
proxy::ProxyPolicy policy_of(const Proxy& proxy);

// validate() against the built-in catalogue.
std::string validate_case(const Scenario& scenario);

// One run of a valid scenario through its preset (or `factory`, when given).
Result run_case(const Scenario& scenario, sim::ChoiceSource& choices,
                const ProxyFactory& factory = nullptr);

}  // namespace h2sim
