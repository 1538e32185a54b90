// Events in virtual time. Events due at the same instant at the same host are a choice point
// (Label::tie), not insertion order: simultaneity bugs are real, so their order is explored.
// Events at different hosts commute (each touches only its own host; what they send arrives
// later as events of their own, whose order is a choice again), so their order is not a choice:
// a partial-order reduction that keeps every reachable outcome and removes most ties.
#pragma once

#include <algorithm>
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

  // A run rarely has more than a few events pending; 16 keep each reservation under 1 KiB.
  EventQueue() {
    events_.reserve(16);
    actions_.reserve(16);
    free_slots_.reserve(16);
  }
  // `tag` describes the event for state identities (World::state_digest); events with equal tags
  // due at the same time must do the same thing. `host` is the one whose state the event touches.
  // Never earlier than the instant of the last pop (time does not go back).
  void schedule(Time at, Action action, uint64_t tag = 0, Address host = Address{});
  bool empty() const { return events_.empty() && lane_empty() && due_count_ == 0; }
  size_t size() const { return events_.size() + (lane_.size() - lane_head_) + due_count_; }
  Time next_time() const {
    if (due_count_ > 0) return due_at_;
    if (lane_empty()) return events_.front().at;
    if (events_.empty()) return lane_[lane_head_].at;
    return std::min(events_.front().at, lane_[lane_head_].at);
  }

  // Removes and returns one of the earliest events: among all those due at that instant at the
  // host of the first scheduled one (however many), the choice source picks, answer 0 being the
  // first scheduled.
  // `popped`, if given, gets the event's tag and host.
  Action pop(ChoiceSource& choices, Time* at, std::pair<uint64_t, Address>* popped = nullptr);
  // While pop asks for a tie choice: (tag, host) of each candidate, in the order the choice
  // ranks them (explore's partial-order reduction reads them through World::tie_candidates).
  void tie_candidates(std::vector<std::pair<uint64_t, Address>>* out) const;

  // (time until due, tag) of every pending event, sorted: the queue's part of a state identity.
  std::vector<std::pair<int64_t, uint64_t>> pending(Time now) const;

 private:
  // An event as the heap and the buckets move it: trivially copyable, 32 bytes. Its action waits
  // in actions_[slot] until it is popped, so sifting the heap copies no std::function (moving
  // them through the heap was 7% of a 10,000-call run in callgrind).
  struct Event {
    Time at;
    uint64_t seq;  // insertion order, so answer 0 is deterministic and plainest
    uint64_t tag;
    Address host;  // whose state the event touches
    uint32_t slot;  // its action in actions_; taken_slot once a bucket has handed it out
  };
  static constexpr uint32_t taken_slot = UINT32_MAX;
  // The events of one host due at the earliest instant, in scheduling order, with a Fenwick tree
  // over which are still pending: the pick-th pending one is found, and taken, in O(log n). A tie
  // of ten thousand start timers would otherwise cost a scan per pop (quadratic in the calls).
  struct Bucket {
    std::vector<Event> events;
    std::vector<uint32_t> tree;  // 1-based Fenwick tree of "still pending" flags over `events`
    size_t live = 0;  // events still pending
    size_t first = 0;  // the first still pending, for the host whose first event is earliest
    void add(const Event& event);
    size_t find(size_t rank) const;  // index of the rank-th (0-based) pending event
    Event take(size_t index);
  };

  void move_due_from_heap();
  Bucket& bucket(Address host);

  // A binary heap on (at, seq), earliest on top, of the events not yet due: scheduling and
  // moving out cost O(log n) however many events are pending (a sorted vector shifted every
  // element when ten thousand calls set their start timers in order).
  std::vector<Event> events_;
  // Events scheduled in time order (no earlier than the lane's last): a run's start timers, set
  // in order for every call at its start. They wait here in a sorted run, taken from the front, so
  // the heap holds only the events of the calls in flight (ten thousand start timers below them
  // made every near-term event sift through fourteen levels of cold memory).
  std::vector<Event> lane_;
  size_t lane_head_ = 0;
  bool lane_empty() const { return lane_head_ == lane_.size(); }
  // The actions of pending events, by slot; slots of popped events are reused (free_slots_).
  std::vector<Action> actions_;
  std::vector<uint32_t> free_slots_;
  // The events due at due_at_, by host (hosts are few: the index is the address), once the heap
  // has handed them over; events scheduled for that instant meanwhile join them directly.
  std::vector<Bucket> due_;
  const Bucket* tie_ = nullptr;  // the candidates, while pop asks for a tie choice
  size_t due_count_ = 0;
  Time due_at_;
  uint64_t next_seq_ = 0;
};

}  // namespace h2sim::sim
