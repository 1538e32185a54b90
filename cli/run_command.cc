// h2sim run: one scenario, one schedule.
#include <cstdio>
#include <optional>

#include "cli/args.h"
#include "cli/invariant_flags.h"
#include "cli/commands.h"
#include "cli/json_flag.h"
#include "reports/json_output.h"
#include "cli/output.h"
#include "model/scenario/scenario_io.h"
#include "live/net/interrupt.h"
#include "properties/harness.h"
#include "properties/isolation.h"
#include "properties/invariants.h"
#include "reports/trace_text.h"

namespace h2sim::cli {

namespace {

constexpr std::string_view usage = "h2sim run FILE.textproto [--seed S | --choices FILE | --plain]";
constexpr std::string_view description =
    "Runs one scenario and prints every frame of every leg, each call's outcome,\nthe invariants' verdicts "
    "and the trace digest. Exit 0 if all hold, 1 if one fails.";

constexpr Option options[] = {
    {"--seed", "S", "seeded random choices (default 0)"},
    {"--choices", "FILE", "replay these decisions (\"split 1/2\" per line) instead of a seed"},
    {"--plain", "", "answer every decision with 0: the plainest schedule"},
    {"--save-choices", "FILE", "write the decisions this run took, for --choices"},
    {"--quiet", "", "print outcomes, verdicts and digest, not the frame trace"},
    {"--report", "DIR", "also write diagrams, a pcap and an HTML page into DIR"},
    {"--case-timeout", "SECONDS", "a run through a plug-in's proxy taking longer is a hang (default 60)"},
    invariant_option,
    no_invariant_option,
    json_option,
};


// The choice source --seed, --choices or --plain asks for, and how to say it in a command line.
bool choices_from(const Parsed& p, std::unique_ptr<sim::ChoiceSource>* choices, std::string* how, std::string* error) {
  if (p.has("--choices")) {
    std::string text;
    std::vector<sim::Decision> decisions;
    if (!read_file(p.value("--choices"), &text, error)) return false;
    if (!sim::parse_decisions(text, &decisions, error)) {
      *error = p.value("--choices") + ": " + *error;
      return false;
    }
    *choices = std::make_unique<sim::RecordedChoices>(std::move(decisions));
    *how = " --choices " + p.value("--choices");
  } else if (p.has("--plain")) {
    *choices = std::make_unique<sim::PlainChoices>();
    *how = " --plain";
  } else {
    uint64_t seed = 0;
    if (p.has("--seed") && !parse_number("--seed", p.value("--seed"), 0, UINT64_MAX, &seed, error)) return false;
    *choices = std::make_unique<sim::SeededChoices>(seed);
    *how = " --seed " + std::to_string(seed);
  }
  return true;
}

// How long a run through a plug-in proxy may take, by default, before it counts as a hang: a
// run of the largest scenarios takes seconds.
constexpr uint64_t default_case_timeout_s = 60;

// Runs with the choices (through `recording` if given); false with `error` if recorded choices
// do not fit the scenario.
bool run_with(const Context& ctx, const Parsed& p, const Scenario& scenario, sim::ChoiceSource& choices,
              RecordingChoices* recording, Result* result, std::string* error) {
  try {
    *result = run_case(scenario, recording ? static_cast<sim::ChoiceSource&>(*recording) : choices, ctx.proxies);
  } catch (const sim::ChoiceError& e) {
    *error = p.value("--choices") + ": " + e.what();
    return false;
  }
  if (auto* recorded = dynamic_cast<sim::RecordedChoices*>(&choices); recorded && !recorded->exhausted()) {
    *error = p.value("--choices") + ": the run took " + std::to_string(recorded->consumed()) +
             " decisions but the file holds more: it is not this run's";
    return false;
  }
  return true;
}

// Runs the scenario and writes what was asked for: the trace, --report, --save-choices, --json.
// With a recorder (in a child, isolated), each decision is recorded as it is taken.
int run_here(const Context& ctx, const Parsed& p, std::span<const std::string> args, const Scenario& scenario,
             sim::ChoiceSource& choices, CaseRecorder* recorder, const std::string& how, StagedFolder& report,
             const InvariantSet& on) {
  std::string error;
  Result result;
  std::optional<RecordingChoices> recording;
  if (recorder != nullptr) {
    recorder->begin(scenario);
    recording.emplace(&choices, recorder);
  }
  if (!run_with(ctx, p, scenario, choices, recording ? &*recording : nullptr, &result, &error)) {
    return usage_error("run", error);
  }
  std::vector<Verdict> verdicts = check_all(result, scenario, on);
  print_run(scenario, result, verdicts, p.has("--quiet"));
  if (p.has("--report") &&
      !report_run(scenario, result, verdicts, ctx.program + " run " + p.positional[0] + how, report, "run")) {
    return 2;
  }
  if (p.has("--save-choices") &&
      !write_output_file(p.value("--save-choices"), sim::format_decisions(result.decisions), &error)) {
    return output_error("run", error);
  }
  output::Output json;
  *json.mutable_run() = run_output(scenario, result, verdicts);
  if (!write_json_flag(p, "run", args, json, &error)) return output_error("run", error);
  return all_hold(verdicts) ? 0 : 1;
}

}  // namespace

int run_command(const Context& ctx, std::span<const std::string> args) {
  Parsed p;
  std::string error;
  if (!parse_args(args, options, &p, &error)) return usage_error("run", error);
  if (p.help) return print_help(usage, description, options);
  if (p.positional.size() != 1) return usage_error("run", "expected one scenario file");
  if (p.has("--seed") + p.has("--choices") + p.has("--plain") > 1) {
    return usage_error("run", "--seed, --choices and --plain exclude each other");
  }
  if (p.has("--save-choices")) {
    if (std::string e = check_output_file(p.value("--save-choices"), "--save-choices"); !e.empty()) {
      return output_error("run", e);
    }
  }
  if (std::string e = check_json_flag(p); !e.empty()) return output_error("run", e);
  uint64_t case_timeout_s = default_case_timeout_s;
  if (p.has("--case-timeout") &&
      !parse_number("--case-timeout", p.value("--case-timeout"), 1, 86400, &case_timeout_s, &error)) {
    return usage_error("run", error);
  }
  InvariantSet on;
  if (!invariants_from_flags(p, &on, &error)) return usage_error("run", error);
  Scenario scenario;
  if (!load_scenario(p.positional[0], ctx.catalogue, &scenario, &error)) return output_error("run", error);
  std::unique_ptr<sim::ChoiceSource> choices;
  std::string how;
  if (!choices_from(p, &choices, &how, &error)) return output_error("run", error);
  StagedFolder report;
  if (p.has("--report") && !begin_report(p.positional[0], p.value("--report"), "h2sim run --report", &report, &error)) {
    return output_error("run", error);
  }
  if (!needs_isolation(scenario, ctx.proxies)) {
    return run_here(ctx, p, args, scenario, *choices, nullptr, how, report, on);
  }
  // The proxy is the user's code, in this process: it runs in a child, so that a crash or a loop
  // is reported with the decisions that led to it rather than taking h2sim down.
  live::install_interrupt_handler();
  ChildRun child;
  auto in_child = [&](CaseRecorder& recorder) {
    return finish_standard_output("run", run_here(ctx, p, args, scenario, *choices, &recorder, how, report, on));
  };
  if (!run_in_child(in_child, static_cast<double>(case_timeout_s), &child, &error)) return output_error("run", error);
  if (child.exited) return child.code;
  std::printf("\n==== FAILED (%s): %s after %zu decisions\nrerun: %s\n",
              child.what.starts_with("hang") ? "hang" : "crash", died_headline(child.what).c_str(),
              child.decisions.size(),
              (ctx.program + " run " + p.positional[0] + how).c_str());
  if (p.has("--save-choices") &&
      !write_output_file(p.value("--save-choices"), sim::format_decisions(child.decisions), &error)) {
    return output_error("run", error);
  }
  output::Output json;
  *json.mutable_run() = died_run_output(scenario, child.what, child.decisions.size());
  if (!write_json_flag(p, "run", args, json, &error)) return output_error("run", error);
  return 1;
}

}  // namespace h2sim::cli
