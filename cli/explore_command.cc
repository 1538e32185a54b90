// h2sim explore: every schedule of a small scenario, with the outcomes each call can reach.
#include <unistd.h>

#include <chrono>
#include <cctype>
#include <cstdio>
#include <set>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "model/scenario/scenario_io.h"
#include "properties/campaign.h"
#include "properties/explore.h"
#include "properties/invariants.h"
#include "reports/explore_page.h"
#include "reports/trace_text.h"

namespace h2sim::cli {

namespace {

constexpr Option options[] = {
    {"--max-executions", "N", "stop after N paths (default 200000)"},
    {"--max-depth", "D", "stop a path after D decisions (default 400)"},
    {"--time-limit", "SECONDS", "stop the search after this much wall time (default 600; 0: none)"},
    {"--out", "DIR", "write a replay file per reachable outcome (default h2sim-explore)"},
    {"--no-prune", "", "do not prune paths that reach a known state (slower; for checking)"},
    {"--report", "DIR", "also write a report of the shortest failing execution into DIR"},
};

// Outcome file names keep this much of the outcome's text: enough to tell outcomes apart by eye,
// short enough for any file system.
constexpr size_t outcome_stem_bytes_max = 60;

// A readable file name for an outcome: its whole text in lower case, each run of other
// characters one '-' ("CANCELLED: Received RST_STREAM ..." -> "cancelled-received-rst-stream-..."),
// cut at outcome_stem_bytes_max. Two outcomes with the same stem get "-2", "-3" after the second
// (`taken` holds the stems given so far), so that no outcome's file replaces another's.
std::string outcome_stem(const std::string& outcome, std::set<std::string>* taken) {
  std::string stem;
  for (char c : outcome) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      stem += static_cast<char>(std::tolower(u));
    } else if (!stem.empty() && stem.back() != '-') {
      stem += '-';
    }
    if (stem.size() >= outcome_stem_bytes_max) break;
  }
  while (!stem.empty() && stem.back() == '-') stem.pop_back();
  if (stem.empty()) stem = "outcome";
  std::string unique = stem;
  for (int n = 2; !taken->insert(unique).second; ++n) unique = stem + "-" + std::to_string(n);
  return unique;
}

// One replay file per reachable outcome of each call, listed with the command that replays it
// (and in `written`, for the report). False (with the message printed) if one cannot be written.
bool write_outcomes(const Scenario& scenario, const ExploreReport& r, const std::string& out,
                    const std::string& input, std::vector<ExploreOutcome>* written) {
  std::string error;
  for (size_t call = 0; call < r.outcomes.size(); ++call) {
    std::printf("\ncall %zu can end at the client with:\n", call);
    std::set<std::string> taken;
    for (const auto& [outcome, decisions] : r.outcomes[call]) {
      sim::RecordedChoices choices(decisions);
      Replay replay = make_replay({scenario, run_case(scenario, choices), {}}, "", "h2sim explore " + input);
      std::string path =
          out + "/call-" + std::to_string(call) + "-" + outcome_stem(outcome, &taken) + ".replay.textproto";
      if (!write_output_file(path, format_replay(replay), &error)) {
        output_error("explore", error);
        return false;
      }
      std::printf("  %-60s h2sim replay %s\n", outcome.c_str(), path.c_str());
      written->push_back({static_cast<uint32_t>(call), outcome, path});
    }
  }
  return true;
}

// Where explore writes: --out claimed, and --report begun, before the search. The input and the
// two outputs must not hold one another: claiming or replacing a folder would remove them. Both
// are checked before either is claimed, so that a refusal leaves no new folder behind.
bool claim_outputs(const Parsed& p, const std::string& out, StagedFolder* report, std::string* error) {
  std::string problem = check_apart(p.positional[0], out, "--out");
  if (problem.empty() && p.has("--report")) {
    problem = check_apart(p.positional[0], p.value("--report"), "--report");
    if (problem.empty()) problem = check_apart(out, p.value("--report"), "--report");
    if (problem.empty()) problem = check_output_folder(p.value("--report"), "--report");
  }
  if (!problem.empty()) {
    *error = problem;
    return false;
  }
  return claim_output_folder(out, "--out", "h2sim explore --out", error) &&
         (!p.has("--report") || report->begin(p.value("--report"), "--report", "h2sim explore --report", error));
}

// --report DIR: the explore page (reports/explore_page.h) into the folder begun before the search.
// False (message printed) on a failure.
bool report_explore(const Scenario& scenario, const ExploreReport& r, const std::string& input,
                    const std::vector<ExploreOutcome>& outcomes, const std::string& shortest, StagedFolder& folder) {
  ReportFiles files;
  std::string error;
  ExplorePage page{&scenario, &r, input, outcomes, shortest, folder.dir(), nullptr};
  if (!write_explore_report(page, folder.staging(), &files, &error) || !folder.commit(&error)) {
    output_error("explore", error);
    return false;
  }
  if (!files.note.empty()) std::fprintf(stderr, "h2sim explore: note: %s\n", files.note.c_str());
  std::printf("report: %s/index.html\n", folder.dir().c_str());
  return true;
}

}  // namespace

