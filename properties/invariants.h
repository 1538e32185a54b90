// Invariants: small pure functions over a Result. Each Verdict names its invariant, states it in
// one line, and points at the frames that break it.
#pragma once

#include <cstddef>
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
// At quiescence the proxy holds no stream and no buffered bytes.
Verdict no_leaks(const Result& result);

// Opt-in invariants for catalogue families (not in check_all: several presets break them by
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

// All of the above, in that order.
std::vector<Verdict> check_all(const Result& result);
// check_all plus answered_per_rfc when the scenario has a hostile client.
std::vector<Verdict> check_all(const Result& result, const Scenario& scenario);
bool all_hold(const std::vector<Verdict>& verdicts);

}  // namespace h2sim
