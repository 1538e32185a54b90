#include "cli/rc_params.h"

#include <algorithm>
#include <charconv>
#include <sstream>
#include <string_view>

namespace h2sim::cli {

namespace {

// RapidCheck's own keys (rapidcheck/doc/configuration.md) that h2sim does not use.
// max_success among them: a campaign's size is --cases, whatever RC_PARAMS holds for the
// RapidCheck tests it may have been set for.
constexpr std::string_view ignored_keys[] = {"max_success", "max_size",          "max_discard_ratio",
                                             "verbose_progress", "verbose_shrinking", "reproduce"};

bool number(std::string_view key, std::string_view text, uint64_t* out, std::string* error) {
  auto r = std::from_chars(text.data(), text.data() + text.size(), *out);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size()) {
    *error = "RC_PARAMS: " + std::string(key) + " takes a whole number, not '" + std::string(text) + "'";
    return false;
  }
  return true;
}

}  // namespace

bool parse_rc_params(const std::string& text, RcParams* out, std::string* error) {
  std::istringstream words(text);
  for (std::string word; words >> word;) {
    size_t eq = word.find('=');
    std::string_view key = std::string_view(word).substr(0, eq);
    std::string_view value = eq == std::string::npos ? std::string_view("1") : std::string_view(word).substr(eq + 1);
    uint64_t n = 0;
    if (key == "seed") {
      if (!number(key, value, &n, error)) return false;
      out->seed = n;
    } else if (key == "noshrink") {
      if (!number(key, value, &n, error)) return false;
      out->noshrink = n != 0;
    } else if (std::find(std::begin(ignored_keys), std::end(ignored_keys), key) == std::end(ignored_keys)) {
      *error = "RC_PARAMS: unknown key '" + std::string(key) +
               "' (h2sim reads seed and noshrink; RapidCheck's others are ignored)";
      return false;
    }
  }
  return true;
}

}  // namespace h2sim::cli
