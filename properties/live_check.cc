#include "properties/live_check.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <sstream>

#include "live/net/clock.h"
#include "live/net/files.h"
#include "live/net/interrupt.h"
#include "live/net/workers.h"
#include "model/scenario/scenario_io.h"
#include "properties/differential.h"
#include "properties/explore.h"

namespace h2sim {

namespace {

constexpr double progress_interval_s = 0.2;

// One live run of a case and the tap decisions that steered it.
struct LiveCase {
  CaseRun run;
  std::vector<sim::Decision> steering;
};

LiveCase run_steered(LiveSession& session, const Scenario& scenario, sim::ChoiceSource& choices,
                     const LiveCheckOptions& o) {
  LiveCase c;
  live::Steering steering(choices);
  c.run.scenario = scenario;
  c.run.result = session.run(scenario, {}, o.timeout_ms, &steering);
  c.steering = choices.decisions();
  // The tap decisions stand where a simulated run keeps the world's, so statistics count them.
  c.run.result.decisions = c.steering;
  c.run.verdicts = check_all(c.run.result, scenario, o.invariants);
  return c;
}

// Case i's taps: a seed of its own, whoever runs it.
uint64_t tap_seed(uint64_t seed, uint64_t index) {
  sim::SplitMix64 mix(seed ^ (index * 0xd1b54a32d192ed03ULL) ^ 0x7461707321ULL);
  return mix.next();
}

bool breaks(const std::vector<Verdict>& verdicts, std::string_view name) {
  for (const Verdict& v : verdicts) {
    if (!v.holds && v.name == name) return true;
  }
  return false;
}

// Shrinking with live re-runs of one failing case.
class LiveShrink {
 public:
  LiveShrink(LiveSession& session, const LiveCheckOptions& o, CampaignStats* stats,
             std::function<void(const std::string&)> show)
      : session_(session), o_(o), stats_(stats), show_(std::move(show)) {}

  // Null if the failure did not come back in R re-runs.
  std::optional<LiveFinding> shrink(uint64_t index, const LiveCase& failing);

 private:
  // Runs up to `runs` times, steered by `steering` where it still fits; counts the runs that fail
  // the same way (break the invariant, and nothing the case did not). Stops once `need` are in or
  // cannot be. The first such run goes into `example`.
  uint32_t failures(const Scenario& s, const std::vector<sim::Decision>& steering, uint32_t runs, uint32_t need,
                    LiveCase* example, bool interruptible = true);
  bool try_candidate(const Scenario& s, const std::vector<sim::Decision>& steering);
  void shrink_scenario();
  void shrink_steering();
  bool budget_left() const { return !cut_short() && candidates_ < o_.shrink_candidates_max; }
  bool cut_short() const { return live::interrupted(); }

