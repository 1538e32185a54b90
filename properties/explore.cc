#include "properties/explore.h"

#include "properties/generators.h"
#include "properties/invariants.h"

#include <algorithm>
#include <set>
#include <sstream>
#include <string>
#include "sim/assert.h"
#include "sim/digest.h"

namespace h2sim {

void EnumeratingChoices::record(uint64_t state) {
  // An edge from the previous decision point, labelled with the decision taken there.
  uint64_t from = path_states_.empty() ? 0 : path_states_.back();
  auto [it, fresh] = graph_->nodes.emplace(state, StateGraph::Node{});
  if (fresh) {
    it->second.id = static_cast<uint32_t>(graph_->nodes.size());
    it->second.depth = static_cast<uint32_t>(path_.size());
    it->second.first_parent = from;
    if (!path_.empty()) it->second.first_decision = path_.back();
  }
  ++it->second.visits;
  std::string label = path_.empty() ? "start"
                                    : std::string(sim::label_name(path_.back().label)) + " " +
                                          std::to_string(path_.back().value) + "/" + std::to_string(path_.back().n);
  auto& edge = graph_->edges[{from, state}];
  edge.first = label;
  ++edge.second;
  path_states_.push_back(state);
}

// The decision's size and label are part of the state: two decision points in one world state
// that ask different questions are different points.
StateKey EnumeratingChoices::key(uint32_t n, sim::Label label) const {
  sim::StateHash h;
  h.add(probe()->state_digest());
  h.add_u64((uint64_t{n} << 8) | static_cast<uint8_t>(label));
  return h.value();
}

// Partial-order reduction, and why it loses no outcome.
//
// The transitions. At each instant the World runs the events due then; the queue already fixes
// the order of events at different hosts (sim/event_queue.h: they commute) and asks a tie
// decision only among the events of one host. Those events are the reduction's transitions: an
// event together with every decision it takes while it runs (its cuts, latencies, a read's size).
//
// Independence. Two events due at one instant commute (either order reaches the same state, and
// neither enables or disables the other) when they are at different hosts (the queue's premise),
// or when one of them is quiet (sim/choice.h, EventInfo; World::describe) and they are not on
// the same direction. A quiet event calls no host: an arrival of a data or FIN segment moves it
// from the direction's flight queue to its unread queue and schedules the direction's read; a
// cancelled timer's event retires the timer. What a host event at the same host can do (write,
// shut down, reset, set or cancel timers) touches the host, its outgoing directions and flags no
// arrival reads, so the arrival's effect is the same before or after it; the new read's place in
// the queue differs, but the queue's order is not state (World::state_digest sorts it) and a
// tie offers the same events either way. Runs with faults reduce nothing: an arrival may fire
// one, and a fault may touch any connection. Any two host events at one host are dependent.
//
// Persistent sets (Godefroid, "Partial-Order Methods for the Verification of Concurrent
// Systems", LNCS 1032, ch. 4). At a tie, a free event (EventInfo::free: a quiet arrival, or a
// cancelled timer's event) is independent of every event that can run at this instant before
// it, so {it} is a persistent set and it alone is tried. The one event on an arrival's
// direction that can run before it is the direction's read; taking it as a transition per
// batch size, a read of k segments commutes with the arrival (k is at most what had arrived,
// and the read after the arrival may take k too: its size is a choice among all batch sizes;
// nothing else can schedule a read of the direction). The
// state graph has no cycles (every event consumes a queued event and either moves a segment on,
// retires a timer or extends a host's input digest), so no cycle proviso is needed, and a
// persistent-set search reaches every end state of the full one.
//
// Sleep sets (ibid., ch. 5). At a tie whose candidates are all tried, each candidate's subtree
// starts with the candidates tried before it asleep if they commute with it; every event run
// after that (a tie's pick, a lone event, an event at another host) wakes the sleepers it does
// not commute with, and a path about to run a sleeping event ends (Asleep): it reorders a path
// an earlier sibling tried, towards the same end state and outcomes.
//
// With state pruning. The naive combination is unsound: a state first explored under sleep set
// S (leaving the continuations that start with S's events to other branches) and reached again
// under S' must not be pruned if S' lacks an event of S: nobody covers the continuations that
// start with it. So a visited state keeps the sleep set it was explored under; it prunes a later
// arrival only if that set is within the arrival's, and otherwise is explored again under the
// new sleep set and keeps the intersection (the continuations still left to others are those
// starting with an event asleep both times, which both arguments cover). A set only shrinks, so
// re-exploring ends. At a decision inside an event (a cut, a latency, a read's size) the sleep
// set is the one that applies once the event is over; at a tie, the one before its pick.
//
// What "the same outcomes" rests on: reordered events give the same end state and host
// histories; the trace's records keep their order, since a quiet event writes none (only the
// order of events at different hosts can differ, which state pruning already merges).
// tests/properties/explore_test.cc compares the reachable outcomes (per call, with the invariant
// verdicts) with and without the reduction on several scenarios.

namespace {

bool commute(const sim::EventInfo& a, const sim::EventInfo& b) {
  if (a.host != b.host) return true;
  if (!a.quiet && !b.quiet) return false;
  return a.direction == 0 || a.direction != b.direction;
}

SleepSet::const_iterator find_asleep(const SleepSet& sleep, uint64_t tag) {
  return std::lower_bound(sleep.begin(), sleep.end(), tag,
                          [](const sim::EventInfo& e, uint64_t t) { return e.tag < t; });
}

bool asleep(const SleepSet& sleep, uint64_t tag) {
  auto it = find_asleep(sleep, tag);
  return it != sleep.end() && it->tag == tag;
}

void add_asleep(SleepSet* sleep, const sim::EventInfo& e) {
  auto it = find_asleep(*sleep, e.tag);
  if (it == sleep->end() || it->tag != e.tag) sleep->insert(it, e);
}

// Whether every event of `a` is in `b`.
bool sleeps_within(const SleepSet& a, const SleepSet& b) {
  return std::all_of(a.begin(), a.end(), [&](const sim::EventInfo& e) { return asleep(b, e.tag); });
}

SleepSet common(const SleepSet& a, const SleepSet& b) {
  SleepSet out;
  for (const sim::EventInfo& e : a) {
    if (asleep(b, e.tag)) out.push_back(e);
  }
  return out;
}

}  // namespace

void EnumeratingChoices::on_event(const sim::EventInfo& e) {
  if (asleep(sleep_, e.tag)) throw Asleep{};
  std::erase_if(sleep_, [&](const sim::EventInfo& x) { return !commute(x, e); });
}

// A new decision point on the path: drawn, checked against the states seen (Pruned), and at
// the split depth handed to a subtree of its own (Deferred). A state seen before under a sleep
// set that is not within this one is explored again (see above).
void EnumeratingChoices::visit(uint32_t n, sim::Label label) {
  size_t k = path_.size();
  if ((visited_ || graph_) && probe()) {
    StateKey state = key(n, label);
    if (k == root_) {
      // The split drew this point and counted it; the subtree searches below it.
      if (graph_) path_states_.push_back(state.low);
      return;
    }
    if (graph_) record(state.low);
    if (visited_) {
      bool again = false;
      if (base_) {
        auto known = base_->find(state);
        if (known != base_->end()) {
          if (sleeps_within(known->second, sleep_)) throw Pruned{};
          again = true;
        }
      }
      auto [it, fresh] = visited_->try_emplace(state, sleep_);
      if (!fresh) {
        if (sleeps_within(it->second, sleep_)) throw Pruned{};
        it->second = common(it->second, sleep_);
        again = true;
      }
      if (again) ++reexplored_;
    }
  }
  if (k == frontier_) throw Deferred{};
}

// A fresh tie under the reduction: the values to try (a free candidate alone, else all), less
// the asleep ones. Returns the first; the plan keeps the rest. Asleep if none is left.
uint32_t EnumeratingChoices::plan_tie(uint32_t n, StepPlan* plan) {
  if (!probe()->tie_candidates(&candidates_) || candidates_.size() != n) return 0;
  plan->reduced = true;
  plan->candidates = candidates_;
  auto free = std::find_if(candidates_.begin(), candidates_.end(), [](const sim::EventInfo& e) { return e.free; });
  for (uint32_t v = 0; v < n; ++v) {
    if (free != candidates_.end() && v != static_cast<uint32_t>(free - candidates_.begin())) continue;
    if (!asleep(sleep_, candidates_[v].tag)) plan->rest.push_back(v);
  }
  if (plan->rest.empty()) throw Asleep{};
  uint32_t first = plan->rest.front();
  plan->rest.erase(plan->rest.begin());
  return first;
}

uint32_t EnumeratingChoices::pick(uint32_t n, sim::Label label) {
  size_t k = path_.size();
  if (k < prefix_.size()) {
    // Re-walking an explored prefix: its states are known, so no pruning here. The candidates a
    // tie tried before this value sleep (on_event then wakes those that do not commute with it).
    H2SIM_ASSERT(prefix_[k].n == n && prefix_[k].label == label);
    if (graph_ && probe()) path_states_.push_back(key(n, label).low);
    StepPlan plan = k < prefix_plans_.size() ? std::move(prefix_plans_[k]) : StepPlan{};
    for (const sim::EventInfo& e : plan.done) add_asleep(&sleep_, e);
    path_.push_back(prefix_[k]);
    plans_.push_back(std::move(plan));
    if (recorder_) recorder_->decision(path_.back());
    return prefix_[k].value;
  }
  if (k >= depth_max_) throw TooDeep{};
  visit(n, label);
  StepPlan plan;
  uint32_t value = 0;
  if (fixed_ & sim::label_bit(label)) {
    plan.reduced = true;  // with no value left to try
  } else if (por_ && label == sim::Label::tie && probe()) {
    value = plan_tie(n, &plan);
  }
  path_.push_back({n, value, label});
  plans_.push_back(std::move(plan));
  if (recorder_) recorder_->decision(path_.back());
  return value;
}

std::string state_graph_dot(const StateGraph& g, size_t nodes_max) {
  // Keep the shallowest nodes, and the shallowest leaf of each outcome however deep (a reader
  // comes for the outcomes); collapse the rest into one.
  std::vector<std::pair<uint32_t, uint64_t>> by_depth;
  for (const auto& [key, node] : g.nodes) by_depth.emplace_back(node.depth * 1000000u + node.id, key);
  std::sort(by_depth.begin(), by_depth.end());
  std::map<uint64_t, bool> kept;
  std::set<std::string> outcomes_kept;
  size_t collapsed = 0;
  for (size_t i = 0; i < by_depth.size(); ++i) {
    const StateGraph::Node& node = g.nodes.at(by_depth[i].second);
    bool keep = i < nodes_max || (!node.outcome.empty() && !outcomes_kept.contains(node.outcome));
    if (keep && !node.outcome.empty()) outcomes_kept.insert(node.outcome);
    kept[by_depth[i].second] = keep;
    collapsed += !keep;
  }
  std::ostringstream out;
  out << "digraph explore {\n  rankdir=TB; fontname=Helvetica; node [fontname=Helvetica, fontsize=10, shape=circle];\n"
      << "  edge [fontname=Helvetica, fontsize=9];\n  label=\"explored states: a node is a distinct world state at a "
         "decision point (its state digest), an edge a decision with how often it was taken, a box an outcome; red: on "
         "a failing execution";
  if (collapsed) {
    out << "; " << collapsed << " of the " << g.nodes.size()
        << " states, the deepest but for one leaf of each outcome, are collapsed into one node";
  }
  out << "\";\n  labelloc=t;\n  start [shape=point];\n";
  for (const auto& [key, node] : g.nodes) {
    if (!kept[key]) continue;
    out << "  s" << node.id << " [label=\"" << node.id << "\\n" << node.visits << "x\"";
    if (!node.outcome.empty()) out << ", shape=box, label=\"" << node.outcome << "\\n" << node.visits << "x\"";
    if (node.failing) out << ", color=red, fontcolor=red";
    out << "];\n";
  }
  if (collapsed) out << "  collapsed [shape=box, style=dashed, label=\"" << collapsed << " more states\"];\n";
  auto name = [&](uint64_t key) -> std::string {
    if (key == 0) return "start";
    auto it = g.nodes.find(key);
    if (it == g.nodes.end()) return "start";
    return kept[key] ? "s" + std::to_string(it->second.id) : "collapsed";
  };
  std::map<std::pair<std::string, std::string>, std::pair<std::string, uint64_t>> drawn;
  for (const auto& [ends, edge] : g.edges) {
    auto& d = drawn[{name(ends.first), name(ends.second)}];
    d.first = d.first.empty() ? edge.first : d.first;
    d.second += edge.second;
  }
  for (const auto& [ends, edge] : drawn) {
    if (ends.first == "collapsed" && ends.second == "collapsed") continue;
    // A named copy for the lambda: clang before 16 cannot capture a structured binding.
    const std::string& to = ends.second;
    bool failing = to != "collapsed" && to != "start" &&
                   std::any_of(g.nodes.begin(), g.nodes.end(), [&](const auto& n) {
                     return "s" + std::to_string(n.second.id) == to && n.second.failing;
                   });
    out << "  " << ends.first << " -> " << ends.second << " [label=\"" << edge.first << " (" << edge.second << ")\""
        << (failing ? ", color=red" : "") << "];\n";
  }
  out << "}\n";
  return out.str();
}

namespace {

// The next path in depth-first order: the deepest decision that has an untried value gets it,
// and everything after it is dropped. False when every path was tried. At a reduced tie the
// candidate just tried joins the plan's `done`: it sleeps in the next one's subtree.
bool next_prefix(std::vector<sim::Decision>* path, std::vector<StepPlan>* plans, size_t floor) {
  plans->resize(path->size());
  while (path->size() > floor) {
    sim::Decision& last = path->back();
    StepPlan& plan = plans->back();
    if (!plan.reduced && last.value + 1 < last.n) {
      ++last.value;
      return true;
    }
    if (plan.reduced && !plan.rest.empty()) {
      plan.done.push_back(plan.candidates[last.value]);
      last.value = plan.rest.front();
      plan.rest.erase(plan.rest.begin());
      return true;
    }
    path->pop_back();
    plans->pop_back();
  }
  return false;
}

}  // namespace

std::string outcome_text(const grpc::CallOutcome& c) {
  return c.client_saw ? grpc::status_text(*c.client_saw) : "no status";
}

namespace {

// The leaf of an execution in the graph: its outcomes, reached from its last decision point.
void record_leaf(const EnumeratingChoices& choices, const std::string& outcomes, bool failed, StateGraph* graph) {
  sim::Digest leaf;
  leaf.add(outcomes);
  uint64_t key = leaf.value() | 1;
  auto& node = graph->nodes[key];
  uint64_t from = choices.path_states().empty() ? 0 : choices.path_states().back();
  if (node.id == 0) {
    node.id = static_cast<uint32_t>(graph->nodes.size());
    node.depth = static_cast<uint32_t>(choices.path().size());
    node.outcome = outcomes;
    node.first_parent = from;
    if (!choices.path().empty()) node.first_decision = choices.path().back();
  }
  ++node.visits;
  node.failing |= failed;
  auto& edge = graph->edges[{from, key}];
  const std::vector<sim::Decision>& path = choices.path();
  edge.first = path.empty() ? "end"
                            : std::string(sim::label_name(path.back().label)) + " " + std::to_string(path.back().value) +
                                  "/" + std::to_string(path.back().n);
  ++edge.second;
  if (failed) {
    for (uint64_t state : choices.path_states()) graph->nodes[state].failing = true;
  }
}

// One execution run to its end: its outcomes, the first invariant it breaks, and its leaf.
void record_execution(const Scenario& scenario, const Result& r, const EnumeratingChoices& choices, StateGraph* graph,
                      const InvariantSet& on, ExploreReport* report) {
  ++report->executions;
  std::string outcomes;
  for (const grpc::CallOutcome& c : r.calls) {
    std::string text = outcome_text(c);
    report->outcomes[c.call].emplace(text, choices.path());
    outcomes += (outcomes.empty() ? "" : "\\n") + text.substr(0, text.find(':'));
  }
  std::string_view broken;
  std::string end;
  for (const grpc::CallOutcome& c : r.calls) end += "call " + std::to_string(c.call) + ": " + outcome_text(c) + " | ";
  end += "broke:";
  for (const Verdict& v : check_all(r, scenario, on)) {
    if (v.holds) continue;
    if (broken.empty()) broken = v.name;
    end += " " + std::string(v.name);
  }
  report->ends.insert(std::move(end));
  if (graph) record_leaf(choices, outcomes, !broken.empty(), graph);
  if (broken.empty()) return;
  ++report->failing_executions;
  if (report->failed_invariant.empty() || choices.path().size() < report->shortest_failure.size()) {
    report->failed_invariant = std::string(broken);
    report->shortest_failure = choices.path();
  }
}

// What bound, if any, ends a walk before its next path (`paths`: the walk's so far).
std::string bound_reached(uint64_t paths, const ExploreOptions& options, bool subtree) {
  if (paths >= options.executions_max) {
    return "max executions (" + std::to_string(options.executions_max) + (subtree ? " in a subtree)" : ")");
  }
  if (paths % 1000 == 0 && paths > 0 && options.should_stop && options.should_stop()) return options.stop_reason;
  return {};
}

// One depth-first walk: of the whole tree, of the tree above a split, or of one subtree.
struct Walk {
  std::vector<sim::Decision> start;  // the subtree's prefix: decisions the walk never changes
  size_t root = SIZE_MAX;            // see EnumeratingChoices::split
  size_t frontier = SIZE_MAX;
  const VisitedStates* base = nullptr;
  std::vector<std::vector<sim::Decision>>* deferred = nullptr;  // the prefixes cut at frontier
  StateGraph* graph = nullptr;
};

// Runs a walk's paths until every one was tried or a bound ends it; `visited` gains the states
// it reached first. True if it was complete.
bool walk(const Scenario& scenario, const ExploreOptions& options, const Walk& w, VisitedStates* visited,
          ExploreReport* report) {
  std::vector<sim::Decision> prefix = w.start;
  // Above a subtree's root no plans: what slept there is forgotten, which costs paths, not outcomes.
  std::vector<StepPlan> plans;
  for (uint64_t paths = 0;; ++paths) {
    if (std::string bound = bound_reached(paths, options, !w.start.empty()); !bound.empty()) {
      report->bound = bound;
      return false;
    }
    EnumeratingChoices choices(std::move(prefix), options.prune ? visited : nullptr, options.depth_max, w.graph,
                               std::move(plans), options.por);
    choices.split(w.root, w.frontier, w.base);
    choices.fix(options.fixed_labels);
    if (!options.host_states) choices.name_hosts_by_inputs();
    if (options.recorder) {
      paths == 0 ? options.recorder->begin(scenario) : options.recorder->again();
      choices.record_to(options.recorder);
    }
    try {
      Result r = run_case(scenario, choices, *options.proxies);
      record_execution(scenario, r, choices, w.graph, options.invariants, report);
    } catch (const EnumeratingChoices::Pruned&) {
      ++report->pruned;
    } catch (const EnumeratingChoices::Asleep&) {
      ++report->asleep;
    } catch (const EnumeratingChoices::TooDeep&) {
      ++report->too_deep;
      report->bound = "max depth (" + std::to_string(options.depth_max) + " decisions)";
    } catch (const EnumeratingChoices::Deferred&) {
      w.deferred->push_back(choices.path());
    }
    report->reexplored += choices.reexplored();
    uint64_t total = report->executions + report->pruned + report->too_deep + report->asleep;
    if (options.progress && total % 1000 == 0) options.progress(total, report->states + visited->size());
    // A path cut at depth_max is not explored past the bound; its siblings before it still are.
    prefix = choices.take_path();
    plans = choices.take_plans();
    if (!next_prefix(&prefix, &plans, w.start.size())) return true;
  }
}

// Adds a subtree's report to the search's, as if its walk had run here: counts add up, and the
// first subtree (in order) to reach an outcome or the shortest failure keeps it.
void merge(const ExploreReport& from, ExploreReport* into) {
  into->executions += from.executions;
  into->pruned += from.pruned;
  into->asleep += from.asleep;
  into->reexplored += from.reexplored;
  into->too_deep += from.too_deep;
  into->states += from.states;
  into->failing_executions += from.failing_executions;
  into->ends.insert(from.ends.begin(), from.ends.end());
  if (into->bound.empty()) into->bound = from.bound;
  for (size_t call = 0; call < from.outcomes.size() && call < into->outcomes.size(); ++call) {
    for (const auto& [outcome, decisions] : from.outcomes[call]) into->outcomes[call].emplace(outcome, decisions);
  }
  if (!from.failed_invariant.empty() &&
      (into->failed_invariant.empty() || from.shortest_failure.size() < into->shortest_failure.size())) {
    into->failed_invariant = from.failed_invariant;
    into->shortest_failure = from.shortest_failure;
  }
}

}  // namespace

ExploreSplit split_search(const Scenario& scenario, const ExploreOptions& options) {
  H2SIM_ASSERT(options.subtrees_min >= 1);
  for (size_t depth = 0;; ++depth) {
    ExploreSplit split;
    split.report.outcomes.resize(expanded_calls(scenario));
    Walk w;
    w.frontier = depth;
    w.deferred = &split.subtrees;
    w.graph = options.record_graph ? &split.report.graph : nullptr;
    bool complete = walk(scenario, options, w, &split.visited, &split.report);
    split.report.states = split.visited.size();
    split.report.complete = complete && split.report.bound.empty() && split.subtrees.empty();
    if (!complete || split.subtrees.size() >= options.subtrees_min || split.subtrees.empty() ||
        depth >= options.subtree_depth_max) {
      split.report.subtrees = split.subtrees.size();
      return split;
    }
  }
}

ExploreReport explore_subtree(const Scenario& scenario, const ExploreOptions& options, const ExploreSplit& split,
                              size_t index, StateGraph* graph) {
  H2SIM_ASSERT(index < split.subtrees.size());
  ExploreReport report;
  report.outcomes.resize(expanded_calls(scenario));
  Walk w;
  w.start = split.subtrees[index];
  w.root = w.start.size();
  w.base = &split.visited;
  w.graph = graph;
  VisitedStates visited;
  report.complete = walk(scenario, options, w, &visited, &report) && report.bound.empty();
  report.states = visited.size();
  return report;
}

void merge_subtree(const ExploreReport& subtree, ExploreReport* into) { merge(subtree, into); }

ExploreReport explore(const Scenario& scenario, const ExploreOptions& options) {
  ExploreSplit split = split_search(scenario, options);
  if (!split.report.bound.empty() || split.subtrees.empty()) return std::move(split.report);
  // A graph is drawn in this process (its nodes would have to travel otherwise).
  if (options.jobs > 1 && !options.record_graph && split.subtrees.size() > 1) {
    return explore_in_workers(scenario, options, split);
  }
  ExploreReport report = std::move(split.report);
  bool complete = true;
  for (size_t i = 0; i < split.subtrees.size(); ++i) {
    ExploreReport subtree = explore_subtree(scenario, options, split, i, options.record_graph ? &report.graph : nullptr);
    complete = complete && subtree.complete;
    merge(subtree, &report);
    if (!subtree.complete && subtree.bound == options.stop_reason) break;  // an interrupt or the time limit
  }
  report.complete = complete && report.bound.empty();
  return report;
}

}  // namespace h2sim
