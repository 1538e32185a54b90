#include "properties/harness.h"

#include "model/grpc/personality.h"
#include "model/run/run.h"
#include "proxy_under_test/h2_relay.h"
#include "proxy_under_test/policy.h"
#include "sim/assert.h"

namespace h2sim {

const Catalogue& builtin_catalogue() {
  static const Catalogue catalogue = [] {
    Catalogue c;
    for (const proxy::ProxyPolicy& p : proxy::presets()) c.proxies.emplace_back(p.name);
    for (const grpc::ClientPersonality& p : grpc::client_personalities()) c.clients.emplace_back(p.name);
    for (const grpc::ServerPersonality& p : grpc::server_personalities()) c.servers.emplace_back(p.name);
    return c;
  }();
  return catalogue;
}

proxy::ProxyPolicy policy_of(const Proxy& p) {
  const proxy::ProxyPolicy* preset = proxy::find_preset(p.preset());
  H2SIM_ASSERT(preset != nullptr);
  proxy::ProxyPolicy policy = *preset;
  if (p.has_max_requests_per_connection()) {
    policy.max_requests_per_connection = p.max_requests_per_connection();
  }
  if (p.has_goaway_graceful()) policy.goaway_graceful = p.goaway_graceful();
  if (p.has_idle_timeout_ns()) policy.idle_timeout_ns = p.idle_timeout_ns();
  if (p.has_downstream_window_bytes()) policy.downstream_window_bytes = p.downstream_window_bytes();
  if (p.has_upstream_window_bytes()) policy.upstream_window_bytes = p.upstream_window_bytes();
  if (p.has_downstream_max_concurrent_streams()) {
    policy.downstream_max_concurrent_streams = p.downstream_max_concurrent_streams();
  }
  return policy;
}

std::string validate_case(const Scenario& scenario) { return validate(scenario, builtin_catalogue()); }

Result run_case(const Scenario& scenario, sim::ChoiceSource& choices, const ProxyFactory& factory) {
  h2::Recorder recorder;
  recorder.frames.reserve(128);
  std::unique_ptr<sim::Host> proxy;
  if (factory) {
    proxy = factory(recorder);
  } else if (scenario.has_proxy()) {
    proxy = std::make_unique<proxy::H2Relay>(policy_of(scenario.proxy()), recorder);
  }
  return run(scenario, choices, proxy.get(), recorder);
}

}  // namespace h2sim
