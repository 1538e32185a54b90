#include "live/steering.h"

#include <algorithm>

#include "sim/assert.h"

namespace h2sim::live {

std::string direction_name(TapLeg leg, TapWay way) {
  const char* end = leg == TapLeg::downstream ? "client" : "server";
  return way == TapWay::to_proxy ? std::string(end) + " -> proxy" : std::string("proxy -> ") + end;
}

std::string held_frame_text(const HeldFrame& f) {
  if (f.preface) return "PREFACE";
  std::string out = std::string(h2::frame_type_name(f.type)) + " s=" + std::to_string(f.stream);
  bool ends = (f.type == h2::FrameType::data || f.type == h2::FrameType::headers) && (f.flags & h2::flag_end_stream);
  return ends ? out + " [END_STREAM]" : out;
}

uint32_t Steering::ask(const TapQuestion& q, uint32_t n, sim::Label label) {
  current_ = &q;
  uint32_t answer = choices_.choose(n, label);
  current_ = nullptr;
  H2SIM_ASSERT(answer < n);
  return answer;
}

bool Steering::hold(const TapQuestion& q) {
  H2SIM_ASSERT(!q.held.empty());
  bool held = ask(q, 2, sim::Label::read) == 1;
  counts_.holds += held;
  return held;
}

size_t Steering::cut(const TapQuestion& q) {
  H2SIM_ASSERT(!q.held.empty());
  uint32_t k = static_cast<uint32_t>(q.held.size());
  uint32_t answer = ask(q, k, sim::Label::split);
  counts_.cuts += answer != 0;
  return answer == 0 ? k : answer;
}

bool Steering::yield(const TapQuestion& q) {
  H2SIM_ASSERT(!q.waiting.empty());
  bool yielded = ask(q, 2, sim::Label::tie) == 1;
  counts_.yields += yielded;
  return yielded;
}

void Steering::delivered(const TapQuestion& q, size_t frames) {
  H2SIM_ASSERT(frames > 0 && frames <= q.held.size());
  ++counts_.deliveries;
  if (observer_) observer_->delivered(q.leg, q.way, q.link, q.held.subspan(0, frames));
}

void Steering::set_waiting(TapLeg leg, TapWay way, uint32_t link, bool waiting) {
  auto same = [&](const Waiting& w) { return w.leg == leg && w.way == way && w.link == link; };
  auto it = std::find_if(waiting_.begin(), waiting_.end(), same);
  if (waiting && it == waiting_.end()) waiting_.push_back({leg, way, link});
  if (!waiting && it != waiting_.end()) waiting_.erase(it);
}

std::vector<std::pair<TapLeg, TapWay>> Steering::waiting_besides(TapLeg leg, TapWay way, uint32_t link) const {
  std::vector<std::pair<TapLeg, TapWay>> out;
  for (const Waiting& w : waiting_) {
    if (!(w.leg == leg && w.way == way && w.link == link)) out.emplace_back(w.leg, w.way);
  }
  return out;
}

}  // namespace h2sim::live
