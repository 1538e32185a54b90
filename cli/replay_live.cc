// h2sim replay FILE --live: the recorded case against the real proxy binary under its schedule
// (properties/live_replay.h), and how often the real proxy does what the simulated one did.
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "cli/live_flags.h"
#include "cli/output.h"
#include "live/net/interrupt.h"
#include "live/net/process.h"
#include "model/scenario/scenario_io.h"
#include "properties/invariants.h"
#include "properties/live_replay.h"

namespace h2sim::cli {

namespace {

constexpr const char* live_only[] = {"--proxy", "--binary", "--proxy-cmd", "--proxy-config", "--proxy-ready-ms",
                                     "--repeat", "--timeout-ms"};

bool replay_live_options(const Parsed& p, const Replay& replay, LiveReplayOptions* o, std::string* error) {
  if (p.has("--report")) {
    *error = "--report goes without --live (h2sim live --help for live reports of a scenario)";
    return false;
  }
  if (!live_target_from_flags(p, replay.scenario().proxy().preset(), &o->target, error)) return false;
  if (p.has("--repeat") && !parse_number("--repeat", p.value("--repeat"), 1, 100000, &o->repeat, error)) return false;
  return !p.has("--timeout-ms") || parse_number("--timeout-ms", p.value("--timeout-ms"), 10, 60000, &o->timeout_ms, error);
}

std::string frames_text(const Result& r) {
  std::string out;
  for (const h2::FrameRecord& f : r.frames) {
    if (f.type == h2::FrameType::settings || f.type == h2::FrameType::window_update) continue;
    out += h2::format_frame(f) + "\n";
  }
  return out;
}

void print_taps(const LiveReplayResult& r) {
  std::printf("\nschedule: %s", r.schedule.c_str());
  std::printf("taps: %llu of %llu read batches that came were delivered whole and apart, over the %llu runs\n",
              static_cast<unsigned long long>(r.groups_met), static_cast<unsigned long long>(r.groups_reached),
              static_cast<unsigned long long>(r.runs));
  for (const auto& [line, runs] : r.divergences) {
    std::printf("  in %llu run%s the live frames left the schedule: %s\n", static_cast<unsigned long long>(runs),
                runs == 1 ? "" : "s", line.c_str());
  }
}

// A run that did not reproduce, with what it ended as and each invariant it broke and why, since
// its frames alone may not show it.
void print_other(const LiveReplayResult& r) {
  std::printf("\none run that did not (%s):\n", outcome_of(*r.other).c_str());
  for (const Verdict& v : check_all(*r.other, r.simulated.scenario)) {
    if (!v.holds) std::printf("  broke %s: %s\n", std::string(v.name).c_str(), v.detail.c_str());
  }
  std::printf("%s", frames_text(*r.other).c_str());
}

int print_result(const std::string& path, const LiveTarget& target, const LiveReplayResult& r) {
  std::printf("%s against %s, %llu runs under its schedule:\n", path.c_str(), target.label().c_str(),
              static_cast<unsigned long long>(r.runs));
  std::printf("reproduced %llu of %llu (reproducing: %s)\n", static_cast<unsigned long long>(r.reproduced),
              static_cast<unsigned long long>(r.runs), r.expected.c_str());
  for (const auto& [outcome, n] : r.outcomes) {
    std::printf("  %4llu x %s\n", static_cast<unsigned long long>(n), outcome.c_str());
  }
  print_taps(r);
  if (r.reproducing) std::printf("\none run that reproduced it:\n%s", frames_text(*r.reproducing).c_str());
  if (r.other) print_other(r);
  if (!r.stop_problem.empty()) return output_error("replay", r.stop_problem);
  if (r.interrupted) {
    std::printf("interrupted after %llu runs\n", static_cast<unsigned long long>(r.runs));
    return live::interrupted_exit_code;
  }
  bool simulated_fails = !all_hold(r.simulated.verdicts);
  return (simulated_fails ? r.reproduced > 0 : r.failing > 0) ? 1 : 0;
}

}  // namespace

bool wants_live_replay(const Parsed& p) {
  if (p.has("--live")) return true;
  for (const char* flag : live_only) {
    if (p.has(flag)) return true;
  }
  return false;
}

int replay_live_command(const Context& ctx, const Parsed& p, const std::string& path, const Replay& replay) {
  std::string error;
  for (const char* flag : live_only) {
    if (p.has(flag) && !p.has("--live")) return usage_error("replay", std::string(flag) + " goes with --live");
  }
  LiveReplayOptions o;
  if (!replay_live_options(p, replay, &o, &error)) return usage_error("replay", error);
  // Peers read the scenario from a file: the replay's, written into the scratch folder.
  o.scenario_path = live::temp_file("replay-scenario");
  if (o.scenario_path.empty() || !write_output_file(o.scenario_path, to_text(replay.scenario()), &error)) {
    return output_error("replay", error.empty() ? "cannot write a temporary file" : error);
  }
  bool terminal = isatty(STDERR_FILENO);
  o.progress = [terminal, &o](uint64_t done, uint64_t reproduced) {
    if (terminal) std::fprintf(stderr, "\r  %llu/%llu runs, reproduced %llu", static_cast<unsigned long long>(done),
                               static_cast<unsigned long long>(o.repeat), static_cast<unsigned long long>(reproduced));
  };
  live::install_interrupt_handler();
  LiveReplayResult r = replay_live(replay, ctx.proxies, o);
  if (terminal) std::fprintf(stderr, "\r\033[K");
  std::remove(o.scenario_path.c_str());
  if (!r.error.empty() && live::interrupted()) return interrupted_before_any_run();
  if (!r.error.empty()) return output_error("replay", path + ": " + r.error);
  return print_result(path, o.target, r);
}

}  // namespace h2sim::cli
