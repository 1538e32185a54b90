// h2sim's command line as a function: a binary of your own that calls cli_main with your proxies
// registered beside the built-in presets is the whole h2sim CLI (run, check, replay, explore,
// report, matrix, presets, live) for your proxies too.
//
//   int main(int argc, char** argv) {
//     h2sim::ProxyRegistry proxies = h2sim::builtin_proxies();
//     std::string error;
//     if (!proxies.add({.name = "my-proxy", .version = "1.0", .description = "my proxy core",
//                       .origin = "this binary",
//                       .factory = [](const h2sim::ProxyConfig& c) { return std::make_unique<MyProxy>(c); }},
//                      &error)) {
//       std::fprintf(stderr, "%s\n", error.c_str());
//       return 2;
//     }
//     return h2sim::cli_main(argc, argv, proxies);
//   }
#pragma once

#include <h2sim/proxy.h>

namespace h2sim {

/// The built-in presets (passthrough, haproxy-2.6, nginx, ...), registered: a copy to add your
/// own proxies to.
ProxyRegistry builtin_proxies();

/// Runs the h2sim command line with these proxies (plus any --proxy-plugin or H2SIM_PLUGINS
/// adds) and returns its exit code: 0 every invariant held, 1 one failed, 2 bad input or an
/// output that cannot be written, 3 a search cut short, 130 interrupted.
int cli_main(int argc, char** argv, const ProxyRegistry& proxies);

}  // namespace h2sim
