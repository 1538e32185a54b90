// A simulated run's schedule, imposed on a live run's taps. The decisions of a replay file (how
// each write was cut, how much each receiver read at once, which of two simultaneous events went
// first, each segment's latency) show in the simulated run as which frames every receiver read
// together, and in what order the receivers read them. A schedule keeps, for each way through a
// tap (client -> proxy, proxy -> client, proxy -> server, server -> proxy), the call frames
// (HEADERS, DATA, RST_STREAM) of each read batch, and answers the taps' questions
// (live/steering.h) so that each batch is delivered as one segment apart from the next, and
// batches of different directions reach their receivers in the simulated order where both are
// held. Control frames (SETTINGS, WINDOW_UPDATE, PING, GOAWAY) go with whatever they arrive
// with: their timing is the peers' own.
//
// What the network does not let a tap impose is said, not pretended: how the proxy reads what
// a tap delivers (a pause between two segments makes separate reads very likely, not certain),
// which frames the proxy writes together and when (its own timing), and latencies. Where the
// live frames leave the schedule (the real proxy sent a frame the simulated one did not), that
// direction is relayed plainly from there, and the divergence is recorded.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "live/steering.h"
#include "model/run/result.h"
#include "sim/choice.h"

namespace h2sim::live {

// A call frame as a schedule matches it: its type, the order of its stream among the streams of
// that direction (proxies number their upstream streams their own way), END_STREAM. DATA frames
// match loosely (a proxy re-frames bodies): see schedule.cc.
struct FrameKey {
  h2::FrameType type = h2::FrameType::data;
  uint32_t stream_order = 0;
  bool end_stream = false;
  bool operator==(const FrameKey&) const = default;
};
std::string frame_key_text(const FrameKey& key);

struct TapSchedule {
  struct Group {
    std::vector<FrameKey> frames;
    size_t position = 0;  // where its first frame was read in the simulated run's log
  };
  // Per way through a tap, the read batches of its receiver, in order.
  std::map<std::pair<TapLeg, TapWay>, std::vector<Group>> groups;
  // The replay's decisions by label, and what became of them.
  uint64_t decisions[sim::label_count] = {};
};

// The schedule of a simulated run (its first connection on each leg).
TapSchedule schedule_of(const Result& simulated);
// What the schedule imposes and what it cannot, for a person ("7 decisions: ...").
std::string schedule_summary(const TapSchedule& schedule);

// Answers the taps from a schedule. Make it, make the Steering over it, then watch(&steering).
// One per run: it follows the frames delivered in that run.
class ScheduleChoices final : public sim::ChoiceSource, public SteeringObserver {
 public:
  explicit ScheduleChoices(TapSchedule schedule);
  void watch(Steering* steering);
  bool reads_state() const override { return false; }
  void delivered(TapLeg leg, TapWay way, uint32_t link, std::span<const HeldFrame> frames) override;

  // Where the live frames left the schedule, one line per direction that did.
  const std::vector<std::string>& divergences() const { return divergences_; }
  // Read batches delivered whole in one segment, of those whose frames reached the tap (a run
  // ends when every call has its status: later batches never come).
  uint64_t groups_met() const { return groups_met_; }
  uint64_t groups_reached() const;

 protected:
  uint32_t pick(uint32_t n, sim::Label label) override;

 private:
  struct Cursor {
    size_t group = 0;  // the group being delivered
    size_t frame = 0;  // its next frame
    bool diverged = false;
    bool broken = false;  // the current group went in more than one delivery
    std::map<uint32_t, uint32_t> stream_order;  // live stream id -> order
  };
  // Walks `held` from the cursor (a copy): the number of frames up to the end of the current
  // group, 0 if the group does not end among them; sets *incomplete if the held call frames all
  // match and the group still expects more, and *mismatch on a frame the schedule does not have.
  size_t walk(TapLeg leg, TapWay way, std::span<const HeldFrame> held, Cursor c, bool* incomplete,
              std::string* mismatch) const;
  bool step(const std::vector<TapSchedule::Group>& groups, Cursor& c, const HeldFrame& f, std::string* mismatch) const;
  uint32_t answer_tie(const TapQuestion& q) const;
  Cursor& cursor(TapLeg leg, TapWay way) { return cursors_[{leg, way}]; }

  TapSchedule schedule_;
  Steering* steering_ = nullptr;
  std::map<std::pair<TapLeg, TapWay>, Cursor> cursors_;
  std::vector<std::string> divergences_;
  uint64_t groups_met_ = 0;
};

}  // namespace h2sim::live
