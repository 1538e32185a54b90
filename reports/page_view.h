// What a run's page draws and lists. A scenario of thousands of calls logs hundreds of thousands
// of frames: drawn whole, a 10,000-call run's sequence diagram was 132 MB and its page 160 MB,
// more than a browser opens. Above page_frames_max frames the page shows one call, the call at
// issue (run_facts.h), with the connection frames of its connections sent and read while it
// ran, and at most page_calls_max rows of outcomes; trace.txt and the pcaps keep everything.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "model/run/result.h"
#include "properties/invariants.h"

namespace h2sim {

constexpr size_t page_frames_max = 2000;
constexpr size_t page_calls_max = 1000;

struct PageView {
  // What the sequence diagram and the trace on the page show: the run itself when it is small
  // enough, else `part`, a Result holding the call at issue's frames (and only that call), with
  // the verdicts' frame indexes moved to match.
  const Result& shown() const { return whole ? *run : part; }
  const std::vector<Verdict>& verdicts() const { return whole ? *run_verdicts : part_verdicts; }

  bool whole = true;
  std::string note;     // for the page: what was left out and where to find it; empty when whole
  std::string caption;  // the same in one line, for the sequence diagram's legend
  const Result* run = nullptr;
  const std::vector<Verdict>* run_verdicts = nullptr;
  Result part;
  std::vector<Verdict> part_verdicts;
};

// The view of `result`, which must outlive it (a small run's view points at it).
void page_view(const Result& result, const std::vector<Verdict>& verdicts, PageView* view);

// The calls the outcome table lists, by index in `result.calls`: every call if there are at
// most page_calls_max, else page_calls_max of them, those whose status was lost first, in call
// order.
std::vector<size_t> listed_calls(const Result& result);

}  // namespace h2sim
