#include "live/live_run.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "live/net/live_world.h"
#include "live/tap.h"
#include "model/h2/wire_trace.h"
#include "model/run/run.h"

namespace h2sim::live {

namespace {

bool all_ended(const Result& result) {
  return std::all_of(result.calls.begin(), result.calls.end(),
                     [](const grpc::CallOutcome& c) { return c.client_saw.has_value(); });
}

// A peer client for one run: its process, what it printed, and the listening socket of the tap
// it reaches the proxy through.
struct PeerClient {
  Process process;
  PeerScenario scenario;
  std::string output;
  int tap_listener = -1;
  PeerClient() = default;
  PeerClient(const PeerClient&) = delete;
  PeerClient& operator=(const PeerClient&) = delete;
  ~PeerClient() {
    process.stop();
    if (tap_listener >= 0) close(tap_listener);
    if (!output.empty()) std::remove(output.c_str());
  }
};

// The peer client reaches the proxy through `tap`, a relay of ours whose connection to the proxy
// is traced as the client's side of the downstream leg. A client that cannot start reports
// nothing: its calls end without a status, as a run past its limit.
void start_peer_client(const Scenario& scenario, const Peers& peers, LiveWorld& world, h2::WireTrace& trace,
                       TapHost& tap, sim::Address proxy, uint16_t proxy_port, int limit_ms, PeerClient* client) {
  uint16_t tap_port = 0;
  std::string error;
  client->tap_listener = listen_loopback(&tap_port, &error);
  if (client->tap_listener >= 0) {
    sim::Address tap_at = world.add_host(tap, proxy);
    trace.add_host(tap_at, h2::Peer::client);
    world.adopt_listener(tap_at, client->tap_listener, world.add_external(0));
  }
  uint16_t target = client->tap_listener >= 0 ? tap_port : proxy_port;
  client->output = temp_file("h2sim-peer-client");
  if (client->output.empty() || !client->scenario.prepare(*peers.client, scenario, peers.scenario_path, &error)) return;
  client->process.start({peers.client_program, std::string(peers.client->client_mode), client->scenario.path(),
                         "127.0.0.1:" + std::to_string(target), std::to_string(limit_ms)},
                        client->output, &error);
}

}  // namespace

Result run_live(const Scenario& scenario, const Peers& peers, int listener, uint16_t proxy_port, int limit_ms) {
  Result result = start_result(scenario);
  Applications apps = make_applications(scenario, result);
  LiveWorld world;
  h2::WireTrace trace;
  world.set_wire_observer(&trace);
  sim::Address proxy = world.add_external(proxy_port);
  trace.add_host(proxy, h2::Peer::proxy);
  // A peer server sits behind a tap on the proxy's backend port, traced as the server's side of
  // the upstream leg.
  TapHost server_tap;
  sim::Address server = peers.server ? world.add_host(server_tap, world.add_external(peers.server_port))
                                     : world.add_host(*apps.server, sim::Address{});
  trace.add_host(server, h2::Peer::server);
  world.adopt_listener(server, listener, proxy);
  TapHost client_tap;
  PeerClient client;
  if (peers.client) {
    start_peer_client(scenario, peers, world, trace, client_tap, proxy, proxy_port, limit_ms, &client);
  } else {
    trace.add_host(world.add_host(*apps.client, proxy), h2::Peer::client);
  }
  auto all_done = [&] { return peers.client ? client.process.exited() : all_ended(result); };
  // The peer bounds its own calls by limit_ms; a little more lets it report before we stop it.
  bool finished = world.run(all_done, std::chrono::milliseconds(limit_ms + (peers.client ? 500 : 0)));
  world.drain(std::chrono::milliseconds(500));
  if (peers.client) {
    client.process.stop();
    read_client_outcomes(read_text(client.output), scenario, &result);
    finished = all_ended(result);
  }
  if (peers.server) script_server_outcomes(scenario, *peers.server, &result);
  result.end = finished ? sim::RunEnd::quiescent : sim::RunEnd::limit_time;
  result.frames = trace.take_frames();
  result.marks = world.take_marks();
  // A tap's order is not an endpoint's (a send can follow a frame the sender had not read yet):
  // a leg a tap traced is shown but not judged.
  bool client_tapped = peers.client != nullptr, server_tapped = peers.server != nullptr;
  finish_result(result, [=](const h2::FrameRecord& f) {
    return !(client_tapped && f.endpoint.leg == h2::Leg::downstream) &&
           !(server_tapped && f.endpoint.leg == h2::Leg::upstream);
  });
  return result;
}

}  // namespace h2sim::live
