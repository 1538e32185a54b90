// Steering: how the taps of a live run (live/tap.h) decide when the bytes they hold move and
// how they are cut or joined. A tap holds what one side sent, whole frames, and at each point
// where it could deliver asks three questions, each one labelled choose() on a sim::ChoiceSource
// (answer 0 the plainest, so a plain source relays as a wire would):
//
//   hold   (Label::read, 2)  0: deliver now; 1: first wait until the sender has been quiet for
//                            a while, so what it sends next joins this delivery (one read);
//   cut    (Label::split, k) with k frames held, 0: deliver all in one segment; j: only the
//                            first j, then pause so the receiver reads them apart from the rest;
//   yield  (Label::tie, 2)   asked only while another direction also holds frames: 0: deliver
//                            now; 1: wait until the others have delivered (their bytes
//                            overtake these).
//
// So a ChoiceSource steers the taps as it steers the simulated World: RapidCheck-driven in a
// live campaign (check --live), seeded, replayed from a recording, or answered from a simulated
// run's schedule (live/schedule.h). The taps take no latency decisions: real time is the
// kernel's and the processes'.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "model/h2/frame.h"
#include "sim/choice.h"
#include "sim/time.h"

namespace h2sim::live {

// Which side of the proxy a tap stands on, and which way bytes cross it.
enum class TapLeg : uint8_t { downstream, upstream };
enum class TapWay : uint8_t { to_proxy, from_proxy };
// "proxy -> client", "server -> proxy", ...
std::string direction_name(TapLeg leg, TapWay way);

// A frame a tap holds, as far as steering needs it (the connection preface is one too).
struct HeldFrame {
  bool preface = false;
  h2::FrameType type = h2::FrameType::data;
  uint8_t flags = 0;
  uint32_t stream = 0;
  uint32_t length = 0;
};
// "HEADERS s=1 [END_STREAM]"
std::string held_frame_text(const HeldFrame& frame);

// What a question is about: the direction and the frames it holds now.
struct TapQuestion {
  TapLeg leg = TapLeg::downstream;
  TapWay way = TapWay::to_proxy;
  uint32_t link = 0;  // the tap's connection, in the order they were accepted
  std::span<const HeldFrame> held;
  // The other directions holding frames now (asked for `yield`).
  std::vector<std::pair<TapLeg, TapWay>> waiting;
};

// How long the taps wait. A cut's pause must let the receiver read the first part alone; the
// quiet period is how long a sender must be silent for a held delivery to go; a hold never lasts
// longer than hold_max.
struct SteeringTiming {
  sim::Duration gap = sim::Duration::milliseconds(2);
  sim::Duration quiet = sim::Duration::milliseconds(5);
  sim::Duration hold_max = sim::Duration::milliseconds(50);
};

// Sees every delivery a tap makes (a schedule follows the frames it has seen delivered).
class SteeringObserver {
 public:
  virtual ~SteeringObserver() = default;
  virtual void delivered(TapLeg leg, TapWay way, uint32_t link, std::span<const HeldFrame> frames) = 0;
};

// What the taps did in one run, for the report.
struct SteeringCounts {
  uint64_t deliveries = 0;
  uint64_t holds = 0;
  uint64_t cuts = 0;
  uint64_t yields = 0;
};

// The taps' questions, asked of one ChoiceSource, and the directions holding frames.
class Steering {
 public:
  explicit Steering(sim::ChoiceSource& choices, SteeringTiming timing = {}) : choices_(choices), timing_(timing) {}

  bool hold(const TapQuestion& q);
  // How many of the held frames to deliver now (all of them: held.size()).
  size_t cut(const TapQuestion& q);
  bool yield(const TapQuestion& q);
  void delivered(const TapQuestion& q, size_t frames);

  // The question being answered, while it is: for a source that answers by looking at it.
  const TapQuestion* question() const { return current_; }
  void set_observer(SteeringObserver* observer) { observer_ = observer; }
  const SteeringTiming& timing() const { return timing_; }
  const SteeringCounts& counts() const { return counts_; }
  sim::ChoiceSource& choices() { return choices_; }

  // Directions holding frames, so that a question can name the others.
  void set_waiting(TapLeg leg, TapWay way, uint32_t link, bool waiting);
  std::vector<std::pair<TapLeg, TapWay>> waiting_besides(TapLeg leg, TapWay way, uint32_t link) const;

 private:
  uint32_t ask(const TapQuestion& q, uint32_t n, sim::Label label);
  sim::ChoiceSource& choices_;
  SteeringTiming timing_;
  const TapQuestion* current_ = nullptr;
  SteeringObserver* observer_ = nullptr;
  SteeringCounts counts_;
  struct Waiting {
    TapLeg leg;
    TapWay way;
    uint32_t link;
  };
  std::vector<Waiting> waiting_;
};

}  // namespace h2sim::live
