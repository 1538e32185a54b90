// Invariants: small pure functions over a Result. Each Verdict names its invariant, states it in
// one line, and points at the frames that break it. One table (invariant_table) says which there
// are, what each states, whether it must hold in every run ("always") or be reached by some run
// of a campaign ("sometimes"), and whether it is judged unless switched on; every command reads it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"

namespace h2sim {

struct Verdict {
  std::string_view name;
  std::string_view statement;
  bool holds = true;
  std::string detail;          // why it failed, for a person
  std::vector<size_t> frames;  // indexes in Result::frames of the frames that break it
};

// Every call whose server produced a status ends with that status (code and message) at the
// client, unless the client application itself cancelled or its deadline passed.
Verdict status_preserved(const Result& result);
// The world reached quiescence within its limits and every call ended at the client.
Verdict no_hang(const Result& result);
// No endpoint sent a frame illegal in its own view of the stream's state (RFC 9113 §5.1).
Verdict legal_frames(const Result& result);
// Each side received the other's messages in order, with none invented, up to the end.
Verdict messages_intact(const Result& result);
// A call whose status arrives intact at the client got every response the server sent before
// that status: messages_intact asks it only of a call that ended OK, so a proxy that drops the
// tail of a response and then passes on an error status would break nothing else.
Verdict messages_before_status(const Result& result);
// At quiescence the proxy holds no stream and no buffered bytes.
Verdict no_leaks(const Result& result);

// Opt-in invariants for catalogue families (off by default: several presets break them by
// design, see bench/known_bugs.cc):
// A call the server reset without a status ends with the spec's mapping of that reset code
// (CANCEL -> CANCELLED, ...), not with one a proxy chose (A6, A10, C22).
Verdict reset_mapped(const Result& result);
// Every call the client did not cancel ends with a status its server produced: none is failed
// by the proxy before reaching the server (D27, D28).
Verdict served(const Result& result);

// With a hostile client: the peer answered its attack as RFC 9113 requires (GOAWAY or
// RST_STREAM with the right code), judged on the frames the hostile client received.
Verdict answered_per_rfc(const Result& result, const Hostile& hostile);

enum class Modality { always, sometimes };

struct Invariant {
  std::string_view name;       // "status preserved"
  std::string_view statement;  // one line, what the Verdict states
  Modality modality;
  bool on_by_default;
  // always: judges one run (the scenario says whether a hostile client took part).
  Verdict (*judge)(const Result& result, const Scenario& scenario) = nullptr;
  // sometimes: whether one run reached it; a campaign none of whose cases did is reported.
  bool (*reached)(const Result& result) = nullptr;
};

// Every invariant h2sim knows, always ones first, in the order verdicts are given.
std::span<const Invariant> invariant_table();
// The entry named `name`, where '-' and '_' stand for spaces ("reset_mapped"), or null.
const Invariant* find_invariant(std::string_view name);

// Which invariants of the table are on: what a command judges, what a replay file records.
class InvariantSet {
 public:
  static InvariantSet defaults();
  bool on(std::string_view name) const;
  // `name` must be in the table (an assertion: names from users go through set_from_flags).
  void set(std::string_view name, bool on);
  // Those on, in table order.
  std::vector<std::string> names() const;
  // Those on that are not on by default, and those off that are: how a command line says it.
  std::vector<std::string> differences() const;
  // --invariant NAME switches on, --no-invariant NAME switches off, from the defaults. False with
  // `error` naming an unknown name and listing the known ones.
  static bool from_flags(const std::vector<std::string>& on, const std::vector<std::string>& off, InvariantSet* out,
                         std::string* error);
  bool operator==(const InvariantSet&) const = default;

 private:
  uint64_t bits_ = 0;  // bit i: invariant_table()[i]
};

// The always invariants `on` over one run, in table order (answered per RFC only with a hostile
// client in the scenario).
std::vector<Verdict> check_all(const Result& result, const Scenario& scenario,
                               const InvariantSet& on = InvariantSet::defaults());
// The same for a run without a hostile client.
std::vector<Verdict> check_all(const Result& result, const InvariantSet& on = InvariantSet::defaults());
// The sometimes invariants `on` this run reached, and those it did not: (name, reached).
std::vector<std::pair<std::string_view, bool>> sometimes_reached(const Result& result, const InvariantSet& on);
bool all_hold(const std::vector<Verdict>& verdicts);

}  // namespace h2sim
