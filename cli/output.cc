#include "cli/output.h"

#include <cerrno>
#include <cstdio>
#include <string>
#include <system_error>

namespace h2sim::cli {

int output_error(std::string_view command, std::string_view message) {
  std::fprintf(stderr, "h2sim%s%.*s: error: %.*s\n", command.empty() ? "" : " ", static_cast<int>(command.size()),
               command.data(), static_cast<int>(message.size()), message.data());
  return 2;
}

int finish_standard_output(std::string_view command, int code) {
  errno = 0;
  bool failed = std::fflush(stdout) != 0;
  int e = errno;
  failed = failed || std::ferror(stdout);
  if (!failed) return code;
  return output_error(command, "cannot write to standard output: " +
                                   (e != 0 ? std::generic_category().message(e) : std::string("an earlier write failed")));
}

}  // namespace h2sim::cli
