// The scenario and replay targets: what `h2sim run` and `h2sim replay` do with a file, minus the
// file system and the printing.
#include <string>
#include <vector>

#include "fuzz/fuzz_targets.h"
#include "model/scenario/scenario_io.h"
#include "properties/harness.h"
#include "properties/invariants.h"
#include "reports/trace_text.h"
#include "sim/assert.h"

namespace h2sim::fuzz {

namespace {

// A fuzzer runs hundreds of inputs a second, so one run stays small: the events and bytes a
// scenario may ask for are cut to these (a run that reaches one ends with its limit verdict,
// which is a path like any other). Validation has already seen the values as written.
constexpr uint64_t fuzz_events_max = 2'000;
constexpr uint64_t fuzz_bytes_max = 2u << 20;

// False if the scenario's payload alone is more than the fuzzer's byte bound: validation would
// refuse it under that bound, and runs take valid scenarios only.
bool bound_work(Scenario* scenario) {
  Limits* limits = scenario->mutable_limits();
  if (!limits->has_events_max() || limits->events_max() > fuzz_events_max) limits->set_events_max(fuzz_events_max);
  if (!limits->has_bytes_max() || limits->bytes_max() > fuzz_bytes_max) limits->set_bytes_max(fuzz_bytes_max);
  return validate_case(*scenario).empty();
}

// FNV-1a: the input's own seed, so that one input always runs the same schedules.
uint64_t hash(std::string_view bytes) {
  uint64_t h = 14695981039346656037ull;
  for (char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

// What every command does with a run after it: the verdicts, and (`print`) the text of the run.
void use(const Scenario& scenario, const Result& result, bool print) {
  std::vector<Verdict> verdicts = check_all(result, scenario);
  H2SIM_ASSERT(!verdicts.empty());
  H2SIM_ASSERT(!result.digest.empty());
  if (print) H2SIM_ASSERT(!format_run(scenario, result, verdicts).empty());
}

// The run as written and (`replay`) replayed from its decisions: the same decisions must make
// the same run (a moving digest is a determinism bug, which check reports as a finding of its own).
void run_and_replay(const Scenario& scenario, uint64_t seed, bool replay) {
  sim::SeededChoices choices(seed);
  Result result = run_case(scenario, choices);
  use(scenario, result, true);
  if (!replay) return;
  sim::RecordedChoices recorded(result.decisions);
  Result again = run_case(scenario, recorded);
  H2SIM_ASSERT(recorded.exhausted());
  H2SIM_ASSERT(again.digest == result.digest);
}

// The scenario through another registered proxy, chosen by `pick`, if its configuration suits
// that proxy (a proxy refuses settings it does not take, as validation says).
void run_through_other_proxy(const Scenario& scenario, uint64_t pick) {
  const auto& entries = builtin_registry().entries();
  Scenario other = scenario;
  other.mutable_proxy()->set_preset(entries[pick % entries.size()].name);
  if (!validate_case(other).empty()) return;
  sim::SeededChoices choices(pick);
  use(other, run_case(other, choices), false);
}

}  // namespace

void scenario_target(std::string_view bytes) {
  Scenario scenario;
  std::string error;
  if (!parse_scenario(std::string(bytes), "<fuzz>", builtin_catalogue(), &scenario, &error)) {
    H2SIM_ASSERT(!error.empty());
    return;
  }
  if (!bound_work(&scenario)) return;
  // A quarter of the inputs are replayed, another quarter run through another proxy as well: a
  // run under sanitizers costs milliseconds, and the fuzzer mutates the preset name anyway.
  uint64_t seed = hash(bytes);
  run_and_replay(scenario, seed, seed % 4 == 0);
  if (seed % 4 == 1) run_through_other_proxy(scenario, seed >> 8);
}

void replay_target(std::string_view bytes) {
  Replay replay;
  std::string error;
  if (!parse_replay(std::string(bytes), "<fuzz>", builtin_catalogue(), &replay, &error)) {
    H2SIM_ASSERT(!error.empty());
    return;
  }
  Scenario scenario = replay.scenario();
  if (!bound_work(&scenario)) return;
  sim::RecordedChoices choices(decisions_of(replay));
  Result result;
  try {
    result = run_case(scenario, choices);
  } catch (const sim::ChoiceError&) {
    return;  // the decisions do not fit the scenario: replay refuses it with exit 2
  }
  use(scenario, result, true);
}

}  // namespace h2sim::fuzz
