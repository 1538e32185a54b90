#include "properties/differential.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <future>
#include <thread>

#include "live/net/files.h"
#include "live/net/interrupt.h"
#include "live/net/process.h"
#include "model/grpc/personality.h"
#include "model/scenario/scenario_io.h"
#include "properties/campaign.h"
#include "properties/generators.h"
#include "properties/live_compare.h"

namespace h2sim {

GenOptions live_generators(const std::string& preset, const std::vector<std::string>& clients,
                           const std::vector<std::string>& servers) {
  GenOptions gen;
  gen.presets = {preset};
  gen.clients = clients;
  if (clients.empty()) {
    for (const auto& c : grpc::client_personalities()) gen.clients.emplace_back(c.name);
  }
  gen.servers = servers;
  if (servers.empty()) {
    for (const auto& s : grpc::server_personalities()) gen.servers.emplace_back(s.name);
  }
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
  return gen;
}

namespace {

// The disagreement's files: the live runs' frames, a replay per simulated outcome of each call.
bool write_disagreement(const DifferentialOptions& o, const Comparison& c, const LiveOutcomes& live,
                        Disagreement* d, std::string* error) {
  std::string trace;
  for (const auto& [outcome, r] : live.example) {
    trace += "live run that ended with " + outcome + ":\n" + live_frames(r, o.peers) + "\n";
  }
  if (!live::write_output_file(d->stem + ".live.txt", trace, error)) return false;
  d->complete = c.simulated.complete;
  d->loopback_complete = c.simulated.complete || c.loopback.complete;
  for (const auto& [outcome, calls] : c.unpredicted) {
    for (size_t call : calls) {
      UnpredictedCall& u = d->unpredicted.emplace_back();
      u.call = call;
      u.live = outcome_text(live.example.at(outcome).calls[call]);
      for (const auto& [o1, decisions] : c.simulated.outcomes[call]) u.simulated.push_back(o1);
    }
  }
  d->replays.resize(c.simulated.outcomes.size());
  for (size_t call = 0; call < c.simulated.outcomes.size(); ++call) {
    size_t k = 0;
    for (const auto& [outcome, decisions] : c.simulated.outcomes[call]) {
      sim::RecordedChoices choices(decisions);
      Replay replay = make_replay({d->scenario, run_case(d->scenario, choices), {}, {}}, "",
                                  "h2sim live --differential --proxy " + o.proxy_name, builtin_registry());
      std::string path = d->stem + "-call-" + std::to_string(call) + "-simulated-" + std::to_string(k++) + ".replay.textproto";
      if (!live::write_output_file(path, format_replay(replay), error)) return false;
      d->replays[call].push_back({outcome, path});
    }
  }
  return true;
}

// One generated case: live, then compared with its prediction; false (and why in `result`) if it
// could not run.
bool run_one(const DifferentialOptions& o, const Scenario& scenario, uint64_t i, std::future<Comparison>& prediction,
             DifferentialResult* result) {
  std::string stem = o.out_dir + "/" + finding_stem(o.seed, i);
  if (!live::write_output_file(stem + ".textproto", to_text(scenario), &result->error)) {
    result->write_failed = true;
    return false;
  }
  LiveOutcomes live;
  if (!run_live_scenario(scenario, o.peers, stem + ".textproto", o.target, o.repeat, o.timeout_ms, &live,
                         &result->error)) {
    return false;
  }
  if (!live.stop_problem.empty()) {
    result->stop_problem = live.stop_problem;
    return false;
  }
  Comparison c = prediction.get();
  compare_with_live(scenario, live.example, true, &c);
  result->runs += live.runs;
  result->cells += c.cells;
  result->agree += c.agree;
  result->partial += !c.simulated.complete;
  result->loopback_partial += !c.simulated.complete && !c.loopback.complete;
  if (c.unpredicted.empty()) {
    std::remove((stem + ".textproto").c_str());
    if (o.progress) o.progress(i + 1, o.cases);
    return true;
  }
  ++result->disagreeing;
  Disagreement d;
  d.index = i;
  d.scenario = scenario;
  d.stem = stem;
  if (!write_disagreement(o, c, live, &d, &result->error)) {
    result->write_failed = true;
    return false;
  }
  if (o.disagreement) o.disagreement(d);
  return true;
}

}  // namespace

std::string differential_skip_reason(const live::Peers& peers, const Scenario& scenario) {
  if (std::string why = live::unfollowed_field(peers, scenario); !why.empty()) return why;
  if (peers.server == nullptr) return {};
  // No server library resets a stream with a code of its choosing; grpc++ and grpcio cancel, which
  // writes a status (docs/fidelity.md, "A server's cancel is a status", 2026-12-02).
  const std::string_view name = peers.server->name;
  const grpc::ServerPersonality& personality = *grpc::find_server_personality(peers.server->server_personality);
  const bool cancels = grpc::cancel_status(personality).has_value();
  for (const Call& call : scenario.calls()) {
    if (call.server().action() == RESET) {
      return "the " + std::string(name) + " server library has no call that resets a stream (RESET)";
    }
    if (call.server().action() == CANCEL && !cancels) {
      return "the " + std::string(name) + " server library has no call that cancels a call (CANCEL)";
    }
  }
  return {};
}

DifferentialResult run_differential(const DifferentialOptions& o) {
  DifferentialResult result;
  rc::Gen<Scenario> scenarios = gen_scenario(live_generators(o.preset));
  // A case's prediction (the preset's searches, most of a case's time) needs nothing from its
  // live runs, so the predictions of the next cases run on helper threads, one per core, while
  // this thread runs the live ones; at a lower priority, so that the real proxy and peers get
  // the CPU when they want it. Cases are judged in order: the output is that of one thread.
  struct Case {
    Scenario scenario;
    std::future<Comparison> prediction;  // not valid for a skipped case
  };
  const size_t ahead = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
  // Set when a case fails: the predictions still running stop at their next check. An interrupt
  // stops them too. Declared before `queued`, whose futures wait for their threads.
  std::atomic<bool> abandoned{false};
  std::deque<Case> queued;
  auto should_stop = [&abandoned] { return abandoned.load() || live::interrupted(); };
  uint64_t generated = 0;
  auto predicting = [&queued] {
    return static_cast<size_t>(std::count_if(queued.begin(), queued.end(), [](const Case& c) {
      return c.prediction.valid();
    }));
  };
  for (uint64_t i = 0; i < o.cases && !live::interrupted(); ++i, result.done = i) {
    while (generated < o.cases && (queued.empty() || predicting() < ahead)) {
      uint64_t index = generated++;
      Case c;
      c.scenario = scenarios(case_random(o.seed, index), case_size(index)).value();
      c.scenario.set_name("differential-" + std::to_string(o.seed) + "-" + std::to_string(index));
      live::use_peer_personalities(o.peers, &c.scenario);
      if (differential_skip_reason(o.peers, c.scenario).empty()) {
        c.prediction = std::async(std::launch::async, [scenario = c.scenario, should_stop] {
          live::lower_this_thread_priority();
          return predict_with_preset(scenario, 20000, 2000, should_stop);
        });
      }
      queued.push_back(std::move(c));
    }
    Case c = std::move(queued.front());
    queued.pop_front();
    if (!c.prediction.valid()) {
      ++result.skipped;
      if (o.progress) o.progress(i + 1, o.cases);
      continue;
    }
    if (!run_one(o, c.scenario, i, c.prediction, &result)) {
      abandoned = true;
      return result;
    }
  }
  result.interrupted = live::interrupted();
  return result;
}

}  // namespace h2sim
