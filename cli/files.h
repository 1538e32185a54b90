// Writing output files whole or not at all: into a temporary file beside the target, renamed
// over it once complete, so a failure never leaves half a file behind.
#pragma once

#include <string>

namespace h2sim::cli {

// Empty if `path` can be written (its directory exists), else why not. Checked before any work.
std::string check_writable(const std::string& path);
bool write_file_atomically(const std::string& path, const std::string& contents, std::string* error);

}  // namespace h2sim::cli
