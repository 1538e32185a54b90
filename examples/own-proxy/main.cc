// The toy relays in a binary of their own: the whole h2sim command line, with them registered
// beside the built-in presets.
//   ./my-h2sim check --proxy toy-relay-forgets-cancel
#include <h2sim/cli.h>

#include <cstdio>

#include "toy_relay.h"

int main(int argc, char** argv) {
  h2sim::ProxyRegistry proxies = h2sim::builtin_proxies();
  std::string error;
  if (!toy::register_toy_relays(proxies, "my-h2sim", &error)) {
    std::fprintf(stderr, "my-h2sim: %s\n", error.c_str());
    return 2;
  }
  return h2sim::cli_main(argc, argv, proxies);
}
