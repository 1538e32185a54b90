// h2sim replay: a recorded case again, decision for decision; the digest proves it is the same run.
#include <cstdio>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/live_flags.h"
#include "cli/output.h"
#include "model/scenario/scenario_io.h"
#include "properties/harness.h"
#include "properties/invariants.h"
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


// The recorded proxy must be the one this h2sim has under that name, in the same version: a
// replay through another proxy would report a digest mismatch that means nothing.
std::string check_proxy_identity(const Context& ctx, const std::string& path, const Replay& replay) {
  if (!replay.scenario().has_proxy() || replay.proxy_version().empty()) return {};
  const ProxyEntry* entry = ctx.proxies.find(replay.scenario().proxy().preset());
  if (entry == nullptr || entry->version == replay.proxy_version()) return {};
  return path + ": recorded with proxy '" + entry->name + "' version " + replay.proxy_version() +
         ", but this h2sim has version " + entry->version + " (" + entry->origin + ")";
}

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
  if (std::string e = check_proxy_identity(ctx, path, replay); !e.empty()) return output_error("replay", e);
  if (wants_live_replay(p)) return replay_live_command(ctx, p, path, replay);
  StagedFolder report;
  if (p.has("--report") && !begin_report(path, p.value("--report"), "h2sim replay --report", &report, &error)) {
    return output_error("replay", error);
  }
  sim::RecordedChoices choices(decisions_of(replay));
  Result result;
  try {
    result = run_case(replay.scenario(), choices, ctx.proxies);
  } catch (const sim::ChoiceError& e) {
    return usage_error("replay", path + ": the recorded decisions do not fit this scenario: " + e.what());
  }
  if (!choices.exhausted()) {
    return usage_error("replay", path + ": the run took " + std::to_string(choices.consumed()) + " of " +
                                     std::to_string(replay.decisions_size()) + " recorded decisions");
  }
  std::vector<Verdict> verdicts = check_all(result, replay.scenario());
  print_run(replay.scenario(), result, verdicts, p.has("--quiet"));
  if (p.has("--report") && !report_run(replay.scenario(), result, verdicts, replay_command(ctx, path), report, "replay")) {
    return 2;
  }
  if (replay.trace_digest().empty()) return all_hold(verdicts) ? 0 : 1;
  if (replay.trace_digest() != result.digest) {
    print_first_difference(replay, result);
    return 1;
  }
  std::printf("digest matches the recording\n");
  return all_hold(verdicts) ? 0 : 1;
}

}  // namespace h2sim::cli
