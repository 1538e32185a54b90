// explore --jobs: the subtrees of a split searched in worker processes (live::WorkerPool, the
// pool check --jobs uses). Each worker takes the next subtree not yet taken, searches it with
// the split's states and its own (the fork gives every worker the split as it was), and sends
// its report as it finishes; the parent merges them in subtree order. Since a
// subtree's report depends only on the split and its prefix, the merged report is the one a
// single process would have made, whatever the number of workers.
#include <algorithm>
#include <map>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "live/net/clock.h"
#include "live/net/interrupt.h"
#include "live/net/workers.h"
#include "properties/explore.h"
#include "properties/isolation.h"
#include "sim/assert.h"

namespace h2sim {

namespace {

// How often a worker sends the counts of the subtree it is on.
constexpr double progress_interval_s = 0.5;

// --- a subtree's report on the pipe: numbers and length-prefixed strings, space-separated ---

void put(std::string* out, uint64_t v) { *out += std::to_string(v) + ' '; }

void put(std::string* out, std::string_view s) {
  put(out, s.size());
  out->append(s);
}

void put(std::string* out, const std::vector<sim::Decision>& decisions) {
  put(out, decisions.size());
  for (const sim::Decision& d : decisions) {
    put(out, d.n);
    put(out, d.value);
    put(out, static_cast<uint64_t>(d.label));
  }
}

std::string encode(uint64_t index, const ExploreReport& r) {
  std::string out;
  put(&out, index);
  for (uint64_t v : {r.executions, r.pruned, r.asleep, r.reexplored, r.too_deep, r.states, r.failing_executions,
                     uint64_t{r.complete}}) {
    put(&out, v);
  }
  put(&out, r.bound);
  put(&out, r.failed_invariant);
  put(&out, r.shortest_failure);
  put(&out, r.ends.size());
  for (const std::string& end : r.ends) put(&out, end);
  put(&out, r.outcomes.size());
  for (const auto& call : r.outcomes) {
    put(&out, call.size());
    for (const auto& [outcome, decisions] : call) {
      put(&out, outcome);
      put(&out, decisions);
    }
  }
  return out;
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  uint64_t number() {
    size_t space = in_.find(' ', at_);
    if (space == std::string_view::npos || space == at_) return fail();
    uint64_t v = 0;
    for (size_t i = at_; i < space; ++i) {
      if (in_[i] < '0' || in_[i] > '9') return fail();
      v = v * 10 + static_cast<uint64_t>(in_[i] - '0');
    }
    at_ = space + 1;
    return v;
  }
  std::string text() {
    uint64_t n = number();
    if (!ok_ || n > in_.size() - at_) {
      fail();
      return {};
    }
    std::string s(in_.substr(at_, n));
    at_ += n;
    return s;
  }
  std::vector<sim::Decision> decisions() {
    std::vector<sim::Decision> out(std::min<uint64_t>(number(), in_.size()));
    for (sim::Decision& d : out) {
      d.n = static_cast<uint32_t>(number());
      d.value = static_cast<uint32_t>(number());
      uint64_t label = number();
      if (label >= sim::label_count) fail();
      d.label = static_cast<sim::Label>(label);
    }
    return out;
  }

 private:
  uint64_t fail() {
    ok_ = false;
    at_ = in_.size();
    return 0;
  }
  std::string_view in_;
  size_t at_ = 0;
  bool ok_ = true;
};

bool decode(std::string_view payload, size_t calls, uint64_t* index, ExploreReport* r) {
  Reader in(payload);
  *index = in.number();
  for (uint64_t* v : {&r->executions, &r->pruned, &r->asleep, &r->reexplored, &r->too_deep, &r->states,
                      &r->failing_executions}) {
    *v = in.number();
  }
  r->complete = in.number() != 0;
  r->bound = in.text();
  r->failed_invariant = in.text();
  r->shortest_failure = in.decisions();
  for (uint64_t n = in.number(); n > 0 && in.ok(); --n) r->ends.insert(in.text());
  if (in.number() != calls) return false;
  r->outcomes.resize(calls);
  for (auto& call : r->outcomes) {
    for (uint64_t n = in.number(); n > 0 && in.ok(); --n) {
      std::string outcome = in.text();
      call.emplace(std::move(outcome), in.decisions());
    }
  }
  return in.ok();
}

// --- the two sides ---

void worker_body(const Scenario& scenario, const ExploreOptions& options, const ExploreSplit& split,
                 live::SharedCounter& next, live::WorkerSlot& slot, live::WorkerChannel& channel) {
  ExploreOptions mine = options;
  SlotRecorder recorder(&slot);
  mine.recorder = &recorder;
  // The parent shows progress: a subtree's counts so far, at most twice a second, so that a long
  // subtree is not minutes of silence (the parent adds them to the finished subtrees').
  live::Stopwatch clock;
  double sent_at = -progress_interval_s;
  uint64_t running = 0;
  mine.progress = [&](uint64_t paths, uint64_t states) {
    if (clock.seconds() - sent_at < progress_interval_s) return;
    sent_at = clock.seconds();
    channel.send("PROGRESS", std::to_string(running) + " " + std::to_string(paths) + " " + std::to_string(states));
  };
  for (uint64_t i = next.take(); i < split.subtrees.size(); i = next.take()) {
    running = i;
    if (live::interrupted()) return;
    slot.begin(static_cast<int64_t>(i));
    ExploreReport r = explore_subtree(scenario, mine, split, i);
    slot.end();
    if (!channel.send("SUBTREE", encode(i, r))) return;
    if (!r.complete && r.bound == options.stop_reason) return;
  }
}

// Where the parent keeps the subtrees' reports until all are in.
struct Collected {
  std::vector<std::optional<ExploreReport>> subtrees;
  uint64_t paths = 0, states = 0;  // of the finished subtrees
  std::map<uint64_t, std::pair<uint64_t, uint64_t>> running;  // subtree -> (paths, states) so far
  std::string error;
  std::string died;  // the first worker to die on a path, and that path
  std::vector<sim::Decision> died_path;

