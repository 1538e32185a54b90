#include "properties/live_runs.h"

#include <unistd.h>

#include <algorithm>
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

// The proxy block's fields configured_for writes into the real proxy's configuration (besides
// the preset, which picks it); every other one is simulation only.
constexpr std::string_view live_configured_fields[] = {"preset", "request_buffering", "upstream_connections",
                                                       "idle_timeout_ns"};

std::string live_incapable(const Scenario& s) {
  if (s.has_hostile()) return "hostile clients are simulation only";
  // An override the real proxy's configuration does not get would leave it running its default
  // while the model runs the scenario's. Every field is checked, so that one added to ProxySpec
  // is refused until configured_for writes it (upstream_connections had slipped through a list).
  const ProxySpec& spec = s.proxy();
  std::vector<const google::protobuf::FieldDescriptor*> set;
  spec.GetReflection()->ListFields(spec, &set);
  for (const google::protobuf::FieldDescriptor* field : set) {
    const std::string& name = field->name();
    if (std::ranges::find(live_configured_fields, name) != std::end(live_configured_fields)) continue;
    return "proxy." + name +
           ": proxy overrides are simulation only, but for request_buffering, idle_timeout_ns and nginx's "
           "upstream_connections: the "
           "real proxy runs with the configuration h2sim writes";
  }
  return {};
}

namespace {

void count_run(const Scenario& scenario, Result r, const InvariantSet& on, LiveOutcomes* out) {
  std::string outcome = outcome_of(r);
  ++out->counts[outcome];
  std::vector<Verdict> verdicts = check_all(r, scenario, on);
  out->failing += !all_hold(verdicts);
  for (const Verdict& v : verdicts) {
    if (v.holds) continue;
    ++out->broken[std::string(v.name)];
    out->first_detail.emplace(std::string(v.name), v.detail);
  }
  out->example.emplace(outcome, std::move(r));
}

}  // namespace

LiveSession::~LiveSession() { stop(); }

bool LiveSession::start(const LiveTarget& target, std::string* error) {
  uint16_t backend_port = 0;
  listener_ = live::listen_loopback(&backend_port, error);
  if (listener_ < 0) return false;
  if (proxy_.start(target.proxy, backend_port, target.start, error)) return true;
  *error = target.label() + " did not start: " + *error;
  stop();
  return false;
}

bool LiveSession::serve(const Scenario& scenario, live::Peers* peers, std::string* error) {
  peer_server_.stop();
  if (!peers->server) return true;
  if (!peer_server_.start(*peers, scenario, error)) return false;
  peers->server_port = peer_server_.port();
  return true;
}

Result LiveSession::run(const Scenario& scenario, const live::Peers& peers, uint64_t timeout_ms,
                        live::Steering* steering) {
  return live::run_live(scenario, peers, listener_, proxy_.port(), static_cast<int>(timeout_ms), steering);
}

std::string LiveSession::stop() {
  std::string problem = proxy_.stop();
  peer_server_.stop();
  if (listener_ >= 0) close(listener_);
  listener_ = -1;
  return problem;
}

bool configured_for(const Scenario& scenario, LiveTarget* target, std::string* error) {
  const ProxySpec& spec = scenario.proxy();
  if (spec.has_request_buffering() &&
      !live::apply_request_buffering(&target->proxy, spec.request_buffering(), error)) {
    return false;
  }
  if (spec.has_idle_timeout_ns() && !live::apply_idle_timeout(&target->proxy, spec.idle_timeout_ns(), error)) {
    return false;
  }
  return !spec.has_upstream_connections() ||
         live::apply_upstream_connections(&target->proxy, spec.upstream_connections(), error);
}

bool run_live_scenario(const Scenario& scenario, live::Peers peers, const std::string& path, LiveTarget target,
                       uint64_t repeat, uint64_t timeout_ms, LiveOutcomes* out, std::string* error,
                       const TapChoices& taps, const InvariantSet& on) {
  std::error_code ec;
  peers.scenario_path = std::filesystem::absolute(path, ec).string();
  if (!configured_for(scenario, &target, error)) return false;
  LiveSession session;
  if (!session.serve(scenario, &peers, error) || !session.start(target, error)) return false;
  for (uint64_t i = 0; i < repeat && !live::interrupted(); ++i) {
    std::unique_ptr<sim::ChoiceSource> choices = taps ? taps(i) : nullptr;
    std::unique_ptr<live::Steering> steering = choices ? std::make_unique<live::Steering>(*choices) : nullptr;
    count_run(scenario, session.run(scenario, peers, timeout_ms, steering.get()), on, out);
    ++out->runs;
  }
  out->stop_problem = session.stop();
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
