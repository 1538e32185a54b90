// RC_PARAMS, RapidCheck's configuration variable, read the way h2sim uses it: `seed` and
// `noshrink` are honoured where they are given and only then; RapidCheck's other keys (among them
// `max_success`, which sizes RapidCheck's own property tests, not an h2sim campaign: --cases
// does) are accepted and ignored; any other key is an error (a typo must not silently run
// another campaign).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace h2sim::cli {

struct RcParams {
  std::optional<uint64_t> seed;
  bool noshrink = false;
};

// Parses "key=value key=value"; false with `error` naming the bad key or value.
bool parse_rc_params(const std::string& text, RcParams* out, std::string* error);

}  // namespace h2sim::cli
