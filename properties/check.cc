#include "properties/check.h"

#include <cstdio>
#include <cstring>
#include <sstream>

#include "live/net/clock.h"
#include "live/net/files.h"
#include "live/net/interrupt.h"
#include "live/net/workers.h"
#include "model/run/run.h"
#include "model/scenario/scenario_io.h"
#include "properties/corpus.h"
#include "properties/isolation.h"
#include "proxy_under_test/policy.h"

namespace h2sim {

namespace {

constexpr double progress_interval_s = 0.2;
// Statistics travel from a worker in batches of this many cases (and at its end): a worker that
// dies loses the details of at most these, never their count.
constexpr uint64_t stats_batch_cases = 200;

std::string file_stem(std::string_view invariant) {
  std::string out;
  for (char c : invariant) out += (c == ' ' || c == '/' || c == ':') ? '-' : c;
  return out;
}

std::string check_command(const CheckOptions& o, uint64_t index) {
  return o.program + " check --seed " + std::to_string(o.seed) + " --cases " + std::to_string(o.cases) +
         " (case " + std::to_string(index) + ")";
}

// The finding's case run again from its decisions, with its verdicts: what the caller shows.
CaseRun rerun(const CheckOptions& o, const Replay& replay) {
  CaseRun run;
  run.scenario = replay.scenario();
  sim::RecordedChoices choices(decisions_of(replay));
  run.result = run_case(run.scenario, choices, *o.gen.proxies);
  judge(&run, o.gen.invariants, o.gen.extra_invariants);
  return run;
}

// Writes the finding's replay file into out_dir. A file that cannot be written leaves
// write_error set and no replay path, so that nobody is told to replay a file that is not there.
void write_replay(const CheckOptions& o, CheckFinding* f) {
  std::string suffix = f->kind == "invariant" || f->kind == "determinism" ? file_stem(f->invariant)
                       : f->kind == "scenario"                          ? "scenario-problem-" + file_stem(f->invariant)
                                                                        : f->kind;
  std::string path = o.out_dir + "/" + finding_stem(o.seed, f->case_index) + "-" + suffix + ".replay.textproto";
  if (live::write_output_file(path, format_replay(f->replay), &f->write_error)) f->replay_path = path;
}

// Runs the shrunk case twice more from its recorded decisions: a digest that moves is a
// determinism bug of its own.
void check_determinism(const CheckOptions& o, const CaseRun& m, CheckFinding* f) {
  std::string digests[2];
  for (std::string& digest : digests) {
    sim::RecordedChoices recorded(m.result.decisions);
    try {
      digest = run_case(m.scenario, recorded, *o.gen.proxies).digest;
    } catch (const sim::ChoiceError& e) {
      digest = std::string("replay failed: ") + e.what();
    }
  }
  if (digests[0] == m.result.digest && digests[1] == m.result.digest) return;
  f->kind = "determinism";
  f->invariant = "determinism: the same decisions gave digests " + m.result.digest + ", " + digests[0] + ", " + digests[1];
}

// A case that fails through the reference too is the scenario's problem: it is recorded as it
// was generated, not shrunk (a smaller case would only show the scenario's problem better).
CheckFinding scenario_problem(const CheckOptions& o, const CaseRun& run, uint64_t index, std::string_view invariant) {
  CheckFinding f;
  f.case_index = index;
  f.kind = "scenario";
  f.invariant = std::string(invariant);
  f.replay = make_replay(run, invariant, check_command(o, index), *o.gen.proxies, o.gen.invariants);
  f.replay.set_finding("fails through " + proxy_label(run.scenario) + " and through the reference (" +
                       std::string(reference_proxy) + ") too: a problem of the scenario, not the proxy's");
  f.minimal = run;
  return f;
}

// Shrinks a failing case (stopping early on an interrupt), checks its determinism and makes its
// replay. Every smaller case kept passes through the reference, so the minimal case still shows
// the proxy's defect and not one of the scenario's own. `stats` counts the shrink runs.
CheckFinding shrink_failure(const CheckOptions& o, const rc::Shrinkable<CaseRun>& failing, uint64_t index,
                            std::string_view invariant, CampaignStats* stats, const std::function<void(std::string)>& show) {
  const ProxyRegistry& proxies = *o.gen.proxies;
  const InvariantSet& on = o.gen.invariants;
  ++stats->runs;  // the reference run of the case itself
  if (!passes_through_reference(failing.value(), proxies, on)) return scenario_problem(o, failing.value(), index, invariant);
  CheckFinding f;
  f.case_index = index;
  f.kind = "invariant";
  f.invariant = std::string(invariant);
  live::Stopwatch clock;
  auto watch = [&](const char* phase) {
    return [&, phase](const Shrunk& s) {
      if (show) show(std::string(phase) + " case " + std::to_string(index) + ": " + std::to_string(s.steps) +
                     " steps, " + std::to_string(s.runs) + " runs");
      f.shrink_cut_short = live::interrupted();
      return !f.shrink_cut_short;
    };
  };
  uint32_t reference_runs = 0;
  ShrinkAccepts through_reference = [&](const CaseRun& run) {
    ++reference_runs;
    return passes_through_reference(run, proxies, on);
  };
  Shrunk shrunk = shrink(failing, invariant, o.shrink_runs_max, watch("shrinking"), through_reference);
  Shrunk simpler = f.shrink_cut_short ? shrunk
                                      : simplify(shrunk.minimal, invariant, proxies, o.shrink_runs_max, 64,
                                                 watch("simplifying"), o.gen.extra_invariants, on, through_reference);
  stats->runs += shrunk.runs + (f.shrink_cut_short ? 0 : simpler.runs) + reference_runs;
  f.shrink_steps = shrunk.steps + (f.shrink_cut_short ? 0 : simpler.steps);
  f.shrink_seconds = clock.seconds();
  check_determinism(o, simpler.minimal, &f);
  f.replay = make_replay(simpler.minimal, f.invariant, check_command(o, index), proxies, on);
  f.replay.set_finding(reference_sentence(simpler.minimal.scenario));
  f.minimal = std::move(simpler.minimal);
  return f;
}

// One process's coverage feedback: its corpus (a copy of the loaded one, grown by its own
// cases) and where new entries go.
class Feedback {
 public:
  Feedback(const CheckOptions& o, const Corpus& loaded) : o_(o), corpus_(loaded) {}

