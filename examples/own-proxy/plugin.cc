// The toy relays as a plug-in for the stock h2sim:
//   h2sim --proxy-plugin ./libtoy_relay.so check --proxy toy-relay-forgets-cancel
#include <h2sim/plugin.h>

#include "toy_relay.h"

namespace {

bool register_proxies(h2sim::ProxyRegistry& proxies, std::string* error) {
  return toy::register_toy_relays(proxies, "", error);
}

}  // namespace

H2SIM_PLUGIN(register_proxies)
