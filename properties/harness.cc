#include "properties/harness.h"

#include "model/run/run.h"
#include "proxy_under_test/policy.h"

namespace h2sim {

const ProxyRegistry& builtin_registry() {
  static const ProxyRegistry registry = [] {
    ProxyRegistry r;
    proxy::add_presets(r);
    return r;
  }();
  return registry;
}

const Catalogue& builtin_catalogue() {
  static const Catalogue catalogue = catalogue_of(builtin_registry());
  return catalogue;
}

std::string validate_case(const Scenario& scenario) { return validate(scenario, builtin_catalogue()); }

Result run_case(const Scenario& scenario, sim::ChoiceSource& choices, const ProxyRegistry& proxies) {
  const ProxyEntry* entry = scenario.has_proxy() ? proxies.find(scenario.proxy().preset()) : nullptr;
  return run(scenario, choices, entry ? entry->factory : nullptr);
}

}  // namespace h2sim
