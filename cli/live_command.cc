// h2sim live: a scenario against a real proxy binary on loopback, N times, and how the outcomes
// compare with what the proxy's preset predicts; or, with --differential, generated scenarios
// live and simulated side by side.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/json_flag.h"
#include "cli/invariant_flags.h"
#include "cli/live_flags.h"
#include "cli/live_matrix.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "live/live_run.h"
#include "live/net/interrupt.h"
#include "model/grpc/personality.h"
#include "model/scenario/scenario_io.h"
#include "properties/campaign.h"
#include "properties/differential.h"
#include "properties/live_compare.h"
#include "properties/live_runs.h"
#include "reports/trace_text.h"

namespace h2sim::cli {

namespace {

constexpr Option options[] = {
    {"--proxy", "NAME", "a built-in proxy: haproxy, nginx, nghttpx, caddy or apache2 (below; repeatable with --matrix)", true},
    binary_option,
    proxy_cmd_option,
    proxy_config_option,
    preset_option,
    ready_option,
    {"--repeat", "N", "runs per scenario (default 20; 3 with --differential)"},
    {"--timeout-ms", "MS", "real-time bound of one run (default 3000)"},
    {"--compare", "", "explore the scenario with the proxy's preset: outcomes and frames, live vs simulated"},
    {"--max-executions", "N", "--compare: paths of the preset's search before it is cut short and widened by the loopback search and 2,000 random schedules (default 100000)"},
    {"--client", "PEER", "a real stack as the client: grpc++, grpc++-sync, grpcio, grpc-js, grpc-go or grpc-java (below); with --matrix also h2sim (our own), repeatable", true},
    {"--server", "PEER", "a real stack as the server: grpc++, grpcio, grpc-js, grpc-go or grpc-java; with --matrix also h2sim, repeatable", true},
    {"--peer-binary", "PATH", "the peer program (default: the peer's, next to h2sim)"},
    {"--tap-seed", "S", "steer the taps with seeded choices (seed S for the first run, S+1 for the next, ...)"},
    {"--tap-choices", "FILE", "steer the taps with recorded decisions (a check --live finding's .tap-choices)"},
    {"--differential", "", "generated scenarios instead of FILE, each live and simulated (with --cases)"},
    {"--cases", "N", "--differential: how many scenarios (default 20)"},
    {"--seed", "S", "--differential: which scenarios (default 1)"},
    {"--out", "DIR", "--differential: where disagreements are written (default h2sim-out/live; h2sim-out/live-matrix)"},
    {"--matrix", "", "--differential for every (proxy, client, server) triple of the lists (default: all, h2sim included)"},
    {"--one-peer", "", "--matrix: only triples with our own host at one end at least"},
    {"--table", "FILE", "--matrix: write the Markdown table of the triples' agreement to FILE"},
    {"--json", "FILE", "also write the outcomes (and --compare's figures) as JSON (schema: reports/output.proto)"},
    invariant_option,
    no_invariant_option,
};

constexpr const char* usage_line =
    "h2sim live FILE.textproto (--proxy NAME | --proxy-cmd CMD [--proxy-config FILE]) [--repeat N]\n"
    "                  [--compare [--max-executions N]] [--client PEER] [--server PEER]\n"
    "       h2sim live --differential (--proxy NAME | --proxy-cmd CMD --preset P) [--cases N] [--seed S] [--out DIR]\n"
    "       h2sim live --differential --matrix [--proxy NAME]... [--client PEER]... [--server PEER]... [--one-peer]\n"
    "                  [--cases N] [--repeat R] [--seed S] [--out DIR] [--table FILE.md]";

constexpr const char* description =
    "Runs the scenario's calls through a real proxy binary on 127.0.0.1: h2sim writes its\n"
    "configuration (h2c on both sides), starts it, runs the scenario N times with the same\n"
    "client and server code as the simulator, stops it, and prints the distribution of\n"
    "outcomes with both legs' frames for one run of each. --compare explores the scenario\n"
    "with the proxy's preset and says, call by call, whether each live outcome is in the\n"
    "simulated reachable set, and where the frames on each leg differ from the simulated run\n"
    "that reached the same outcome. --client and --server put a real gRPC stack on that end\n"
    "(a peer program next to h2sim, built when its stack is installed: scripts/install-live-deps.sh);\n"
    "a relay between it and the proxy traces its leg.\n"
    "--differential does this for generated scenarios (the preset's check generators, proxy\n"
    "overrides removed) and lists every disagreement with its files; a scenario the real peers\n"
    "cannot follow as written is skipped and counted. --matrix runs it for every triple of the\n"
    "--proxy, --client and --server lists (each defaults to every built-in proxy, or every peer\n"
    "and h2sim, our own host), lists the triples whose proxy is not installed or whose peer was\n"
    "not built as skipped, and writes --table: per triple the scenarios run and skipped, the\n"
    "live runs, the cells (call x distinct live outcome of a scenario), how many the preset\n"
    "predicts, and each disagreement with its files under DIR/PROXY-CLIENT-SERVER.\n"
    "Exit 1 if a live outcome breaks an invariant (or, with --compare or --differential, is\n"
    "not predicted), 2 on bad input, a proxy that does not start, or one that does not stop\n"
    "on SIGTERM (--matrix: after the other triples ran and the table was written).";

// --client P / --server Q: a real stack on that end (live/peers.h). Its personality in the
// scenario becomes the one that models it, so that the comparison predicts for it.
bool parse_peers(const Parsed& p, live::Peers* peers, std::string* error) {
  return live::choose_peers(p.has("--client") ? p.value("--client") : "", p.has("--server") ? p.value("--server") : "",
                            p.has("--peer-binary") ? p.value("--peer-binary") : "", peers, error);
}

void use_peers(const live::Peers& peers, Scenario* scenario) { live::use_peer_personalities(peers, scenario); }

// The peers --help lists: each with what it runs and whether its program was built.
std::string peers_help() {
  std::string out = "\nPeers (--client, --server; default: our own hosts, the scenario's personalities):\n";
  for (const live::PeerKind& k : live::peer_kinds()) {
    const char* sides = k.client_mode.empty() ? "server" : k.serves ? "client, server" : "client";
    char line[160];
    std::snprintf(line, sizeof line, "  %-12s %-15s %-10s ", std::string(k.name).c_str(), sides,
                  live::peer_program(k).empty() ? "not built" : "available");
    out += line + std::string(k.stack) + "\n";
  }
  return out;
}

void print_comparison(const Comparison& c, const char* preset) {
  std::string loopback;
  if (!c.simulated.complete) {
    loopback = std::string("; loopback search ") + (c.loopback.complete ? "complete, " : "partial, ") +
               std::to_string(c.loopback.executions) + " executions";
  }
  std::printf("\npreset %s (%s search, %llu executions%s%s) predicts:\n", preset,
              c.simulated.complete ? "complete" : "partial", static_cast<unsigned long long>(c.simulated.executions),
              loopback.c_str(), c.sampled ? ("; and " + std::to_string(c.sampled) + " random schedules").c_str() : "");
  for (size_t call = 0; call < c.simulated.outcomes.size(); ++call) {
    std::printf("  call %zu:", call);
    for (const auto& [o, d] : c.simulated.outcomes[call]) std::printf(" [%s]", o.c_str());
    std::printf("\n");
  }
  for (const auto& [outcome, calls] : c.unpredicted) {
    for (size_t call : calls) std::printf("  live call %zu NOT PREDICTED in run \"%s\"\n", call, outcome.c_str());
  }
  for (const auto& [outcome, legs] : c.legs) {
    for (const LegDifference& d : legs) {
      if (d.agrees) {
        std::string later;
        if (d.writes_left_later > 0) {
          later = " (" + std::to_string(d.writes_left_later) + (d.writes_left_later == 1 ? " write" : " writes") +
                  " left after a later read)";
        }
        std::printf("  frames of \"%s\", %s: as simulated%s\n", outcome.c_str(), d.leg.c_str(), later.c_str());
      } else {
        std::printf("  frames of \"%s\", %s: differ at frame %zu: live %s, simulated %s\n", outcome.c_str(),
                    d.leg.c_str(), d.at, d.live.c_str(), d.simulated.c_str());
      }
    }
  }
  std::printf("agreement: %llu of %llu live outcomes (call by call) are in the simulated set\n",
              static_cast<unsigned long long>(c.agree), static_cast<unsigned long long>(c.cells));
}

void print_disagreement(const Disagreement& d, const std::string& proxy) {
  const Scenario& scenario = d.scenario;
  std::printf("\ncase %llu (%s, client %s, server %s; %s search):\n", static_cast<unsigned long long>(d.index),
              scenario.proxy().preset().c_str(), scenario.client().c_str(), scenario.server().c_str(),
              d.complete            ? "complete"
              : d.loopback_complete ? "partial, loopback complete, plus random schedules"
                                    : "partial plus random schedules, so possibly only unexplored");
  for (const UnpredictedCall& u : d.unpredicted) {
    std::printf("  call %zu live \"%s\" is not predicted; simulated:", u.call, u.live.c_str());
    for (const std::string& o : u.simulated) std::printf(" [%s]", o.c_str());
    std::printf("\n");
  }
  for (const std::vector<SimulatedReplay>& call : d.replays) {
    for (const SimulatedReplay& r : call) std::printf("  simulated %-50s h2sim replay %s\n", r.outcome.c_str(), r.path.c_str());
  }
  std::printf("  live traces: %s.live.txt\n  again: h2sim live %s.textproto --proxy %s --compare\n", d.stem.c_str(),
              d.stem.c_str(), proxy.c_str());
}

// --differential: options parsed here, the loop in properties/differential.h.
bool differential_options(const Parsed& p, DifferentialOptions* o, std::string* error) {
  if (p.has("--cases") && !parse_number("--cases", p.value("--cases"), 1, 100000, &o->cases, error)) return false;
  if (p.has("--seed") && !parse_number("--seed", p.value("--seed"), 0, UINT64_MAX, &o->seed, error)) return false;
  return !p.has("--repeat") || parse_number("--repeat", p.value("--repeat"), 1, 10000, &o->repeat, error);
}

int differential(const Parsed& p, const LiveTarget& target, const live::Peers& peers, uint64_t timeout_ms) {
  std::string error;
  DifferentialOptions o;
  if (!differential_options(p, &o, &error)) return usage_error("live", error);
  o.out_dir = p.has("--out") ? p.value("--out") : "h2sim-out/live";
  if (!claim_output_folder(o.out_dir, "--out", "h2sim live --differential --out", &error)) return output_error("live", error);
  o.target = target;
  o.preset = target.proxy.preset;
  o.proxy_name = target.proxy.name;
  o.peers = peers;
  o.timeout_ms = timeout_ms;
  ProgressLine line("live");
  o.progress = [&line](uint64_t done, uint64_t cases) {
    line.show(std::to_string(done) + "/" + std::to_string(cases) + " cases");
  };
  o.disagreement = [&o, &line](const Disagreement& d) {
    line.clear();
    print_disagreement(d, o.proxy_name);
  };
  live::install_interrupt_handler();
  std::printf("differential: %llu generated scenarios (seed %llu) through %s, %llu live runs each, against preset %s\n",
              static_cast<unsigned long long>(o.cases), static_cast<unsigned long long>(o.seed), o.proxy_name.c_str(),
              static_cast<unsigned long long>(o.repeat), o.preset.c_str());
  DifferentialResult r = run_differential(o);
  if (!r.error.empty() && live::interrupted() && !r.write_failed) return interrupted_before_any_run();
  if (!r.error.empty()) return output_error("live", r.error);
  if (!r.stop_problem.empty()) return output_error("live", r.stop_problem);
  line.clear();
  if (r.interrupted) {
    std::printf("\ninterrupted: %llu of %llu cases ran; what they found is above and in %s\n",
                static_cast<unsigned long long>(r.done), static_cast<unsigned long long>(o.cases), o.out_dir.c_str());
  }
  std::printf("\nagreement: %llu of %llu cells (call x distinct live outcome) are in the simulated set; "
              "%llu of %llu cases disagree; %llu simulated searches were partial (%llu in the loopback subspace "
              "too); %llu cases skipped (the peers cannot follow them)\n",
              static_cast<unsigned long long>(r.agree), static_cast<unsigned long long>(r.cells),
              static_cast<unsigned long long>(r.disagreeing), static_cast<unsigned long long>(r.done),
              static_cast<unsigned long long>(r.partial), static_cast<unsigned long long>(r.loopback_partial),
              static_cast<unsigned long long>(r.skipped));
  if (r.interrupted) return live::interrupted_exit_code;
  return r.disagreeing ? 1 : 0;
}

// What the runs of one scenario came to: the distribution, one run of each outcome, and (with
// --compare) the preset's prediction. The exit code.
// --json: the runs' outcomes, and the comparison's figures when there was one.
output::Output live_json(const Parsed& p, const LiveTarget& target, const LiveOutcomes& live, const Comparison* c) {
  output::Output out;
  output::Live* l = out.mutable_live();
  l->set_scenario(p.positional[0]);
  l->set_proxy(target.label());
  l->set_runs(live.runs);
  for (const auto& [outcome, n] : live.counts) {
    output::Live::Outcome* o = l->add_outcomes();
    o->set_outcome(outcome);
    o->set_count(n);
  }
  l->set_failing(live.failing);
  for (const auto& [name, n] : live.broken) (*l->mutable_broken())[name] = n;
  if (c != nullptr) {
    l->set_preset(target.proxy.preset);
    l->set_cells(c->cells);
    l->set_cells_agree(c->agree);
  }
  l->set_interrupted(live::interrupted());
  return out;
}

// The preset's prediction for --compare, with its progress on standard error (a search of a
// scenario of several calls takes minutes) and an interrupt ending it.
Comparison predict(const Scenario& simulated, uint64_t executions_max) {
  constexpr uint64_t random_schedules = 2000;
  ProgressLine line("live --compare");
  auto progress = [&line, &simulated](std::string_view part, uint64_t done) {
    line.show("predicting with " + simulated.proxy().preset() + ": " + std::string(part) + ", " +
              std::to_string(done) +
              (part == "random schedules" ? " of " + std::to_string(random_schedules) : std::string(" paths")));
  };
  return predict_with_preset(simulated, executions_max, random_schedules, [] { return live::interrupted(); }, progress);
}

int report_runs(const Parsed& p, std::span<const std::string> args, const Scenario& scenario, const LiveTarget& target,
                const live::Peers& peers, const LiveOutcomes& live, uint64_t repeat, uint64_t executions_max) {
  std::printf("%s through %s, %llu runs:\n", p.positional[0].c_str(), target.label().c_str(),
              static_cast<unsigned long long>(repeat));
  for (const auto& [outcome, n] : live.counts) {
    std::printf("  %4llu x %s\n", static_cast<unsigned long long>(n), outcome.c_str());
  }
  for (const auto& [outcome, r] : live.example) {
    std::printf("\none run that ended with %s:\n%s", outcome.c_str(), live_frames(r, peers).c_str());
  }
  if (!live.stop_problem.empty()) return output_error("live", live.stop_problem);
  int code = live.failing ? 1 : 0;
  std::string error;
  if (live::interrupted()) {
    std::printf("interrupted after %llu runs\n", static_cast<unsigned long long>(live.runs));
    if (!write_json_flag(p, "live", args, live_json(p, target, live, nullptr), &error)) return output_error("live", error);
    return live::interrupted_exit_code;
  }
  std::optional<Comparison> c;
  if (p.has("--compare")) {
    Scenario simulated = scenario;
    simulated.mutable_proxy()->set_preset(target.proxy.preset);
    c = predict(simulated, executions_max);
    if (live::interrupted()) {
      std::printf("interrupted while exploring the preset: no comparison\n");
      if (!write_json_flag(p, "live", args, live_json(p, target, live, nullptr), &error)) return output_error("live", error);
      return live::interrupted_exit_code;
    }
    compare_with_live(simulated, live.example, true, &*c);
    print_comparison(*c, target.proxy.preset.c_str());
    if (c->agree != c->cells) code = 1;
  }
  if (!write_json_flag(p, "live", args, live_json(p, target, live, c ? &*c : nullptr), &error)) {
    return output_error("live", error);
  }
  std::printf("%llu of %llu runs broke an invariant\n", static_cast<unsigned long long>(live.failing),
              static_cast<unsigned long long>(repeat));
  for (const auto& [name, n] : live.broken) {
    std::printf("  %s: %llu runs (first: %s)\n", name.c_str(), static_cast<unsigned long long>(n),
                live.first_detail.at(name).c_str());
  }
  return code;
}

// --tap-seed S or --tap-choices FILE: how the taps are steered (neither: plain relays).
bool tap_choices_from_flags(const Parsed& p, TapChoices* taps, std::string* error) {
  if (p.has("--tap-seed") && p.has("--tap-choices")) {
    *error = "give --tap-seed or --tap-choices, not both";
    return false;
  }
  if (p.has("--tap-seed")) {
    uint64_t seed = 0;
    if (!parse_number("--tap-seed", p.value("--tap-seed"), 0, UINT64_MAX, &seed, error)) return false;
    *taps = [seed](uint64_t run) { return std::make_unique<sim::SeededChoices>(seed + run); };
    return true;
  }
  if (!p.has("--tap-choices")) return true;
  std::string text;
  std::vector<sim::Decision> decisions;
  if (!read_file(p.value("--tap-choices"), &text, error) || !sim::parse_decisions(text, &decisions, error)) {
    *error = "--tap-choices " + p.value("--tap-choices") + ": " + *error;
    return false;
  }
  // Guided: a run that asks other questions than the recorded one gets 0 (plain) for those.
  *taps = [decisions](uint64_t) { return std::make_unique<GuidedChoices>(decisions); };
  return true;
}

int run_file(const Context& ctx, const Parsed& p, std::span<const std::string> args, const LiveTarget& target,
             live::Peers peers, uint64_t timeout_ms) {
  std::string error;
  for (const char* flag : {"--cases", "--seed", "--out"}) {
    if (p.has(flag)) return usage_error("live", std::string(flag) + " goes with --differential");
  }
  if (p.positional.size() != 1) return usage_error("live", "expected one scenario file");
  if (std::string e = check_json_flag(p); !e.empty()) return output_error("live", e);
  uint64_t repeat = 20;
  if (p.has("--repeat") && !parse_number("--repeat", p.value("--repeat"), 1, 10000, &repeat, &error)) {
    return usage_error("live", error);
  }
  if (p.has("--compare") && target.proxy.preset.empty()) {
    return usage_error("live", "--compare needs the preset that models " + target.proxy.name + ": --preset P");
  }
  uint64_t executions_max = 100000;
  if (p.has("--max-executions")) {
    if (!p.has("--compare")) return usage_error("live", "--max-executions goes with --compare");
    if (!parse_number("--max-executions", p.value("--max-executions"), 1, 100000000, &executions_max, &error)) {
      return usage_error("live", error);
    }
  }
  Scenario scenario;
  if (!load_scenario(p.positional[0], ctx.catalogue, &scenario, &error)) return output_error("live", error);
  if (std::string why = live_incapable(scenario); !why.empty()) return usage_error("live", why);
  if (std::string why = live::unfollowed_field(peers, scenario); !why.empty()) return usage_error("live", why);
  use_peers(peers, &scenario);
  live::install_interrupt_handler();
  TapChoices taps;
  if (!tap_choices_from_flags(p, &taps, &error)) return usage_error("live", error);
  InvariantSet on;
  if (!invariants_from_flags(p, &on, &error)) return usage_error("live", error);
  LiveOutcomes live;
  if (!run_live_scenario(scenario, peers, p.positional[0], target, repeat, timeout_ms, &live, &error, taps, on)) {
    return live::interrupted() ? interrupted_before_any_run() : output_error("live", error);
  }
  return report_runs(p, args, scenario, target, peers, live, repeat, executions_max);
}

// The flags only --matrix takes (several --proxy, --client or --server, --one-peer, --table), and
// what --matrix does not take: 2 with the message, or 0 if the flags fit together.
int matrix_flags_misplaced(const Parsed& p) {
  if (!p.has("--matrix")) {
    for (const char* flag : {"--one-peer", "--table"}) {
      if (p.has(flag)) return usage_error("live", std::string(flag) + " goes with --differential --matrix");
    }
    for (const char* flag : {"--proxy", "--client", "--server"}) {
      if (p.has(flag) && p.all(flag).size() > 1) {
        return usage_error("live", std::string(flag) + " given more than once: only --differential --matrix takes a list");
      }
    }
    return 0;
  }
  if (!p.has("--differential")) return usage_error("live", "--matrix goes with --differential");
  if (!p.positional.empty()) return usage_error("live", "--differential generates its scenarios: give no FILE");
  for (const char* flag : {"--json", "--compare", "--max-executions", "--tap-seed", "--tap-choices", "--invariant", "--no-invariant"}) {
    if (p.has(flag)) return usage_error("live", std::string(flag) + " does not go with --differential --matrix");
  }
  return 0;
}

}  // namespace

int live_command(const Context& ctx, std::span<const std::string> args) {
  Parsed p;
  std::string error;
  if (!parse_args(args, options, &p, &error)) return usage_error("live", error);
  if (p.help) {
    std::fputs((help_text(usage_line, description, options) + proxy_placeholders_help() + peers_help()).c_str(),
               stdout);
    return 0;
  }
  if (int code = matrix_flags_misplaced(p); code != 0) return code;
  if (p.has("--matrix")) {
    uint64_t timeout_ms = 3000;
    if (p.has("--timeout-ms") && !parse_number("--timeout-ms", p.value("--timeout-ms"), 10, 60000, &timeout_ms, &error)) {
      return usage_error("live", error);
    }
    return live_matrix(p, args, timeout_ms);
  }
  InvariantSet on;  // checked before the proxy is looked for; run_file reads it again
  if (!invariants_from_flags(p, &on, &error)) return usage_error("live", error);
  LiveTarget target;
  if (!live_target_from_flags(p, "", &target, &error)) return usage_error("live", error);
  uint64_t timeout_ms = 3000;
  if (p.has("--timeout-ms") && !parse_number("--timeout-ms", p.value("--timeout-ms"), 10, 60000, &timeout_ms, &error)) {
    return usage_error("live", error);
  }
  live::Peers peers;
  if (!parse_peers(p, &peers, &error)) return usage_error("live", error);
  if (!p.has("--differential")) return run_file(ctx, p, args, target, peers, timeout_ms);
  if (!p.positional.empty()) return usage_error("live", "--differential generates its scenarios: give no FILE");
  if (p.has("--json")) return usage_error("live", "--json goes with a scenario FILE, not --differential");
  if (p.has("--max-executions")) return usage_error("live", "--max-executions goes with --compare, not --differential");
  if (p.has("--invariant") || p.has("--no-invariant")) {
    return usage_error("live", "--invariant and --no-invariant go with a scenario FILE, not --differential (it compares outcomes with the model's and judges no invariant)");
  }
  if (target.proxy.preset.empty()) {
    return usage_error("live", "--differential needs the preset that models " + target.proxy.name + ": --preset P");
  }
  return differential(p, target, peers, timeout_ms);
}

}  // namespace h2sim::cli
