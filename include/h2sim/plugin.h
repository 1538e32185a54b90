// A plug-in: a shared object that registers proxies with the stock h2sim binary, loaded with
// `h2sim --proxy-plugin PATH.so COMMAND ...` (repeatable) or H2SIM_PLUGINS=PATH[:PATH...].
//
//   #include <h2sim/plugin.h>
//
//   static bool register_proxies(h2sim::ProxyRegistry& proxies, std::string* error) {
//     return proxies.add({.name = "my-proxy", .version = "1.0", .description = "my proxy core",
//                         .factory = [](const h2sim::ProxyConfig& c) { return std::make_unique<MyProxy>(c); }},
//                        error);
//   }
//   H2SIM_PLUGIN(register_proxies)
//
// The plug-in and h2sim must be built against the same h2sim headers with the same compiler:
// C++ objects cross the boundary. h2sim checks the API version first and refuses a plug-in
// built for another one, with exit 2 and the reason. A registered proxy works by name everywhere
// a preset does, and replay files record the plug-in's path so that replaying without it says
// which plug-in is missing. Never unloaded.
#pragma once

#include <h2sim/proxy.h>

#include <cstdint>
#include <string>

/// Bumped whenever anything a plug-in sees changes: Proxy, ProxyConfig, ProxyEntry,
/// ProxyRegistry, sim::Host, sim::Net and the types they use.
#define H2SIM_PLUGIN_API_VERSION 4u  // 3: ProxyConfig::request_buffering; 4: Net::choose

/// The entry points, by name. Use H2SIM_PLUGIN rather than defining them by hand.
#define H2SIM_PLUGIN_VERSION_SYMBOL "h2sim_plugin_api_version"
#define H2SIM_PLUGIN_REGISTER_SYMBOL "h2sim_plugin_register"

extern "C" {
using h2sim_plugin_api_version_fn = uint32_t (*)();
using h2sim_plugin_register_fn = bool (*)(h2sim::ProxyRegistry* proxies, std::string* error);
}

/// Defines the plug-in's entry points around `register_function`, a
/// `bool(h2sim::ProxyRegistry&, std::string* error)` that adds the plug-in's proxies.
#define H2SIM_PLUGIN(register_function)                                                       \
  extern "C" __attribute__((visibility("default"))) uint32_t h2sim_plugin_api_version() {     \
    return H2SIM_PLUGIN_API_VERSION;                                                          \
  }                                                                                           \
  extern "C" __attribute__((visibility("default"))) bool h2sim_plugin_register(               \
      h2sim::ProxyRegistry* proxies, std::string* error) {                                    \
    return register_function(*proxies, error);                                                \
  }
