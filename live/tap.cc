#include "live/tap.h"

#include <algorithm>

#include "model/h2/codec.h"
#include "sim/assert.h"

namespace h2sim::live {

namespace {

// A frame longer than this is not HTTP/2 as any peer here speaks it (SETTINGS_MAX_FRAME_SIZE
// is at most 2^24 - 1): the tap stops parsing and relays.
constexpr uint32_t frame_bytes_max = (1u << 24) - 1;

}  // namespace

void TapHost::start(sim::Net& net, sim::Address next_hop) {
  net_ = &net;
  next_hop_ = next_hop;
}

int64_t TapHost::now_ns() const { return net_->now().ns; }

void TapHost::on_accept(sim::ConnId accepted) {
  sim::ConnId onward = net_->connect(next_hop_);
  uint32_t link = links_++;
  // The accepted connection opens the HTTP/2 connection: the client's to the proxy on the
  // downstream leg, the proxy's to the server on the upstream leg. Its bytes start with the
  // preface.
  Direction& a = from_[accepted];
  a.way = leg_ == TapLeg::downstream ? TapWay::to_proxy : TapWay::from_proxy;
  a.link = link;
  a.in = accepted;
  a.out = onward;
  a.expect_preface = true;
  Direction& b = from_[onward];
  b.way = leg_ == TapLeg::downstream ? TapWay::from_proxy : TapWay::to_proxy;
  b.link = link;
  b.in = onward;
  b.out = accepted;
}

// Moves the whole frames at the start of `partial` to the held ones.
void TapHost::scan(Direction& d) {
  size_t at = 0;
  if (d.expect_preface && d.partial.size() >= h2::connection_preface.size()) {
    d.expect_preface = false;
    if (!h2::starts_with_preface(d.partial)) {
      d.raw = true;
      return;
    }
    at = h2::connection_preface.size();
    d.held.push_back({.preface = true});
  }
  while (!d.expect_preface && d.partial.size() - at >= h2::frame_header_bytes) {
    h2::FrameHeader header = h2::read_frame_header(std::span(d.partial).subspan(at));
    if (header.length > frame_bytes_max) {
      d.raw = true;
      break;
    }
    if (d.partial.size() - at < h2::frame_header_bytes + header.length) break;
    at += h2::frame_header_bytes + header.length;
    d.held.push_back({false, static_cast<h2::FrameType>(header.type), header.flags, static_cast<uint32_t>(header.stream.value), header.length});
  }
  if (d.raw) at = d.partial.size();
  d.bytes.insert(d.bytes.end(), d.partial.begin(), d.partial.begin() + static_cast<std::ptrdiff_t>(at));
  d.partial.erase(d.partial.begin(), d.partial.begin() + static_cast<std::ptrdiff_t>(at));
  // The ends of the frames just held (raw bytes are one unit).
  uint32_t end = d.ends.empty() ? 0 : d.ends.back();
  for (size_t i = d.ends.size(); i < d.held.size(); ++i) {
    end += d.held[i].preface ? static_cast<uint32_t>(h2::connection_preface.size())
                             : static_cast<uint32_t>(h2::frame_header_bytes) + d.held[i].length;
    d.ends.push_back(end);
  }
  if (d.raw && d.bytes.size() > (d.ends.empty() ? 0 : d.ends.back())) {
    d.held.push_back({});
    d.ends.push_back(static_cast<uint32_t>(d.bytes.size()));
  }
}

void TapHost::on_bytes(sim::ConnId end, std::span<const uint8_t> batch) {
  auto it = from_.find(end);
  if (it == from_.end()) return;
  Direction& d = it->second;
  d.last_arrival_ns = now_ns();
  d.asked_hold = d.asked_hold && !d.holding;  // a held direction is asked again with what came
  d.partial.insert(d.partial.end(), batch.begin(), batch.end());
  if (!d.raw) scan(d);
  if (d.raw && !d.partial.empty()) {
    d.bytes.insert(d.bytes.end(), d.partial.begin(), d.partial.end());
    d.partial.clear();
    d.held.push_back({});
    d.ends.push_back(static_cast<uint32_t>(d.bytes.size()));
  }
  pump(d);
}

TapQuestion TapHost::question(const Direction& d) const {
  TapQuestion q;
  q.leg = leg_;
  q.way = d.way;
  q.link = d.link;
  q.held = d.held;
  return q;
}

void TapHost::set_waiting(const Direction& d, bool waiting) {
  if (steering_) steering_->set_waiting(leg_, d.way, d.link, waiting);
}

void TapHost::arm(Direction& d, int64_t due_ns) {
  if (d.timer_armed) {
    net_->cancel_timer(d.timer);
    timers_.erase(d.timer);
  }
  d.timer = net_->set_timer(sim::Duration{std::max<int64_t>(0, due_ns - now_ns())});
  d.timer_armed = true;
  timers_[d.timer] = d.in;
}

void TapHost::on_timer(sim::TimerId timer) {
  auto it = timers_.find(timer);
  if (it == timers_.end()) return;
  sim::ConnId in = it->second;
  timers_.erase(it);
  auto d = from_.find(in);
  if (d == from_.end()) return;
  d->second.timer_armed = false;
  pump(d->second);
}

// The delivery point's waits: a cut's pause, a hold until the sender is quiet, a yield until
// the other directions holding frames have delivered. Each question is asked once per point.
bool TapHost::ready(Direction& d, TapQuestion& q, int64_t now) {
  const SteeringTiming& t = steering_->timing();
  if (now < d.blocked_until_ns) {
    arm(d, d.blocked_until_ns);
    return false;
  }
  if (!d.asked_hold) {
    d.asked_hold = true;
    bool hold = steering_->hold(q);
    if (hold && !d.holding) d.hold_started_ns = now;
    d.holding = hold;
  }
  if (d.holding) {
    int64_t due = std::min(d.last_arrival_ns + t.quiet.ns, d.hold_started_ns + t.hold_max.ns);
    if (now < due) {
      arm(d, due);
      return false;
    }
    d.holding = false;
  }
  q.waiting = steering_->waiting_besides(leg_, d.way, d.link);
  if (!d.asked_yield && !q.waiting.empty()) {
    d.asked_yield = true;
    d.yielding = steering_->yield(q);
    d.yield_started_ns = now;
  }
  if (d.yielding && !q.waiting.empty() && now - d.yield_started_ns < t.hold_max.ns) {
    set_waiting(d, false);  // so that the others do not yield to it in turn
    arm(d, now + sim::Duration::milliseconds(1).ns);
    return false;
  }
  d.yielding = false;
  return true;
}

void TapHost::pump(Direction& d) {
  if (d.closed) return;
  if (d.held.empty()) {
    set_waiting(d, false);
    return;
  }
  if (steering_ == nullptr || d.raw) {
    deliver(d, d.held.size());
    return;
  }
  set_waiting(d, true);
  int64_t now = now_ns();
  TapQuestion q = question(d);
  if (!ready(d, q, now)) return;
  set_waiting(d, true);
  size_t frames = steering_->cut(q);
  steering_->delivered(q, frames);
  deliver(d, frames);
  d.asked_hold = d.asked_yield = false;  // what is left, or arrives next, is a new point
  if (!d.held.empty()) {
    d.blocked_until_ns = now + steering_->timing().gap.ns;
    arm(d, d.blocked_until_ns);
  } else {
    set_waiting(d, false);
  }
}

void TapHost::deliver(Direction& d, size_t frames) {
  H2SIM_ASSERT(frames > 0 && frames <= d.held.size());
  uint32_t end = d.ends[frames - 1];
  sim::Flush flush;
  flush.bytes.assign(d.bytes.begin(), d.bytes.begin() + end);
  for (size_t i = 0; i + 1 < frames; ++i) flush.boundaries.push_back(d.ends[i]);
  d.bytes.erase(d.bytes.begin(), d.bytes.begin() + end);
  d.held.erase(d.held.begin(), d.held.begin() + static_cast<std::ptrdiff_t>(frames));
  d.ends.erase(d.ends.begin(), d.ends.begin() + static_cast<std::ptrdiff_t>(frames));
  for (uint32_t& e : d.ends) e -= end;
  net_->write(d.out, std::move(flush));
}

void TapHost::on_peer_closed(sim::ConnId end, bool reset) {
  auto it = from_.find(end);
  if (it == from_.end()) return;
  Direction& d = it->second;
  if (reset) {
    net_->reset(d.out);
    if (auto other = from_.find(d.out); other != from_.end()) {
      set_waiting(other->second, false);
      other->second.closed = true;
    }
  } else {
    // The sender is done: what it sent goes now, then the end of it. A frame it never
    // finished goes too, as it came.
    if (!d.partial.empty()) {
      d.bytes.insert(d.bytes.end(), d.partial.begin(), d.partial.end());
      d.partial.clear();
      d.held.push_back({});
      d.ends.push_back(static_cast<uint32_t>(d.bytes.size()));
    }
    if (!d.held.empty()) deliver(d, d.held.size());
    net_->shutdown(d.out);
  }
  set_waiting(d, false);
  d.closed = true;
}

}  // namespace h2sim::live