  LiveSession& session_;
  const LiveCheckOptions& o_;
  CampaignStats* stats_;
  std::function<void(const std::string&)> show_;
  std::string invariant_;
  std::vector<Verdict> allowed_;  // the original failure's verdicts
  LiveCase current_;
  uint32_t need_ = 1;
  uint32_t candidates_ = 0;
  uint32_t steps_ = 0;
  uint32_t runs_ = 0;
  uint64_t index_ = 0;
};

uint32_t LiveShrink::failures(const Scenario& s, const std::vector<sim::Decision>& steering, uint32_t runs,
                              uint32_t need, LiveCase* example, bool interruptible) {
  uint32_t k = 0;
  for (uint32_t i = 0; i < runs && k < need && k + (runs - i) >= need && !(interruptible && cut_short()); ++i) {
    GuidedChoices guided(steering);
    LiveCase c = run_steered(session_, s, guided, o_);
    ++runs_;
    ++stats_->runs;
    bool same = breaks(c.run.verdicts, invariant_);
    for (const Verdict& v : c.run.verdicts) same = same && (v.holds || breaks(allowed_, v.name));
    if (!same) continue;
    if (k++ == 0 && example) *example = std::move(c);
  }
  return k;
}

bool LiveShrink::try_candidate(const Scenario& s, const std::vector<sim::Decision>& steering) {
  ++candidates_;
  LiveCase example;
  bool accepted = failures(s, steering, o_.repeats, need_, &example) >= need_;
  if (accepted) {
    current_ = std::move(example);
    ++steps_;
  }
  if (show_) show_("shrinking case " + std::to_string(index_) + " live: " + std::to_string(steps_) + " steps, " +
                   std::to_string(runs_) + " runs");
  return accepted;
}

void LiveShrink::shrink_scenario() {
  bool progressed = true;
  while (progressed && budget_left()) {
    progressed = false;
    for (const Scenario& candidate : scenario_edits(current_.run.scenario)) {
      if (!budget_left()) return;
      if (!live_incapable(candidate).empty()) continue;
      if (try_candidate(candidate, current_.steering)) {
        progressed = true;
        break;
      }
    }
  }
}

// Each tap decision set to 0 where the failure survives it: the plainest steering that fails.
void LiveShrink::shrink_steering() {
  for (size_t j = 0; j < current_.steering.size() && budget_left(); ++j) {
    if (current_.steering[j].value == 0) continue;
    std::vector<sim::Decision> plainer = current_.steering;
    plainer[j].value = 0;
    try_candidate(current_.run.scenario, plainer);
  }
}

std::optional<LiveFinding> LiveShrink::shrink(uint64_t index, const LiveCase& failing) {
  live::Stopwatch clock;
  index_ = index;
  invariant_ = std::string(failing.run.failed_invariant());
  allowed_ = failing.run.verdicts;
  current_ = failing;
  // The case's own rate sets the bar: a candidate must fail as often (a majority of R at most).
  // The rates are measured even after an interrupt: R runs take milliseconds.
  uint32_t k0 = failures(failing.run.scenario, failing.steering, o_.repeats, o_.repeats, nullptr, false);
  if (k0 == 0) return std::nullopt;
  need_ = std::min<uint32_t>(k0, (o_.repeats + 1) / 2);
  shrink_scenario();
  shrink_steering();
  LiveFinding f;
  f.case_index = index;
  f.invariant = invariant_;
  f.shrink_cut_short = cut_short();
  LiveCase example = current_;
  f.reproduced = failures(current_.run.scenario, current_.steering, o_.repeats, o_.repeats, &example, false);
  f.repeats = o_.repeats;
  f.scenario = current_.run.scenario;
  f.steering = current_.steering;
  f.shrink_steps = steps_;
  f.shrink_runs = runs_;
  f.shrink_seconds = clock.seconds();
  f.example = "live outcome: " + outcome_of(example.run.result) + "\n" + live_frames(example.run.result, {});
  return f;
}

// --- findings' files ------------------------------------------------------------------------

std::string file_stem(std::string_view invariant) {
  std::string out;
  for (char c : invariant) out += (c == ' ' || c == '/' || c == ':') ? '-' : c;
  return out;
}

// A simulated run of the shrunk scenario through the preset that breaks the same invariant: the
// exhaustive search's shortest, else a seeded schedule's; else the plain schedule (simulated
// stays false: the preset does not reach what the real proxy did).
CaseRun simulated_counterpart(const LiveFinding& f, const InvariantSet& on, bool* found) {
  std::vector<sim::Decision> decisions;
  ExploreOptions e;
  e.executions_max = 2000;
  e.invariants = on;
  ExploreReport r = explore(f.scenario, e);
  *found = r.failed_invariant == f.invariant;
  if (*found) decisions = r.shortest_failure;
  for (uint64_t seed = 1; seed <= 200 && !*found; ++seed) {
    sim::SeededChoices choices(seed);
    Result run = run_case(f.scenario, choices);
    if (breaks(check_all(run, f.scenario, on), f.invariant)) {
      decisions = choices.decisions();
      *found = true;
    }
  }
  CaseRun run;
  run.scenario = f.scenario;
  GuidedChoices recorded(decisions);  // no decisions: the plain schedule
  run.result = run_case(f.scenario, recorded);
  run.verdicts = check_all(run.result, f.scenario, on);
  return run;
}

void write_finding(const LiveCheckOptions& o, LiveFinding* f) {
  std::string stem = o.out_dir + "/" + finding_stem(o.seed, f->case_index) + "-" +
                     (f->kind == "invariant" ? file_stem(f->invariant) : f->kind);
  std::string command = o.program + " check --live --seed " + std::to_string(o.seed) + " (case " +
                        std::to_string(f->case_index) + ")";
  CaseRun sim = simulated_counterpart(*f, o.invariants, &f->simulated);
  Replay replay = make_replay(sim, f->simulated ? f->invariant : "", command, builtin_registry(), o.invariants);
  std::string error;
  if (!live::write_output_file(stem + ".textproto", to_text(f->scenario), &error) ||
      !live::write_output_file(stem + ".tap-choices", sim::format_decisions(f->steering) + "\n", &error) ||
      !live::write_output_file(stem + ".replay.textproto", format_replay(replay), &error)) {
    f->write_error = error;
    return;
  }
  f->scenario_path = stem + ".textproto";
  f->choices_path = stem + ".tap-choices";
  f->replay_path = stem + ".replay.textproto";
}

// --- in this process --------------------------------------------------------------------------

struct Campaign {
  const LiveCheckOptions& o;
  rc::Gen<Scenario> scenarios;
  live::Stopwatch clock;
  double shown_at = 0;
  LiveCheckResult out;
  uint64_t total = 0;

