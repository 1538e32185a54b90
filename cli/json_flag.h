// --json FILE, as every command that takes it handles it: checked before the command runs (so a
// long campaign does not end in an unwritable path) and written after.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "cli/args.h"
#include "reports/output.pb.h"

namespace h2sim::cli {

inline constexpr Option json_option = {"--json", "FILE", "also write the results as JSON (schema: reports/output.proto)"};

// Why --json's file cannot be written, or empty (also when --json was not given).
std::string check_json_flag(const Parsed& p);

// Writes `out`, stamped with this build's version and the command line, to --json's file if it
// was given. False with `error` if it could not be written.
bool write_json_flag(const Parsed& p, std::string_view command, std::span<const std::string> args,
                     output::Output out, std::string* error);

}  // namespace h2sim::cli
