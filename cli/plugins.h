// Loading plug-ins (include/h2sim/plugin.h) into a registry: a load error, a missing entry point
// or an API version mismatch is refused with the reason, and every proxy a plug-in registers
// records where it came from.
#pragma once

#include <h2sim/proxy.h>

#include <string>
#include <vector>

namespace h2sim::cli {

// Loads the plug-in at `path` (as given) and lets it add its proxies to `proxies`. False, with
// `error` naming the path and the reason, if it cannot be loaded or refuses.
bool load_plugin(const std::string& path, ProxyRegistry* proxies, std::string* error);

// Takes --proxy-plugin PATH and --proxy-plugin=PATH out of `args`, wherever they are, and adds
// the paths in H2SIM_PLUGINS (colon-separated) first. False with `error` if one has no path.
bool take_plugin_options(std::vector<std::string>* args, std::vector<std::string>* paths, std::string* error);

}  // namespace h2sim::cli
