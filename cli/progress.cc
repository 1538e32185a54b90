#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace h2sim::cli {

ProgressLine::ProgressLine(std::string command) : command_(std::move(command)), terminal_(isatty(STDERR_FILENO)) {}

void ProgressLine::show(const std::string& text) {
  if (terminal_) {
    std::fprintf(stderr, "\r  %-76s", text.c_str());
    std::fflush(stderr);
    drawn_ = true;
    return;
  }
  if (clock_.seconds() - printed_at_s_ < plain_interval_s) return;
  printed_at_s_ = clock_.seconds();
  std::fprintf(stderr, "h2sim %s: %s\n", command_.c_str(), text.c_str());
}

void ProgressLine::clear() {
  if (!drawn_) return;
  std::fprintf(stderr, "\r%80s\r", "");
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace h2sim::cli
