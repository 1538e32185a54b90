#include "model/run/run.h"

#include "model/grpc/personality.h"
#include "model/h2/wire_trace.h"
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
  if (n.has_bandwidth_bytes_per_s()) link.bandwidth_bytes_per_s = n.bandwidth_bytes_per_s();
  return link;
}

sim::FaultPlan faults_of(const Faults& f, sim::Address server) {
  sim::FaultPlan plan;
  plan.counts[static_cast<int>(sim::FaultKind::reset)] = f.connection_resets();
  plan.counts[static_cast<int>(sim::FaultKind::close)] = f.connection_closes();
  plan.counts[static_cast<int>(sim::FaultKind::stall)] = f.read_stalls();
  plan.counts[static_cast<int>(sim::FaultKind::restart)] = f.server_restarts();
  plan.read_stall = {static_cast<int64_t>(f.read_stall_ns())};
  plan.restart = {static_cast<int64_t>(f.restart_ns())};
  plan.moments = f.has_moments() ? f.moments() : fault_moments_default;
  plan.restarting_host = server;
  return plan;
}

sim::Limits limits_of(const Limits& l) {
  sim::Limits limits;
  if (l.has_events_max()) limits.events_max = l.events_max();
  if (l.has_time_ns_max()) limits.time_max = {static_cast<int64_t>(l.time_ns_max())};
  if (l.has_bytes_max()) limits.bytes_max = l.bytes_max();
  return limits;
}

// The number of records the previous run on this thread made, as the next run's reservation: a
// campaign or a benchmark runs similar cases one after another, and a 10,000-call run's logs
// (tens of megabytes) grew by doubling, every step a copy into freshly faulted pages
// (bench/README.md, scale_bench). Capacity only: no run's behaviour depends on it.
struct RecordCounts {
  size_t frames = 0;
  size_t segments = 0;
  size_t reads = 0;
};
thread_local RecordCounts previous_run_records;

std::string_view or_default(const std::string& name) {
  return name.empty() ? std::string_view("grpc-core") : std::string_view(name);
}

}  // namespace

ProxyConfig proxy_config(const Scenario& scenario) {
  const ProxySpec& p = scenario.proxy();
  ProxyConfig c;
  c.name = p.preset();
  if (p.has_max_requests_per_connection()) c.max_requests_per_connection = p.max_requests_per_connection();
  if (p.has_goaway_graceful()) c.goaway_graceful = p.goaway_graceful();
  if (p.has_idle_timeout_ns()) c.idle_timeout_ns = p.idle_timeout_ns();
  if (p.has_downstream_window_bytes()) c.downstream_window_bytes = p.downstream_window_bytes();
  if (p.has_upstream_window_bytes()) c.upstream_window_bytes = p.upstream_window_bytes();
  if (p.has_downstream_max_concurrent_streams()) {
    c.downstream_max_concurrent_streams = p.downstream_max_concurrent_streams();
  }
  c.settings.insert(p.settings().begin(), p.settings().end());
  if (p.has_upstream_connections()) c.upstream_connections = p.upstream_connections();
  if (p.has_upstream_max_concurrent_streams()) c.upstream_max_concurrent_streams = p.upstream_max_concurrent_streams();
  if (p.has_request_buffering()) c.request_buffering = p.request_buffering();
  return c;
}

Catalogue catalogue_of(const ProxyRegistry& proxies) {
  Catalogue c;
  c.proxies = &proxies;
  for (const grpc::ClientPersonality& p : grpc::client_personalities()) c.clients.emplace_back(p.name);
  for (const grpc::ServerPersonality& p : grpc::server_personalities()) {
    c.servers.emplace_back(p.name);
    if (grpc::cancel_status(p)) c.cancelling_servers.emplace_back(p.name);
  }
  return c;
}

Result start_result(const Scenario& scenario) {
  Result result;
  result.has_proxy = scenario.has_proxy();
  result.calls.resize(expanded_calls(scenario));
  for (size_t i = 0; i < result.calls.size(); ++i) result.calls[i].call = static_cast<uint32_t>(i);
  return result;
}

