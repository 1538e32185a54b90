// Runs a scenario with the proxy it names. properties/ is the first layer that knows the
// registry of proxies, so it resolves the scenario's proxy name to a factory for model's run().
#pragma once

#include <h2sim/proxy.h>

#include <string>

#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"
#include "model/scenario/validate.h"
#include "sim/choice.h"

namespace h2sim {

// The built-in presets, registered (proxy_under_test/presets.cc).
const ProxyRegistry& builtin_registry();
// The names scenarios may use with the built-in presets.
const Catalogue& builtin_catalogue();

// validate() against the built-in catalogue.
std::string validate_case(const Scenario& scenario);

// One run of a valid scenario through the proxy it names in `proxies`.
Result run_case(const Scenario& scenario, sim::ChoiceSource& choices,
                const ProxyRegistry& proxies = builtin_registry());

}  // namespace h2sim
