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

}  // namespace

Result run_live(const Scenario& scenario, const Peers& peers, int listener, uint16_t proxy_port, int limit_ms) {
  Result result = start_result(scenario);
  Applications apps = make_applications(scenario, result);
  LiveWorld world;
  h2::WireTrace trace;
  world.set_wire_observer(&trace);
  sim::Address proxy = world.add_external(proxy_port);
  trace.add_host(proxy, h2::Peer::proxy);
  if (!peers.grpcpp_server) {
    sim::Address server = world.add_host(*apps.server, sim::Address{});
    trace.add_host(server, h2::Peer::server);
    world.adopt_listener(server, listener, proxy);
  }
  Process grpcpp_client;
  std::string client_output;
  // The grpc++ client reaches the proxy through a tap, a relay of ours whose connection to the
  // proxy is traced as the client's side of the downstream leg.
  TapHost tap;
  int tap_listener = -1;
  if (peers.grpcpp_client) {
    uint16_t tap_port = 0;
    std::string error;
    tap_listener = listen_loopback(&tap_port, &error);
    if (tap_listener >= 0) {
      sim::Address tap_at = world.add_host(tap, proxy);
      trace.add_host(tap_at, h2::Peer::client);
      world.adopt_listener(tap_at, tap_listener, world.add_external(0));
    }
    uint16_t target = tap_listener >= 0 ? tap_port : proxy_port;
    client_output = temp_file("h2sim-grpcpp-client");
    grpcpp_client.start({peers.peer_binary, peers.grpcpp_client_sync ? "client-sync" : "client", peers.scenario_path,
                         "127.0.0.1:" + std::to_string(target), std::to_string(limit_ms)},
                        client_output, &error);
  } else {
    trace.add_host(world.add_host(*apps.client, proxy), h2::Peer::client);
  }
  auto all_done = [&] { return peers.grpcpp_client ? grpcpp_client.exited() : all_ended(result); };
  // The peer bounds its own calls by limit_ms; a little more lets it report before we stop it.
  bool finished = world.run(all_done, std::chrono::milliseconds(limit_ms + (peers.grpcpp_client ? 500 : 0)));
  world.drain(std::chrono::milliseconds(500));
  if (tap_listener >= 0) close(tap_listener);
  if (peers.grpcpp_client) {
    grpcpp_client.stop();
    read_client_outcomes(read_text(client_output), scenario, &result);
    std::remove(client_output.c_str());
    finished = all_ended(result);
  }
  if (peers.grpcpp_server) script_server_outcomes(scenario, &result);
  result.end = finished ? sim::RunEnd::quiescent : sim::RunEnd::limit_time;
  result.frames = trace.take_frames();
  result.marks = world.take_marks();
  // A tap's order is not an endpoint's (a send can follow a frame the sender had not read yet):
  // with a grpc++ client, the downstream leg the tap traced is not judged.
  bool tapped = peers.grpcpp_client;
  finish_result(result, [tapped](const h2::FrameRecord& f) { return !(tapped && f.endpoint.leg == h2::Leg::downstream); });
  return result;
}

}  // namespace h2sim::live
