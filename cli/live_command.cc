// h2sim live: a scenario against a real proxy binary on loopback, N times, and how the outcomes
// compare with what the proxy's preset predicts; or, with --differential, generated scenarios
// live and simulated side by side.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "properties/live_compare.h"
#include "live/live_run.h"
#include "live/net/interrupt.h"
#include "model/grpc/personality.h"
#include "model/scenario/scenario_io.h"
#include "properties/campaign.h"
#include "properties/generators.h"
#include "properties/invariants.h"
#include "reports/trace_text.h"

namespace h2sim::cli {

namespace {

constexpr Option options[] = {
    {"--proxy", "NAME", "haproxy, nginx or nghttpx (required)"},
    {"--binary", "PATH", "the proxy binary (default: /usr/sbin/NAME)"},
    {"--repeat", "N", "runs per scenario (default 20; 3 with --differential)"},
    {"--timeout-ms", "MS", "real-time bound of one run (default 3000)"},
    {"--compare", "", "explore the scenario with the proxy's preset: outcomes and frames, live vs simulated"},
    {"--client", "PEER", "a real stack as the client: grpc++, grpc++-sync, grpcio, grpc-js, grpc-go or grpc-java (below)"},
    {"--server", "PEER", "a real stack as the server: grpc++, grpcio, grpc-js, grpc-go or grpc-java"},
    {"--peer-binary", "PATH", "the peer program (default: the peer's, next to h2sim)"},
    {"--differential", "", "generated scenarios instead of FILE, each live and simulated (with --cases)"},
    {"--cases", "N", "--differential: how many scenarios (default 20)"},
    {"--seed", "S", "--differential: which scenarios (default 1)"},
    {"--out", "DIR", "--differential: where disagreements are written (default h2sim-out/live)"},
};

constexpr const char* usage_line =
    "h2sim live FILE.textproto --proxy haproxy|nginx|nghttpx [--repeat N] [--compare]\n"
    "                  [--client PEER] [--server PEER]\n"
    "       h2sim live --differential --proxy haproxy|nginx|nghttpx [--cases N] [--seed S] [--out DIR]";

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
    "overrides removed) and lists every disagreement with its files.\n"
    "Exit 1 if a live outcome breaks an invariant (or, with --compare or --differential, is\n"
    "not predicted), 2 on bad input or a proxy that does not start.";

std::string outcome_of(const Result& r) {
  std::string out;
  for (size_t call = 0; call < r.calls.size(); ++call) out += (call ? "; " : "") + outcome_text(r.calls[call]);
  return out;
}

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

// What the real proxy cannot be told: its configuration is the default one h2sim writes.
bool live_capable(const Scenario& s, std::string* error) {
  if (s.has_hostile()) {
    *error = "hostile clients are simulation only";
    return false;
  }
  const ProxySpec& p = s.proxy();
  if (p.has_max_requests_per_connection() || p.has_goaway_graceful() || p.has_idle_timeout_ns() ||
      p.has_downstream_window_bytes() || p.has_upstream_window_bytes() || p.has_downstream_max_concurrent_streams()) {
    *error = "proxy overrides are simulation only: the real proxy runs with the configuration h2sim writes";
    return false;
  }
  return true;
}

struct LiveOutcomes {
  std::map<std::string, uint64_t> counts;  // by outcome, all calls joined
  std::map<std::string, Result> example;   // one run of each
  uint64_t failing = 0;                    // runs that broke an invariant
  std::map<std::string, uint64_t> broken;  // by invariant: runs that broke it
  std::map<std::string, std::string> first_detail;  // by invariant: what the first such run said
};

// The proxy (and a grpc++ server, if asked) for one scenario, then `repeat` runs of it. False
// with `error` if something would not start.
bool run_live_scenario(const Scenario& scenario, live::Peers peers, const std::string& path, live::RealProxy kind,
                       const std::string& binary, uint64_t repeat, uint64_t timeout_ms, LiveOutcomes* out,
                       std::string* error) {
  std::error_code ec;
  peers.scenario_path = std::filesystem::absolute(path, ec).string();
  uint16_t backend_port = 0;
  int listener = live::listen_loopback(&backend_port, error);
  if (listener < 0) return false;
  live::PeerServer peer_server;
  if (peers.server) {
    if (!peer_server.start(peers, scenario, error)) {
      close(listener);
      return false;
    }
    peers.server_port = peer_server.port();
  }
  live::ProxyProcess proxy;
  if (!proxy.start(kind, binary, backend_port, error)) {
    close(listener);
    *error = std::string(live::proxy_name(kind)) + " (" + binary + ") did not start: " + *error;
    return false;
  }
  for (uint64_t i = 0; i < repeat && !live::interrupted(); ++i) {
    Result r = live::run_live(scenario, peers, listener, proxy.port(), static_cast<int>(timeout_ms));
    std::string outcome = outcome_of(r);
    ++out->counts[outcome];
    std::vector<Verdict> verdicts = check_all(r, scenario);
    out->failing += !all_hold(verdicts);
    for (const Verdict& v : verdicts) {
      if (v.holds) continue;
      ++out->broken[std::string(v.name)];
      out->first_detail.emplace(std::string(v.name), v.detail);
    }
    out->example.emplace(outcome, std::move(r));
  }
  proxy.stop();
  peer_server.stop();
  close(listener);
  return true;
}

std::string live_frames(const Result& r, const live::Peers& peers) {
  std::string out;
  out += live::tap_notes(peers);
  for (const h2::FrameRecord& f : r.frames) {
    if (f.type == h2::FrameType::settings || f.type == h2::FrameType::window_update) continue;
    out += h2::format_frame(f) + "\n";
  }
  return out;
}

void print_comparison(const Comparison& c, const char* preset) {
  std::printf("\npreset %s (%s search, %llu executions%s) predicts:\n", preset,
              c.simulated.complete ? "complete" : "partial", static_cast<unsigned long long>(c.simulated.executions),
              c.sampled ? (", and " + std::to_string(c.sampled) + " random schedules").c_str() : "");
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
        std::printf("  frames of \"%s\", %s: as simulated\n", outcome.c_str(), d.leg.c_str());
      } else {
        std::printf("  frames of \"%s\", %s: differ at frame %zu: live %s, simulated %s\n", outcome.c_str(),
                    d.leg.c_str(), d.at, d.live.c_str(), d.simulated.c_str());
      }
    }
  }
  std::printf("agreement: %llu of %llu live outcomes (call by call) are in the simulated set\n",
              static_cast<unsigned long long>(c.agree), static_cast<unsigned long long>(c.cells));
}

