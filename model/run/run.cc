#include "model/run/run.h"

#include "model/grpc/client.h"
#include "model/grpc/server.h"
#include "model/run/hostile.h"
#include "model/run/scripts.h"
#include "sim/assert.h"
#include "sim/digest.h"
#include "sim/world.h"

#include <memory>

namespace h2sim {

namespace {

sim::LinkConfig link_of(const Network& n) {
  sim::LinkConfig link;
  if (n.has_latency_ns_min()) link.latency_min = {static_cast<int64_t>(n.latency_ns_min())};
  link.latency_max = n.has_latency_ns_max() ? sim::Duration{static_cast<int64_t>(n.latency_ns_max())}
                                            : link.latency_min;
  if (n.has_latency_steps()) link.latency_steps = n.latency_steps();
  if (n.has_segments_max()) link.segments_max = n.segments_max();
  if (n.has_segment_bytes_max()) link.segment_bytes_max = n.segment_bytes_max();
  return link;
}

sim::Limits limits_of(const Limits& l) {
  sim::Limits limits;
  if (l.has_events_max()) limits.events_max = l.events_max();
  if (l.has_time_ns_max()) limits.time_max = {static_cast<int64_t>(l.time_ns_max())};
  if (l.has_bytes_max()) limits.bytes_max = l.bytes_max();
  return limits;
}

std::string_view or_default(const std::string& name) {
  return name.empty() ? std::string_view("grpc-core") : std::string_view(name);
}

}  // namespace

Result run(const Scenario& scenario, sim::ChoiceSource& choices, sim::Host* proxy,
           h2::Recorder& recorder) {
  Result result;
  result.has_proxy = proxy != nullptr;
  result.calls.resize(scenario.calls_size());
  for (int i = 0; i < scenario.calls_size(); ++i) result.calls[i].call = static_cast<uint32_t>(i);

  const grpc::ClientPersonality& client_p = *grpc::find_client_personality(or_default(scenario.client()));
  const grpc::ServerPersonality& server_p = *grpc::find_server_personality(or_default(scenario.server()));
  h2::Leg client_leg = proxy ? h2::Leg::downstream : h2::Leg::direct;
  h2::Leg server_leg = proxy ? h2::Leg::upstream : h2::Leg::direct;
  std::vector<grpc::CallScript> scripts = call_scripts(scenario);
  grpc::ServerHost server(scripts, server_p, server_leg, recorder, result.calls);
  grpc::ClientHost client(scripts, client_p, client_leg, recorder, result.calls);

  sim::World world(choices, link_of(scenario.network()), limits_of(scenario.limits()));
  sim::Address server_at = world.add_host(server, "server", 0);
  sim::Address client_next = server_at;
  if (proxy) client_next = world.add_host(*proxy, "proxy", server_at);
  world.add_host(client, "client", client_next);
  std::unique_ptr<HostileClient> hostile;
  if (scenario.has_hostile()) {
    hostile = std::make_unique<HostileClient>(scenario.hostile(), client_leg, recorder);
    world.add_host(*hostile, "hostile", client_next);
  }

  result.end = world.run();
  result.end_time = world.now();
  result.events = world.events_run();
  if (proxy) result.proxy_leftovers = proxy->leftovers();
  if (hostile) {
    result.has_hostile = true;
    result.hostile_connection = hostile->connection();
    result.hostile_peer_closed = hostile->peer_closed();
  }
  result.frames = std::move(recorder.frames);
  result.marks = std::move(recorder.marks);
  // A hostile client breaks the protocol on purpose: its own view is not judged.
  result.violations = h2::check_frames(
      result.frames, [](const h2::FrameRecord& f) { return f.endpoint.peer != h2::Peer::hostile; });
  result.decisions = choices.decisions();
  result.segments = world.take_segments();
  result.reads = world.take_reads();
  result.digest = trace_digest(result);
  return result;
}

std::string trace_digest(const Result& r) {
  sim::Digest d;
  for (const h2::FrameRecord& f : r.frames) {
    d.add_u64(static_cast<uint64_t>(f.at.ns));
    d.add_u64((uint64_t{static_cast<uint8_t>(f.endpoint.leg)} << 40) |
              (uint64_t{f.endpoint.connection} << 8) | (f.endpoint.client_side << 1) | f.sent);
    d.add_u64((uint64_t{static_cast<uint8_t>(f.type)} << 40) | (uint64_t{f.flags} << 32) |
              static_cast<uint32_t>(f.stream_id));
    d.add_u64((uint64_t{static_cast<uint32_t>(f.error_code)} << 32) | f.length);
    d.add_u64(f.batch);
    for (const h2::Header& h : f.headers) {
      d.add(h.first);
      d.add(":");
      d.add(h.second);
      d.add("\n");
    }
  }
  auto add_status = [&d](const std::optional<grpc::Status>& s) {
    d.add_u64(s ? static_cast<uint64_t>(s->code) : 0xffff);
    if (s) d.add(s->message);
  };
  for (const grpc::CallOutcome& c : r.calls) {
    add_status(c.server_sent);
    add_status(c.client_saw);
    d.add_u64(static_cast<uint64_t>(c.client_status_at.ns));
  }
  d.add(sim::run_end_name(r.end));
  return d.hex();
}

}  // namespace h2sim
