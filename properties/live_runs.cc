#include "properties/live_runs.h"

#include <unistd.h>

#include <filesystem>

#include "live/net/interrupt.h"
#include "properties/explore.h"
#include "properties/invariants.h"

namespace h2sim {

std::string outcome_of(const Result& r) {
  std::string out;
  for (size_t call = 0; call < r.calls.size(); ++call) out += (call ? "; " : "") + outcome_text(r.calls[call]);
  return out;
}

std::string live_incapable(const Scenario& s) {
  if (s.has_hostile()) return "hostile clients are simulation only";
  const ProxySpec& p = s.proxy();
  if (p.has_max_requests_per_connection() || p.has_goaway_graceful() || p.has_idle_timeout_ns() ||
      p.has_downstream_window_bytes() || p.has_upstream_window_bytes() || p.has_downstream_max_concurrent_streams()) {
    return "proxy overrides are simulation only: the real proxy runs with the configuration h2sim writes";
  }
  return {};
}

namespace {

void count_run(const Scenario& scenario, Result r, LiveOutcomes* out) {
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

}  // namespace

bool run_live_scenario(const Scenario& scenario, live::Peers peers, const std::string& path, const LiveTarget& target,
                       uint64_t repeat, uint64_t timeout_ms, LiveOutcomes* out, std::string* error) {
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
  if (!proxy.start(target.proxy, backend_port, target.start, error)) {
    close(listener);
    *error = target.label() + " did not start: " + *error;
    return false;
  }
  for (uint64_t i = 0; i < repeat && !live::interrupted(); ++i) {
    count_run(scenario, live::run_live(scenario, peers, listener, proxy.port(), static_cast<int>(timeout_ms)), out);
    ++out->runs;
  }
  out->stop_problem = proxy.stop();
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

}  // namespace h2sim