Applications make_applications(const Scenario& scenario, Result& result) {
  Applications apps;
  apps.scripts = call_scripts(scenario);
  const grpc::ClientPersonality& client = *grpc::find_client_personality(or_default(scenario.client()));
  const grpc::ServerPersonality& server = *grpc::find_server_personality(or_default(scenario.server()));
  for (size_t i = 0; i < apps.scripts.size(); ++i) result.calls[i].connection = apps.scripts[i].connection;
  grpc::ServerSettingsOverride settings;
  const ServerSettings& ss = scenario.server_settings();
  if (ss.has_max_concurrent_streams()) settings.max_concurrent_streams = ss.max_concurrent_streams();
  if (ss.has_initial_window_bytes()) settings.initial_window_bytes = ss.initial_window_bytes();
  apps.server = std::make_unique<grpc::ServerHost>(apps.scripts, server, result.calls, settings);
  apps.client = std::make_unique<grpc::ClientHost>(
      apps.scripts, client, result.calls,
      grpc::ClientOptions{.connections = client_connections(scenario), .reconnect = scenario.client_reconnect()});
  if (scenario.has_hostile()) apps.hostile = std::make_unique<HostileClient>(scenario.hostile());
  return apps;
}

void finish_result(Result& result, const h2::FrameFilter& judged, bool receives_may_lag) {
  // A hostile client breaks the protocol on purpose: its own view is never judged.
  result.violations = h2::check_frames(
      result.frames,
      [&judged](const h2::FrameRecord& f) { return f.endpoint.peer != h2::Peer::hostile && (!judged || judged(f)); },
      receives_may_lag);
  result.digest = trace_digest(result);
}

Result run(const Scenario& scenario, sim::ChoiceSource& choices, const ProxyFactory& factory) {
  Result result = start_result(scenario);
  Applications apps = make_applications(scenario, result);
  std::unique_ptr<Proxy> proxy;
  if (scenario.has_proxy()) {
    H2SIM_ASSERT(factory != nullptr);
    proxy = factory(proxy_config(scenario));
    H2SIM_ASSERT(proxy != nullptr);
  }
  sim::World world(choices, link_of(scenario.network()), limits_of(scenario.limits()));
  h2::WireTrace trace;
  world.set_wire_observer(&trace);
  const RecordCounts& hint = previous_run_records;
  trace.reserve(hint.frames);
  world.reserve_records(hint.segments, hint.reads);
  sim::Address server_at = world.add_host(*apps.server, "server", sim::Address{});
  trace.add_host(server_at, h2::Peer::server);
  if (scenario.has_faults()) world.set_faults(faults_of(scenario.faults(), server_at));
  sim::Address client_next = server_at;
  if (proxy) {
    client_next = world.add_host(*proxy, "proxy", server_at);
    trace.add_host(client_next, h2::Peer::proxy);
  }
  trace.add_host(world.add_host(*apps.client, "client", client_next), h2::Peer::client);
  if (apps.hostile) trace.add_host(world.add_host(*apps.hostile, "hostile", client_next), h2::Peer::hostile);

  result.end = world.run();
  result.end_time = world.now();
  result.events = world.events_run();
  if (proxy) result.proxy_leftovers = proxy->leftovers();
  if (apps.hostile) {
    result.has_hostile = true;
    result.hostile_connection = apps.hostile->connection();
    result.hostile_peer_closed = apps.hostile->peer_closed();
    result.hostile_peer_max_frame_bytes = apps.hostile->peer_max_frame_bytes();
  }
  result.frames = trace.take_frames();
  result.marks = world.take_marks();
  result.decisions = choices.decisions();
  result.segments = world.take_segments();
  result.reads = world.take_reads();
  result.faults = world.take_faults();
  previous_run_records = {result.frames.size(), result.segments.size(), result.reads.size()};
  finish_result(result);
  return result;
}

std::string trace_digest(const Result& r) {
  sim::Digest d;
  for (const h2::FrameRecord& f : r.frames) {
    d.add_u64(static_cast<uint64_t>(f.at.ns));
    d.add_u64((uint64_t{static_cast<uint8_t>(f.endpoint.leg)} << 40) |
              (uint64_t{f.endpoint.connection} << 8) | (f.endpoint.client_side << 1) | f.sent);
    d.add_u64((uint64_t{static_cast<uint8_t>(f.type)} << 40) | (uint64_t{f.flags} << 32) |
              static_cast<uint32_t>(f.stream_id.value));
    d.add_u64((uint64_t{static_cast<uint32_t>(f.error_code)} << 32) | f.length);
    d.add_u64(f.batch);
    // The block as the wire carried it (HPACK is deterministic): equal bytes, equal headers,
    // without decoding a block nobody reads.
    std::span<const uint8_t> raw = f.headers.raw();
    d.add(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
    if (raw.empty()) {  // a list built by hand
      for (const h2::Header& h : f.headers) d.add(h.first + ":" + h.second + "\n");
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
