// h2sim check: a campaign of generated cases, shrunk and recorded on failure.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli/args.h"
#include "cli/campaign_runner.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "model/grpc/personality.h"
#include "model/scenario/scenario_io.h"
#include "proxy_under_test/policy.h"
#include "reports/campaign_page.h"
#include "rapidcheck/detail/Configuration.h"

namespace h2sim::cli {

namespace {

constexpr Option options[] = {
    {"--proxy", "P", "proxy preset to draw from (repeatable; 'none' for no proxy; default: all)", true},
    {"--client", "C", "client personality to draw from (repeatable; default: all)", true},
    {"--server", "S", "server personality to draw from (repeatable; default: grpc-core)", true},
    {"--cases", "N", "cases to run (default 200, or RC_PARAMS max_success)"},
    {"--seed", "S", "campaign seed (default 0, or RC_PARAMS seed)"},
    {"--jobs", "J", "worker processes; a crashing or hanging case becomes a finding (default 1)"},
    {"--shard", "I/N", "run shard I of N (default: GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS, else 0/1)"},
    {"--out", "DIR", "where replay files go (default h2sim-out)"},
    {"--hostile", "", "add a hostile client to every case (malformed and abusive HTTP/2)"},
    {"--case-timeout", "SECONDS", "with --jobs, a case running longer is a hang (default 10)"},
    {"--keep-going", "", "do not stop at the first failure"},
    {"--report", "DIR", "also write a report (diagrams, pcap, HTML) of each finding into DIR"},
};

bool parse_shard(const std::string& text, uint32_t* index, uint32_t* count, std::string* error) {
  size_t slash = text.find('/');
  uint64_t i = 0, n = 0;
  if (slash == std::string::npos ||
      !parse_number("--shard", text.substr(0, slash), 0, 1u << 20, &i, error) ||
      !parse_number("--shard", text.substr(slash + 1), 1, 1u << 20, &n, error) || i >= n) {
    *error = "--shard takes I/N with 0 <= I < N, not '" + text + "'";
    return false;
  }
  *index = static_cast<uint32_t>(i);
  *count = static_cast<uint32_t>(n);
  return true;
}

// Checks names against what exists; fills the defaults.
bool choose_names(const Parsed& p, GenOptions* gen, std::string* error) {
  gen->presets.clear();
  gen->clients.clear();
  gen->servers.clear();
  for (const std::string& name : p.all("--proxy")) {
    if (name != "none" && !proxy::find_preset(name)) {
      *error = "unknown proxy preset '" + name + "' (known: none, " + proxy::known_presets() + ")";
      return false;
    }
    gen->presets.push_back(name == "none" ? "" : name);
  }
  if (gen->presets.empty()) {
    for (const proxy::ProxyPolicy& preset : proxy::presets()) gen->presets.emplace_back(preset.name);
    gen->presets.emplace_back("");
  }
  for (const std::string& name : p.all("--client")) {
    if (!grpc::find_client_personality(name)) {
      *error = "unknown client personality '" + name + "' (known: " + grpc::known_client_personalities() + ")";
      return false;
    }
    gen->clients.push_back(name);
  }
  if (gen->clients.empty()) {
    for (const auto& c : grpc::client_personalities()) gen->clients.emplace_back(c.name);
  }
  for (const std::string& name : p.all("--server")) {
    if (!grpc::find_server_personality(name)) {
      *error = "unknown server personality '" + name + "' (known: " + grpc::known_server_personalities() + ")";
      return false;
    }
    gen->servers.push_back(name);
  }
  if (gen->servers.empty()) gen->servers.emplace_back("grpc-core");
  return true;
}

// Before the campaign: --out is checked (run_check claims it) and --report claimed. Neither may
// hold the other, because claiming a folder empties it.
bool claim_outputs(const Parsed& p, const std::string& out_dir, std::string* error) {
  *error = check_output_folder(out_dir, "--out");
  if (error->empty() && p.has("--report")) {
    *error = check_apart(out_dir, p.value("--report"), "--report");
    if (error->empty()) *error = check_apart(p.value("--report"), out_dir, "--out");
    if (error->empty()) claim_output_folder(p.value("--report"), "--report", "h2sim check --report", error);
  }
  return error->empty();
}

void print_finding(const CheckFinding& f) {
  std::printf("\n==== FAILED (%s): %s\ncase %llu, found after %.2f s", f.kind.c_str(), f.invariant.c_str(),
              static_cast<unsigned long long>(f.case_index), f.found_after_seconds);
  if (f.kind == "invariant" || f.kind == "determinism") {
    std::printf(", shrunk in %u steps (%.2f s)", f.shrink_steps, f.shrink_seconds);
  }
  std::printf("\n\n%s\n", f.report.c_str());
  if (f.replay_path.empty()) {
    std::printf("its replay file could not be written: %s\n", f.write_error.c_str());
  } else {
    std::printf("replay it with:\n  h2sim replay %s\n", f.replay_path.c_str());
  }
}

// --report DIR: each finding's run page in DIR/case-N and the campaign page over them (findings
// grouped by signature, the statistics) in DIR. False (message printed) on a failure.
bool report_findings(const CheckResult& r, const std::string& out_dir, const std::string& dir) {
  ReportFiles files;
  CampaignReport report(dir, &files, "h2sim check --out " + out_dir);
  std::string error;
  for (const CheckFinding& f : r.findings) {
    Replay replay;
    if (f.replay_path.empty()) continue;
    if (!load_replay(f.replay_path, builtin_catalogue(), &replay, &error)) return output_error("check", error) == 0;
    sim::RecordedChoices choices(decisions_of(replay));
    Result result;
    try {
      result = run_case(replay.scenario(), choices);
    } catch (const sim::ChoiceError&) {
      continue;  // a crash or hang recorded mid-run: its report is its replay file
    }
    if (!report.add("case-" + std::to_string(f.case_index), replay.scenario(), result,
                    check_all(result, replay.scenario()), "h2sim replay " + f.replay_path, &error)) {
      return output_error("check", error) == 0;
    }
  }
  if (!report.finish(&r.stats, &error)) return output_error("check", error) == 0;
  if (!files.note.empty()) std::fprintf(stderr, "h2sim check: note: %s\n", files.note.c_str());
  std::printf("report: %s/index.html\n", dir.c_str());
  return true;
}

}  // namespace

int check_command(std::span<const std::string> args) {
  Parsed p;
  std::string error;
  if (!parse_args(args, options, &p, &error)) return usage_error("check", error);
  if (p.help) {
    std::fputs(help_text("h2sim check [--proxy P]... [--client C]... [--cases N] [--seed S] [--jobs J] "
                         "[--shard I/N] [--out DIR]",
                         "Runs a campaign of generated scenarios and schedules and checks every "
                         "invariant.\nOn a failure: shrinks it to a minimal case, prints it as a frame "
                         "trace, writes a\nreplay file and prints the command that replays it. Exit 0 "
                         "if every case held,\n1 if one failed, 2 on bad input.",
                         options)
                   .c_str(),
               stdout);
    return 0;
  }
  if (!p.positional.empty()) return usage_error("check", "takes no positional arguments");

  CheckOptions o;
  // RC_PARAMS (RapidCheck's configuration) supplies defaults for the seed and the case count.
  if (const char* rc_params = std::getenv("RC_PARAMS")) {
    try {
      rc::detail::Configuration config = rc::detail::configFromString(rc_params);
      o.seed = config.testParams.seed;
      o.cases = static_cast<uint64_t>(config.testParams.maxSuccess);
      if (config.testParams.disableShrinking) o.shrink_runs_max = 0;
    } catch (const std::exception& e) {
      return usage_error("check", std::string("RC_PARAMS: ") + e.what());
    }
  }
  if (!choose_names(p, &o.gen, &error)) return usage_error("check", error);
  uint64_t n = 0;
  if (p.has("--cases")) {
    if (!parse_number("--cases", p.value("--cases"), 1, 100000000, &n, &error)) return usage_error("check", error);
    o.cases = n;
  }
  if (p.has("--seed")) {
    if (!parse_number("--seed", p.value("--seed"), 0, UINT64_MAX, &n, &error)) return usage_error("check", error);
    o.seed = n;
  }
  if (p.has("--jobs")) {
    if (!parse_number("--jobs", p.value("--jobs"), 1, 256, &n, &error)) return usage_error("check", error);
    o.jobs = static_cast<uint32_t>(n);
  }
  if (p.has("--case-timeout")) {
    if (!parse_number("--case-timeout", p.value("--case-timeout"), 1, 3600, &n, &error)) {
      return usage_error("check", error);
    }
    o.case_timeout_s = static_cast<double>(n);
  }
  if (p.has("--shard")) {
    if (!parse_shard(p.value("--shard"), &o.shard_index, &o.shard_count, &error)) return usage_error("check", error);
  } else if (const char* i = std::getenv("GTEST_SHARD_INDEX"), *c = std::getenv("GTEST_TOTAL_SHARDS"); i && c) {
    if (!parse_shard(std::string(i) + "/" + c, &o.shard_index, &o.shard_count, &error)) {
      return usage_error("check", "GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS: " + error);
    }
  }
  if (p.has("--out")) o.out_dir = p.value("--out");
  o.gen.hostile = p.has("--hostile");
  o.stop_at_first_failure = !p.has("--keep-going");
  o.progress = isatty(STDERR_FILENO);

  if (!claim_outputs(p, o.out_dir, &error)) return output_error("check", error);
  std::printf("h2sim check: seed %llu, %llu cases, shard %u/%u, %u job%s\n",
              static_cast<unsigned long long>(o.seed), static_cast<unsigned long long>(o.cases),
              o.shard_index, o.shard_count, o.jobs, o.jobs == 1 ? "" : "s");
  std::fflush(stdout);
  CheckResult r = run_check(o);
  if (!r.error.empty()) return output_error("check", r.error);
  std::printf("\n%s", r.stats.format(r.seconds).c_str());
  for (const CheckFinding& f : r.findings) print_finding(f);
  // The statistics beside the replay files, for `h2sim report` of this folder.
  if (!write_output_file(o.out_dir + "/" + std::string(campaign_stats_file), r.stats.serialize(), &error)) {
    return output_error("check", error);
  }
  if (p.has("--report") && !report_findings(r, o.out_dir, p.value("--report"))) return 2;
  if (r.findings.empty()) std::printf("\nevery case held every invariant\n");
  int code = r.findings.empty() ? 0 : 1;
  for (const CheckFinding& f : r.findings) {
    if (!f.write_error.empty()) code = output_error("check", f.write_error);
  }
  return code;
}

}  // namespace h2sim::cli
