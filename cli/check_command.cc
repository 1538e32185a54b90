// h2sim check: a campaign of generated cases, shrunk and recorded on failure (properties/check.h).
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "cli/args.h"
#include "cli/check_findings.h"
#include "cli/commands.h"
#include "cli/json_flag.h"
#include "cli/gen_flags.h"
#include "cli/invariant_flags.h"
#include "cli/live_flags.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "cli/rc_params.h"
#include "live/net/interrupt.h"
#include "model/scenario/scenario_io.h"
#include "proxy_under_test/policy.h"
#include "properties/check.h"
#include "properties/shards.h"
#include "reports/campaign_page.h"
#include "reports/json_output.h"
#include "reports/trace_text.h"

namespace h2sim::cli {

namespace {

constexpr std::string_view usage =
    "h2sim check [--proxy P]... [--client C]... [--cases N] [--seed S] [--jobs J] [--shard I/N] [--out DIR]\n"
    "       h2sim check --live (--proxy NAME | --proxy-cmd CMD --preset P) [--client C]... [--cases N] [--jobs J]\n"
    "                   [--repeat R] [--out DIR]";
constexpr std::string_view description =
    "Runs a campaign of generated scenarios and schedules and checks every invariant.\nOn a failure: shrinks "
    "it to a minimal case, prints it as a frame trace, writes a\nreplay file and prints the command that "
    "replays it. Every shrink step is kept only if the smaller case passes through the\nreference "
    "(passthrough): a case that fails through the reference too is a scenario\nproblem, listed apart and "
    "never reported as the proxy's. Exit 0 if every case held\n(scenario problems aside), 1 if one failed, 2 on "
    "bad input, 130 if interrupted (what\nfinished is kept).\n"
    "--live runs the cases against the real proxy binary instead: each generated scenario for its\n"
    "preset, live through it, the taps on both legs steered by seeded choices; a failure is shrunk\n"
    "with live re-runs (each candidate R times) and reported with its rate k of R, a replay file\n"
    "of the preset's simulated counterpart and the commands that confirm it. --jobs J runs J\n"
    "proxies, each on its own ports.\n"
    "Coverage feedback (--feedback, or --corpus DIR): a case that reaches a coverage mark or a stream\n"
    "state transition no earlier case did joins a corpus, and half the cases are mutants of its\n"
    "entries (a field, a call's kind, a call added, removed or spliced in, a personality, the\n"
    "schedule). Each --jobs worker and each shard keeps its own corpus: the same seed, --corpus,\n"
    "--jobs and --shard give the same cases.";

constexpr Option options[] = {
    {"--proxy", "P", "proxy to draw from (repeatable; 'none' for no proxy; default: all registered)", true},
    {"--client", "C", "client personality to draw from (repeatable; default: all)", true},
    {"--server", "S", "server personality to draw from (repeatable; default: grpc-core)", true},
    {"--cases", "N", "cases to run (default 200, whatever RC_PARAMS holds)"},
    {"--seed", "S", "campaign seed (default 0, or RC_PARAMS seed)"},
    {"--jobs", "J", "worker processes; a crashing or hanging case becomes a finding (default 1; a proxy not built in always runs in one)"},
    {"--shard", "I/N", "run shard I of N (default: GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS, else 0/1)"},
    {"--shards", "N", "run one shard of N, the one JOB_COMPLETION_INDEX names (a Kubernetes Indexed Job)"},
    {"--out", "DIR", "where replay files go (default h2sim-out/check)"},
    {"--hostile", "", "add a hostile client to every case (malformed and abusive HTTP/2)"},
    {"--shape", "NAME", "draw every case in this shape (repeatable; h2sim shapes lists them)", true},
    {"--swarm", "", "each case takes a drawn subset of the shapes (of all of them without --shape)"},
    {"--corpus", "DIR", "keep the coverage corpus in DIR: load its entries, add each new one as a file"},
    {"--feedback", "", "coverage feedback: half the cases mutate earlier ones that reached new coverage"},
    {"--no-feedback", "", "no coverage feedback, every case fresh from the generator (the default)"},
    invariant_option,
    no_invariant_option,
    {"--case-timeout", "SECONDS", "with --jobs, a case (shrinking included) running longer is a hang (default 10)"},
    {"--keep-going", "", "do not stop at the first failure"},
    {"--report", "DIR", "also write a report (diagrams, pcap, HTML) of each finding into DIR"},
    json_option,
    {"--junit", "FILE", "also write JUnit XML: a failing test case per kind of finding"},
    {"--live", "", "against the real proxy binary named by --proxy (or --proxy-cmd), its taps steered"},
    binary_option,
    proxy_cmd_option,
    proxy_config_option,
    preset_option,
    ready_option,
    {"--repeat", "R", "--live: live runs of each shrink candidate and of the finding (default 3)"},
    {"--timeout-ms", "MS", "--live: real-time bound of one run (default 3000)"},
};

bool parse_shard(const std::string& text, uint32_t* index, uint32_t* count, std::string* error) {
  size_t slash = text.find('/');
  uint64_t i = 0, n = 0;
  if (slash == std::string::npos || !parse_number("--shard", text.substr(0, slash), 0, 1u << 20, &i, error) ||
      !parse_number("--shard", text.substr(slash + 1), 1, 1u << 20, &n, error) || i >= n) {
    *error = "--shard takes I/N with 0 <= I < N, not '" + text + "'";
    return false;
  }
  *index = static_cast<uint32_t>(i);
  *count = static_cast<uint32_t>(n);
  return true;
}

// --shard I/N; else --shards N with the index from JOB_COMPLETION_INDEX; else GoogleTest's
// variables (and their status file touched, which says the sharding protocol is honoured).
bool shard_from(const Parsed& p, CheckOptions* o, std::string* error) {
  if (p.has("--shard") && p.has("--shards")) {
    *error = "--shard and --shards exclude each other";
    return false;
  }
  if (p.has("--shard")) return parse_shard(p.value("--shard"), &o->shard_index, &o->shard_count, error);
  const char* job = std::getenv("JOB_COMPLETION_INDEX");
  if (p.has("--shards")) {
    if (job == nullptr) {
      *error = "--shards N takes its index from JOB_COMPLETION_INDEX, which is not set (--shard I/N names both)";
      return false;
    }
    if (!parse_shard(std::string(job) + "/" + p.value("--shards"), &o->shard_index, &o->shard_count, error)) {
      *error = "JOB_COMPLETION_INDEX and --shards: " + *error;
      return false;
    }
    return true;
  }
  if (job != nullptr) {
    std::fprintf(stderr, "h2sim check: note: JOB_COMPLETION_INDEX is set but --shards is not: running every case\n");
  }
  const char* i = std::getenv("GTEST_SHARD_INDEX");
  const char* c = std::getenv("GTEST_TOTAL_SHARDS");
  if (!i || !c) return true;
  if (!parse_shard(std::string(i) + "/" + c, &o->shard_index, &o->shard_count, error)) {
    *error = "GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS: " + *error;
    return false;
  }
  const char* status = std::getenv("GTEST_SHARD_STATUS_FILE");
  if (status == nullptr) return true;
  *error = check_output_file(status, "GTEST_SHARD_STATUS_FILE");
  return error->empty() && write_output_file(status, "", error);
}

// RC_PARAMS first, then the flags over it.
bool numbers_from(const Parsed& p, CheckOptions* o, std::string* error) {
  if (const char* text = std::getenv("RC_PARAMS")) {
    RcParams rc;
    if (!parse_rc_params(text, &rc, error)) return false;
    if (rc.seed) o->seed = *rc.seed;
    if (rc.noshrink) o->shrink_runs_max = 0;
  }
  auto number = [&](std::string_view flag, uint64_t min, uint64_t max, auto set) {
    return optional_number(p, flag, min, max, set, error);
  };
  if (!number("--cases", 1, 100000000, [&](uint64_t v) { o->cases = v; }) ||
      !number("--seed", 0, UINT64_MAX, [&](uint64_t v) { o->seed = v; }) ||
      !number("--jobs", 1, 256, [&](uint64_t v) { o->jobs = static_cast<uint32_t>(v); }) ||
      !number("--case-timeout", 1, 3600, [&](uint64_t v) { o->case_timeout_s = static_cast<double>(v); })) {
    return false;
  }
  return shard_from(p, o, error);
}

// Before the campaign: --out is checked (run_check claims it) and --report claimed. Neither may
// hold the other, because claiming a folder empties it.
bool claim_outputs(const Parsed& p, const std::string& out_dir, std::string* error) {
  *error = check_output_folder(out_dir, "--out");
  // Claiming --out or --report empties it: neither may hold the corpus.
  if (error->empty() && p.has("--corpus")) *error = check_apart(p.value("--corpus"), out_dir, "--out");
  if (error->empty() && p.has("--corpus") && p.has("--report")) {
    *error = check_apart(p.value("--corpus"), p.value("--report"), "--report");
  }
  if (error->empty()) *error = check_json_flag(p);
  if (error->empty() && p.has("--junit")) *error = check_output_file(p.value("--junit"), "--junit");
  if (error->empty() && p.has("--report")) {
    *error = check_apart(out_dir, p.value("--report"), "--report");
    if (error->empty()) *error = check_apart(p.value("--report"), out_dir, "--out");
    if (error->empty()) claim_output_folder(p.value("--report"), "--report", "h2sim check --report", error);
  }
  return error->empty();
}

// What must be equal across the shards of one campaign: the flags that shape its cases. --jobs
// and --corpus shape only the mutants, which are each shard's own anyway (a corpus per process):
// shards on several machines may name their corpus folders as they like.
std::string campaign_key(std::span<const std::string> args) {
  static constexpr std::string_view per_shard[] = {"--shard", "--shards", "--out",  "--json",         "--junit",
                                                   "--report", "--jobs",  "--corpus", "--case-timeout"};
  std::string key;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view flag = std::string_view(args[i]).substr(0, args[i].find('='));  // --out=DIR too
    if (std::find(std::begin(per_shard), std::end(per_shard), flag) != std::end(per_shard)) {
      if (flag.size() == args[i].size()) ++i;  // and its value, given apart
      continue;
    }
    key += (key.empty() ? "" : " ") + args[i];
  }
  return key;
}

// Beside the replay files: the statistics (for `h2sim report` of the folder) and the shard
// manifest (for `h2sim merge`); then --json and --junit. False (message printed) on a failure.
bool write_outputs(const Context& ctx, const Parsed& p, std::span<const std::string> args, const CheckOptions& o,
                   const CheckResult& r) {
  ShardManifest shard;
  shard.campaign = campaign_key(args);
  shard.seed = o.seed;
  shard.cases = o.cases;
  shard.index = o.shard_index;
  shard.count = o.shard_count;
  shard.interrupted = r.interrupted;
  std::string error;
  output::Output json;
  *json.mutable_check() = check_output(o, r, [&ctx](const std::string& path) { return replay_command(ctx, path); });
  bool ok = write_output_file(o.out_dir + "/" + std::string(campaign_stats_file), r.stats.serialize(), &error) &&
            write_output_file(o.out_dir + "/" + std::string(shard_manifest_file), shard.serialize(), &error) &&
            write_json_flag(p, "check", args, json, &error) &&
            (!p.has("--junit") ||
             write_output_file(p.value("--junit"), junit_xml("h2sim check", junit_cases(ctx, r), r.seconds), &error));
  if (!ok) output_error("check", error);
  return ok;
}

// --report DIR: each finding's run page in DIR/seed-S-case-N and the campaign page over them (findings
// grouped by signature, the statistics) in DIR. False (message printed) on a failure.
bool report_findings(const Context& ctx, const CheckResult& r, const CheckOptions& o, const std::string& dir) {
  ReportFiles files;
  CampaignReport report(dir, &files, ctx.program + " check --out " + o.out_dir);
  std::string error;
  for (const CheckFinding& f : r.findings) {
    if (!f.minimal || f.replay_path.empty()) continue;  // a crash or hang: its report is its replay file
    if (!report.add(finding_stem(o.seed, f.case_index), f.minimal->scenario, f.minimal->result,
                    f.minimal->verdicts, replay_command(ctx, f.replay_path), &error)) {
      output_error("check", error);
      return false;
    }
  }
  if (!report.finish(&r.stats, &error)) {
    output_error("check", error);
    return false;
  }
  if (!files.note.empty()) std::fprintf(stderr, "h2sim check: note: %s\n", files.note.c_str());
  std::printf("report: %s/index.html\n", dir.c_str());
  return true;
}

}  // namespace

