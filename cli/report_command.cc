// h2sim report: drawings of a run, a replay file, or every replay file of a campaign directory.
#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/files.h"
#include "model/scenario/scenario_io.h"
#include "properties/harness.h"
#include "properties/invariants.h"
#include "reports/diagrams.h"

namespace h2sim::cli {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kReplaySuffix = ".replay.textproto";

constexpr Option options[] = {
    {"--out", "DIR", "where the report goes (required)"},
    {"--seed", "S", "for a scenario: seeded choices (default 0)"},
    {"--plain", "", "for a scenario: the plainest schedule"},
};

// One report from a scenario or replay file. Returns 0, 1 (an invariant failed) or 2. With
// `coverage`, the run's transitions are added to it too.
int report_one(const std::string& in, const std::string& dir, const Parsed& p, std::string* summary,
               StateCoverage* coverage = nullptr, bool* proxied = nullptr) {
  std::string error;
  Scenario scenario;
  std::unique_ptr<sim::ChoiceSource> choices;
  std::string command;
  bool is_replay = in.ends_with(kReplaySuffix);
  Replay replay;
  if (is_replay) {
    if (!load_replay(in, builtin_catalogue(), &replay, &error)) return usage_error("report", error);
    scenario = replay.scenario();
    choices = std::make_unique<sim::RecordedChoices>(decisions_of(replay));
    command = "h2sim replay " + in;
  } else {
    if (!load_scenario(in, builtin_catalogue(), &scenario, &error)) return usage_error("report", error);
    uint64_t seed = 0;
    if (p.has("--seed") && !parse_number("--seed", p.value("--seed"), 0, UINT64_MAX, &seed, &error)) {
      return usage_error("report", error);
    }
    if (p.has("--plain")) {
      choices = std::make_unique<sim::PlainChoices>();
      command = "h2sim run " + in + " --plain";
    } else {
      choices = std::make_unique<sim::SeededChoices>(seed);
      command = "h2sim run " + in + " --seed " + std::to_string(seed);
    }
  }
  Result result;
  try {
    result = run_case(scenario, *choices);
  } catch (const sim::ChoiceError& e) {
    return usage_error("report", in + ": the recorded decisions do not fit this scenario: " + e.what());
  }
  std::vector<Verdict> verdicts = check_all(result, scenario);
  if (coverage) coverage->add(result, !all_hold(verdicts));
  if (proxied) *proxied = *proxied || result.has_proxy;
  ReportFiles files;
  if (!write_report(scenario, result, verdicts, command, dir, &files, &error)) return usage_error("report", error);
  if (!files.note.empty()) std::fprintf(stderr, "h2sim report: note: %s\n", files.note.c_str());
  *summary = files.html;
  return all_hold(verdicts) ? 0 : 1;
}

}  // namespace

// Shared with run and replay: --report DIR draws the run just made.
bool report_run(const Scenario& scenario, const Result& result, const std::vector<Verdict>& verdicts,
                const std::string& command, const std::string& dir) {
  ReportFiles files;
  std::string error;
  if (!write_report(scenario, result, verdicts, command, dir, &files, &error)) {
    std::fprintf(stderr, "h2sim: error: %s\n", error.c_str());
    return false;
  }
  if (!files.note.empty()) std::fprintf(stderr, "h2sim: note: %s\n", files.note.c_str());
  std::printf("report: %s\n", files.html.c_str());
  return true;
}

int report_command(std::span<const std::string> args) {
  Parsed p;
  std::string error;
  if (!parse_args(args, options, &p, &error)) return usage_error("report", error);
  if (p.help) {
    std::fputs(help_text("h2sim report IN --out DIR",
                         "IN is a scenario (run with --seed S or --plain), a .replay.textproto file, "
                         "or a campaign's\noutput directory (every replay file in it). Writes state "
                         "diagrams (Graphviz DOT, and SVG\nwhen dot is installed), a sequence diagram "
                         "(SVG), a pcap of both legs and an HTML page.",
                         options)
                   .c_str(),
               stdout);
    return 0;
  }
  if (p.positional.size() != 1) return usage_error("report", "expected one input (scenario, replay file or directory)");
  if (!p.has("--out")) return usage_error("report", "--out DIR is required");
  const std::string& in = p.positional[0];
  std::string out = p.value("--out");
  if (fs::exists(out) && !fs::is_directory(out)) return usage_error("report", "--out " + out + " is not a directory");
  if (!fs::exists(in)) return usage_error("report", in + ": no such file or directory");
  if (!fs::is_directory(in)) {
    std::string html;
    int code = report_one(in, out, p, &html);
    if (code != 2) std::printf("report: %s\n", html.c_str());
    return code;
  }
  std::vector<std::string> replays;
  for (const auto& entry : fs::directory_iterator(in)) {
    std::string path = entry.path().string();
    if (path.ends_with(kReplaySuffix)) replays.push_back(path);
  }
  std::sort(replays.begin(), replays.end());
  if (replays.empty()) return usage_error("report", in + ": no .replay.textproto files in this directory");
  std::string index = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>h2sim campaign "
                      "report</title></head><body><h1>h2sim: " + std::to_string(replays.size()) +
                      " recorded cases</h1><ul>\n";
  int worst = 0;
  StateCoverage coverage;
  bool proxied = false;
  for (const std::string& replay : replays) {
    std::string name = fs::path(replay).filename().string();
    name = name.substr(0, name.size() - kReplaySuffix.size());
    std::string html;
    int code = report_one(replay, out + "/" + name, p, &html, &coverage, &proxied);
    if (code == 2) return 2;
    worst = std::max(worst, code);
    index += "<li><a href=\"" + name + "/index.html\">" + name + "</a>" + (code ? " (fails)" : "") + "</li>\n";
  }
  fs::create_directories(out);
  ReportFiles files;
  index += "</ul><h2>Stream states over all recorded cases</h2><p>Each transition counts the cases' frames; red: "
           "taken by a failing case; dashed: never taken.</p>\n" + coverage_section(coverage, proxied, out, &files);
  index += "</body></html>\n";
  if (!write_file_atomically(out + "/index.html", index, &error)) return usage_error("report", error);
  std::printf("report: %s/index.html (%zu cases)\n", out.c_str(), replays.size());
  return worst;
}

}  // namespace h2sim::cli
