// h2sim explore: every schedule of a small scenario, with the outcomes each call can reach.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/files.h"
#include "model/scenario/scenario_io.h"
#include "properties/campaign.h"
#include "properties/explore.h"
#include "properties/invariants.h"
#include "reports/diagrams.h"
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

std::string file_stem(const std::string& text) {
  std::string out;
  for (char c : text.substr(0, text.find(':'))) out += isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return out;
}

void write_explore_report(const Scenario& scenario, const Result& result, const std::vector<Verdict>& verdicts,
                          const std::string& command, const std::string& dir, const ExploreReport& r) {
  ReportFiles files;
  std::string error;
  if (!write_report(scenario, result, verdicts, command, dir, &files, &error,
                    {{"explore-states", state_graph_dot(r.graph)}})) {
    std::fprintf(stderr, "h2sim explore: error: %s\n", error.c_str());
    return;
  }
  if (!files.note.empty()) std::fprintf(stderr, "h2sim explore: note: %s\n", files.note.c_str());
  std::printf("report: %s\n", files.html.c_str());
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
  if (!load_scenario(p.positional[0], builtin_catalogue(), &scenario, &error)) return usage_error("explore", error);
  if (std::filesystem::exists(out) && !std::filesystem::is_directory(out)) {
    return usage_error("explore", "--out " + out + " is not a directory");
  }

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
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  for (size_t call = 0; call < r.outcomes.size(); ++call) {
    std::printf("\ncall %zu can end at the client with:\n", call);
    for (const auto& [outcome, decisions] : r.outcomes[call]) {
      sim::RecordedChoices choices(decisions);
      Replay replay = make_replay({scenario, run_case(scenario, choices), {}}, "", "h2sim explore " + p.positional[0]);
      std::string path = out + "/call-" + std::to_string(call) + "-" + file_stem(outcome) + ".replay.textproto";
      write_file_atomically(path, format_replay(replay), &error);
      std::printf("  %-60s h2sim replay %s\n", outcome.c_str(), path.c_str());
    }
  }
  if (!r.failed_invariant.empty()) {
    sim::RecordedChoices choices(r.shortest_failure);
    Result result = run_case(scenario, choices);
    std::vector<Verdict> verdicts = check_all(result, scenario);
    std::printf("\n%llu executions break an invariant; the shortest (%zu decisions) breaks \"%s\":\n\n%s",
                static_cast<unsigned long long>(r.failing_executions), r.shortest_failure.size(),
                r.failed_invariant.c_str(), format_run(scenario, result, verdicts).c_str());
    if (p.has("--report")) {
      Replay replay = make_replay({scenario, result, verdicts}, r.failed_invariant, "h2sim explore " + p.positional[0]);
      std::string path = out + "/shortest-failure.replay.textproto";
      write_file_atomically(path, format_replay(replay), &error);
      write_explore_report(scenario, result, verdicts, "h2sim replay " + path, p.value("--report"), r);
    }
    return 1;
  }
  std::printf("\nno execution breaks an invariant\n");
  if (p.has("--report") && !r.outcomes.empty() && !r.outcomes[0].empty()) {
    // No failure: the report draws the first outcome's execution and the state graph.
    const auto& decisions = r.outcomes[0].begin()->second;
    sim::RecordedChoices choices(decisions);
    Result result = run_case(scenario, choices);
    write_explore_report(scenario, result, check_all(result, scenario), "h2sim explore " + p.positional[0],
                         p.value("--report"), r);
  }
  return r.complete ? 0 : 3;
}

}  // namespace h2sim::cli
