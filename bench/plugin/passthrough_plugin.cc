// The built-in passthrough relay, registered from a plug-in as a proxy of one's own would be
// ("passthrough-plugin"): bench/own_proxy_bench.cc compares a run through it with a run through
// the built-in preset, which measures what the plug-in boundary costs (an indirect factory, a
// proxy in another shared object).
#include <h2sim/plugin.h>

#include "proxy_under_test/h2_relay.h"
#include "proxy_under_test/policy.h"

namespace {

bool register_proxies(h2sim::ProxyRegistry& proxies, std::string* error) {
  return proxies.add({.name = "passthrough-plugin",
                      .version = "1",
                      .description = "the passthrough preset, from a plug-in",
                      .factory =
                          [](const h2sim::ProxyConfig& config) {
                            return std::make_unique<h2sim::proxy::H2Relay>(
                                h2sim::proxy::with_config(*h2sim::proxy::find_preset("passthrough"), config));
                          }},
                     error);
}

}  // namespace

H2SIM_PLUGIN(register_proxies)
