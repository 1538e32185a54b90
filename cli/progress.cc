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

std::function<void(const CheckProgress&)> campaign_progress(ProgressLine* line, std::string_view runs) {
  return [line, runs](const CheckProgress& s) {
    char text[200];
    std::snprintf(text, sizeof text, "cases %llu/%llu  %.0f %.*s/s  findings %zu  %s",
                  static_cast<unsigned long long>(s.done), static_cast<unsigned long long>(s.total),
                  s.seconds > 0 ? s.runs / s.seconds : 0.0, static_cast<int>(runs.size()), runs.data(), s.findings,
                  s.activity.c_str());
    line->show(text);
  };
}

}  // namespace h2sim::cli
