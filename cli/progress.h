// Progress of a long command on standard error: on a terminal one line redrawn in place; in a
// log (CI, a pipe) a plain line every few seconds, so that nothing is lost to carriage returns.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "live/net/clock.h"
#include "properties/check.h"

namespace h2sim::cli {

class ProgressLine {
 public:
  explicit ProgressLine(std::string command);
  ~ProgressLine() { clear(); }
  // Shows `text`: at once on a terminal, else if the last line is plain_interval_s old.
  void show(const std::string& text);
  // Erases a terminal line before other output.
  void clear();

 private:
  static constexpr double plain_interval_s = 5;
  std::string command_;
  bool terminal_;
  bool drawn_ = false;
  double printed_at_s_ = 0;
  live::Stopwatch clock_;
};

// A campaign's progress on `line`: "cases 5/200  1965 runs/s  findings 1  shrinking ...", where
// `runs` names what is counted ("runs", "live runs").
std::function<void(const CheckProgress&)> campaign_progress(ProgressLine* line, std::string_view runs);

}  // namespace h2sim::cli
