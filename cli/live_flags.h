// The flags that say which real proxy a live command runs against, shared by live, replay --live
// and check --live: a built-in template by name (--proxy, --binary), or any program
// (--proxy-cmd with placeholders, --proxy-config TEMPLATE), the preset that models it
// (--preset) and how long it may take to start (--proxy-ready-ms).
#pragma once

#include <string>

#include "cli/args.h"
#include "properties/live_runs.h"

namespace h2sim::cli {

inline constexpr Option binary_option{"--binary", "PATH", "the built-in proxy's program (default: its Debian path)"};
inline constexpr Option proxy_cmd_option{
    "--proxy-cmd", "CMD",
    "any proxy: a command with {listen} {upstream} {config} {dir} ... (see below) instead of --proxy"};
inline constexpr Option proxy_config_option{"--proxy-config", "FILE",
                                            "a configuration template for the proxy (placeholders as in --proxy-cmd)"};
inline constexpr Option preset_option{"--preset", "P", "the preset that models the proxy (default: the built-in's)"};
inline constexpr Option ready_option{"--proxy-ready-ms", "MS",
                                     "how long the proxy may take to accept on its port (default 5000)"};

// The target from --proxy NAME (a built-in, by its name or its preset's) or --proxy-cmd, with
// --binary, --proxy-config, --preset and --proxy-ready-ms; with neither, the built-in modelled
// by `default_preset` if there is one. False with `error` for bad combinations, an unknown name
// (naming the known ones) or an unreadable template.
bool live_target_from_flags(const Parsed& p, const std::string& default_preset, LiveTarget* target,
                            std::string* error);

// A live command interrupted while its proxy started: says so, returns the interrupted exit code.
int interrupted_before_any_run();

// The placeholders and the built-in proxies, for --help.
std::string proxy_placeholders_help();

}  // namespace h2sim::cli
