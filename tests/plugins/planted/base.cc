// The planted relay with no defect planted: what every plug-in here is built on. `h2sim check`
// through it finds nothing in any shape, so a finding through a plug-in is that plug-in's defect.
#include "relay.h"

namespace {

bool register_proxies(h2sim::ProxyRegistry& proxies, std::string* error) {
  return planted::register_relay<planted::Relay>(proxies, error, "planted-base",
                                                 "the planted-defect relay, correct (tests/plugins/planted)");
}

}  // namespace

H2SIM_PLUGIN(register_proxies)
