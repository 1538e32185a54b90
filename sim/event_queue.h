// Events in virtual time. Events due at the same instant are a choice point (Label::tie), not
// insertion order: simultaneity bugs are real, so the order of simultaneous events is explored.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "sim/choice.h"
#include "sim/time.h"

namespace h2sim::sim {

class EventQueue {
 public:
  using Action = std::function<void()>;

  EventQueue() { events_.reserve(64); }
  void schedule(Time at, Action action);
  bool empty() const { return events_.empty(); }
  size_t size() const { return events_.size(); }
  Time next_time() const { return events_.front().at; }

  // Removes and returns one of the earliest events. Several due at the same instant: the choice
  // source picks, answer 0 being the one scheduled first.
  Action pop(ChoiceSource& choices, Time* at);

 private:
  struct Event {
    Time at;
    uint64_t seq;  // insertion order, so answer 0 is deterministic and plainest
    Action action;
  };
  std::vector<Event> events_;  // sorted by (at, seq)
  uint64_t next_seq_ = 0;
};

}  // namespace h2sim::sim
