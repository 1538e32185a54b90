#include "properties/live_replay.h"

#include "live/net/interrupt.h"
#include "live/schedule.h"
#include "model/scenario/scenario_io.h"

namespace h2sim {

std::string broken_invariants(const std::vector<Verdict>& verdicts) {
  std::string out;
  for (const Verdict& v : verdicts) {
    if (!v.holds) out += (out.empty() ? "" : ", ") + std::string(v.name);
  }
  return out.empty() ? "none" : out;
}

namespace {

// One live run under the schedule; whether it reproduced the simulated run.
bool run_once(LiveSession& session, const LiveReplayOptions& o, const live::TapSchedule& schedule,
              const CaseRun& simulated, LiveReplayResult* out) {
  live::ScheduleChoices choices(schedule);
  live::Steering steering(choices);
  choices.watch(&steering);
  Result r = session.run(simulated.scenario, o.peers, o.timeout_ms, &steering);
  std::vector<Verdict> verdicts = check_all(r, simulated.scenario);
  bool same = outcome_of(r) == outcome_of(simulated.result) &&
              broken_invariants(verdicts) == broken_invariants(simulated.verdicts);
  ++out->runs;
  out->reproduced += same;
  out->failing += !all_hold(verdicts);
  ++out->outcomes[outcome_of(r)];
  out->groups_met += choices.groups_met();
  out->groups_reached += choices.groups_reached();
  for (const std::string& d : choices.divergences()) ++out->divergences[d];
  std::optional<Result>& example = same ? out->reproducing : out->other;
  if (!example) example = std::move(r);
  return same;
}

}  // namespace

LiveReplayResult replay_live(const Replay& replay, const ProxyRegistry& proxies, const LiveReplayOptions& o) {
  LiveReplayResult out;
  CaseRun& sim = out.simulated;
  sim.scenario = replay.scenario();
  live::use_peer_personalities(o.peers, &sim.scenario);
  sim::RecordedChoices recorded(decisions_of(replay));
  try {
    sim.result = run_case(sim.scenario, recorded, proxies);
  } catch (const sim::ChoiceError& e) {
    out.error = std::string("the recorded decisions do not fit this scenario: ") + e.what();
    return out;
  }
  sim.verdicts = check_all(sim.result, sim.scenario);
  out.expected = "every call ending as simulated (" + outcome_of(sim.result) + ") and the same invariants broken (" +
                 broken_invariants(sim.verdicts) + ")";
  if (std::string why = live_incapable(sim.scenario); !why.empty()) {
    out.error = why;
    return out;
  }
  live::TapSchedule schedule = live::schedule_of(sim.result);
  out.schedule = live::schedule_summary(schedule);
  live::Peers peers = o.peers;
  peers.scenario_path = o.scenario_path;
  LiveTarget target = o.target;
  if (!configured_for(sim.scenario, &target, &out.error)) return out;
  LiveSession session;
  if (!session.serve(sim.scenario, &peers, &out.error) || !session.start(target, &out.error)) return out;
  LiveReplayOptions with_peers = o;
  with_peers.peers = peers;
  for (uint64_t i = 0; i < o.repeat && !live::interrupted(); ++i) {
    run_once(session, with_peers, schedule, sim, &out);
    if (o.progress) o.progress(out.runs, out.reproduced);
  }
  out.stop_problem = session.stop();
  out.interrupted = live::interrupted();
  return out;
}

}  // namespace h2sim
