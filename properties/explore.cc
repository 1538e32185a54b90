#include "properties/explore.h"

#include "properties/invariants.h"

#include <algorithm>
#include <sstream>
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

// A new decision point on the path: drawn, checked against the states seen (Pruned), and at
// the split depth handed to a subtree of its own (Deferred).
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
    if (visited_ && ((base_ && base_->count(state)) || !visited_->insert(state).second)) throw Pruned{};
  }
  if (k == frontier_) throw Deferred{};
}

uint32_t EnumeratingChoices::pick(uint32_t n, sim::Label label) {
  size_t k = path_.size();
  if (k < prefix_.size()) {
    // Re-walking an explored prefix: its states are known, so no pruning here.
    H2SIM_ASSERT(prefix_[k].n == n && prefix_[k].label == label);
    if (graph_ && probe()) path_states_.push_back(key(n, label).low);
    path_.push_back(prefix_[k]);
    return prefix_[k].value;
  }
  if (k >= depth_max_) throw TooDeep{};
  visit(n, label);
  path_.push_back({n, 0, label});
  return 0;
}

std::string state_graph_dot(const StateGraph& g, size_t nodes_max) {
  // Keep the shallowest nodes; collapse the rest into one.
  std::vector<std::pair<uint32_t, uint64_t>> by_depth;
  for (const auto& [key, node] : g.nodes) by_depth.emplace_back(node.depth * 1000000u + node.id, key);
  std::sort(by_depth.begin(), by_depth.end());
  std::map<uint64_t, bool> kept;
  for (size_t i = 0; i < by_depth.size(); ++i) kept[by_depth[i].second] = i < nodes_max;
  size_t collapsed = by_depth.size() > nodes_max ? by_depth.size() - nodes_max : 0;
  std::ostringstream out;
  out << "digraph explore {\n  rankdir=TB; fontname=Helvetica; node [fontname=Helvetica, fontsize=10, shape=circle];\n"
      << "  edge [fontname=Helvetica, fontsize=9];\n  label=\"explored states: a node is a distinct world state at a "
         "decision point (its state digest), an edge a decision with how often it was taken, a box an outcome; red: on "
         "a failing execution";
  if (collapsed) out << "; the " << collapsed << " deepest of " << g.nodes.size() << " states are collapsed into one node";
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
// and everything after it is dropped. False when every path was tried.
bool next_prefix(std::vector<sim::Decision>* path, size_t floor) {
  while (path->size() > floor) {
    sim::Decision& last = path->back();
    if (last.value + 1 < last.n) {
      ++last.value;
      return true;
    }
    path->pop_back();
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
  for (const Verdict& v : check_all(r, scenario, on)) {
    if (!v.holds) {
      broken = v.name;
      break;
    }
  }
  if (graph) record_leaf(choices, outcomes, !broken.empty(), graph);
  if (broken.empty()) return;
  ++report->failing_executions;
  if (report->failed_invariant.empty() || choices.path().size() < report->shortest_failure.size()) {
    report->failed_invariant = std::string(broken);
    report->shortest_failure = choices.path();
  }
}

// What bound, if any, ends a walk before its next path (`paths`: the walk's so far).
std::string bound_reached(uint64_t paths, const ExploreOptions& options) {
  if (paths >= options.executions_max) return "max executions (" + std::to_string(options.executions_max) + ")";
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
  for (uint64_t paths = 0;; ++paths) {
    if (std::string bound = bound_reached(paths, options); !bound.empty()) {
      report->bound = bound;
      return false;
    }
    EnumeratingChoices choices(prefix, options.prune ? visited : nullptr, options.depth_max, w.graph);
    choices.split(w.root, w.frontier, w.base);
    try {
      Result r = run_case(scenario, choices, *options.proxies);
      record_execution(scenario, r, choices, w.graph, options.invariants, report);
    } catch (const EnumeratingChoices::Pruned&) {
      ++report->pruned;
    } catch (const EnumeratingChoices::TooDeep&) {
      ++report->too_deep;
      report->bound = "max depth (" + std::to_string(options.depth_max) + " decisions)";
    } catch (const EnumeratingChoices::Deferred&) {
      w.deferred->push_back(choices.path());
    }
    uint64_t total = report->executions + report->pruned + report->too_deep;
    if (options.progress && total % 1000 == 0) options.progress(total, report->states + visited->size());
    // A path cut at depth_max is not explored past the bound; its siblings before it still are.
    prefix = choices.path();
    if (!next_prefix(&prefix, w.start.size())) return true;
  }
}

// Adds a subtree's report to the search's, as if its walk had run here: counts add up, and the
// first subtree (in order) to reach an outcome or the shortest failure keeps it.
void merge(const ExploreReport& from, ExploreReport* into) {
  into->executions += from.executions;
  into->pruned += from.pruned;
  into->too_deep += from.too_deep;
  into->states += from.states;
  into->failing_executions += from.failing_executions;
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
