// Plug-ins the CLI tests load (tests/cli/plugin_test.cc), one shared object each, chosen by the
// macro the build defines: a good one (a layer-4 byte relay), one built for another API version,
// one without entry points, one that refuses to register, one whose factory returns nothing, and
// one whose proxy crashes on reads larger than 2,000 bytes, and one that loops on them.
#include <h2sim/plugin.h>

#include <cstdlib>

#include "support/byte_relay.h"

namespace {

class CrashingRelay final : public h2sim::testing::ByteRelay {
 public:
  explicit CrashingRelay(std::string name) : ByteRelay(std::move(name)) {}
  void on_bytes(h2sim::sim::ConnId end, std::span<const uint8_t> batch) override {
    if (batch.size() > 2000) std::abort();
    ByteRelay::on_bytes(end, batch);
  }
};

class LoopingRelay final : public h2sim::testing::ByteRelay {
 public:
  explicit LoopingRelay(std::string name) : ByteRelay(std::move(name)) {}
  void on_bytes(h2sim::sim::ConnId end, std::span<const uint8_t> batch) override {
    for (volatile bool forever = batch.size() > 2000; forever;) {
    }
    ByteRelay::on_bytes(end, batch);
  }
};

[[maybe_unused]] bool add(h2sim::ProxyRegistry& proxies, std::string* error, const std::string& name,
                          h2sim::ProxyFactory factory) {
  return proxies.add({.name = name, .version = "7", .description = "a test plug-in's proxy", .config_fields = 0,
                      .factory = std::move(factory)},
                     error);
}

}  // namespace

#if defined(H2SIM_TEST_PLUGIN_GOOD)
static bool register_proxies(h2sim::ProxyRegistry& proxies, std::string* error) {
  return add(proxies, error, "plugged-relay",
             [](const h2sim::ProxyConfig&) { return std::make_unique<h2sim::testing::ByteRelay>("plugged-relay"); }) &&
         add(proxies, error, "plugged-crasher",
             [](const h2sim::ProxyConfig&) { return std::make_unique<CrashingRelay>("plugged-crasher"); }) &&
         add(proxies, error, "plugged-looper",
             [](const h2sim::ProxyConfig&) { return std::make_unique<LoopingRelay>("plugged-looper"); }) &&
         add(proxies, error, "plugged-nothing", [](const h2sim::ProxyConfig&) { return std::unique_ptr<h2sim::Proxy>(); });
}
H2SIM_PLUGIN(register_proxies)
#elif defined(H2SIM_TEST_PLUGIN_OLD_API)
extern "C" __attribute__((visibility("default"))) uint32_t h2sim_plugin_api_version() {
  return H2SIM_PLUGIN_API_VERSION + 41;
}
extern "C" __attribute__((visibility("default"))) bool h2sim_plugin_register(h2sim::ProxyRegistry*, std::string*) {
  return true;
}
#elif defined(H2SIM_TEST_PLUGIN_REFUSES)
static bool register_proxies(h2sim::ProxyRegistry&, std::string* error) {
  *error = "no licence for this machine";
  return false;
}
H2SIM_PLUGIN(register_proxies)
#else
// No entry points at all: a shared object, but not an h2sim plug-in.
extern "C" int not_a_plugin() { return 0; }
#endif
