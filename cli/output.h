// How commands end: an error as one line with exit 2, and standard output checked at the end of
// every command. Where they write, and how without destroying anything: live/net/files.h.
#pragma once

#include <string_view>

#include "live/net/files.h"

namespace h2sim::cli {

using live::check_apart;
using live::check_output_file;
using live::check_output_folder;
using live::claim_output_folder;
using live::StagedFolder;
using live::write_output_file;

// Prints "h2sim COMMAND: error: MESSAGE" (or "h2sim: error: ..." without a command) as one line
// and returns 2 (the exit code of bad input and of filesystem and OS errors).
int output_error(std::string_view command, std::string_view message);

// Flushes standard output at the end of a command: if anything written to it was lost (a full
// disk, a closed descriptor), prints why and returns 2; otherwise returns `code`.
int finish_standard_output(std::string_view command, int code);

}  // namespace h2sim::cli