int differential(const Parsed& p, live::RealProxy kind, const std::string& binary, const live::Peers& peers,
                 uint64_t timeout_ms) {
  std::string error;
  uint64_t cases = 20, seed = 1, repeat = 3;
  if (p.has("--cases") && !parse_number("--cases", p.value("--cases"), 1, 100000, &cases, &error)) {
    return usage_error("live", error);
  }
  if (p.has("--seed") && !parse_number("--seed", p.value("--seed"), 0, UINT64_MAX, &seed, &error)) {
    return usage_error("live", error);
  }
  if (p.has("--repeat") && !parse_number("--repeat", p.value("--repeat"), 1, 10000, &repeat, &error)) {
    return usage_error("live", error);
  }
  std::string out = p.has("--out") ? p.value("--out") : "h2sim-out/live";
  if (!claim_output_folder(out, "--out", "h2sim live --differential --out", &error)) return output_error("live", error);

  const char* preset = live::preset_of(kind);
  GenOptions gen;
  gen.presets = {preset};
  gen.clients.clear();
  for (const auto& c : grpc::client_personalities()) gen.clients.emplace_back(c.name);
  gen.servers.clear();
  for (const auto& s : grpc::server_personalities()) gen.servers.emplace_back(s.name);
  // The real proxy runs with h2sim's configuration: no overrides. Deadlines and cancels are
  // removed too: they race the wall clock of a loaded machine against the simulated clock, and
  // their disagreements (seen: live DEADLINE_EXCEEDED where 400 us of simulated time sufficed)
  // are about scheduling, not about the proxy. For the same reason each hop's latency may be
  // anything from 20 us to 20 ms in the simulation, and a write may be cut in three: a real
  // process can take milliseconds to write what the scenario spaces by 50 us (seen: grpc++
  // half-closing after the response), and a real proxy reads a large response in pieces (seen:
  // the client's END_STREAM overtaking a server's RST behind 40 KB of response).
  gen.shape = [](Scenario& s) {
    std::string name = s.proxy().preset();
    s.clear_proxy();
    s.mutable_proxy()->set_preset(name);
    s.mutable_network()->set_latency_ns_min(20000);
    s.mutable_network()->set_latency_ns_max(20000000);
    s.mutable_network()->set_latency_steps(3);
    s.mutable_network()->set_segments_max(std::max<uint32_t>(s.network().segments_max(), 3));
    for (Call& call : *s.mutable_calls()) {
      call.mutable_client()->set_deadline_ns(0);
      call.mutable_client()->set_cancel_after_ns(0);
    }
  };
  live::install_interrupt_handler();
  std::printf("differential: %llu generated scenarios (seed %llu) through %s, %llu live runs each, against preset %s\n",
              static_cast<unsigned long long>(cases), static_cast<unsigned long long>(seed), live::proxy_name(kind),
              static_cast<unsigned long long>(repeat), preset);
  uint64_t cells = 0, agree = 0, partial = 0, disagreeing = 0;
  rc::Gen<Scenario> scenarios = gen_scenario(gen);
  uint64_t done = 0;
  for (uint64_t i = 0; i < cases && !live::interrupted(); ++i, done = i) {
    Scenario scenario = scenarios(case_random(seed, i), case_size(i)).value();
    scenario.set_name("differential-" + std::to_string(seed) + "-" + std::to_string(i));
    use_peers(peers, &scenario);
    std::string stem = out + "/case-" + std::to_string(i);
    if (!write_output_file(stem + ".textproto", to_text(scenario), &error)) return output_error("live", error);
    LiveOutcomes live;
    if (!run_live_scenario(scenario, peers, stem + ".textproto", kind, binary, repeat, timeout_ms, &live, &error)) {
      return usage_error("live", error);
    }
    Comparison c = compare_with_preset(scenario, live.example, true, 20000);
    cells += c.cells;
    agree += c.agree;
    partial += !c.simulated.complete;
    if (c.unpredicted.empty()) {
      std::remove((stem + ".textproto").c_str());
      if (isatty(STDERR_FILENO)) std::fprintf(stderr, "\r  %llu/%llu cases", static_cast<unsigned long long>(i + 1),
                                              static_cast<unsigned long long>(cases));
      continue;
    }
    ++disagreeing;
    // The disagreement's files: the scenario, the live runs' frames, a replay per simulated outcome.
    std::string trace;
    for (const auto& [outcome, r] : live.example) {
      trace += "live run that ended with " + outcome + ":\n" + live_frames(r, peers) + "\n";
    }
    if (!write_output_file(stem + ".live.txt", trace, &error)) return output_error("live", error);
    std::printf("\ncase %llu (%s, client %s, server %s; %s search):\n", static_cast<unsigned long long>(i),
                scenario.proxy().preset().c_str(), scenario.client().c_str(), scenario.server().c_str(),
                c.simulated.complete ? "complete" : "partial plus random schedules, so possibly only unexplored");
    for (const auto& [outcome, calls] : c.unpredicted) {
      for (size_t call : calls) {
        std::printf("  call %zu live \"%s\" is not predicted; simulated:", call, outcome_text(live.example.at(outcome).calls[call]).c_str());
        for (const auto& [o, d] : c.simulated.outcomes[call]) std::printf(" [%s]", o.c_str());
        std::printf("\n");
      }
    }
    for (size_t call = 0; call < c.simulated.outcomes.size(); ++call) {
      size_t k = 0;
      for (const auto& [o, decisions] : c.simulated.outcomes[call]) {
        sim::RecordedChoices choices(decisions);
        Replay replay = make_replay({scenario, run_case(scenario, choices), {}}, "",
                                    "h2sim live --differential --proxy " + std::string(live::proxy_name(kind)),
                                    builtin_registry());
        std::string path = stem + "-call-" + std::to_string(call) + "-simulated-" + std::to_string(k++) + ".replay.textproto";
        if (!write_output_file(path, format_replay(replay), &error)) return output_error("live", error);
        std::printf("  simulated %-50s h2sim replay %s\n", o.c_str(), path.c_str());
      }
    }
    std::printf("  live traces: %s.live.txt\n  again: h2sim live %s.textproto --proxy %s --compare\n", stem.c_str(),
                stem.c_str(), live::proxy_name(kind));
  }
  if (isatty(STDERR_FILENO)) std::fprintf(stderr, "\n");
  if (live::interrupted()) {
    std::printf("\ninterrupted: %llu of %llu cases ran; what they found is above and in %s\n",
                static_cast<unsigned long long>(done), static_cast<unsigned long long>(cases), out.c_str());
  }
  std::printf("\nagreement: %llu of %llu cells (call x distinct live outcome) are in the simulated set; "
              "%llu of %llu cases disagree; %llu simulated searches were partial\n",
              static_cast<unsigned long long>(agree), static_cast<unsigned long long>(cells),
              static_cast<unsigned long long>(disagreeing), static_cast<unsigned long long>(done),
              static_cast<unsigned long long>(partial));
  if (live::interrupted()) return live::interrupted_exit_code;
  return disagreeing ? 1 : 0;
}

}  // namespace

