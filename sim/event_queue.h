// Events in virtual time. Events due at the same instant at the same host are a choice point
// (Label::tie), not insertion order: simultaneity bugs are real, so their order is explored.
// Events at different hosts commute (each touches only its own host; what they send arrives
// later as events of their own, whose order is a choice again), so their order is not a choice:
// a partial-order reduction that keeps every reachable outcome and removes most ties.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "sim/choice.h"
#include "sim/id.h"
#include "sim/time.h"

namespace h2sim::sim {

class EventQueue {
 public:
  using Action = std::function<void()>;

  // A run rarely has more than a few events pending; 16 keep the reservation at 1 KiB. A tie is
  // at most every pending event.
  EventQueue() {
    events_.reserve(16);
    candidates_.reserve(ties_reserved);
  }
  // `tag` describes the event for state identities (World::state_digest); events with equal tags
  // due at the same time must do the same thing. `host` is the one whose state the event touches.
  void schedule(Time at, Action action, uint64_t tag = 0, Address host = Address{});
  bool empty() const { return events_.empty(); }
  size_t size() const { return events_.size(); }
  Time next_time() const { return events_.back().at; }

  // Removes and returns one of the earliest events: among all those due at that instant at the
  // host of the first scheduled one (however many), the choice source picks, answer 0 being the
  // first scheduled.
  Action pop(ChoiceSource& choices, Time* at);

  // (time until due, tag) of every pending event, sorted: the queue's part of a state identity.
  std::vector<std::pair<int64_t, uint64_t>> pending(Time now) const;

 private:
  struct Event {
    Time at;
    uint64_t seq;  // insertion order, so answer 0 is deterministic and plainest
    Action action;
    uint64_t tag;
    Address host;  // whose state the event touches
  };
  // Simultaneous events at one host that the candidate list holds without growing. Not a cap
  // (there is none: a choice over every simultaneous event is what "every schedule" promises):
  // a larger tie grows the list once, and it is kept between pops.
  static constexpr size_t ties_reserved = 16;
  // Sorted by (at, seq), latest first: most events are due soon, so they are inserted and
  // removed near the end, and the vector rarely shifts its elements.
  std::vector<Event> events_;
  // pop()'s candidates, as indices into events_, kept so that a pop allocates nothing.
  std::vector<size_t> candidates_;
  uint64_t next_seq_ = 0;
};

}  // namespace h2sim::sim
