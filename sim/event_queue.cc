#include "sim/event_queue.h"

#include <algorithm>

#include "sim/assert.h"

namespace h2sim::sim {

void EventQueue::schedule(Time at, Action action) {
  Event event{at, next_seq_++, std::move(action)};
  auto pos = std::upper_bound(events_.begin(), events_.end(), event,
                              [](const Event& a, const Event& b) {
                                return a.at < b.at || (a.at == b.at && a.seq < b.seq);
                              });
  events_.insert(pos, std::move(event));
}

EventQueue::Action EventQueue::pop(ChoiceSource& choices, Time* at) {
  H2SIM_ASSERT(!events_.empty());
  uint32_t due = 1;
  while (due < events_.size() && events_[due].at == events_.front().at) ++due;
  uint32_t index = choices.choose(due, Label::tie);
  *at = events_[index].at;
  Action action = std::move(events_[index].action);
  events_.erase(events_.begin() + index);
  return action;
}

}  // namespace h2sim::sim
