#include "sim/event_queue.h"

#include <algorithm>
#include <bit>

#include "sim/assert.h"

namespace h2sim::sim {

namespace {

// std::push_heap keeps the greatest element on top: "greater" here is "due earlier", so the top is
// the earliest event, the first scheduled among those due at once.
struct Later {
  template <typename E>
  bool operator()(const E& a, const E& b) const {
    return a.at > b.at || (a.at == b.at && a.seq > b.seq);
  }
};

// Hosts a run has (client, proxy, server, hostile, with room): an address beyond is a bug.
constexpr uint32_t hosts_max = 64;

}  // namespace

void EventQueue::Bucket::add(const Event& event) {
  H2SIM_ASSERT(events.empty() || events.back().seq < event.seq);
  // A host's instant holds a few events: one allocation each rather than growing 1, 2, 4, 8.
  if (events.capacity() == 0) {
    events.reserve(8);
    tree.reserve(8);
  }
  events.push_back(event);
  // Fenwick append: node i covers (i - lowbit(i), i]; its sum is the new flag plus the flags of
  // the nodes below it in that range, all of them pending or not as the tree already knows.
  size_t i = events.size();
  size_t low = i & (~i + 1);
  uint32_t sum = 1;
  for (size_t j = i - 1; j > i - low; j -= j & (~j + 1)) sum += tree[j - 1];
  tree.push_back(sum);
  ++live;
}

size_t EventQueue::Bucket::find(size_t rank) const {
  H2SIM_ASSERT(rank < live);
  size_t pos = 0;  // 1-based prefix whose sum is at most rank
  size_t remaining = rank;
  for (size_t step = std::bit_floor(tree.size()); step > 0; step >>= 1) {
    if (pos + step <= tree.size() && tree[pos + step - 1] <= remaining) {
      pos += step;
      remaining -= tree[pos - 1];
    }
  }
  H2SIM_ASSERT(pos < events.size() && events[pos].slot != taken_slot);
  return pos;
}

EventQueue::Event EventQueue::Bucket::take(size_t index) {
  Event event = events[index];
  events[index].slot = taken_slot;
  for (size_t i = index + 1; i <= tree.size(); i += i & (~i + 1)) --tree[i - 1];
  --live;
  if (live == 0) {
    events.clear();  // keeps the capacity: the next instant allocates nothing
    tree.clear();
    first = 0;
  } else {
    while (events[first].slot == taken_slot) ++first;
  }
  return event;
}

EventQueue::Bucket& EventQueue::bucket(Address host) {
  H2SIM_ASSERT(host.value < hosts_max);
  if (due_.size() <= host.value) due_.resize(host.value + 1);
  return due_[host.value];
}

void EventQueue::schedule(Time at, Action action, uint64_t tag, Address host) {
  H2SIM_ASSERT(action != nullptr);
  uint32_t slot;
  if (free_slots_.empty()) {
    H2SIM_ASSERT(actions_.size() < taken_slot);
    slot = static_cast<uint32_t>(actions_.size());
    actions_.push_back(std::move(action));
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
    actions_[slot] = std::move(action);
  }
  Event event{at, next_seq_++, tag, host, slot};
  if (due_count_ > 0) {
    H2SIM_ASSERT(at >= due_at_);
    if (at == due_at_) {
      bucket(host).add(event);
      ++due_count_;
      return;
    }
  }
  if (lane_empty()) {
    lane_.clear();
    lane_head_ = 0;
  }
  // The lane takes an event that keeps it sorted, unless the event is due before the heap's
  // earliest (near-term events belong in the small heap); either way pop sees (at, seq) order.
  if (!lane_.empty() ? at >= lane_.back().at : (!events_.empty() && at > events_.front().at)) {
    lane_.push_back(event);
    return;
  }
  events_.push_back(event);
  std::push_heap(events_.begin(), events_.end(), Later{});
}

// Every event due at the heap's earliest instant moves to its host's bucket, in scheduling order.
// Heap and lane are merged in (at, seq) order, as one heap would hand them over.
void EventQueue::move_due_from_heap() {
  H2SIM_ASSERT(due_count_ == 0 && (!events_.empty() || !lane_empty()));
  due_at_ = next_time();
  for (;;) {
    bool heap_due = !events_.empty() && events_.front().at == due_at_;
    bool lane_due = !lane_empty() && lane_[lane_head_].at == due_at_;
    if (lane_due && (!heap_due || lane_[lane_head_].seq < events_.front().seq)) {
      bucket(lane_[lane_head_].host).add(lane_[lane_head_]);
      ++lane_head_;
    } else if (heap_due) {
      std::pop_heap(events_.begin(), events_.end(), Later{});
      bucket(events_.back().host).add(events_.back());
      events_.pop_back();
    } else {
      break;
    }
    ++due_count_;
  }
}

EventQueue::Action EventQueue::pop(ChoiceSource& choices, Time* at, std::pair<uint64_t, Address>* popped) {
  H2SIM_ASSERT(!empty());
  if (due_count_ == 0) move_due_from_heap();
  // The candidates: the events due now at the host of the first one scheduled.
  Bucket* chosen = nullptr;
  for (Bucket& b : due_) {
    if (b.live == 0) continue;
    if (chosen == nullptr || b.events[b.first].seq < chosen->events[chosen->first].seq) chosen = &b;
  }
  H2SIM_ASSERT(chosen != nullptr);
  // choose() takes a uint32_t: a tie of 2^32 events would need more memory than any run has.
  H2SIM_ASSERT(chosen->live <= UINT32_MAX);
  tie_ = chosen;
  uint32_t pick = choices.choose(static_cast<uint32_t>(chosen->live), Label::tie);
  tie_ = nullptr;
  H2SIM_ASSERT(pick < chosen->live);
  size_t index = pick == 0 ? chosen->first : chosen->find(pick);
  Event event = chosen->take(index);
  H2SIM_ASSERT(event.at == due_at_);
  --due_count_;
  *at = due_at_;
  if (popped) *popped = {event.tag, event.host};
  Action action = std::move(actions_[event.slot]);
  actions_[event.slot] = nullptr;
  free_slots_.push_back(event.slot);
  return action;
}

void EventQueue::tie_candidates(std::vector<std::pair<uint64_t, Address>>* out) const {
  H2SIM_ASSERT(tie_ != nullptr);
  out->clear();
  for (const Event& e : tie_->events) {
    if (e.slot != taken_slot) out->emplace_back(e.tag, e.host);
  }
}

std::vector<std::pair<int64_t, uint64_t>> EventQueue::pending(Time now) const {
  std::vector<std::pair<int64_t, uint64_t>> out;
  out.reserve(size());
  for (const Event& e : events_) out.emplace_back((e.at - now).ns, e.tag);
  for (size_t i = lane_head_; i < lane_.size(); ++i) out.emplace_back((lane_[i].at - now).ns, lane_[i].tag);
  for (const Bucket& b : due_) {
    for (const Event& e : b.events) {
      if (e.slot != taken_slot) out.emplace_back((e.at - now).ns, e.tag);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace h2sim::sim