int check_command(const Context& ctx, std::span<const std::string> args) {
  Parsed p;
  std::string error;
  if (!parse_args(args, options, &p, &error)) return usage_error("check", error);
  if (p.help) return print_help(usage, description, options);
  if (!p.positional.empty()) return usage_error("check", "takes no positional arguments");
  if (wants_live_check(p)) {
    if (p.has("--corpus") || p.has("--feedback") || p.has("--no-feedback")) {
      return usage_error("check", "--feedback, --corpus and --no-feedback go with a simulated check, not --live");
    }
    return check_live_command(ctx, p);
  }
  CheckOptions o;
  if (!numbers_from(p, &o, &error) || !gen_options_from_flags(ctx, p, &o.gen, &error) ||
      !invariants_from_flags(p, &o.gen.invariants, &error)) {
    return usage_error("check", error);
  }
  if (p.has("--out")) o.out_dir = p.value("--out");
  if (p.has("--no-feedback") && p.has("--corpus")) {
    return usage_error("check", "--corpus keeps the feedback's corpus: it does not go with --no-feedback");
  }
  if (p.has("--no-feedback") && p.has("--feedback")) {
    return usage_error("check", "--feedback and --no-feedback contradict each other");
  }
  // Off by default: on 1,000 swarm cases it reached no more coverage and cost a third of the
  // cases/s (bench/README.md, "check_bench: swarm testing with coverage feedback").
  o.feedback = p.has("--feedback") || p.has("--corpus");
  if (p.has("--corpus")) o.corpus_dir = p.value("--corpus");
  o.stop_at_first_failure = !p.has("--keep-going");
  o.program = ctx.program;
  if (!claim_outputs(p, o.out_dir, &error)) return output_error("check", error);
  ProgressLine line("check");
  o.progress = campaign_progress(&line, "runs");
  live::install_interrupt_handler();
  std::printf("h2sim check: seed %llu, %llu cases, shard %u/%u, %u job%s\n", static_cast<unsigned long long>(o.seed),
              static_cast<unsigned long long>(o.cases), o.shard_index, o.shard_count, o.jobs, o.jobs == 1 ? "" : "s");
  std::fflush(stdout);
  CheckResult r = run_check(o);
  line.clear();
  if (!r.error.empty()) return output_error("check", r.error);
  std::printf("\n%s", r.stats.format(r.seconds).c_str());
  bool written = print_findings(ctx, r);
  if (!r.corpus_error.empty()) {
    output_error("check", r.corpus_error);
    written = false;
  }
  if (!write_outputs(ctx, p, args, o, r)) return 2;
  if (p.has("--report") && !report_findings(ctx, r, o, p.value("--report"))) return 2;
  if (r.interrupted) {
    std::printf("\ninterrupted after %llu cases: the findings and statistics above are what finished\n",
                static_cast<unsigned long long>(r.stats.cases));
    return live::interrupted_exit_code;
  }
  if (r.findings.empty()) std::printf("\nevery case held every invariant\n");
  if (!written) return 2;
  return r.findings.empty() ? 0 : 1;
}

}  // namespace h2sim::cli
