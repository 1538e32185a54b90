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
  candidates_.clear();
  for (size_t i = events_.size(); i-- > 0 && events_[i].at == first.at;) {
    if (events_[i].host == first.host) candidates_.push_back(i);
  }
  H2SIM_ASSERT(!candidates_.empty() && candidates_[0] == events_.size() - 1);
  // choose() takes a uint32_t: a tie of 2^32 events would need more memory than any run has.
  H2SIM_ASSERT(candidates_.size() <= UINT32_MAX);
  uint32_t pick = choices.choose(static_cast<uint32_t>(candidates_.size()), Label::tie);
  H2SIM_ASSERT(pick < candidates_.size());
  size_t index = candidates_[pick];
  *at = events_[index].at;
  H2SIM_ASSERT(*at == first.at);
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
