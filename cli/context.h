// What every command knows of the h2sim it runs in: the proxies it can put under test (the
// built-in presets, a custom binary's own, plug-ins), the names scenarios may use with them,
// and how to spell h2sim in the commands it prints so that they run as printed.
#pragma once

#include <h2sim/proxy.h>

#include <string>

#include "model/scenario/validate.h"

namespace h2sim::cli {

struct Context {
  const ProxyRegistry& proxies;
  Catalogue catalogue;
  // argv[0] as invoked, with the --proxy-plugin options that were given: "build/cli/h2sim",
  // "./my-h2sim --proxy-plugin ./libmine.so".
  std::string program;
};

// "PROGRAM replay PATH": the command that replays a file, as the user can run it.
inline std::string replay_command(const Context& ctx, const std::string& path) {
  return ctx.program + " replay " + path;
}

}  // namespace h2sim::cli