  void show(const std::string& activity) {
    if (!o.progress || clock.seconds() - shown_at < progress_interval_s) return;
    shown_at = clock.seconds();
    o.progress({out.stats.cases, total, out.stats.runs, shown_at, out.findings.size(), activity});
  }
};

Scenario case_scenario(const rc::Gen<Scenario>& scenarios, uint64_t seed, uint64_t index) {
  Scenario s = scenarios(case_random(seed, index), case_size(index)).value();
  s.set_name("live-" + std::to_string(seed) + "-" + std::to_string(index));
  return s;
}

// Case `index`, and its shrinking if it fails: a finding, a flake (`flake` set), or nothing.
bool run_case_live(LiveSession& session, const LiveCheckOptions& o, const rc::Gen<Scenario>& scenarios,
                   uint64_t index, CampaignStats* stats, const std::function<void(const std::string&)>& show,
                   LiveFinding* finding, LiveFlake* flake) {
  Scenario s = case_scenario(scenarios, o.seed, index);
  sim::SeededChoices choices(tap_seed(o.seed, index));
  LiveCase c = run_steered(session, s, choices, o);
  stats->add(c.run);
  if (c.run.failed_invariant().empty()) return false;
  LiveShrink shrinker(session, o, stats, show);
  std::optional<LiveFinding> f = shrinker.shrink(index, c);
  if (f) {
    *finding = std::move(*f);
    return true;
  }
  *flake = {index, std::string(c.run.failed_invariant())};
  return false;
}

LiveCheckResult run_serial(const LiveCheckOptions& o, uint64_t cases) {
  Campaign k{o, gen_scenario(live_generators(o.target.proxy.preset, o.clients, o.servers)), {}, 0, {}, cases};
  LiveSession session;
  if (!session.start(o.target, &k.out.error)) return k.out;
  for (uint64_t i = 0; i < cases && !live::interrupted(); ++i) {
    LiveFinding f;
    LiveFlake flake;
    bool failed = run_case_live(session, o, k.scenarios, i, &k.out.stats, [&](const std::string& a) { k.show(a); }, &f, &flake);
    if (!flake.invariant.empty()) k.out.flakes.push_back(flake);
    if (failed) {
      f.found_after_seconds = k.clock.seconds();
      write_finding(o, &f);
      k.out.findings.push_back(std::move(f));
      if (o.stop_at_first_failure) break;
    }
    k.show("");
  }
  k.out.stop_problem = session.stop();
  k.out.seconds = k.clock.seconds();
  k.out.interrupted = live::interrupted();
  return k.out;
}

// --- in worker processes: one proxy each ----------------------------------------------------

// A FIND message: the finding's facts, one per line, then the scenario's text after a line
// holding its length, then the example.
std::string encode(const LiveFinding& f) {
  std::ostringstream out;
  std::string scenario = to_text(f.scenario);
  std::string decisions = sim::format_decisions(f.steering);
  std::replace(decisions.begin(), decisions.end(), '\n', ' ');
  out << f.case_index << "\n" << f.invariant << "\n" << f.reproduced << " " << f.repeats << " " << f.shrink_steps << " "
      << f.shrink_runs << " " << f.shrink_seconds << " " << f.shrink_cut_short << "\n"
      << decisions << "\n" << scenario.size() << "\n" << scenario << f.example;
  return out.str();
}

bool decode(const std::string& payload, LiveFinding* f, std::string* error) {
  std::istringstream in(payload);
  std::string decisions;
  size_t bytes = 0;
  bool ok = (in >> f->case_index) && std::getline(in.ignore(1), f->invariant) &&
            (in >> f->reproduced >> f->repeats >> f->shrink_steps >> f->shrink_runs >> f->shrink_seconds >>
             f->shrink_cut_short) &&
            std::getline(in.ignore(1), decisions) && (in >> bytes);
  std::string scenario(bytes, '\0');
  ok = ok && in.ignore(1) && in.read(scenario.data(), static_cast<std::streamsize>(bytes));
  ok = ok && sim::parse_decisions(decisions, &f->steering, error) &&
       parse_scenario(scenario, "<worker>", builtin_catalogue(), &f->scenario, error);
  f->example.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (!ok && error->empty()) *error = "a worker sent a finding h2sim cannot read";
  return ok;
}

void worker_body(const LiveCheckOptions& o, std::span<const uint64_t> items, live::WorkerSlot& slot,
                 live::WorkerChannel& channel) {
  LiveSession session;
  std::string error;
  if (!session.start(o.target, &error)) {
    channel.send("ERROR", error);
    return;
  }
  rc::Gen<Scenario> scenarios = gen_scenario(live_generators(o.target.proxy.preset, o.clients, o.servers));
  CampaignStats stats;
  for (uint64_t i : items) {
    if (live::interrupted()) break;
    slot.begin(static_cast<int64_t>(i));
    slot.set_record(case_scenario(scenarios, o.seed, i).SerializeAsString());
    LiveFinding f;
    LiveFlake flake;
    bool failed = run_case_live(session, o, scenarios, i, &stats, nullptr, &f, &flake);
    slot.end();
    if (!channel.send("STATS", stats.serialize())) return;
    stats = {};
    if (!flake.invariant.empty() && !channel.send("FLAKE", std::to_string(i) + "\n" + flake.invariant)) return;
    if (!failed) continue;
    if (!channel.send("FIND", encode(f)) || o.stop_at_first_failure) break;
  }
  if (std::string problem = session.stop(); !problem.empty()) channel.send("STOP", problem);
}

// A worker that died or hung on a case: the case's scenario, from its record.
LiveFinding finding_from(const live::WorkerEvent& e) {
  LiveFinding f;
  f.case_index = static_cast<uint64_t>(e.item);
  f.kind = e.kind == live::WorkerEvent::Kind::hung ? "hang" : "crash";
  f.invariant = e.what;
  f.scenario.ParseFromString(e.record);
  return f;
}

void handle(const LiveCheckOptions& o, const live::WorkerEvent& e, Campaign* k, bool* stop) {
  if (e.kind != live::WorkerEvent::Kind::message) {
    if (e.item < 0) return;
    LiveFinding f = finding_from(e);
    f.found_after_seconds = k->clock.seconds();
    write_finding(o, &f);
    k->out.findings.push_back(std::move(f));
    return;
  }
  if (e.type == "STATS") {
    CampaignStats s;
    s.deserialize(e.payload);
    k->out.stats.merge(s);
  } else if (e.type == "ERROR") {
    k->out.error = e.payload;
    *stop = true;
  } else if (e.type == "FLAKE") {
    size_t nl = e.payload.find('\n');
    k->out.flakes.push_back({std::stoull(e.payload.substr(0, nl)), e.payload.substr(nl + 1)});
  } else if (e.type == "STOP") {
    k->out.stop_problem = e.payload;
  } else if (e.type == "FIND") {
    LiveFinding f;
    if (!decode(e.payload, &f, &k->out.error)) return;
    f.found_after_seconds = k->clock.seconds();
    write_finding(o, &f);
    k->out.findings.push_back(std::move(f));
    *stop = o.stop_at_first_failure;
  }
}

LiveCheckResult run_workers(const LiveCheckOptions& o, uint64_t cases) {
  Campaign k{o, gen_scenario(live_generators(o.target.proxy.preset, o.clients, o.servers)), {}, 0, {}, cases};
  uint32_t jobs = static_cast<uint32_t>(std::min<uint64_t>(o.jobs, cases));
  std::vector<std::vector<uint64_t>> items(jobs);
  for (uint64_t i = 0; i < cases; ++i) items[i % jobs].push_back(i);
  live::WorkerPool pool;
  auto body = [&o](std::span<const uint64_t> mine, live::WorkerSlot& slot, live::WorkerChannel& channel) {
    worker_body(o, mine, slot, channel);
  };
  if (!pool.start(std::move(items), body, &k.out.error)) return k.out;
  bool stop = false;
  double stopping_at = -1;
  while (pool.running()) {
    bool ending = stop || live::interrupted();
    if (ending && stopping_at < 0) {
      pool.interrupt();  // each stops after its run (its shrink cut short) and reports
      stopping_at = k.clock.seconds();
    }
    if (stopping_at >= 0 && k.clock.seconds() - stopping_at > 5) pool.stop(0);
    std::vector<live::WorkerEvent> events;
    if (!pool.poll(50, o.case_timeout_s, !ending, &events, &k.out.error)) break;
    for (const live::WorkerEvent& e : events) handle(o, e, &k, &stop);
    k.show("");
  }
  k.out.seconds = k.clock.seconds();
  k.out.interrupted = live::interrupted();
  return k.out;
}

}  // namespace

LiveCheckResult run_live_check(const LiveCheckOptions& o) {
  LiveCheckResult refused;
  if (!live::claim_output_folder(o.out_dir, "--out", "h2sim check --live --out", &refused.error)) return refused;
  // Workers make their temporary files in this process's scratch folder, which it removes.
  if (live::scratch_root().empty()) {
    refused.error = "cannot create a scratch folder under the temporary folder";
    return refused;
  }
  return o.jobs <= 1 ? run_serial(o, o.cases) : run_workers(o, o.cases);
}

}  // namespace h2sim
