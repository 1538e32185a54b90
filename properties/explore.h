// Stateless model checking: every choice sequence of a small scenario, depth first, each path
// re-executed from the start. A path that reaches a state (World::state_digest) already reached
// at a decision point is pruned: that state's continuations were, or are being, explored.
// States are 128-bit XXH3 identities (sim/state_hash.h): a collision, which would drop a state
// without a word, is negligible at any size a search reaches.
#pragma once

#include <cstdint>
#include <cstddef>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "model/run/result.h"
#include "model/scenario/scenario.pb.h"
#include "properties/harness.h"
#include "properties/invariants.h"

namespace h2sim {

class CaseRecorder;  // properties/generators.h

// A state at a decision point: the world's state digest with the decision's size and label.
using StateKey = sim::Hash128;
// Events whose runs next are covered elsewhere (partial-order reduction, explore.cc): sorted by
// tag, each once.
using SleepSet = std::vector<sim::EventInfo>;
// The states a search has reached at decision points, each with the smallest sleep set it was
// explored under (the intersection of all of them; empty without the reduction). Looked up
// only, never iterated.
using VisitedStates = std::map<StateKey, SleepSet>;

// What a search keeps of a decision on its path besides the answer. A decision counts its values
// up (0, 1, ... n-1) unless partial-order reduction chose which to try at a tie: then `rest`
// holds those left, and `done` the candidates already tried, asleep in the later ones' subtrees.
struct StepPlan {
  bool reduced = false;
  std::vector<uint32_t> rest;
  std::vector<sim::EventInfo> candidates;  // reduced ties: the tie's events, by value
  std::vector<sim::EventInfo> done;
};

// The graph of what a search saw: a node is a distinct world state at a decision point (the
// low 64 bits of its StateKey; the graph is for drawing, pruning never reads it), an edge a
// decision taken there, a leaf an execution's outcome.
struct StateGraph {
  struct Node {
    uint32_t id = 0;
    uint32_t depth = 0;     // decisions before it, on the first path that reached it
    uint64_t visits = 0;    // paths that reached it (pruned ones included)
    bool failing = false;   // on a path whose execution broke an invariant
    std::string outcome;    // leaves: the client outcomes, call by call
    // The first path that reached it, one step back: the node before it (0: none, it is where
    // the path starts) and the decision taken there. Following these back gives the decisions
    // that lead to the node, so a report can re-run to it (reports/explore_page.cc).
    uint64_t first_parent = 0;
    sim::Decision first_decision;
  };
  std::map<uint64_t, Node> nodes;                                    // by state digest
  std::map<std::pair<uint64_t, uint64_t>, std::pair<std::string, uint64_t>> edges;  // label, count
};

// DOT of the graph; past `nodes_max` nodes the deepest are collapsed into one, but for the
// shallowest leaf of each outcome, and the legend says so.
std::string state_graph_dot(const StateGraph& graph, size_t nodes_max = 200);

struct ExploreOptions {
  uint64_t executions_max = 200000;
  uint32_t depth_max = 400;  // decisions on one path
  bool prune = true;
  // Partial-order reduction (explore.cc): at a tie, one event that commutes with everything that
  // can run before it is tried alone, and events whose order was already tried sleep.
  bool por = true;
  // States name a host by its own state where it can say (sim/host.h, Host::add_state): runs
  // whose reads fell differently but left a host in one state are searched once. Off: every host
  // is named by its inputs, as the check of this against that (tests/properties/explore_test.cc).
  bool host_states = true;
  const ProxyRegistry* proxies = &builtin_registry();
  std::function<void(uint64_t executions, uint64_t states)> progress;  // every 1,000 paths
  // Asked every 1,000 paths: true ends the search (a wall-clock bound or an interrupt, which
  // belong to the caller: a search itself never reads a clock). `stop_reason` names it.
  std::function<bool()> should_stop;
  std::string stop_reason = "stopped";
  bool record_graph = false;  // fill ExploreReport::graph (for reports)
  InvariantSet invariants = InvariantSet::defaults();  // what a path is judged by
  // Splitting the search tree: at the shallowest depth where at least `subtrees_min` decision
  // prefixes are left (at most subtree_depth_max decisions deep), each prefix's subtree is
  // searched on its own, with the states seen above the split but not those of other subtrees.
  // 1: one subtree, the whole tree, pruning across all of it. The result depends on the split,
  // never on `jobs`: subtrees are independent and merged in order, however they were run.
  uint32_t subtrees_min = 1;
  uint32_t subtree_depth_max = 16;
  // Worker processes running the subtrees (1: in this process; also with record_graph). A bound
  // (executions_max) applies to the split and to each subtree, however many workers there are.
  uint32_t jobs = 1;
  // Decisions with these labels (sim::label_bit) always take 0, the plainest answer, and are never
  // varied: a search of a subspace. Latency and split fixed: the runs loopback sees, every hop at
  // the shortest latency and every write whole (properties/live_compare.cc).
  uint32_t fixed_labels = 0;
  // Told every path's scenario and decisions as they are taken (not owned; may be null): a search
  // through a proxy that may crash runs in a child process that keeps them (properties/isolation.h).
  CaseRecorder* recorder = nullptr;
};

struct ExploreReport {
  uint64_t executions = 0;   // paths run to their end
  uint64_t pruned = 0;       // paths cut at a known state
  uint64_t asleep = 0;       // paths cut by partial-order reduction: a reordering of one already tried
  uint64_t reexplored = 0;   // known states explored again under a smaller sleep set
  uint64_t too_deep = 0;     // paths cut at depth_max
  uint64_t states = 0;       // distinct states seen at decision points (in each subtree of a split)
  bool complete = false;
  std::string bound;         // what cut the search short, if it was
  // Per call, each client outcome reachable ("PERMISSION_DENIED: ..."), with the decisions of
  // the first execution that reached it.
  std::vector<std::map<std::string, std::vector<sim::Decision>>> outcomes;
  // Every distinct end an execution reached: its calls' client outcomes and the invariants it
  // broke ("call 0: OK | call 1: CANCELLED: ... | broke: status preserved"). What a reduction
  // of the search must keep (tests/properties/explore_test.cc).
  std::set<std::string> ends;
  // The failing execution with the fewest decisions, if any: its invariant and decisions.
  std::string failed_invariant;
  std::vector<sim::Decision> shortest_failure;
  uint64_t failing_executions = 0;
  StateGraph graph;
  uint64_t subtrees = 0;     // how many the search was split into
  std::string error;         // a worker that failed (--jobs): the search is incomplete
  // A worker that died on a path, its proxy having crashed or hung ("crashed with signal 11"),
  // and the decisions of that path as far as it got: a finding.
  std::string died;
  std::vector<sim::Decision> died_path;
};

ExploreReport explore(const Scenario& scenario, const ExploreOptions& options);

// The search above the split (ExploreOptions::subtrees_min): what it found itself, the states it
// reached, and the prefixes of the subtrees left to search, in depth-first order.
struct ExploreSplit {
  ExploreReport report;
  VisitedStates visited;
  std::vector<std::vector<sim::Decision>> subtrees;
};
ExploreSplit split_search(const Scenario& scenario, const ExploreOptions& options);
// Searches one subtree of a split (its own states; the split's count as seen). `graph`: where
// to draw it, if anywhere.
ExploreReport explore_subtree(const Scenario& scenario, const ExploreOptions& options, const ExploreSplit& split,
                              size_t index, StateGraph* graph = nullptr);
// Adds a subtree's report to the search's: counts add up; outcomes and the shortest failure
// stay with the first subtree, in order, that found them.
void merge_subtree(const ExploreReport& subtree, ExploreReport* into);
// The subtrees of a split in options.jobs worker processes (properties/explore_jobs.cc), merged
// in order: the same report as searching them here, whatever the number of workers.
ExploreReport explore_in_workers(const Scenario& scenario, const ExploreOptions& options, ExploreSplit& split);

// A call's client outcome as ExploreReport::outcomes names it: "PERMISSION_DENIED: ..." or
// "no status".
std::string outcome_text(const grpc::CallOutcome& c);

// Answers from a path prefix, then 0 for every new decision, recording the path; with a visited
// set, stops (throws Pruned) at a new decision point whose state was seen before.
class EnumeratingChoices final : public sim::ChoiceSource {
 public:
  struct Pruned {};
  struct TooDeep {};
  struct Deferred {};  // a fresh decision point at the split depth: its subtree is searched later
  struct Asleep {};  // the next event is asleep: this path reorders one already tried
  // `plans`: the prefix's StepPlans (missing ones count up); `por`: reduce at ties.
  EnumeratingChoices(std::vector<sim::Decision> prefix, VisitedStates* visited, uint32_t depth_max,
                     StateGraph* graph = nullptr, std::vector<StepPlan> plans = {}, bool por = false)
      : prefix_(std::move(prefix)),
        prefix_plans_(std::move(plans)),
        visited_(visited),
        depth_max_(depth_max),
        graph_(graph),
        por_(por) {}
  // Splitting (explore.cc): the decision point after `root` decisions is a subtree's root, never
  // pruned (the split reached it first); the one after `frontier` decisions, if fresh, ends
  // the path with Deferred. `base`: states known from the split, checked but not added to.
  void split(size_t root, size_t frontier, const VisitedStates* base) {
    root_ = root;
    frontier_ = frontier;
    base_ = base;
  }
  // Decisions with these labels (sim::label_bit) take 0 and are never varied.
  void fix(uint32_t labels) { fixed_ = labels; }
  // Name every host by its inputs (ExploreOptions::host_states off).
  void name_hosts_by_inputs() { host_states_ = false; }
  // Tells `recorder` every decision as it is taken.
  void record_to(CaseRecorder* recorder) { recorder_ = recorder; }
  // The whole path taken: the prefix, then the new decisions.
  const std::vector<sim::Decision>& path() const { return path_; }
  std::vector<sim::Decision> take_path() { return std::move(path_); }
  // The plan of each decision on the path.
  std::vector<StepPlan> take_plans() { return std::move(plans_); }
  // Known states explored again because they were reached under a smaller sleep set.
  uint64_t reexplored() const { return reexplored_; }
  // The graph's node of each decision point on the path (with a graph).
  const std::vector<uint64_t>& path_states() const { return path_states_; }

 protected:
  uint32_t pick(uint32_t n, sim::Label label) override;
  bool watches_events() const override { return por_; }
  bool names_hosts_by_state() const override { return host_states_; }
  void on_event(const sim::EventInfo& e) override;

 private:
  std::vector<sim::Decision> prefix_;
  std::vector<StepPlan> prefix_plans_;
  std::vector<sim::Decision> path_;
  std::vector<StepPlan> plans_;
  VisitedStates* visited_;  // null: no pruning
  uint32_t depth_max_;
  StateGraph* graph_;
  std::vector<uint64_t> path_states_;
  size_t root_ = SIZE_MAX;
  size_t frontier_ = SIZE_MAX;
  const VisitedStates* base_ = nullptr;
  bool por_;
  uint32_t fixed_ = 0;
  bool host_states_ = true;
  CaseRecorder* recorder_ = nullptr;
  SleepSet sleep_;
  std::vector<sim::EventInfo> candidates_;  // reused at ties
  uint64_t reexplored_ = 0;
  void record(uint64_t state);
  uint32_t plan_tie(uint32_t n, StepPlan* plan);
  void visit(uint32_t n, sim::Label label);
  StateKey key(uint32_t n, sim::Label label) const;
};

}  // namespace h2sim
