#include "sim/event_queue.h"

#include <algorithm>

#include "sim/assert.h"

namespace h2sim::sim {

void EventQueue::schedule(Time at, Action action, uint64_t tag, Address host) {
  Event event{at, next_seq_++, std::move(action), tag, host};
  auto pos = std::upper_bound(events_.begin(), events_.end(), event,
                              [](const Event& a, const Event& b) {
                                return a.at > b.at || (a.at == b.at && a.seq > b.seq);
                              });
  events_.insert(pos, std::move(event));
}

EventQueue::Action EventQueue::pop(ChoiceSource& choices, Time* at) {
  H2SIM_ASSERT(!events_.empty());
  // The candidates: events due now at the first one's host, in scheduling order (walking from
  // the back, where the earliest event is).
  const Event& first = events_.back();
  uint32_t candidates[64];
  uint32_t count = 0;
  for (size_t i = events_.size(); i-- > 0 && events_[i].at == first.at && count < 64;) {
    if (events_[i].host == first.host) candidates[count++] = static_cast<uint32_t>(i);
  }
  uint32_t index = candidates[choices.choose(count, Label::tie)];
  *at = events_[index].at;
  Action action = std::move(events_[index].action);
  events_.erase(events_.begin() + index);
  return action;
}

std::vector<std::pair<int64_t, uint64_t>> EventQueue::pending(Time now) const {
  std::vector<std::pair<int64_t, uint64_t>> out;
  out.reserve(events_.size());
  for (const Event& e : events_) out.emplace_back((e.at - now).ns, e.tag);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace h2sim::sim
