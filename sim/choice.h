// The one source of nondeterminism. Every decision the world takes (how a flush is cut, how much a
// receiver reads, which of two simultaneous events runs first, latency within bounds) is a
// choose(n, label) call answered here. Answer 0 is always the plainest outcome, so shrinking and
// enumeration settle on the simplest schedule.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/state_hash.h"

namespace h2sim::sim {

// What kind of decision a choice is. Campaigns count them; reports show them.
enum class Label : uint8_t {
  split,    // cut a flush into one more segment at a writer's boundary
  read,     // how many of the arrived segments a receiver takes in one read batch
  tie,      // which of the events due at the same instant runs first
  latency,  // one of the scenario's latency steps for a segment
  fault,    // the moment one of the scenario's faults fires (0: never)
  // when a host's frame leaves: in the write it would share (0) or a later one. A gRPC library
  // whose application writes from a thread of its own (grpcio) asks it (Net::choose), and so does
  // a proxy whose threads hand a response over (Apache: whether its tail left before the reset).
  write,
};
inline constexpr int label_count = 6;

std::string_view label_name(Label label);
// A label's bit in a set of labels.
constexpr uint32_t label_bit(Label label) { return uint32_t{1} << static_cast<unsigned>(label); }
// Parses a label name as label_name writes it; false if unknown.
bool parse_label(std::string_view name, Label* label);

// One answered decision: `value` in [0, n).
struct Decision {
  uint32_t n = 0;
  uint32_t value = 0;
  Label label = Label::split;

  bool operator==(const Decision&) const = default;
};

// Raised when a choice source cannot answer: a recording ran out, or disagrees with the run.
class ChoiceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An event the World runs, as partial-order reduction sees it (properties/explore.cc has the
// argument). Two events due at one instant commute when they are at different hosts, or when at
// least one is quiet and they are not on the same direction.
struct EventInfo {
  uint64_t tag = 0;        // the queue's tag: kind and target, unique among pending events
  uint32_t host = 0;       // whose event it is
  uint64_t direction = 0;  // arrive and read: the receiving end's value + 1; 0: none
  // Calls no host and fires no fault: moves an arrived data or FIN segment into its direction's
  // unread queue, or retires a cancelled timer. Everything else is treated as touching its
  // host's whole state.
  bool quiet = false;
  // Quiet, and whatever can run before it at this instant commutes with it, or can be matched
  // by a run after it (World::describe says why for each). Exploring it alone at a tie loses
  // nothing.
  bool free = false;

  bool operator==(const EventInfo&) const = default;
};

// Whoever asks for choices (the World) can say what state it is in: a digest that identifies
// everything that decides the rest of the run. Only exhaustive exploration asks. 128 bits,
// because a search prunes on it: a collision would silently lose a state (sim/state_hash.h).
class StateProbe {
 public:
  virtual ~StateProbe() = default;
  virtual Hash128 state_digest() const = 0;
  // During a tie decision (Label::tie): the candidates, in the order the choice ranks them.
  // False when the run may inject faults, whose firing lets an arrival touch any connection:
  // then a search must not reduce.
  virtual bool tie_candidates(std::vector<EventInfo>* out) const = 0;
};

class ChoiceSource {
 public:
  ChoiceSource() { decisions_.reserve(64); }
  virtual ~ChoiceSource() = default;

  // Returns a value in [0, n). n == 1 is answered 0 without consulting (or recording) anything,
  // so trivial choice points never shift a recording.
  uint32_t choose(uint32_t n, Label label);

  // Every non-trivial decision taken so far, in order (what a replay file stores).
  const std::vector<Decision>& decisions() const { return decisions_; }

  // The World attaches itself for the run.
  void attach(const StateProbe* probe) { probe_ = probe; }
  // Whether this source may read the state digest through probe(). The World keeps a digest of
  // every host's inputs only when it may (hashing every read batch was about 1% of a run);
  // sources that never look say so.
  virtual bool reads_state() const { return true; }
  // Whether state_digest may name a host by its own state (Host::add_state) instead of by its
  // inputs: fewer states, the same outcomes. Explore turns it off to check the one against the other.
  virtual bool names_hosts_by_state() const { return true; }
  // Whether this source wants on_event (explore's partial-order reduction); asked once per run.
  virtual bool watches_events() const { return false; }
  // The World is about to run this event (with watches_events). May throw to end the run.
  virtual void on_event(const EventInfo&) {}

 protected:
  virtual uint32_t pick(uint32_t n, Label label) = 0;
  const StateProbe* probe() const { return probe_; }

 private:
  std::vector<Decision> decisions_;
  const StateProbe* probe_ = nullptr;
};

// splitmix64: a small PRNG with a published, pinned output sequence (tests check it), unlike
// <random> distributions whose algorithms differ between standard libraries.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next();
  // Uniform in [0, n) by rejection, so the result is unbiased and defined by next() alone.
  uint32_t below(uint32_t n);

 private:
  uint64_t state_;
};

class SeededChoices final : public ChoiceSource {
 public:
  explicit SeededChoices(uint64_t seed) : rng_(seed) {}
  bool reads_state() const override { return false; }

 protected:
  uint32_t pick(uint32_t n, Label label) override;

 private:
  SplitMix64 rng_;
};

// Seeded, but plain most of the time: each decision is 0 except one in `one_in`, which is
// uniform. A run of many decisions where all but a few must take their plainest answer (every
// hop at its shortest latency but one write later) is rare under SeededChoices and common here.
class SparseChoices final : public ChoiceSource {
 public:
  SparseChoices(uint64_t seed, uint32_t one_in) : rng_(seed), one_in_(one_in) {}
  bool reads_state() const override { return false; }

 protected:
  uint32_t pick(uint32_t n, Label label) override;

 private:
  SplitMix64 rng_;
  uint32_t one_in_;
};

// Answers from a recording. Running past its end, or a decision whose n or label differs from
// the recording's, raises ChoiceError: a replay never silently diverges.
class RecordedChoices final : public ChoiceSource {
 public:
  explicit RecordedChoices(std::vector<Decision> record) : record_(std::move(record)) {}
  bool reads_state() const override { return false; }
  // True once every recorded decision has been consumed.
  bool exhausted() const { return next_ == record_.size(); }
  size_t consumed() const { return next_; }

 protected:
  uint32_t pick(uint32_t n, Label label) override;

 private:
  std::vector<Decision> record_;
  size_t next_ = 0;
};

// Answers every decision with 0: the plainest schedule.
class PlainChoices final : public ChoiceSource {
 public:
  bool reads_state() const override { return false; }

 protected:
  uint32_t pick(uint32_t, Label) override { return 0; }
};

// Text form of a decision list, "split 1/2" per decision; parse reports the first bad token.
std::string format_decisions(const std::vector<Decision>& decisions);
bool parse_decisions(std::string_view text, std::vector<Decision>* out, std::string* error);

}  // namespace h2sim::sim
