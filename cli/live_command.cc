// h2sim live: a scenario against a real proxy binary on loopback, N times, and how the outcomes
// compare with what the proxy's preset predicts.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "cli/args.h"
#include "cli/commands.h"
#include "live/live_run.h"
#include "model/run/scenario_io.h"
#include "properties/explore.h"
#include "properties/invariants.h"

namespace h2sim::cli {

namespace {

constexpr Option options[] = {
    {"--proxy", "NAME", "haproxy, nginx or nghttpx (required)"},
    {"--binary", "PATH", "the proxy binary (default: /usr/sbin/NAME)"},
    {"--repeat", "N", "runs (default 20)"},
    {"--timeout-ms", "MS", "real-time bound of one run (default 3000)"},
    {"--client", "grpc++", "the client is grpc-core itself (h2sim-grpcpp-peer), not our grpc-core personality;\n"
                           "grpc++-sync: through grpc++'s sync API, which asks for the status only at the end"},
    {"--server", "grpc++", "the server is grpc-core itself, not our grpc-core personality"},
    {"--peer-binary", "PATH", "h2sim-grpcpp-peer (default: next to h2sim)"},
    {"--compare", "", "explore the scenario with the proxy's preset and compare the outcome sets"},
};

std::string outcome_of(const Result& r) {
  std::string out;
  for (const grpc::CallOutcome& c : r.calls) {
    if (!out.empty()) out += "; ";
    out += c.client_saw ? grpc::status_text(*c.client_saw) : std::string("no status (timed out)");
  }
  return out;
}

// --client grpc++ / --server grpc++: grpc-core itself on that end, through h2sim-grpcpp-peer.
// Its personality in the scenario becomes grpc-core, so that --compare predicts for it.
bool parse_peers(const Parsed& p, const std::string& path, Scenario* scenario, live::Peers* peers,
                 std::string* error) {
  if (p.has("--client") && p.value("--client") != "grpc++" && p.value("--client") != "grpc++-sync") {
    *error = "--client takes grpc++ or grpc++-sync (without it, the scenario's personality runs as our own host)";
    return false;
  }
  if (p.has("--server") && p.value("--server") != "grpc++") {
    *error = "--server takes grpc++ (without it, the scenario's personality runs as our own host)";
    return false;
  }
  peers->grpcpp_client = p.has("--client");
  peers->grpcpp_client_sync = p.has("--client") && p.value("--client") == "grpc++-sync";
  peers->grpcpp_server = p.has("--server");
  if (!peers->grpcpp_client && !peers->grpcpp_server) return true;
  peers->peer_binary = p.has("--peer-binary") ? p.value("--peer-binary") : live::default_peer_binary();
  if (peers->peer_binary.empty() || access(peers->peer_binary.c_str(), X_OK) != 0) {
    *error = "h2sim-grpcpp-peer " + (peers->peer_binary.empty() ? std::string("was not built") : "(" + peers->peer_binary + ") cannot be run") +
             ": install grpc++ (scripts/install-live-deps.sh) and build again, or pass --peer-binary";
    return false;
  }
  std::error_code ec;
  peers->scenario_path = std::filesystem::absolute(path, ec).string();
  if (peers->grpcpp_client) scenario->set_client(peers->grpcpp_client_sync ? "grpc-core-sync" : "grpc-core");
  if (peers->grpcpp_server) scenario->set_server("grpc-core");
  return true;
}

}  // namespace

int live_command(std::span<const std::string> args) {
  Parsed p;
  std::string error;
  if (!parse_args(args, options, &p, &error)) return usage_error("live", error);
  if (p.help) {
    std::fputs(help_text("h2sim live FILE.textproto --proxy haproxy|nginx|nghttpx [--repeat N] [--compare]\n"
                         "                  [--client grpc++] [--server grpc++]",
                         "Runs the scenario's calls through a real proxy binary on 127.0.0.1: h2sim "
                         "writes its\nconfiguration (h2c on both sides), starts it, runs the scenario "
                         "N times with the same\nclient and server code as the simulator, stops it, and "
                         "prints the distribution of\noutcomes with both legs' frames for one run of each. "
                         "--compare checks every live\noutcome against the preset's simulated reachable "
                         "set. Exit 1 if a live outcome breaks\nan invariant (or, with --compare, is not "
                         "predicted), 2 on bad input or a proxy that\ndoes not start. --client grpc++ and --server grpc++ put "
                         "grpc-core 1.51 itself on\nthat end (h2sim-grpcpp-peer, built when grpc++ is installed); "
                         "its leg is then not traced.",
                         options)
                   .c_str(),
               stdout);
    return 0;
  }
  if (p.positional.size() != 1) return usage_error("live", "expected one scenario file");
  live::RealProxy kind;
  if (!p.has("--proxy") || !live::parse_real_proxy(p.value("--proxy"), &kind)) {
    return usage_error("live", "--proxy takes haproxy, nginx or nghttpx");
  }
  uint64_t repeat = 20, timeout_ms = 3000;
  if (p.has("--repeat") && !parse_number("--repeat", p.value("--repeat"), 1, 10000, &repeat, &error)) {
    return usage_error("live", error);
  }
  if (p.has("--timeout-ms") && !parse_number("--timeout-ms", p.value("--timeout-ms"), 10, 60000, &timeout_ms, &error)) {
    return usage_error("live", error);
  }
  Scenario scenario;
  if (!load_scenario(p.positional[0], &scenario, &error)) return usage_error("live", error);
  if (scenario.has_hostile()) return usage_error("live", "hostile clients are simulation only");
  std::string binary = p.has("--binary") ? p.value("--binary") : "/usr/sbin/" + p.value("--proxy");
  live::Peers peers;
  if (!parse_peers(p, p.positional[0], &scenario, &peers, &error)) return usage_error("live", error);

  live::install_interrupt_cleanup();
  uint16_t backend_port = 0;
  int listener = live::listen_loopback(&backend_port, &error);
  if (listener < 0) return usage_error("live", error);
  live::GrpcppServer grpcpp_server;
  if (peers.grpcpp_server) {
    if (!grpcpp_server.start(peers, &error)) {
      close(listener);
      return usage_error("live", error);
    }
    backend_port = grpcpp_server.port();
  }
  live::ProxyProcess proxy;
  if (!proxy.start(kind, binary, backend_port, &error)) {
    close(listener);
    return usage_error("live", p.value("--proxy") + " (" + binary + ") did not start: " + error);
  }
  std::map<std::string, uint64_t> counts;
  std::map<std::string, Result> example;
  uint64_t failing = 0;
  for (uint64_t i = 0; i < repeat; ++i) {
    Result r = live::run_live(scenario, peers, listener, proxy.port(), static_cast<int>(timeout_ms));
    std::string outcome = outcome_of(r);
    ++counts[outcome];
    failing += !all_hold(check_all(r, scenario));
    example.emplace(outcome, std::move(r));
  }
  proxy.stop();
  grpcpp_server.stop();
  close(listener);

  std::printf("%s through %s (%s), %llu runs:\n", p.positional[0].c_str(), p.value("--proxy").c_str(),
              binary.c_str(), static_cast<unsigned long long>(repeat));
  for (const auto& [outcome, n] : counts) std::printf("  %4llu x %s\n", static_cast<unsigned long long>(n), outcome.c_str());
  for (const auto& [outcome, r] : example) {
    std::printf("\none run that ended with %s:\n", outcome.c_str());
    if (peers.grpcpp_client) std::printf("    (downstream leg not traced: the client is grpc++)\n");
    if (peers.grpcpp_server) std::printf("    (upstream leg not traced: the server is grpc++)\n");
    for (const h2::FrameRecord& f : r.frames) {
      if (f.type == h2::FrameType::settings || f.type == h2::FrameType::window_update) continue;
      std::printf("%s\n", h2::format_frame(f).c_str());
    }
  }
  int code = failing ? 1 : 0;
  if (p.has("--compare")) {
    Scenario simulated = scenario;
    simulated.mutable_proxy()->set_preset(live::preset_of(kind));
    ExploreOptions o;
    o.executions_max = 500000;
    ExploreReport sim = explore(simulated, o);
    std::set<std::string> predicted;
    for (const auto& [outcome, d] : sim.outcomes[0]) predicted.insert(outcome);
    std::printf("\npreset %s predicts for call 0 (%s search):", live::preset_of(kind),
                sim.complete ? "complete" : "partial");
    for (const std::string& o2 : predicted) std::printf(" [%s]", o2.c_str());
    uint64_t agree = 0, cells = 0;
    for (const auto& [outcome, n] : counts) {
      ++cells;
      std::string first = outcome.substr(0, outcome.find(';'));
      bool ok = predicted.count(first) > 0;
      agree += ok;
      std::printf("\n  live %-60s %s", first.c_str(), ok ? "predicted" : "NOT PREDICTED");
    }
    std::printf("\nagreement: %llu of %llu live outcomes are in the simulated set\n",
                static_cast<unsigned long long>(agree), static_cast<unsigned long long>(cells));
    if (agree != cells) code = 1;
  }
  std::printf("%llu of %llu runs broke an invariant\n", static_cast<unsigned long long>(failing),
              static_cast<unsigned long long>(repeat));
  return code;
}

}  // namespace h2sim::cli
