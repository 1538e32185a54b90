#include "live/live_run.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>

#include "live/net/live_world.h"
#include "live/tap.h"
#include "model/grpc/client.h"
#include "model/h2/wire_trace.h"
#include "model/run/run.h"

namespace h2sim::live {

namespace {

bool all_ended(const Result& result) {
  return std::all_of(result.calls.begin(), result.calls.end(),
                     [](const grpc::CallOutcome& c) { return c.client_saw.has_value(); });
}

// A peer client for one run: its process and what it printed.
struct PeerClient {
  Process process;
  PeerScenario scenario;
  std::string output;
  PeerClient() = default;
  PeerClient(const PeerClient&) = delete;
  PeerClient& operator=(const PeerClient&) = delete;
  ~PeerClient() {
    process.stop();
    if (!output.empty()) std::remove(output.c_str());
  }
};

// A listening socket for one run, closed at its end (a tap's, or our server's).
struct RunListener {
  int fd = -1;
  uint16_t port = 0;
  RunListener() {
    std::string error;
    fd = listen_loopback(&port, &error);
  }
  RunListener(const RunListener&) = delete;
  RunListener& operator=(const RunListener&) = delete;
  ~RunListener() {
    if (fd >= 0) close(fd);
  }
};

// How long a client peer may take to start and connect before its own bound begins.
constexpr int peer_startup_ms = 10000;

// The peer client reaches the proxy through the client tap. A client that cannot start reports
// nothing: its calls end without a status, as a run past its limit.
void start_peer_client(const Scenario& scenario, const Peers& peers, uint16_t tap_port, int limit_ms,
                       PeerClient* client) {
  std::string error;
  client->output = temp_file("peer-client");
  if (client->output.empty() || !client->scenario.prepare(*peers.client, scenario, peers.scenario_path, &error)) return;
  client->process.start({peers.client_program, std::string(peers.client->client_mode), client->scenario.path(),
                         "127.0.0.1:" + std::to_string(tap_port), std::to_string(limit_ms)},
                        client->output, &error);
}

// Both legs pass through taps. A leg whose end is ours is traced between that end and its tap
// (the tap standing in for the proxy), so the trace shows what our endpoint really sent and
// read; a leg whose end is a peer is traced between the tap and the proxy (the tap standing in
// for the peer), since the peer's own reads cannot be seen.
struct Topology {
  sim::Address proxy{};
  sim::Address client_tap{};
  sim::Address server_tap{};
};

Topology build_topology(LiveWorld& world, h2::WireTrace& trace, const Peers& peers, Applications& apps,
                        TapHost& client_tap, TapHost& server_tap, int listener, const RunListener& client_listener,
                        const RunListener& server_listener, uint16_t proxy_port) {
  Topology t;
  t.proxy = world.add_external(proxy_port);
  if (peers.client || peers.server) trace.add_host(t.proxy, h2::Peer::proxy);
  if (peers.server) {
    t.server_tap = world.add_host(server_tap, world.add_external(peers.server_port));
    trace.add_host(t.server_tap, h2::Peer::server);
  } else {
    sim::Address server = world.add_host(*apps.server, sim::Address{});
    trace.add_host(server, h2::Peer::server);
    t.server_tap = world.add_host(server_tap, server);
    trace.add_host(t.server_tap, h2::Peer::proxy);
    world.adopt_listener(server, server_listener.fd, t.server_tap);
  }
  world.adopt_listener(t.server_tap, listener, t.proxy);
  t.client_tap = world.add_host(client_tap, t.proxy);
  if (peers.client) {
    trace.add_host(t.client_tap, h2::Peer::client);
    world.adopt_listener(t.client_tap, client_listener.fd, world.add_external(0));
  } else {
    sim::Address client = world.add_host(*apps.client, t.client_tap);
    trace.add_host(client, h2::Peer::client);
    trace.add_host(t.client_tap, h2::Peer::proxy);
    world.adopt_listener(t.client_tap, client_listener.fd, client);
  }
  return t;
}

// A live run stops when its calls have ended, with frames perhaps still in a tap (a client's
// last RST_STREAM, steered to come apart), and drain() then closes every connection. The result
// says so, one FIN per connection, so that no leaks does not read a stream the proxy would have
// closed a moment later as one it left open: a real proxy's leaks are not judged from the wire.
void record_closes(Result& result) {
  std::set<uint32_t> connections;
  for (const h2::FrameRecord& f : result.frames) connections.insert(f.endpoint.connection);
  for (uint32_t c : connections) {
    sim::SegmentRecord& close = result.segments.emplace_back();
    close.connection = c;
    close.sent_at = close.arrived_at = result.end_time;
    close.fin = true;
  }
}

}  // namespace

Result run_live(const Scenario& scenario, const Peers& peers, int listener, uint16_t proxy_port, int limit_ms,
                Steering* steering) {
  Result result = start_result(scenario);
  Applications apps = make_applications(scenario, result);
  LiveWorld world;
  h2::WireTrace trace;
  world.set_wire_observer(&trace);
  RunListener client_listener, server_listener;
  TapHost client_tap(TapLeg::downstream, steering), server_tap(TapLeg::upstream, steering);
  build_topology(world, trace, peers, apps, client_tap, server_tap, listener, client_listener, server_listener,
                 proxy_port);
  PeerClient client;
  if (peers.client) start_peer_client(scenario, peers, client_listener.port, limit_ms, &client);
  auto all_done = [&] { return peers.client ? client.process.exited() : all_ended(result); };
  // The peer bounds its own calls by limit_ms from when it is up, which a JVM on a loaded machine
  // took more than 3 s to be (grpc-java's runs then ended with no status and no frame: the
  // matrix's disagreement 4, docs/fidelity.md). Its bound runs from its connection to the tap;
  // a little more lets it report before we stop it.
  if (peers.client) {
    world.run([&] { return client_tap.connected() || client.process.exited(); },
              std::chrono::milliseconds(peer_startup_ms));
  }
  bool finished = world.run(all_done, std::chrono::milliseconds(limit_ms + (peers.client ? 500 : 0)));
  world.drain(std::chrono::milliseconds(500));
  // A library that aborts the process (grpc-core 1.51 on trailers without grpc-status) is an
  // outcome, not a harness failure: the calls it had not ended have no status, and it is marked.
  std::string client_died;
  if (peers.client) {
    if (client.process.exited() && client.process.ending().find("signal") != std::string::npos) {
      client_died = std::string(grpc::client_peer_died_mark_prefix) + client.process.ending();
    }
    client.process.stop();
    read_client_outcomes(read_text(client.output), scenario, &result);
    finished = all_ended(result);
  }
  if (peers.server) script_server_outcomes(scenario, *peers.server, &result);
  result.end = finished ? sim::RunEnd::quiescent : sim::RunEnd::limit_time;
  result.frames = trace.take_frames();
  if (peers.server) keep_only_what_the_server_wrote(&result);
  result.marks = world.take_marks();
  if (!client_died.empty()) result.marks.hit(client_died);
  record_closes(result);
  // A tap's order is not an endpoint's (a send can follow a frame the sender had not read yet):
  // a leg a tap traced is shown but not judged. On the others, the proxy's receives are logged
  // when our host sent them, not when the proxy read them: a proxy's RST_STREAM logged after ours
  // had crossed it (nginx, scenarios/server-cancels-its-call.textproto, 2026-12-02).
  bool client_tapped = peers.client != nullptr, server_tapped = peers.server != nullptr;
  finish_result(
      result,
      [=](const h2::FrameRecord& f) {
        return !(client_tapped && f.endpoint.leg == h2::Leg::downstream) &&
               !(server_tapped && f.endpoint.leg == h2::Leg::upstream);
      },
      true);
  return result;
}

}  // namespace h2sim::live
