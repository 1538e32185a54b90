// A small option parser shared by every h2sim command: declared options, --help, and errors
// that name the bad flag. Commands exit 2 on any error it reports.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace h2sim::cli {

struct Option {
  std::string_view name;       // "--seed"
  std::string_view value_name; // "S"; empty for a switch
  std::string_view help;
  bool repeatable = false;
};

struct Parsed {
  std::map<std::string, std::vector<std::string>, std::less<>> values;  // switch: {""}
  std::vector<std::string> positional;
  bool help = false;

  bool has(std::string_view name) const { return values.find(name) != values.end(); }
  const std::string& value(std::string_view name) const { return values.find(name)->second.back(); }
  const std::vector<std::string>& all(std::string_view name) const;
};

// Parses args (after the command name). Unknown options, a missing value, or a repeated
// non-repeatable option are errors.
bool parse_args(std::span<const std::string> args, std::span<const Option> options, Parsed* out,
                std::string* error);

std::string help_text(std::string_view usage, std::string_view description,
                      std::span<const Option> options);
// Prints help_text to standard output; returns 0, the exit code of --help.
int print_help(std::string_view usage, std::string_view description, std::span<const Option> options);

// A decimal integer in [min, max]; false (with error naming the option) otherwise.
bool parse_number(std::string_view option, std::string_view text, uint64_t min, uint64_t max,
                  uint64_t* out, std::string* error);

// If `flag` was given, its value parsed as parse_number does and handed to `set`. True if the flag
// is absent or its value is valid.
template <typename Set>
bool optional_number(const Parsed& p, std::string_view flag, uint64_t min, uint64_t max, Set set, std::string* error) {
  uint64_t n = 0;
  if (!p.has(flag)) return true;
  if (!parse_number(flag, p.value(flag), min, max, &n, error)) return false;
  set(n);
  return true;
}

// Prints "h2sim CMD: error: MESSAGE" and the hint to use --help; returns 2.
int usage_error(std::string_view command, std::string_view message);

}  // namespace h2sim::cli
