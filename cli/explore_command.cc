// h2sim explore: every schedule of a small scenario, with the outcomes each call can reach.
#include <cctype>
#include <cstdio>
#include <set>

#include "cli/args.h"
#include "cli/invariant_flags.h"
#include "cli/commands.h"
#include "cli/json_flag.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "live/net/clock.h"
#include "live/net/interrupt.h"
#include "model/scenario/scenario_io.h"
#include "properties/campaign.h"
#include "properties/explore.h"
#include "properties/isolation.h"
#include "properties/invariants.h"
#include "reports/explore_page.h"
#include "reports/json_output.h"
#include "reports/trace_text.h"

namespace h2sim::cli {

namespace {

constexpr std::string_view usage =
    "h2sim explore FILE.textproto [--max-executions N] [--max-depth D] [--time-limit S] [--jobs J] [--out DIR]";
constexpr std::string_view description =
    "Runs every choice sequence of a scenario, depth first, pruning paths that reach a state\nalready explored. "
    "Reports the outcomes each call can reach (with a replay file each)\nand the shortest failing execution. "
    "Exit 1 if an invariant fails on any path, 0 if none\ndoes and the search was complete, 3 if none did but a "
    "bound cut it short, 2 on bad input,\n130 if interrupted (the outcomes found so far are written).";

constexpr Option options[] = {
    {"--max-executions", "N", "stop after N paths (default 200000; in a split search, in the split and in each subtree)"},
    {"--max-depth", "D", "stop a path after D decisions (default 400)"},
    {"--time-limit", "SECONDS", "stop the search after this much wall time (default 600; 0: none)"},
    {"--out", "DIR", "write a replay file per reachable outcome (default h2sim-out/explore)"},
    {"--no-prune", "", "do not prune paths that reach a known state (slower; for checking)"},
    {"--no-por", "", "no partial-order reduction: try every order of events that commute (slower; for checking)"},
    {"--no-host-states", "", "name every host by its inputs, not by its own state: runs whose reads fell differently stay apart (slower; for checking)"},
    {"--jobs", "J", "worker processes searching the subtrees of a split search (default 1)"},
    {"--subtrees", "N", "split the search into at least N subtrees, searched apart (default 256 with --jobs, else 1);\n"
                        "the counts and outcomes depend on N, never on J"},
    {"--report", "DIR", "also write a report of the shortest failing execution into DIR"},
    invariant_option,
    no_invariant_option,
    json_option,
};

// Outcome file names keep this much of the outcome's text: enough to tell outcomes apart by eye,
// short enough for any file system.
constexpr size_t outcome_stem_bytes_max = 60;

// With --jobs, the search is split into at least this many subtrees: enough that workers share
// them evenly (each takes the next one left, and subtrees differ in size), and deep enough that
// most states are seen above the split, which every subtree prunes on. On
// explore-cancel-meets-status-latencies a split of 16 ran 14% more paths than the whole search, of
// 256 5%; each subtree costs about half a millisecond, which only a search that is over in a
// fraction of a second notices (bench/README.md).
constexpr uint32_t default_subtrees = 256;

// A search through a plug-in proxy that has overrun --time-limit by this much is taken to be
// stuck in the proxy (a search stops itself at its limit, between two paths).
constexpr double hang_grace_s = 30;

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
bool write_outcomes(const Context& ctx, const Scenario& scenario, const ExploreReport& r, const std::string& out,
                    const std::string& input, std::vector<ExploreOutcome>* written) {
  std::string error;
  for (size_t call = 0; call < r.outcomes.size(); ++call) {
    // A search cut short has found some of a call's outcomes, not necessarily all of them.
    std::printf("\ncall %zu can end at the client with%s:\n", call,
                r.complete ? "" : " (at least these: the search was cut short)");
    std::set<std::string> taken;
    for (const auto& [outcome, decisions] : r.outcomes[call]) {
      sim::RecordedChoices choices(decisions);
      Replay replay = make_replay({scenario, run_case(scenario, choices, ctx.proxies), {}, {}}, "",
                                  ctx.program + " explore " + input, ctx.proxies);
      std::string path =
          out + "/call-" + std::to_string(call) + "-" + outcome_stem(outcome, &taken) + ".replay.textproto";
      if (!write_output_file(path, format_replay(replay), &error)) {
        output_error("explore", error);
        return false;
      }
      std::printf("  %-60s %s\n", outcome.c_str(), replay_command(ctx, path).c_str());
      written->push_back({static_cast<uint32_t>(call), outcome, path});
    }
  }
  return true;
}

// --jobs and --subtrees. Any --jobs splits the search (into default_subtrees), so that
// --jobs 1 and --jobs 8 give the same report; without it the search is one tree, as before.
bool jobs_from(const Parsed& p, ExploreOptions* o, std::string* error) {
  uint64_t n = 0;
  if (p.has("--jobs")) {
    if (!parse_number("--jobs", p.value("--jobs"), 1, 256, &n, error)) return false;
    o->jobs = static_cast<uint32_t>(n);
    o->subtrees_min = default_subtrees;
  }
  if (p.has("--subtrees")) {
    if (!parse_number("--subtrees", p.value("--subtrees"), 1, 1u << 20, &n, error)) return false;
    o->subtrees_min = static_cast<uint32_t>(n);
  }
  if (o->jobs > 1 && o->record_graph) {
    *error = "--report draws the search in one process: use it without --jobs, or with --jobs 1";
    return false;
  }
  return true;
}

// --max-executions, --max-depth, --time-limit, --no-prune, --jobs and --subtrees.
bool options_from(const Parsed& p, ExploreOptions* o, uint64_t* time_limit_s, std::string* error) {
  uint64_t n = 0;
  if (p.has("--max-executions")) {
    if (!parse_number("--max-executions", p.value("--max-executions"), 1, 100000000, &n, error)) return false;
    o->executions_max = n;
  }
  if (p.has("--max-depth")) {
    if (!parse_number("--max-depth", p.value("--max-depth"), 1, 100000, &n, error)) return false;
    o->depth_max = static_cast<uint32_t>(n);
  }
  if (p.has("--time-limit") && !parse_number("--time-limit", p.value("--time-limit"), 0, 1u << 30, time_limit_s, error)) {
    return false;
  }
  o->prune = !p.has("--no-prune");
  if (!invariants_from_flags(p, &o->invariants, error)) return false;
  o->por = !p.has("--no-por");
  o->host_states = !p.has("--no-host-states");
  o->record_graph = p.has("--report");
  return jobs_from(p, o, error);
}

// The search, with progress on standard error and its end: complete, a bound, the time limit or
// an interrupt.
ExploreReport search(const Scenario& scenario, ExploreOptions o, uint64_t time_limit_s, double* seconds) {
  live::Stopwatch clock;
  ProgressLine line("explore");
  o.progress = [&line](uint64_t paths, uint64_t states) {
    line.show(std::to_string(paths) + " paths, " + std::to_string(states) + " states");
  };
  o.should_stop = [&clock, time_limit_s] {
    return live::interrupted() || (time_limit_s > 0 && clock.seconds() >= static_cast<double>(time_limit_s));
  };
  ExploreReport r = explore(scenario, o);
  if (live::interrupted()) {
    r.bound = "an interrupt";
  } else if (!r.complete && r.bound == o.stop_reason) {
    r.bound = "the time limit (" + std::to_string(time_limit_s) + " s, --time-limit)";
  }
  *seconds = clock.seconds();
  return r;
}

void print_summary(const std::string& input, const ExploreReport& r, const ExploreOptions& o, double seconds) {
  std::printf("explored %s: %llu executions, %llu pruned paths, %llu distinct states in %.3f s%s%s\n",
              input.c_str(), static_cast<unsigned long long>(r.executions), static_cast<unsigned long long>(r.pruned),
              static_cast<unsigned long long>(r.states), seconds, o.prune ? "" : " (pruning off)",
              o.por ? "" : " (partial-order reduction off)");
  if (r.asleep > 0) {
    std::printf("%llu paths ended as reorderings of commuting events already tried (partial-order reduction)\n",
                static_cast<unsigned long long>(r.asleep));
  }
  if (r.too_deep > 0) {
    std::printf("%llu paths were cut at --max-depth %u\n", static_cast<unsigned long long>(r.too_deep), o.depth_max);
  }
  if (r.subtrees > 1) {
    std::printf("split into %llu subtrees searched apart (a state reached in two of them counts twice)\n",
                static_cast<unsigned long long>(r.subtrees));
  }
  if (!r.error.empty()) std::printf("error: %s\n", r.error.c_str());
  std::printf("search %s\n", r.complete ? "complete" : ("cut short at " + r.bound).c_str());
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

// The shortest failing execution, printed.
void print_failure(const Context& ctx, const Scenario& scenario, const ExploreReport& r, const InvariantSet& on) {
  sim::RecordedChoices choices(r.shortest_failure);
  Result result = run_case(scenario, choices, ctx.proxies);
  std::printf("\n%llu executions break an invariant; the shortest (%zu decisions) breaks \"%s\":\n\n%s",
              static_cast<unsigned long long>(r.failing_executions), r.shortest_failure.size(),
              r.failed_invariant.c_str(), format_run(scenario, result, check_all(result, scenario, on)).c_str());
}

// --report DIR: the explore page (outcomes first, the decision points) with a run page per
// outcome, and the shortest failure's replay file beside the outcomes'. False (message printed)
// on a failure.
bool report_explore(const Context& ctx, const Scenario& scenario, const ExploreReport& r, const std::string& input,
                    const std::vector<ExploreOutcome>& outcomes, const std::string& out, StagedFolder& folder,
                    const InvariantSet& on) {
  std::string error, shortest;
  if (!r.failed_invariant.empty()) {
    sim::RecordedChoices choices(r.shortest_failure);
    Result result = run_case(scenario, choices, ctx.proxies);
    shortest = out + "/shortest-failure.replay.textproto";
    Replay replay = make_replay({scenario, result, check_all(result, scenario, on), {}}, r.failed_invariant,
                                ctx.program + " explore " + input, ctx.proxies, on);
    if (!write_output_file(shortest, format_replay(replay), &error)) {
      output_error("explore", error);
      return false;
    }
  }
  ReportFiles files;
  ExplorePage page{&scenario, &r, input, outcomes, shortest, folder.dir(), &ctx.proxies, ctx.program};
  if (!write_explore_report(page, folder.staging(), &files, &error) || !folder.commit(&error)) {
    output_error("explore", error);
    return false;
  }
  if (!files.note.empty()) std::fprintf(stderr, "h2sim explore: note: %s\n", files.note.c_str());
  std::printf("report: %s/index.html\n", folder.dir().c_str());
  return true;
}

// A path the proxy under test crashed or hung on: its replay file in `out`, and the finding.
int died_finding(const Context& ctx, const std::string& input, const std::string& out, const std::string& what,
                 const Scenario& scenario, const std::vector<sim::Decision>& decisions) {
  std::string kind = what.starts_with("hang") ? "hang" : "crash";
  std::string path = out + "/" + kind + ".replay.textproto";
  std::string error;
  Replay replay = died_case_replay(scenario, decisions, what, ctx.program + " explore " + input, ctx.proxies);
  if (!write_output_file(path, format_replay(replay), &error)) return output_error("explore", error);
  std::printf("\n==== FAILED (%s): %s on a path of %zu decisions\nreplay: %s\n", kind.c_str(),
              died_headline(what).c_str(), decisions.size(), replay_command(ctx, path).c_str());
  return 1;
}

// The search and everything it writes. With a recorder (in a child, isolated), every path is
// recorded as it is taken.
int explore_here(const Context& ctx, const Parsed& p, std::span<const std::string> args, const Scenario& scenario,
                 ExploreOptions o, uint64_t time_limit_s, const std::string& out, StagedFolder& report,
                 CaseRecorder* recorder) {
  std::string error;
  o.recorder = recorder;
  double seconds = 0;
  ExploreReport r = search(scenario, o, time_limit_s, &seconds);
  print_summary(p.positional[0], r, o, seconds);
  if (!r.died.empty()) return died_finding(ctx, p.positional[0], out, r.died, scenario, r.died_path);
  std::vector<ExploreOutcome> outcomes;
  if (!write_outcomes(ctx, scenario, r, out, p.positional[0], &outcomes)) return 2;
  if (p.has("--report") && !report_explore(ctx, scenario, r, p.positional[0], outcomes, out, report, o.invariants)) return 2;
  output::Output json;
  *json.mutable_explore() = explore_output(scenario, r);
  if (!write_json_flag(p, "explore", args, json, &error)) return output_error("explore", error);
  if (!r.failed_invariant.empty()) print_failure(ctx, scenario, r, o.invariants);
  if (r.failed_invariant.empty()) std::printf("\nno execution breaks an invariant\n");
  if (live::interrupted()) return live::interrupted_exit_code;
  return !r.failed_invariant.empty() ? 1 : r.complete ? 0 : 3;
}

}  // namespace

int explore_command(const Context& ctx, std::span<const std::string> args) {
  Parsed p;
  std::string error;
  if (!parse_args(args, options, &p, &error)) return usage_error("explore", error);
  if (p.help) return print_help(usage, description, options);
  if (p.positional.size() != 1) return usage_error("explore", "expected one scenario file");
  ExploreOptions o;
  o.proxies = &ctx.proxies;
  uint64_t time_limit_s = 600;
  if (!options_from(p, &o, &time_limit_s, &error)) return usage_error("explore", error);
  std::string out = p.has("--out") ? p.value("--out") : "h2sim-out/explore";
  Scenario scenario;
  if (!load_scenario(p.positional[0], ctx.catalogue, &scenario, &error)) return output_error("explore", error);
  if (std::string e = check_json_flag(p); !e.empty()) return output_error("explore", e);
  StagedFolder report;
  if (!claim_outputs(p, out, &report, &error)) return output_error("explore", error);
  live::install_interrupt_handler();
  if (!needs_isolation(scenario, ctx.proxies)) {
    return explore_here(ctx, p, args, scenario, o, time_limit_s, out, report, nullptr);
  }
  // The proxy is the user's code, in this process: the search runs in a child, so that a crash
  // or a loop on some path is a finding with that path's replay rather than the end of h2sim.
  // A path that loops is a hang once the search has overrun its time limit by a grace period.
  ChildRun child;
  auto in_child = [&](CaseRecorder& recorder) {
    int code = explore_here(ctx, p, args, scenario, o, time_limit_s, out, report, &recorder);
    return finish_standard_output("explore", code);
  };
  double timeout_s = time_limit_s > 0 ? static_cast<double>(time_limit_s) + hang_grace_s : 1e12;
  if (!run_in_child(in_child, timeout_s, &child, &error)) return output_error("explore", error);
  if (child.exited) return child.code;
  if (!child.has_case) return output_error("explore", "the search " + child.what + " before its first path");
  return died_finding(ctx, p.positional[0], out, child.what, child.scenario, child.decisions);
}

}  // namespace h2sim::cli
