// What each model answers to: the real proxy or gRPC library a preset or personality stands for,
// and when and how well it last agreed with it in live mode (h2sim live --compare,
// --differential). `h2sim presets` prints it; docs/live-agreement.md and docs/fidelity.md hold
// the runs behind each figure. A model never compared says so, and why.
#pragma once

#include <string_view>

namespace h2sim {

struct Counterpart {
  std::string_view kind;      // "proxy", "client" or "server"
  std::string_view name;      // the preset or personality
  std::string_view real;      // the real thing, with its version
  std::string_view compared;  // the last comparison's date and figures, or why there is none
};

// The built-in presets' and personalities' counterparts; nullptr for a name not listed (a
// plug-in's proxy, whose counterpart is its author's to say).
const Counterpart* counterpart_of(std::string_view kind, std::string_view name);

}  // namespace h2sim
