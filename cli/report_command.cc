// h2sim report: drawings of a run, a replay file, or every replay file of a campaign directory.
#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "model/scenario/scenario_io.h"
#include "properties/harness.h"
#include "properties/invariants.h"
#include "properties/isolation.h"
#include "reports/campaign_page.h"
#include "reports/run_page.h"
#include "reports/trace_text.h"

namespace h2sim::cli {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kReplaySuffix = ".replay.textproto";

// How long a case through a plug-in's proxy may run, by default, before it counts as a hang (as
// for run).
constexpr uint64_t default_case_timeout_s = 60;

constexpr Option options[] = {
    {"--out", "DIR", "where the report goes (required)"},
    {"--seed", "S", "for a scenario: seeded choices (default 0)"},
    {"--plain", "", "for a scenario: the plainest schedule"},
    {"--case-timeout", "SECONDS", "a case through a plug-in's proxy taking longer is a hang (default 60)"},
};

// A crash of a plug-in's proxy, recorded: running it again would crash again. (A preset's
// recorded crash came from outside the case, a worker killed, say: its run is drawn.)
bool undrawable(const Replay& replay, const ProxyRegistry& proxies) {
  return recorded_crash(replay) && needs_isolation(replay.scenario(), proxies);
}

// A scenario or replay file, run: what a report draws.
struct Input {
  Scenario scenario;
  Result result;
  std::vector<Verdict> verdicts;
  std::string command;  // how to run it again
  std::string died;     // or, the proxy under test crashed or hung on it (ChildRun::what): no run
};

// Runs the case `choices` take through `scenario` in a child: `died` says what became of the
// child if it did not end (a crash, a hang), and stays empty if it did. False with `error` if no
// child could be made. A plug-in's proxy is the user's code, in
// h2sim's process: its case runs first in a child, so that a crash or a loop becomes what the
// report says of that case instead of ending the report (and, for a campaign folder, the cases
// after it). The child has its own copy of `choices`; the run the report draws is then made here
// with the same decisions, which the plug-in answered once without dying. (A proxy whose crash
// does not repeat on the same decisions can still take the report down, leaving its hidden
// staging folder next to or inside --out.)
bool survives_in_child(const Context& ctx, const Scenario& scenario, sim::ChoiceSource& choices, double timeout_s,
                       std::string* died, std::string* error) {
  ChildRun child;
  auto in_child = [&](CaseRecorder& recorder) {
    recorder.begin(scenario);
    RecordingChoices recording(&choices, &recorder);
    try {
      run_case(scenario, recording, ctx.proxies);
    } catch (const sim::ChoiceError&) {
      return 2;  // the run here says why
    }
    return 0;
  };
  if (!run_in_child(in_child, timeout_s, &child, error)) return false;
  if (!child.exited) *died = child.what;
  return true;
}

// Loads `in` (a scenario, run with --plain or `seed`, or a replay file by its suffix) and runs it,
// in a child first if its proxy needs isolation (`out->died` then says if it died there). False
// with `error` on bad input.
bool run_input(const Context& ctx, const std::string& in, const Parsed& p, uint64_t seed, double case_timeout_s,
               Input* out, std::string* error) {
  std::unique_ptr<sim::ChoiceSource> choices;
  if (in.ends_with(kReplaySuffix)) {
    Replay replay;
    if (!load_replay(in, ctx.catalogue, &replay, error)) return false;
    if (undrawable(replay, ctx.proxies)) {
      *error = in + ": it records a case the proxy under test " + replay.invariant() +
               " on, which has no run to draw (" + replay_command(ctx, in) + " reproduces it)";
      return false;
    }
    out->scenario = replay.scenario();
    choices = std::make_unique<ReplayChoices>(replay);
    out->command = replay_command(ctx, in);
  } else {
    if (!load_scenario(in, ctx.catalogue, &out->scenario, error)) return false;
    if (p.has("--plain")) {
      choices = std::make_unique<sim::PlainChoices>();
      out->command = ctx.program + " run " + in + " --plain";
    } else {
      choices = std::make_unique<sim::SeededChoices>(seed);
      out->command = ctx.program + " run " + in + " --seed " + std::to_string(seed);
    }
  }
  if (needs_isolation(out->scenario, ctx.proxies)) {
    if (!survives_in_child(ctx, out->scenario, *choices, case_timeout_s, &out->died, error)) return false;
    if (!out->died.empty()) return true;
  }
  try {
    out->result = run_case(out->scenario, *choices, ctx.proxies);
  } catch (const sim::ChoiceError& e) {
    *error = in + ": the recorded decisions do not fit this scenario: " + e.what();
    return false;
  }
  out->verdicts = check_all(out->result, out->scenario);
  return true;
}

// Orders names as a person counts: "seed-3-case-9" before "seed-3-case-10".
bool natural_less(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      size_t ei = i, ej = j;
      while (ei < a.size() && digit(a[ei])) ++ei;
      while (ej < b.size() && digit(b[ej])) ++ej;
      std::string_view x = a.substr(i, ei - i), y = b.substr(j, ej - j);
      while (x.size() > 1 && x[0] == '0') x.remove_prefix(1);
      while (y.size() > 1 && y[0] == '0') y.remove_prefix(1);
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = ei;
      j = ej;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

// The .replay.textproto files of a campaign folder, in natural order. False with `error` if it cannot be
// listed (the error_code overloads: a folder we may not read is a message, not an exception).
bool list_replays(const std::string& in, std::vector<std::string>* replays, std::string* error) {
  std::error_code ec;
  for (fs::directory_iterator it(in, ec), end; !ec && it != end; it.increment(ec)) {
    std::string path = it->path().string();
    if (path.ends_with(kReplaySuffix)) replays->push_back(path);
  }
  if (ec) {
    *error = in + ": cannot list it: " + ec.message();
    return false;
  }
  std::sort(replays->begin(), replays->end(), natural_less);
  return true;
}

// The report of every replay file of the campaign folder `in`, and its campaign page (findings
// by signature, statistics, state diagrams over all of them), into `folder`. Returns 0 once the
// report is written (a failing case is what it draws, not an error of report's), else 2.
int report_campaign(const Context& ctx, const std::string& in, const std::vector<std::string>& replays,
                    const Parsed& p, double case_timeout_s, StagedFolder& folder) {
  std::string error;
  ReportFiles files;
  CampaignReport report(folder.staging(), &files, in);
  size_t undrawn = 0;
  for (const std::string& replay : replays) {
    std::string name = fs::path(replay).filename().string();
    name = name.substr(0, name.size() - kReplaySuffix.size());
    if (Replay recorded; load_replay(replay, ctx.catalogue, &recorded, &error) && undrawable(recorded, ctx.proxies)) {
      std::fprintf(stderr, "h2sim report: note: %s: the proxy under test %s on it; not drawn (%s reproduces it)\n",
                   replay.c_str(), recorded.invariant().c_str(), replay_command(ctx, replay).c_str());
      ++undrawn;
      continue;
    }
    Input input;
    if (!run_input(ctx, replay, p, 0, case_timeout_s, &input, &error)) return output_error("report", error);
    if (!input.died.empty()) {
      std::fprintf(stderr, "h2sim report: note: %s: %s on it now, which its record does not say; not drawn (%s reproduces it)\n",
                   replay.c_str(), died_headline(input.died).c_str(), input.command.c_str());
      ++undrawn;
      continue;
    }
    if (!report.add(name, input.scenario, input.result, input.verdicts, input.command, &error)) {
      return output_error("report", error);
    }
  }
  CampaignStats stats;
  bool have_stats = load_campaign_stats(in, &stats, &error);
  if (!error.empty()) std::fprintf(stderr, "h2sim report: note: %s\n", error.c_str());
  if (!report.finish(have_stats ? &stats : nullptr, &error) || !folder.commit(&error)) {
    return output_error("report", error);
  }
  if (!files.note.empty()) std::fprintf(stderr, "h2sim report: note: %s\n", files.note.c_str());
  std::printf("report: %s/index.html (%zu cases%s)\n", folder.dir().c_str(), replays.size() - undrawn,
              undrawn ? (", " + std::to_string(undrawn) + " crashed or hung, not drawn").c_str() : "");
  return 0;
}

}  // namespace

void print_run(const Scenario& scenario, const Result& result, const std::vector<Verdict>& verdicts, bool quiet) {
  std::string text = quiet ? format_outcomes(scenario, result) + format_verdicts(result, verdicts) + "trace digest " +
                                 result.digest + "\n"
                           : format_run(scenario, result, verdicts);
  std::fputs(text.c_str(), stdout);
}

bool begin_report(const std::string& input, const std::string& dir, std::string_view writer, StagedFolder* folder,
                  std::string* error) {
  *error = check_apart(input, dir, "--report");
  return error->empty() && folder->begin(dir, "--report", writer, error);
}

// Shared with run, replay, explore and check: --report DIR draws the run just made.
bool report_run(const Scenario& scenario, const Result& result, const std::vector<Verdict>& verdicts,
                const std::string& command, StagedFolder& folder, std::string_view name,
                const std::vector<std::pair<std::string, std::string>>& extra_diagrams) {
  ReportFiles files;
  std::string error;
  if (!write_report(scenario, result, verdicts, command, folder.staging(), &files, &error, extra_diagrams) ||
      !folder.commit(&error)) {
    output_error(name, error);
    return false;
  }
  if (!files.note.empty()) {
    std::fprintf(stderr, "h2sim %.*s: note: %s\n", static_cast<int>(name.size()), name.data(), files.note.c_str());
  }
  std::printf("report: %s/index.html\n", folder.dir().c_str());
  return true;
}

namespace {

// The report of `in` (a scenario, a replay file or a campaign folder) into `out`.
int report_here(const Context& ctx, const Parsed& p, const std::string& in, const std::string& out, uint64_t seed,
                double case_timeout_s, const fs::file_status& status, StagedFolder& folder) {
  std::string error;
  std::error_code ec;
  if (!fs::is_directory(status)) {
    Input input;
    if (!run_input(ctx, in, p, seed, case_timeout_s, &input, &error)) return output_error("report", error);
    if (!input.died.empty()) {
      std::printf("==== FAILED (%s): %s; there is no run to draw\nrerun: %s\n",
                  input.died.starts_with("hang") ? "hang" : "crash", died_headline(input.died).c_str(),
                  input.command.c_str());
      return 1;
    }
    if (!folder.begin(out, "--out", "h2sim report", &error)) return output_error("report", error);
    if (!report_run(input.scenario, input.result, input.verdicts, input.command, folder, "report")) return 2;
    return 0;  // written: whether the run held is the report's content, not report's exit code
  }
  std::vector<std::string> replays;
  if (!list_replays(in, &replays, &error)) return output_error("report", error);
  // A campaign in which every case held (or one interrupted before its first finding) has only
  // its statistics: their page is the report.
  if (replays.empty() && !fs::exists(fs::path(in) / campaign_stats_file, ec)) {
    return usage_error("report", in + ": no .replay.textproto files and no " + std::string(campaign_stats_file) +
                                     " in this directory");
  }
  if (!folder.begin(out, "--out", "h2sim report", &error)) return output_error("report", error);
  return report_campaign(ctx, in, replays, p, case_timeout_s, folder);
}

}  // namespace

int report_command(const Context& ctx, std::span<const std::string> args) {
  Parsed p;
  std::string error;
  if (!parse_args(args, options, &p, &error)) return usage_error("report", error);
  if (p.help) {
    std::fputs(help_text("h2sim report IN --out DIR",
                         "IN is a scenario (run with --seed S or --plain), a .replay.textproto file, "
                         "or a campaign's\noutput directory (every replay file in it). Writes state "
                         "diagrams (Graphviz DOT, and SVG\nwhen dot is installed), a sequence diagram "
                         "(SVG), a pcap of both legs and an HTML page.\nDIR must be new, empty, or "
                         "a folder h2sim wrote before (which it replaces).\nExit 0 once the report is written (whatever "
                         "it shows), 2 on bad input or an output that\ncannot be written.",
                         options)
                   .c_str(),
               stdout);
    return 0;
  }
  if (p.positional.size() != 1) return usage_error("report", "expected one input (scenario, replay file or directory)");
  if (!p.has("--out")) return usage_error("report", "--out DIR is required");
  const std::string& in = p.positional[0];
  const std::string& out = p.value("--out");
  uint64_t seed = 0;
  if (p.has("--seed") && !parse_number("--seed", p.value("--seed"), 0, UINT64_MAX, &seed, &error)) {
    return usage_error("report", error);
  }
  uint64_t case_timeout_s = default_case_timeout_s;
  if (p.has("--case-timeout") &&
      !parse_number("--case-timeout", p.value("--case-timeout"), 1, 86400, &case_timeout_s, &error)) {
    return usage_error("report", error);
  }
  std::error_code ec;
  fs::file_status status = fs::status(in, ec);
  if (status.type() == fs::file_type::not_found) return output_error("report", in + ": no such file or directory");
  if (ec) return output_error("report", in + ": " + ec.message());
  if (std::string e = check_apart(in, out, "--out"); !e.empty()) return output_error("report", e);
  StagedFolder folder;
  return report_here(ctx, p, in, out, seed, static_cast<double>(case_timeout_s), status, folder);
}

}  // namespace h2sim::cli
