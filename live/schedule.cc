#include "live/schedule.h"

#include <algorithm>

#include "sim/assert.h"

namespace h2sim::live {

namespace {

bool call_frame(h2::FrameType type) {
  return type == h2::FrameType::headers || type == h2::FrameType::data || type == h2::FrameType::rst_stream;
}

// The way through a tap a frame read in the simulated run took: its receiver and leg.
bool way_of(const h2::FrameRecord& f, std::pair<TapLeg, TapWay>* way) {
  using h2::Leg;
  using h2::Peer;
  if (f.endpoint.leg == Leg::downstream && f.endpoint.peer == Peer::client) *way = {TapLeg::downstream, TapWay::from_proxy};
  else if (f.endpoint.leg == Leg::downstream && f.endpoint.peer == Peer::proxy) *way = {TapLeg::downstream, TapWay::to_proxy};
  else if (f.endpoint.leg == Leg::upstream && f.endpoint.peer == Peer::server) *way = {TapLeg::upstream, TapWay::from_proxy};
  else if (f.endpoint.leg == Leg::upstream && f.endpoint.peer == Peer::proxy) *way = {TapLeg::upstream, TapWay::to_proxy};
  else return false;
  return true;
}

std::string plural(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

std::string frame_key_text(const FrameKey& key) {
  std::string out = std::string(h2::frame_type_name(key.type)) + " of stream #" + std::to_string(key.stream_order + 1);
  return key.end_stream ? out + " [END_STREAM]" : out;
}

TapSchedule schedule_of(const Result& simulated) {
  TapSchedule s;
  for (const sim::Decision& d : simulated.decisions) ++s.decisions[static_cast<int>(d.label)];
  std::map<h2::Leg, uint32_t> first_connection;
  std::map<std::pair<TapLeg, TapWay>, std::map<h2::StreamId, uint32_t>> orders;
  std::map<std::pair<TapLeg, TapWay>, uint32_t> last_batch;
  for (size_t i = 0; i < simulated.frames.size(); ++i) {
    const h2::FrameRecord& f = simulated.frames[i];
    std::pair<TapLeg, TapWay> way;
    if (f.sent || !call_frame(f.type) || !way_of(f, &way)) continue;
    if (first_connection.emplace(f.endpoint.leg, f.endpoint.connection).first->second != f.endpoint.connection) continue;
    auto& order = orders[way];
    uint32_t stream_order = order.emplace(f.stream_id, static_cast<uint32_t>(order.size())).first->second;
    std::vector<TapSchedule::Group>& groups = s.groups[way];
    auto batch = last_batch.find(way);
    if (groups.empty() || batch == last_batch.end() || batch->second != f.batch) groups.push_back({{}, i});
    last_batch[way] = f.batch;
    groups.back().frames.push_back({f.type, stream_order, f.end_stream()});
  }
  return s;
}

std::string schedule_summary(const TapSchedule& s) {
  const uint64_t* d = s.decisions;
  uint64_t total = d[0] + d[1] + d[2] + d[3];
  std::string out = "the simulated run's " + plural(total, "decision", "decisions") + " (" + std::to_string(d[0]) +
                    " split, " + std::to_string(d[1]) + " read, " + std::to_string(d[2]) + " tie, " +
                    std::to_string(d[3]) + " latency) made these read batches, each delivered by the taps as one "
                    "segment apart from the next:\n";
  for (const auto& [way, groups] : s.groups) {
    out += "  " + direction_name(way.first, way.second) + ":";
    for (const TapSchedule::Group& g : groups) {
      out += " [";
      for (size_t i = 0; i < g.frames.size(); ++i) {
        out += (i ? ", " : "") + std::string(h2::frame_type_name(g.frames[i].type)) + (g.frames[i].end_stream ? "(ES)" : "");
      }
      out += "]";
    }
    out += "\n";
  }
  out += "not imposed: how the real proxy reads what a tap delivers (segments 2 ms apart are read apart very\n"
         "likely, not surely), which frames it writes together and when (its own timing), " +
         (d[3] ? plural(d[3], "latency decision", "latency decisions") + " and " : std::string()) +
         "the timing of control frames (SETTINGS, WINDOW_UPDATE, PING)\n";
  return out;
}

ScheduleChoices::ScheduleChoices(TapSchedule schedule) : schedule_(std::move(schedule)) {}

void ScheduleChoices::watch(Steering* steering) {
  steering_ = steering;
  steering->set_observer(this);
}

uint64_t ScheduleChoices::groups_reached() const {
  uint64_t n = 0;
  for (const auto& [way, c] : cursors_) n += c.group + (c.frame > 0);
  return n;
}

// One live frame against the schedule; false (and what differed) if the schedule does not have
// it next. DATA frames match loosely: a DATA without END_STREAM matches any expected DATA of its
// stream without END_STREAM, and a DATA(END_STREAM) skips the expected DATA frames before the
// schedule's own DATA(END_STREAM), since proxies cut and join bodies as they please.
bool ScheduleChoices::step(const std::vector<TapSchedule::Group>& groups, Cursor& c, const HeldFrame& f,
                           std::string* mismatch) const {
  if (f.preface || !call_frame(f.type)) return true;
  uint32_t order = c.stream_order.emplace(f.stream, static_cast<uint32_t>(c.stream_order.size())).first->second;
  FrameKey live{f.type, order, (f.type != h2::FrameType::rst_stream) && (f.flags & h2::flag_end_stream) != 0};
  auto advance = [&] {
    if (++c.frame == groups[c.group].frames.size()) {
      ++c.group;
      c.frame = 0;
    }
  };
  for (;;) {
    if (c.group >= groups.size()) {
      *mismatch = "the simulated run had no more frames; the live one sent " + frame_key_text(live);
      return false;
    }
    const FrameKey& want = groups[c.group].frames[c.frame];
    bool data = live.type == h2::FrameType::data && want.type == h2::FrameType::data && live.stream_order == want.stream_order;
    if (live == want || (data && !live.end_stream && !want.end_stream)) break;
    if (data && !live.end_stream && want.end_stream) return true;  // the body cut finer: wait for its end
    if (data && live.end_stream && !want.end_stream) {
      advance();
      continue;
    }
    *mismatch = "the simulated run had " + frame_key_text(want) + " next; the live one sent " + frame_key_text(live);
    return false;
  }
  advance();
  return true;
}

size_t ScheduleChoices::walk(TapLeg leg, TapWay way, std::span<const HeldFrame> held, Cursor c, bool* incomplete,
                             std::string* mismatch) const {
  *incomplete = false;
  auto it = schedule_.groups.find({leg, way});
  if (it == schedule_.groups.end() || c.diverged) return 0;
  bool in_group = c.frame > 0;
  for (size_t i = 0; i < held.size(); ++i) {
    size_t group = c.group;
    if (!step(it->second, c, held[i], mismatch)) return 0;
    in_group = in_group || (call_frame(held[i].type) && !held[i].preface);
    if (c.group == group) continue;
    // The group ends here; control frames that came right after it go with it.
    size_t cut = i + 1;
    while (cut < held.size() && (held[cut].preface || !call_frame(held[cut].type))) ++cut;
    return cut;
  }
  *incomplete = in_group && c.group < it->second.size();
  return 0;
}

uint32_t ScheduleChoices::answer_tie(const TapQuestion& q) const {
  auto next_position = [&](TapLeg leg, TapWay way, size_t* position) {
    auto g = schedule_.groups.find({leg, way});
    auto c = cursors_.find({leg, way});
    size_t group = c == cursors_.end() ? 0 : c->second.group;
    if (g == schedule_.groups.end() || group >= g->second.size() || (c != cursors_.end() && c->second.diverged)) return false;
    *position = g->second[group].position;
    return true;
  };
  size_t mine = 0, theirs = 0;
  if (!next_position(q.leg, q.way, &mine)) return 0;
  for (const auto& [leg, way] : q.waiting) {
    if (next_position(leg, way, &theirs) && theirs < mine) return 1;
  }
  return 0;
}

uint32_t ScheduleChoices::pick(uint32_t n, sim::Label label) {
  const TapQuestion* q = steering_ ? steering_->question() : nullptr;
  if (q == nullptr || q->link != 0) return 0;
  if (label == sim::Label::tie) return answer_tie(*q);
  Cursor& c = cursor(q->leg, q->way);
  bool incomplete = false;
  std::string mismatch;
  size_t cut = walk(q->leg, q->way, q->held, c, &incomplete, &mismatch);
  if (!mismatch.empty()) {
    c.diverged = true;
    divergences_.push_back(direction_name(q->leg, q->way) + ": " + mismatch);
    return 0;
  }
  if (label == sim::Label::read) return incomplete ? 1 : 0;
  if (label == sim::Label::split) return cut > 0 && cut < n ? static_cast<uint32_t>(cut) : 0;
  return 0;
}

void ScheduleChoices::delivered(TapLeg leg, TapWay way, uint32_t link, std::span<const HeldFrame> frames) {
  auto it = schedule_.groups.find({leg, way});
  Cursor& c = cursor(leg, way);
  if (link != 0 || it == schedule_.groups.end() || c.diverged) return;
  size_t first = c.group;
  bool began = c.frame == 0 && !c.broken;
  bool any = false;
  for (const HeldFrame& f : frames) {
    std::string mismatch;
    any = any || (!f.preface && call_frame(f.type));
    if (step(it->second, c, f, &mismatch)) continue;
    c.diverged = true;
    divergences_.push_back(direction_name(leg, way) + ": " + mismatch);
    return;
  }
  if (!any) return;
  // Met: this delivery held exactly one whole group.
  bool ended = c.frame == 0 && c.group == first + 1;
  groups_met_ += began && ended;
  c.broken = c.frame != 0;
}

}  // namespace h2sim::live