int live_command(const Context& ctx, std::span<const std::string> args) {
  Parsed p;
  std::string error;
  if (!parse_args(args, options, &p, &error)) return usage_error("live", error);
  if (p.help) {
    std::fputs((help_text(usage_line, description, options) + peers_help()).c_str(), stdout);
    return 0;
  }
  live::RealProxy kind;
  if (!p.has("--proxy") || !live::parse_real_proxy(p.value("--proxy"), &kind)) {
    return usage_error("live", "--proxy takes haproxy, nginx or nghttpx");
  }
  uint64_t repeat = 20, timeout_ms = 3000;
  if (p.has("--timeout-ms") && !parse_number("--timeout-ms", p.value("--timeout-ms"), 10, 60000, &timeout_ms, &error)) {
    return usage_error("live", error);
  }
  std::string binary = p.has("--binary") ? p.value("--binary") : "/usr/sbin/" + p.value("--proxy");
  live::Peers peers;
  if (!parse_peers(p, &peers, &error)) return usage_error("live", error);
  if (p.has("--differential")) {
    if (!p.positional.empty()) return usage_error("live", "--differential generates its scenarios: give no FILE");
    return differential(p, kind, binary, peers, timeout_ms);
  }
  for (const char* flag : {"--cases", "--seed", "--out"}) {
    if (p.has(flag)) return usage_error("live", std::string(flag) + " goes with --differential");
  }
  if (p.positional.size() != 1) return usage_error("live", "expected one scenario file");
  if (p.has("--repeat") && !parse_number("--repeat", p.value("--repeat"), 1, 10000, &repeat, &error)) {
    return usage_error("live", error);
  }
  Scenario scenario;
  if (!load_scenario(p.positional[0], ctx.catalogue, &scenario, &error)) return output_error("live", error);
  if (!live_capable(scenario, &error)) return usage_error("live", error);
  use_peers(peers, &scenario);

  live::install_interrupt_handler();
  LiveOutcomes live;
  if (!run_live_scenario(scenario, peers, p.positional[0], kind, binary, repeat, timeout_ms, &live, &error)) {
    return usage_error("live", error);
  }
  std::printf("%s through %s (%s), %llu runs:\n", p.positional[0].c_str(), p.value("--proxy").c_str(),
              binary.c_str(), static_cast<unsigned long long>(repeat));
  for (const auto& [outcome, n] : live.counts) {
    std::printf("  %4llu x %s\n", static_cast<unsigned long long>(n), outcome.c_str());
  }
  for (const auto& [outcome, r] : live.example) {
    std::printf("\none run that ended with %s:\n%s", outcome.c_str(), live_frames(r, peers).c_str());
  }
  int code = live.failing ? 1 : 0;
  if (live::interrupted()) {
    std::printf("interrupted after %llu runs\n", static_cast<unsigned long long>(live.example.size()));
    return live::interrupted_exit_code;
  }
  if (p.has("--compare")) {
    Scenario simulated = scenario;
    simulated.mutable_proxy()->set_preset(live::preset_of(kind));
    Comparison c = compare_with_preset(simulated, live.example, true, 500000);
    print_comparison(c, live::preset_of(kind));
    if (c.agree != c.cells) code = 1;
  }
  std::printf("%llu of %llu runs broke an invariant\n", static_cast<unsigned long long>(live.failing),
              static_cast<unsigned long long>(repeat));
  for (const auto& [name, n] : live.broken) {
    std::printf("  %s: %llu runs (first: %s)\n", name.c_str(), static_cast<unsigned long long>(n),
                live.first_detail[name].c_str());
  }
  return code;
}

}  // namespace h2sim::cli
