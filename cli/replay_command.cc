// h2sim replay: a recorded case again, decision for decision; the digest proves it is the same run.
#include <cstdio>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/live_flags.h"
#include "cli/output.h"
#include "model/scenario/scenario_io.h"
#include "properties/campaign.h"
#include "properties/harness.h"
#include "properties/invariants.h"
#include "properties/isolation.h"
#include "properties/replay.h"
#include "reports/trace_text.h"

namespace h2sim::cli {

namespace {

constexpr std::string_view usage =
    "h2sim replay FILE.replay.textproto\n"
    "       h2sim replay FILE.replay.textproto --live [--proxy NAME | --proxy-cmd CMD] [--repeat N]";
constexpr std::string_view description =
    "Runs the recorded case again with its recorded decisions, prints the trace and checks the\ndigest. Exit 1 "
    "if the trace differs (naming the first differing frame) or an invariant\nfails, 0 if all hold, 2 on a file "
    "that is not a replay of this h2sim (or of a proxy\nit does not have).";

constexpr Option options[] = {
    {"--quiet", "", "print outcomes, verdicts and digest, not the frame trace"},
    {"--report", "DIR", "also write diagrams, a pcap and an HTML page into DIR"},
    {"--live", "", "against the real proxy binary, under the recorded schedule (below)"},
    {"--proxy", "NAME", "--live: a built-in proxy (default: the one the scenario's preset models)"},
    binary_option,
    proxy_cmd_option,
    proxy_config_option,
    ready_option,
    {"--repeat", "N", "--live: runs (default 100)"},
    {"--timeout-ms", "MS", "--live: real-time bound of one run (default 3000)"},
};


// Prints where a replayed trace first differs from the recorded one.
void print_first_difference(const Replay& replay, const Result& result) {
  std::printf("\nDIGEST MISMATCH: recorded %s, replayed %s\n", replay.trace_digest().c_str(), result.digest.c_str());
  size_t n = std::max<size_t>(replay.trace_size(), result.frames.size());
  for (size_t i = 0; i < n; ++i) {
    std::string want = i < static_cast<size_t>(replay.trace_size()) ? replay.trace(i) : "(no frame)";
    std::string got = i < result.frames.size() ? h2::format_frame(result.frames[i]) : "(no frame)";
    if (want != got) {
      std::printf("first differing frame, #%zu:\n  recorded: %s\n  replayed: %s\n", i + 1, want.c_str(), got.c_str());
      return;
    }
  }
}

}  // namespace

int replay_here(const Context& ctx, const Parsed& p, const Replay& replay) {
  const std::string& path = p.positional[0];
  std::string error;
  StagedFolder report;
  if (p.has("--report") && !begin_report(path, p.value("--report"), "h2sim replay --report", &report, &error)) {
    return output_error("replay", error);
  }
  Replayed replayed;
  if (!replay_case(replay, path, ctx.proxies, &replayed, &error)) return output_error("replay", error);
  const Result& result = replayed.result;
  InvariantSet on;
  if (!invariants_of(replay, &on, &error)) return output_error("replay", error);
  std::vector<Verdict> verdicts = check_all(result, replay.scenario(), on);
  if (replayed.beyond_cut > 0) {
    std::printf("note: the recording ends after %d decisions, where the check worker stopped (%s); the run went "
                "on with the plainest choices for %zu more\n\n",
                replay.decisions_size(), replay.invariant().c_str(), replayed.beyond_cut);
  }
  print_run(replay.scenario(), result, verdicts, p.has("--quiet"));
  if (p.has("--report") && !report_run(replay.scenario(), result, verdicts, replay_command(ctx, path), report, "replay")) {
    return 2;
  }
  if (!replayed.digest_recorded) return all_hold(verdicts) ? 0 : 1;
  if (!replayed.digest_matches) {
    print_first_difference(replay, result);
    return 1;
  }
  std::printf("digest matches the recording\n");
  return all_hold(verdicts) ? 0 : 1;
}

int replay_command(const Context& ctx, std::span<const std::string> args) {
  Parsed p;
  std::string error;
  if (!parse_args(args, options, &p, &error)) return usage_error("replay", error);
  if (p.help) {
    std::fputs((help_text(usage, description, options) + proxy_placeholders_help()).c_str(), stdout);
    return 0;
  }
  if (p.positional.size() != 1) return usage_error("replay", "expected one replay file");
  const std::string& path = p.positional[0];
  Replay replay;
  if (!load_replay(path, ctx.catalogue, &replay, &error)) return output_error("replay", error);
  if (wants_live_replay(p)) {
    error = check_proxy_identity(replay, path, ctx.proxies);
    if (!error.empty()) return output_error("replay", error);
    return replay_live_command(ctx, p, path, replay);
  }
  // A recorded crash, or a plug-in's proxy (the user's code, which may crash on this case
  // now), is replayed in a child process: a crash there is reported, not suffered.
  bool crash = recorded_crash(replay);
  if (!crash && !needs_isolation(replay.scenario(), ctx.proxies)) return replay_here(ctx, p, replay);
  ChildRun child;
  // The child's output must reach its standard output before it exits (its code is ours).
  auto replay_in_child = [&](CaseRecorder&) { return finish_standard_output("replay", replay_here(ctx, p, replay)); };
  if (!run_in_child(replay_in_child, 30, &child, &error)) return output_error("replay", error);
  if (child.exited) return child.code;
  if (crash) {
    std::printf("\nthe proxy under test %s, as recorded (%s): reproduced\n", child.what.c_str(),
                replay.invariant().c_str());
  } else {
    std::printf("\n==== FAILED (%s): %s, which the recording does not say (it was recorded as %s)\n",
                child.what.starts_with("hang") ? "hang" : "crash", died_headline(child.what).c_str(),
                replay.invariant().empty() ? "a run that ends" : ("breaking \"" + replay.invariant() + "\"").c_str());
  }
  return 1;
}

}  // namespace h2sim::cli
