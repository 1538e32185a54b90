#include "properties/harness.h"

#include "model/run/run.h"
#include "proxy_under_test/h2_relay.h"
#include "proxy_under_test/policy.h"
#include "sim/assert.h"

namespace h2sim {

std::string validate_proxy(const Scenario& scenario) {
  if (!scenario.has_proxy()) return {};
  if (proxy::find_preset(scenario.proxy().preset())) return {};
  return "unknown proxy preset '" + scenario.proxy().preset() +
         "' (known: " + proxy::known_presets() + ")";
}

std::string validate_case(const Scenario& scenario) {
  std::string error = validate(scenario);
  return error.empty() ? validate_proxy(scenario) : error;
}

Result run_case(const Scenario& scenario, sim::ChoiceSource& choices, const ProxyFactory& factory) {
  h2::Recorder recorder;
  recorder.frames.reserve(128);
  std::unique_ptr<sim::Host> proxy;
  if (factory) {
    proxy = factory(recorder);
  } else if (scenario.has_proxy()) {
    const proxy::ProxyPolicy* policy = proxy::find_preset(scenario.proxy().preset());
    H2SIM_ASSERT(policy != nullptr);
    proxy = std::make_unique<proxy::H2Relay>(*policy, recorder);
  }
  return run(scenario, choices, proxy.get(), recorder);
}

}  // namespace h2sim
