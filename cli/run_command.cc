// h2sim run: one scenario, one schedule.
#include <cstdio>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "model/scenario/scenario_io.h"
#include "properties/harness.h"
#include "properties/invariants.h"
#include "reports/trace_text.h"

namespace h2sim::cli {

namespace {

constexpr Option options[] = {
    {"--seed", "S", "seeded random choices (default 0)"},
    {"--choices", "FILE", "replay these decisions (\"split 1/2\" per line) instead of a seed"},
    {"--plain", "", "answer every decision with 0: the plainest schedule"},
    {"--save-choices", "FILE", "write the decisions this run took, for --choices"},
    {"--quiet", "", "print outcomes, verdicts and digest, not the frame trace"},
    {"--report", "DIR", "also write diagrams, a pcap and an HTML page into DIR"},
};

}  // namespace

int run_command(std::span<const std::string> args) {
  Parsed p;
  std::string error;
  if (!parse_args(args, options, &p, &error)) return usage_error("run", error);
  if (p.help) {
    std::fputs(help_text("h2sim run FILE.textproto [--seed S | --choices FILE | --plain]",
                         "Runs one scenario and prints every frame of every leg, each call's "
                         "outcome,\nthe invariants' verdicts and the trace digest. Exit 0 if all "
                         "hold, 1 if one fails.",
                         options)
                   .c_str(),
               stdout);
    return 0;
  }
  if (p.positional.size() != 1) return usage_error("run", "expected one scenario file");
  int sources = p.has("--seed") + p.has("--choices") + p.has("--plain");
  if (sources > 1) return usage_error("run", "--seed, --choices and --plain exclude each other");

  if (p.has("--save-choices")) {
    if (std::string e = check_output_file(p.value("--save-choices"), "--save-choices"); !e.empty()) {
      return output_error("run", e);
    }
  }
  Scenario scenario;
  if (!load_scenario(p.positional[0], builtin_catalogue(), &scenario, &error)) return output_error("run", error);

  std::unique_ptr<sim::ChoiceSource> choices;
  if (p.has("--choices")) {
    std::string text;
    std::vector<sim::Decision> decisions;
    if (!read_file(p.value("--choices"), &text, &error)) return output_error("run", error);
    if (!sim::parse_decisions(text, &decisions, &error)) {
      return output_error("run", p.value("--choices") + ": " + error);
    }
    choices = std::make_unique<sim::RecordedChoices>(std::move(decisions));
  } else if (p.has("--plain")) {
    choices = std::make_unique<sim::PlainChoices>();
  } else {
    uint64_t seed = 0;
    if (p.has("--seed") && !parse_number("--seed", p.value("--seed"), 0, UINT64_MAX, &seed, &error)) {
      return usage_error("run", error);
    }
    choices = std::make_unique<sim::SeededChoices>(seed);
  }

  StagedFolder report;
  if (p.has("--report") &&
      !begin_report(p.positional[0], p.value("--report"), "h2sim run --report", &report, &error)) {
    return output_error("run", error);
  }
  Result result;
  try {
    result = run_case(scenario, *choices);
  } catch (const sim::ChoiceError& e) {
    return usage_error("run", p.value("--choices") + ": " + e.what());
  }
  if (auto* recorded = dynamic_cast<sim::RecordedChoices*>(choices.get());
      recorded && !recorded->exhausted()) {
    return usage_error("run", p.value("--choices") + ": the run took " +
                                  std::to_string(recorded->consumed()) +
                                  " decisions but the file holds more: it is not this run's");
  }
  std::vector<Verdict> verdicts = check_all(result, scenario);
  std::string text = format_run(scenario, result, verdicts);
  if (p.has("--quiet")) {
    text = format_outcomes(scenario, result) + format_verdicts(result, verdicts) +
           "trace digest " + result.digest + "\n";
  }
  std::fputs(text.c_str(), stdout);
  if (p.has("--report")) {
    std::string how = p.has("--choices") ? " --choices " + p.value("--choices")
                      : p.has("--plain") ? std::string(" --plain")
                                         : " --seed " + (p.has("--seed") ? p.value("--seed") : std::string("0"));
    if (!report_run(scenario, result, verdicts, "h2sim run " + p.positional[0] + how, report, "run")) return 2;
  }
  if (p.has("--save-choices") &&
      !write_output_file(p.value("--save-choices"), sim::format_decisions(result.decisions), &error)) {
    return output_error("run", error);
  }
  return all_hold(verdicts) ? 0 : 1;
}

}  // namespace h2sim::cli