  std::pair<uint64_t, uint64_t> seen() const {
    std::pair<uint64_t, uint64_t> all{paths, states};
    for (const auto& [subtree, counts] : running) {
      all.first += counts.first;
      all.second += counts.second;
    }
    return all;
  }
};

// A worker's "PROGRESS subtree paths states": the counts of a subtree still running.
bool take_progress(const std::string& payload, Collected* c) {
  std::istringstream in(payload);
  uint64_t index = 0, paths = 0, states = 0;
  if (!(in >> index >> paths >> states) || index >= c->subtrees.size()) return false;
  if (!c->subtrees[index]) c->running[index] = {paths, states};
  return true;
}

void collect(const Scenario& scenario, const live::WorkerEvent& e, Collected* c) {
  if (e.kind != live::WorkerEvent::Kind::message) {
    if (c->error.empty()) c->error = "an explore worker " + e.what + " in subtree " + std::to_string(e.item);
    Scenario on;
    if (c->died.empty() && decode_case_record(e.record, &on, &c->died_path)) c->died = e.what;
    return;
  }
  if (e.type == "PROGRESS") {
    if (!take_progress(e.payload, c) && c->error.empty()) c->error = "an explore worker sent progress h2sim cannot read";
    return;
  }
  uint64_t index = 0;
  ExploreReport r;
  if (e.type != "SUBTREE" || !decode(e.payload, static_cast<size_t>(expanded_calls(scenario)), &index, &r) ||
      index >= c->subtrees.size() || c->subtrees[index]) {
    if (c->error.empty()) c->error = "an explore worker sent a report h2sim cannot read";
    return;
  }
  c->paths += r.executions + r.pruned + r.asleep + r.too_deep;
  c->states += r.states;
  c->running.erase(index);
  c->subtrees[index] = std::move(r);
}

}  // namespace

ExploreReport explore_in_workers(const Scenario& scenario, const ExploreOptions& options, ExploreSplit& split) {
  H2SIM_ASSERT(options.jobs > 1 && !options.record_graph);
  uint32_t jobs = static_cast<uint32_t>(std::min<size_t>(options.jobs, split.subtrees.size()));
  Collected c;
  c.subtrees.resize(split.subtrees.size());
  live::WorkerPool pool;
  // Subtrees differ in size by orders of magnitude: dealt out in turn, two workers gave 1.6 to
  // 1.7 times one worker's speed (bench/README.md).
  live::SharedCounter next;
  auto body = [&](std::span<const uint64_t>, live::WorkerSlot& slot, live::WorkerChannel& channel) {
    worker_body(scenario, options, split, next, slot, channel);
  };
  ExploreReport report = std::move(split.report);
  if (!next.ok()) report.error = "no shared memory for the workers' subtree counter";
  if (!next.ok() || !pool.start_takers(jobs, body, &report.error)) {
    report.complete = false;
    report.bound = "a failure to start workers";
    return report;
  }
  auto take = [&](const std::vector<live::WorkerEvent>& events) {
    for (const live::WorkerEvent& e : events) collect(scenario, e, &c);
    if (options.progress && !events.empty()) {
      auto [paths, states] = c.seen();
      options.progress(report.executions + report.pruned + report.asleep + paths, report.states + states);
    }
  };
  // No time bound on a subtree, which may run as long as the whole search: the search's time
  // limit and interrupts stop it through ExploreOptions::should_stop.
  pool.run_to_end([&] { return !c.error.empty(); }, take, &c.error);
  bool complete = c.error.empty();
  for (const std::optional<ExploreReport>& r : c.subtrees) {
    complete = complete && r && r->complete;
    if (r) merge_subtree(*r, &report);
  }
  report.error = c.error;
  report.died = c.died;
  report.died_path = c.died_path;
  if (!c.error.empty() && report.bound.empty()) report.bound = "a failed worker";
  if (!complete && report.bound.empty()) report.bound = live::interrupted() ? options.stop_reason : "a failed worker";
  report.complete = complete && report.bound.empty();
  return report;
}

}  // namespace h2sim
