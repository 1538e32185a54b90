// h2sim check --live: a campaign against the real proxy binary (properties/live_check.h), its
// findings printed as check prints its own, with their files and the commands that confirm them.
#include <cstdio>

#include "cli/commands.h"
#include "cli/invariant_flags.h"
#include "cli/live_flags.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "live/net/interrupt.h"
#include "model/grpc/personality.h"
#include "model/scenario/scenario_io.h"
#include "properties/live_check.h"

namespace h2sim::cli {

namespace {

constexpr const char* live_only[] = {"--binary", "--proxy-cmd", "--proxy-config", "--preset", "--proxy-ready-ms",
                                     "--repeat", "--timeout-ms"};

bool numbers(const Parsed& p, LiveCheckOptions* o, std::string* error) {
  auto number = [&](std::string_view flag, uint64_t min, uint64_t max, auto set) {
    return optional_number(p, flag, min, max, set, error);
  };
  return number("--cases", 1, 100000000, [&](uint64_t v) { o->cases = v; }) &&
         number("--seed", 0, UINT64_MAX, [&](uint64_t v) { o->seed = v; }) &&
         number("--jobs", 1, 64, [&](uint64_t v) { o->jobs = static_cast<uint32_t>(v); }) &&
         number("--case-timeout", 1, 36000, [&](uint64_t v) { o->case_timeout_s = static_cast<double>(v); }) &&
         number("--repeat", 1, 1000, [&](uint64_t v) { o->repeats = static_cast<uint32_t>(v); }) &&
         number("--timeout-ms", 10, 60000, [&](uint64_t v) { o->timeout_ms = v; });
}

bool personalities(const Parsed& p, LiveCheckOptions* o, std::string* error) {
  for (const std::string& c : p.all("--client")) {
    if (!grpc::find_client_personality(c)) {
      *error = "unknown client personality '" + c + "' (known: " + grpc::known_client_personalities() + ")";
      return false;
    }
    o->clients.push_back(c);
  }
  for (const std::string& s : p.all("--server")) {
    if (!grpc::find_server_personality(s)) {
      *error = "unknown server personality '" + s + "' (known: " + grpc::known_server_personalities() + ")";
      return false;
    }
    o->servers.push_back(s);
  }
  return true;
}

bool live_check_options(const Context& ctx, const Parsed& p, LiveCheckOptions* o, std::string* error) {
  for (const char* flag : {"--shard", "--shards", "--hostile", "--report", "--json", "--junit"}) {
    if (p.has(flag)) {
      *error = std::string(flag) + " does not go with --live";
      return false;
    }
  }
  if (p.all("--proxy").size() > 1) {
    *error = "--live runs one real proxy: give --proxy once";
    return false;
  }
  if (!live_target_from_flags(p, "", &o->target, error) || !numbers(p, o, error) || !personalities(p, o, error)) return false;
  if (o->target.proxy.preset.empty()) {
    *error = "check --live generates scenarios for the preset that models " + o->target.proxy.name + ": --preset P";
    return false;
  }
  o->out_dir = p.has("--out") ? p.value("--out") : "h2sim-out/check-live";
  o->stop_at_first_failure = !p.has("--keep-going");
  o->program = ctx.program;
  return true;
}

std::string finding_text(const Context& ctx, const LiveCheckOptions& o, const LiveFinding& f) {
  char head[256];
  std::snprintf(head, sizeof head, "==== FAILED live (%s): %s\ncase %llu, found after %.2f s", f.kind.c_str(),
                f.invariant.c_str(), static_cast<unsigned long long>(f.case_index), f.found_after_seconds);
  std::string text = head;
  if (f.kind != "invariant") return text + "\n\nthe worker's scenario:\n" + to_text(f.scenario);
  char shrunk[256];
  std::snprintf(shrunk, sizeof shrunk,
                ", shrunk in %u steps (%u live runs, %.2f s)%s; the shrunk case fails in %u of %u live runs\n",
                f.shrink_steps, f.shrink_runs, f.shrink_seconds, f.shrink_cut_short ? ", cut short by the interrupt" : "",
                f.reproduced, f.repeats);
  text += shrunk;
  text += "\nminimal scenario:\n" + to_text(f.scenario) + "\none live run that failed:\n" + f.example;
  if (f.replay_path.empty()) return text;
  std::string proxy = " --proxy-cmd ... ";
  if (o.target.proxy.command.find("{binary}") != std::string::npos) proxy = " --proxy " + o.target.proxy.name;
  text += f.simulated ? "\nthe preset " + o.target.proxy.preset + " reaches it too; its simulated schedule, live:\n"
                      : "\nthe preset " + o.target.proxy.preset + " does NOT reach it (the model misses what the real "
                        "proxy did); the plain schedule, live:\n";
  text += "  " + replay_command(ctx, f.replay_path) + " --live" + proxy + "\n";
  text += "the shrunk case again, steered as it was found:\n  " + ctx.program + " live " + f.scenario_path + proxy +
          " --tap-choices " + f.choices_path + "\n";
  return text;
}

int print_findings(const Context& ctx, const LiveCheckOptions& o, const LiveCheckResult& r) {
  bool written = true;
  for (const LiveFinding& f : r.findings) {
    std::string text = finding_text(ctx, o, f);
    std::printf("\n%s", text.c_str());
    std::string error = f.write_error;
    std::string stem = f.replay_path.substr(0, f.replay_path.size() - std::string(".replay.textproto").size());
    if (error.empty() && write_output_file(stem + ".txt", text, &error)) continue;
    output_error("check", error);
    written = false;
  }
  return written ? 0 : 2;
}

}  // namespace

bool wants_live_check(const Parsed& p) {
  if (p.has("--live")) return true;
  for (const char* flag : live_only) {
    if (p.has(flag)) return true;
  }
  return false;
}

int check_live_command(const Context& ctx, const Parsed& p) {
  std::string error;
  for (const char* flag : live_only) {
    if (p.has(flag) && !p.has("--live")) return usage_error("check", std::string(flag) + " goes with --live");
  }
  LiveCheckOptions o;
  if (!live_check_options(ctx, p, &o, &error) || !invariants_from_flags(p, &o.invariants, &error)) {
    return usage_error("check", error);
  }
  ProgressLine line("check");
  o.progress = campaign_progress(&line, "live runs");
  live::install_interrupt_handler();
  std::printf("h2sim check --live: %s, modelled by %s; seed %llu, %llu cases, %u job%s, %u live runs per shrink candidate\n",
              o.target.label().c_str(), o.target.proxy.preset.c_str(), static_cast<unsigned long long>(o.seed),
              static_cast<unsigned long long>(o.cases), o.jobs, o.jobs == 1 ? "" : "s", o.repeats);
  std::fflush(stdout);
  LiveCheckResult r = run_live_check(o);
  line.clear();
  if (!r.error.empty() && live::interrupted()) return interrupted_before_any_run();
  if (!r.error.empty()) return output_error("check", r.error);
  std::printf("\n%s", r.stats.format(r.seconds).c_str());
  int written = print_findings(ctx, o, r);
  for (const LiveFlake& f : r.flakes) {
    std::printf("\ncase %llu broke \"%s\" once and not again in %u live re-runs: not reported as a finding\n",
                static_cast<unsigned long long>(f.case_index), f.invariant.c_str(), o.repeats);
  }
  if (!r.stop_problem.empty()) return output_error("check", r.stop_problem);
  if (r.interrupted) {
    std::printf("\ninterrupted after %llu cases: the findings above are what finished\n",
                static_cast<unsigned long long>(r.stats.cases));
    return live::interrupted_exit_code;
  }
  if (r.findings.empty()) std::printf("\nevery case held every invariant against the real proxy\n");
  if (written != 0) return written;
  return r.findings.empty() ? 0 : 1;
}

}  // namespace h2sim::cli