int explore_command(std::span<const std::string> args) {
  Parsed p;
  std::string error;
  if (!parse_args(args, options, &p, &error)) return usage_error("explore", error);
  if (p.help) {
    std::fputs(help_text("h2sim explore FILE.textproto [--max-executions N] [--max-depth D] [--out DIR]",
                         "Runs every choice sequence of a scenario, depth first, pruning paths that "
                         "reach a state\nalready explored. Reports the outcomes each call can reach "
                         "(with a replay file each)\nand the shortest failing execution. Exit 1 if an "
                         "invariant fails on any path, 0 if none\ndoes and the search was complete, 3 "
                         "if none did but a bound cut it short, 2 on bad input.",
                         options)
                   .c_str(),
               stdout);
    return 0;
  }
  if (p.positional.size() != 1) return usage_error("explore", "expected one scenario file");
  ExploreOptions o;
  uint64_t n = 0;
  if (p.has("--max-executions")) {
    if (!parse_number("--max-executions", p.value("--max-executions"), 1, 100000000, &n, &error)) {
      return usage_error("explore", error);
    }
    o.executions_max = n;
  }
  if (p.has("--max-depth")) {
    if (!parse_number("--max-depth", p.value("--max-depth"), 1, 100000, &n, &error)) {
      return usage_error("explore", error);
    }
    o.depth_max = static_cast<uint32_t>(n);
  }
  uint64_t time_limit_s = 600;
  if (p.has("--time-limit") && !parse_number("--time-limit", p.value("--time-limit"), 0, 1u << 30, &time_limit_s, &error)) {
    return usage_error("explore", error);
  }
  o.prune = !p.has("--no-prune");
  o.record_graph = p.has("--report");
  std::string out = p.has("--out") ? p.value("--out") : "h2sim-explore";
  Scenario scenario;
  if (!load_scenario(p.positional[0], builtin_catalogue(), &scenario, &error)) return output_error("explore", error);
  StagedFolder report;
  if (!claim_outputs(p, out, &report, &error)) return output_error("explore", error);

  bool terminal = isatty(STDERR_FILENO);
  auto start = std::chrono::steady_clock::now();
  auto elapsed_s = [start] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  // On a terminal the progress line redraws itself; otherwise a plain line every 5 seconds.
  double printed_s = 0;
  o.progress = [&](uint64_t paths, uint64_t states) {
    if (terminal) {
      std::fprintf(stderr, "\r  %llu paths, %llu states   ", static_cast<unsigned long long>(paths),
                   static_cast<unsigned long long>(states));
    } else if (elapsed_s() - printed_s >= 5) {
      printed_s = elapsed_s();
      std::fprintf(stderr, "h2sim explore: %llu paths, %llu states after %.0f s\n",
                   static_cast<unsigned long long>(paths), static_cast<unsigned long long>(states), printed_s);
    }
  };
  if (time_limit_s > 0) {
    o.should_stop = [&] { return elapsed_s() >= static_cast<double>(time_limit_s); };
    o.stop_reason = "the time limit (" + std::to_string(time_limit_s) + " s, --time-limit)";
  }
  ExploreReport r = explore(scenario, o);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (terminal) std::fprintf(stderr, "\r%50s\r", "");

  std::printf("explored %s: %llu executions, %llu pruned paths, %llu distinct states in %.3f s%s\n",
              p.positional[0].c_str(), static_cast<unsigned long long>(r.executions),
              static_cast<unsigned long long>(r.pruned), static_cast<unsigned long long>(r.states), seconds,
              o.prune ? "" : " (pruning off)");
  if (r.too_deep > 0) {
    std::printf("%llu paths were cut at --max-depth %u\n", static_cast<unsigned long long>(r.too_deep), o.depth_max);
  }
  std::printf("search %s\n", r.complete ? "complete" : ("cut short at " + r.bound).c_str());
  std::vector<ExploreOutcome> outcomes;
  if (!write_outcomes(scenario, r, out, p.positional[0], &outcomes)) return 2;
  std::string shortest;  // the shortest failure's replay file, for the report
  if (p.has("--report") && !r.failed_invariant.empty()) {
    sim::RecordedChoices choices(r.shortest_failure);
    Result result = run_case(scenario, choices);
    shortest = out + "/shortest-failure.replay.textproto";
    Replay replay = make_replay({scenario, result, check_all(result, scenario)}, r.failed_invariant,
                                "h2sim explore " + p.positional[0]);
    if (!write_output_file(shortest, format_replay(replay), &error)) return output_error("explore", error);
  }
  if (p.has("--report") && !report_explore(scenario, r, p.positional[0], outcomes, shortest, report)) return 2;
  if (!r.failed_invariant.empty()) {
    sim::RecordedChoices choices(r.shortest_failure);
    Result result = run_case(scenario, choices);
    std::vector<Verdict> verdicts = check_all(result, scenario);
    std::printf("\n%llu executions break an invariant; the shortest (%zu decisions) breaks \"%s\":\n\n%s",
                static_cast<unsigned long long>(r.failing_executions), r.shortest_failure.size(),
                r.failed_invariant.c_str(), format_run(scenario, result, verdicts).c_str());
    return 1;
  }
  std::printf("\nno execution breaks an invariant\n");
  return r.complete ? 0 : 3;
}

}  // namespace h2sim::cli