  FeedbackCase next(const GenOptions& gen, uint64_t index) const {
    if (!o_.feedback) return {case_shrinkable(gen, o_.seed, index), false};
    return feedback_case(gen, o_.seed, index, corpus_);
  }

  // Counts what case `index` reached; a passing case that reached something new joins the
  // corpus (and its folder). False with `error` if its file could not be written.
  bool after(const CaseRun& run, uint64_t index, bool mutant, CampaignStats* stats, std::string* error) {
    std::vector<std::string> points = coverage_points(run.result);
    stats->feedback = o_.feedback;
    stats->reached(points, index, mutant);
    stats->mutants += mutant;
    if (!o_.feedback || corpus_.add_if_new(run, points).empty() || !run.failed_invariant().empty()) return true;
    ++stats->corpus_added;
    return o_.corpus_dir.empty() ||
           write_corpus_entry(o_.corpus_dir, run, o_.seed, index, check_command(o_, index), o_.gen, error);
  }

 private:
  const CheckOptions& o_;
  Corpus corpus_;
};

// --- in this process ------------------------------------------------------------------------

CheckResult run_serial(const CheckOptions& o, const std::vector<uint64_t>& indices, const Corpus& loaded) {
  CheckResult out;
  Feedback feedback(o, loaded);
  live::Stopwatch clock;
  double shown_at = 0;
  auto show = [&](std::string activity) {
    if (!o.progress || clock.seconds() - shown_at < progress_interval_s) return;
    shown_at = clock.seconds();
    o.progress({out.stats.cases, indices.size(), out.stats.runs, shown_at, out.findings.size(), std::move(activity)});
  };
  for (uint64_t i : indices) {
    if (live::interrupted()) break;
    FeedbackCase next = feedback.next(o.gen, i);
    const rc::Shrinkable<CaseRun>& sh = next.shrinkable;
    CaseRun run = sh.value();
    out.stats.add(run);
    std::string error;
    if (!feedback.after(run, i, next.mutant, &out.stats, &error) && out.corpus_error.empty()) out.corpus_error = error;
    std::string_view broken = run.failed_invariant();
    if (!broken.empty()) {
      CheckFinding f = shrink_failure(o, sh, i, broken, &out.stats, show);
      f.found_after_seconds = clock.seconds();
      write_replay(o, &f);
      if (f.kind == "scenario") {
        out.scenario_problems.push_back(std::move(f));
        continue;
      }
      out.findings.push_back(std::move(f));
      if (o.stop_at_first_failure) break;
    }
    show("");
  }
  out.seconds = clock.seconds();
  out.interrupted = live::interrupted();
  return out;
}

// --- in worker processes --------------------------------------------------------------------

// A worker's record of the case it is running: the scenario (serialized protobuf) after a 4-byte
// length, then each decision as 9 bytes (n, value, label), appended as they are taken.
// A FIND message: the finding's facts, one per line, then its replay file.
std::string encode_finding(const CheckFinding& f) {
  std::ostringstream out;
  out << f.case_index << "\n" << f.kind << "\n" << f.invariant << "\n" << f.shrink_steps << "\n" << f.shrink_seconds
      << "\n" << f.shrink_cut_short << "\n" << format_replay(f.replay);
  return out.str();
}

bool decode_finding(const CheckOptions& o, const std::string& payload, CheckFinding* f, std::string* error) {
  std::istringstream in(payload);
  std::string kind, invariant;
  if (!(in >> f->case_index) || !std::getline(in.ignore(1), f->kind) || !std::getline(in, f->invariant) ||
      !(in >> f->shrink_steps >> f->shrink_seconds >> f->shrink_cut_short)) {
    *error = "a worker sent a finding h2sim cannot read";
    return false;
  }
  in.ignore(1);
  std::string replay((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!parse_replay(replay, "<worker>", catalogue_of(*o.gen.proxies), &f->replay, error)) return false;
  f->minimal = rerun(o, f->replay);
  return true;
}

void worker_body(const CheckOptions& o, const Corpus& loaded, std::span<const uint64_t> items, live::WorkerSlot& slot,
                 live::WorkerChannel& channel) {
  SlotRecorder recorder(&slot);
  Feedback feedback(o, loaded);
  GenOptions gen = o.gen;
  gen.recorder = &recorder;
  CampaignStats stats;
  for (uint64_t i : items) {
    if (live::interrupted()) break;
    slot.begin(static_cast<int64_t>(i));
    FeedbackCase next = feedback.next(gen, i);
    const rc::Shrinkable<CaseRun>& sh = next.shrinkable;
    CaseRun run = sh.value();
    stats.add(run);
    std::string error;
    if (!feedback.after(run, i, next.mutant, &stats, &error) && !channel.send("CORPUS_ERROR", error)) return;
    std::string_view broken = run.failed_invariant();
    if (!broken.empty()) {
      // Shrinking is recorded too (`sh` generates every candidate with the recorder): a worker
      // that dies while shrinking is reported with the candidate it died on, the run that
      // crashed, its decisions as far as it got (the case's timeout still runs).
      CheckFinding f = shrink_failure(o, sh, i, broken, &stats, nullptr);
      slot.end();
      if (!channel.send("STATS", stats.serialize()) || !channel.send("FIND", encode_finding(f))) return;
      stats = {};
      if (o.stop_at_first_failure && f.kind != "scenario") break;
      continue;
    }
    slot.end();
    if (stats.cases >= stats_batch_cases) {
      if (!channel.send("STATS", stats.serialize())) return;
      stats = {};
    }
  }
  channel.send("STATS", stats.serialize());
}

// A worker died or hung in the middle of a case: its record is that case's scenario and the
// decisions taken so far, which is a replay file.
CheckFinding finding_from_record(const CheckOptions& o, const live::WorkerEvent& e) {
  CheckFinding f;
  f.case_index = static_cast<uint64_t>(e.item);
  f.kind = e.kind == live::WorkerEvent::Kind::hung ? "hang" : "crash";
  f.invariant = e.what;
  Scenario scenario;
  std::vector<sim::Decision> decisions;
  decode_case_record(e.record, &scenario, &decisions);
  f.replay = died_case_replay(scenario, decisions, e.what, check_command(o, f.case_index) + ", worker " + e.what,
                              *o.gen.proxies);
  return f;
}

// What the parent knows of the campaign while workers run it.
struct Tally {
  CheckResult out;
  std::vector<uint64_t> reported;  // per worker: cases its STATS covered since it (re)started
  bool stop = false;               // a finding stops the campaign (unless --keep-going)
};

void handle(const CheckOptions& o, const live::WorkerEvent& e, const live::Stopwatch& clock, Tally* t) {
  if (e.kind == live::WorkerEvent::Kind::message) {
    if (e.type == "STATS") {
      CampaignStats s;
      s.deserialize(e.payload);
      t->reported[e.worker] += s.cases;
      t->out.stats.merge(s);
    } else if (e.type == "CORPUS_ERROR") {
      if (t->out.corpus_error.empty()) t->out.corpus_error = e.payload;
    } else if (e.type == "FIND") {
      CheckFinding f;
      if (!decode_finding(o, e.payload, &f, &t->out.error)) return;
      f.found_after_seconds = clock.seconds();
      write_replay(o, &f);
      if (f.kind == "scenario") {
        t->out.scenario_problems.push_back(std::move(f));
        return;
      }
      t->out.findings.push_back(std::move(f));
      t->stop = true;
    }
    return;
  }
  // Died or hung: the cases it finished but had not reported count without their details, and
  // the one it died on counts once; a new worker takes the cases after it.
  uint64_t unreported = e.finished - std::min(e.finished, t->reported[e.worker]);
  t->out.stats.cases += unreported;
  t->out.stats.runs += unreported;
  t->reported[e.worker] = 0;
  if (e.item < 0) return;
  t->out.stats.cases += 1;
  t->out.stats.runs += 1;
  // A crash or hang does not stop the campaign: the cases after it still say something.
  CheckFinding f = finding_from_record(o, e);
  f.found_after_seconds = clock.seconds();
  // Stopped between taking up the case and making its scenario: there is nothing to replay.
  if (f.replay.scenario().calls_size() > 0) write_replay(o, &f);
  t->out.findings.push_back(std::move(f));
}

CheckResult run_workers(const CheckOptions& o, const std::vector<uint64_t>& indices, const Corpus& loaded) {
  live::Stopwatch clock;
  uint32_t jobs = std::max<uint32_t>(1, static_cast<uint32_t>(std::min<uint64_t>(o.jobs, indices.size())));
  std::vector<std::vector<uint64_t>> items(jobs);
  for (size_t k = 0; k < indices.size(); ++k) items[k % jobs].push_back(indices[k]);
  Tally t;
  t.reported.assign(jobs, 0);
  live::WorkerPool pool;
  auto body = [&o, &loaded](std::span<const uint64_t> mine, live::WorkerSlot& slot, live::WorkerChannel& channel) {
    worker_body(o, loaded, mine, slot, channel);
  };
  if (!pool.start(std::move(items), body, &t.out.error)) return t.out;
  double shown_at = 0, interrupted_at = -1;
  while (pool.running()) {
    bool ending = (t.stop && o.stop_at_first_failure) || live::interrupted();
    if (ending && interrupted_at < 0) {
      pool.interrupt();  // each stops after its case (its shrink cut short) and reports
      interrupted_at = clock.seconds();
    }
    if (interrupted_at >= 0 && clock.seconds() - interrupted_at > 1) pool.stop(0);
    std::vector<live::WorkerEvent> events;
    if (!pool.poll(50, o.case_timeout_s, !ending, &events, &t.out.error)) break;
    for (const live::WorkerEvent& e : events) handle(o, e, clock, &t);
    if (o.progress && clock.seconds() - shown_at >= progress_interval_s) {
      shown_at = clock.seconds();
      o.progress({std::min<uint64_t>(pool.finished(), indices.size()), indices.size(), t.out.stats.runs, shown_at,
                  t.out.findings.size(), ""});
    }
  }
  t.out.seconds = clock.seconds();
  t.out.interrupted = live::interrupted();
  return t.out;
}

// A proxy of the user's own may crash or loop on a case: even with one job, its cases run in a
// worker process, so that is a finding with a replay file and not the end of h2sim (check and
// every cell of a matrix).
bool isolates(const CheckOptions& o) {
  for (const std::string& name : o.gen.presets) {
    const ProxyEntry* entry = o.gen.proxies->find(name);
    if (entry != nullptr && !proxy::is_preset(*entry)) return true;
  }
  return false;
}

}  // namespace

std::vector<uint64_t> shard_indices(uint64_t cases, uint32_t index, uint32_t count) {
  std::vector<uint64_t> out;
  for (uint64_t i = index; i < cases; i += count) out.push_back(i);
  return out;
}

CheckResult run_check(const CheckOptions& o) {
  // The folder is claimed once, before any case: findings are written into it as they come.
  CheckResult refused;
  if (!live::claim_output_folder(o.out_dir, "--out", "h2sim check --out", &refused.error)) return refused;
  Corpus loaded;
  uint64_t entries = 0, skipped = 0;
  if (o.feedback && !o.corpus_dir.empty() &&
      (!live::keep_folder(o.corpus_dir, "--corpus", &refused.error) ||
       !load_corpus(o.corpus_dir, o.gen, &loaded, &entries, &skipped, &refused.error))) {
    return refused;
  }
  std::vector<uint64_t> indices = shard_indices(o.cases, o.shard_index, o.shard_count);
  CheckResult out = o.jobs <= 1 && !isolates(o) ? run_serial(o, indices, loaded) : run_workers(o, indices, loaded);
  out.stats.feedback = o.feedback;
  out.stats.corpus_loaded = entries;
  out.stats.corpus_skipped = skipped;
  return out;
}

}  // namespace h2sim
