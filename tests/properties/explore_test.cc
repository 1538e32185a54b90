// h2sim explore (issue 5): the reachable client outcomes of the founding case and its variants,
// pruning that never changes them, and bounds that say so.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include <unistd.h>

#include "properties/explore.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

using testing::scenario_from_file;
using testing::scenario_from_text;

std::set<std::string> codes(const ExploreReport& r, size_t call) {
  std::set<std::string> out;
  for (const auto& [outcome, decisions] : r.outcomes[call]) out.insert(outcome.substr(0, outcome.find(':')));
  return out;
}

ExploreReport explore_file(const std::string& name, bool prune = true) {
  ExploreOptions o;
  o.prune = prune;
  return explore(scenario_from_file(name), o);
}

TEST(Explore, FoundingCaseReachesExactlyCancelledAndTheServersStatus) {
  ExploreReport r = explore_file("founding-case.textproto");
  EXPECT_TRUE(r.complete) << r.bound;
  EXPECT_EQ(codes(r, 0), (std::set<std::string>{"CANCELLED", "PERMISSION_DENIED"}));
  EXPECT_EQ(r.failed_invariant, "status preserved");
  EXPECT_GT(r.pruned, 0u);
}

TEST(Explore, FixedProxiesAndGrpcJavaReachOnlyTheServersStatus) {
  for (const char* name : {"founding-case-haproxy-3.2.textproto", "founding-case-passthrough.textproto",
                           "founding-case-no-proxy.textproto", "founding-case-grpc-java.textproto",
                           "founding-case-grpc-core-sync.textproto"}) {
    ExploreReport r = explore_file(name);
    EXPECT_TRUE(r.complete) << name;
    EXPECT_EQ(codes(r, 0), (std::set<std::string>{"PERMISSION_DENIED"})) << name;
    EXPECT_TRUE(r.failed_invariant.empty()) << name;
  }
}

TEST(Explore, UnaryCallsThroughHaproxy26OnlyEverSeeTheServersStatus) {
  ExploreReport r = explore_file("explore-unary-abort.textproto");
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(codes(r, 0), (std::set<std::string>{"PERMISSION_DENIED"}));
  EXPECT_EQ(codes(r, 1), (std::set<std::string>{"FAILED_PRECONDITION"}));
}

TEST(Explore, EveryReachableOutcomeReplaysFromItsDecisions) {
  Scenario s = scenario_from_file("founding-case.textproto");
  ExploreReport r = explore(s, {});
  for (const auto& [outcome, decisions] : r.outcomes[0]) {
    sim::RecordedChoices choices(decisions);
    Result result = run_case(s, choices);
    ASSERT_TRUE(result.calls[0].client_saw);
    EXPECT_EQ(grpc::status_text(*result.calls[0].client_saw), outcome);
  }
}

// Small scenarios whose full search, without pruning, ends within the test's budget.
const char* const kSmall[] = {
    R"pb(proxy { preset: "haproxy-2.6" } network { segments_max: 1 }
         calls { kind: BIDI_STREAMING client { messages: 1 half_close: AFTER_RESPONSE }
                 server { action: ABORT_AT_ONCE status { code: 7 } } })pb",
    R"pb(proxy { preset: "haproxy-3.2" } network { segments_max: 1 }
         calls { kind: BIDI_STREAMING client { messages: 1 half_close: AFTER_RESPONSE }
                 server { action: ABORT_AT_ONCE status { code: 7 } } })pb",
    R"pb(network { segments_max: 2 }
         calls { kind: BIDI_STREAMING client { messages: 1 half_close: NEVER }
                 server { action: ABORT_AT_ONCE status { code: 7 } } })pb",
    R"pb(proxy { preset: "nghttpx" } network { segments_max: 1 }
         calls { kind: UNARY client { messages: 1 }
                 server { action: RESPOND messages: 1 status { code: 5 } } })pb",
    R"pb(proxy { preset: "envoy-2024" } network { segments_max: 1 }
         calls { kind: CLIENT_STREAMING client { messages: 1 half_close: AFTER_RESPONSE }
                 server { action: RESET read_messages: 1 reset_code: 8 } })pb",
    R"pb(proxy { preset: "haproxy-2.6" } network { segments_max: 2 }
         calls { kind: UNARY client { messages: 1 }
                 server { action: ABORT_AT_ONCE status { code: 9 } } })pb",
    // A host's own choices (grpcio's writes, Net::choose) count among its inputs. Uncut writes:
    // with cuts in two and grpcio's three END_STREAM answers the unpruned search passes 200,000.
    R"pb(proxy { preset: "haproxy-2.6" } network { segments_max: 1 } client: "grpcio" server: "grpcio"
         calls { kind: BIDI_STREAMING client { messages: 1 }
                 server { action: ABORT_AT_ONCE headers_before_status: true status { code: 13 } } })pb",
};

TEST(Explore, PruningNeverChangesTheReachableOutcomes) {
  for (const char* text : kSmall) {
    Scenario s = scenario_from_text(text);
    ExploreOptions pruned, full;
    full.prune = false;
    // Pruning alone: with partial-order reduction these small searches have nothing left to prune.
    pruned.por = full.por = false;
    ExploreReport a = explore(s, pruned), b = explore(s, full);
    ASSERT_TRUE(a.complete && b.complete) << text << "\n" << a.bound << b.bound;
    for (int call = 0; call < s.calls_size(); ++call) {
      std::set<std::string> with, without;
      for (const auto& [o, d] : a.outcomes[call]) with.insert(o);
      for (const auto& [o, d] : b.outcomes[call]) without.insert(o);
      EXPECT_EQ(with, without) << text;
    }
    EXPECT_EQ(a.failed_invariant.empty(), b.failed_invariant.empty()) << text;
    EXPECT_LT(a.executions, b.executions) << text;
  }
}

// The searches a reduction of explore is checked on: the founding case with cuts (and with
// latency choices), two calls, three calls, `more` files, and the small scenarios above.
std::vector<std::pair<std::string, Scenario>> reduction_cases(std::vector<const char*> more = {}) {
  std::vector<std::pair<std::string, Scenario>> cases;
  for (const char* file : {"founding-case.textproto", "explore-unary-abort.textproto", "explore-three-calls.textproto"}) {
    cases.emplace_back(file, scenario_from_file(file));
  }
  for (const char* file : more) cases.emplace_back(file, scenario_from_file(file));
  // Latency choices reorder arrivals across directions; writes uncut keep the search small.
  Scenario latencies = scenario_from_file("founding-case.textproto");
  latencies.mutable_network()->set_latency_ns_max(200000);
  latencies.mutable_network()->set_latency_steps(2);
  latencies.mutable_network()->set_segments_max(1);
  cases.emplace_back("founding-case, 2 latency steps", latencies);
  for (const char* text : kSmall) cases.emplace_back(text, scenario_from_text(text));
  return cases;
}

// Two complete searches of `s` reach the same ends: the same combinations of outcomes with
// broken invariants, and the same outcomes call by call.
void expect_same_ends(const std::string& name, const Scenario& s, const ExploreReport& a, const ExploreReport& b) {
  ASSERT_TRUE(a.complete && b.complete) << name << "\n" << a.bound << b.bound;
  ASSERT_FALSE(b.ends.empty()) << name;
  EXPECT_EQ(a.ends, b.ends) << name;
  for (int call = 0; call < s.calls_size(); ++call) {
    std::set<std::string> with, without;
    for (const auto& [o, d] : a.outcomes[call]) with.insert(o);
    for (const auto& [o, d] : b.outcomes[call]) without.insert(o);
    EXPECT_EQ(with, without) << name;
  }
  EXPECT_EQ(a.failed_invariant.empty(), b.failed_invariant.empty()) << name;
  EXPECT_LE(a.states, b.states) << name;
}

// Partial-order reduction (properties/explore.cc) keeps every end of the search while trying
// fewer paths.
TEST(Explore, PartialOrderReductionNeverChangesTheReachableEnds) {
  uint64_t paths_with = 0, paths_without = 0;
  for (const auto& [name, s] : reduction_cases()) {
    ExploreOptions por, full;
    full.por = false;
    ExploreReport a = explore(s, por), b = explore(s, full);
    expect_same_ends(name, s, a, b);
    EXPECT_EQ(b.asleep, 0u) << name;
    paths_with += a.executions + a.pruned + a.asleep;
    paths_without += b.executions + b.pruned;
  }
  EXPECT_LT(paths_with, paths_without);
}

// Naming the client, the server and the relay by their own state (sim/host.h, Host::add_state)
// merges runs whose reads fell differently but left the hosts in one state. It keeps every end
// of naming every host by its inputs.
TEST(Explore, HostStatesNeverChangeTheReachableEnds) {
  uint64_t paths_with = 0, paths_without = 0;
  for (const auto& [name, s] :
       reduction_cases({"explore-cancel-meets-status.textproto", "server-headers-then-status-then-late-reset.textproto"})) {
    ExploreOptions by_state, by_inputs;
    by_inputs.host_states = false;
    ExploreReport a = explore(s, by_state), b = explore(s, by_inputs);
    expect_same_ends(name, s, a, b);
    paths_with += a.executions + a.pruned + a.asleep;
    paths_without += b.executions + b.pruned + b.asleep;
  }
  EXPECT_LT(paths_with, paths_without);
}

// The merge is large where reads decide little: in explore-unary-abort the first call's server
// answers on the request's headers, so how the rest of that request falls into the relay's and
// the server's reads leaves them in one state.
TEST(Explore, HostStatesMergeRunsWhoseReadsFellDifferently) {
  Scenario s = scenario_from_file("explore-unary-abort.textproto");
  ExploreOptions by_state, by_inputs;
  by_inputs.host_states = false;
  ExploreReport a = explore(s, by_state), b = explore(s, by_inputs);
  ASSERT_TRUE(a.complete && b.complete);
  EXPECT_LT(a.executions * 2, b.executions) << a.executions << " against " << b.executions;
}

// The test above passes even with a reduction that takes every two events as commuting: in its
// scenarios the order of one host's ties never decides an outcome. Here it does: the client's
// cancel timer and the server's status are due at the client at one instant, and the order it
// runs them in decides the status. Both statuses are reachable, with the reduction and without.
TEST(Explore, PartialOrderReductionKeepsTheEndsATiesOrderDecides) {
  Scenario s = scenario_from_file("explore-cancel-meets-status.textproto");
  ExploreOptions por, full;
  full.por = false;
  ExploreReport a = explore(s, por), b = explore(s, full);
  ASSERT_TRUE(a.complete && b.complete) << a.bound << b.bound;
  EXPECT_EQ(codes(b, 0), (std::set<std::string>{"CANCELLED", "NOT_FOUND"}));
  EXPECT_EQ(codes(a, 0), codes(b, 0));
  EXPECT_EQ(a.ends, b.ends);
}

// The same with the search split into subtrees (explore --jobs): the sleep sets above a subtree's
// root are forgotten there, which may cost paths but never an end.
TEST(Explore, PartialOrderReductionInASplitSearchKeepsTheEnds) {
  Scenario s = scenario_from_file("explore-three-calls.textproto");
  ExploreOptions split, full;
  split.subtrees_min = 16;
  full.por = false;
  ExploreReport a = explore(s, split), b = explore(s, full);
  ASSERT_TRUE(a.complete && b.complete) << a.bound << b.bound;
  EXPECT_GT(a.subtrees, 1u);
  EXPECT_EQ(a.ends, b.ends);
}

TEST(Explore, ABoundCutsTheSearchShortAndSaysSo) {
  ExploreOptions o;
  o.executions_max = 50;
  ExploreReport r = explore(scenario_from_file("founding-case-haproxy-3.2.textproto"), o);
  EXPECT_FALSE(r.complete);
  EXPECT_NE(r.bound.find("max executions"), std::string::npos);
  o.executions_max = 100000;
  o.depth_max = 5;
  r = explore(scenario_from_file("founding-case-haproxy-3.2.textproto"), o);
  EXPECT_FALSE(r.complete);
  EXPECT_NE(r.bound.find("max depth"), std::string::npos);
}

TEST(ExploreCommand, ExitsThreeWhenCutShortAndOneOnAFailure) {
  // A folder of this process's own: explore refuses a folder another run left without its manifest.
  std::string out = ::testing::TempDir() + "/h2sim-explore-test-" + std::to_string(getpid());
  auto run = [&](const std::string& args) {
    std::string command = std::string(H2SIM_BINARY) + " explore " + args + " --out " + out + " >/dev/null 2>&1";
    int status = std::system(command.c_str());
    return WEXITSTATUS(status);
  };
  std::string dir = std::string(H2SIM_SOURCE_DIR) + "/scenarios/";
  EXPECT_EQ(run(dir + "founding-case-haproxy-3.2.textproto --max-executions 20"), 3);
  EXPECT_EQ(run(dir + "founding-case-haproxy-3.2.textproto"), 0);
  EXPECT_EQ(run(dir + "founding-case.textproto"), 1);
  std::filesystem::remove_all(out);
}

}  // namespace
}  // namespace h2sim

namespace h2sim {
namespace {

TEST(ExploreGraph, DrawsOutcomeLeavesWithTheFailingOneRedAndCollapsesLargeGraphs) {
  ExploreOptions o;
  o.record_graph = true;
  ExploreReport r = explore(testing::scenario_from_file("founding-case.textproto"), o);
  std::string dot = state_graph_dot(r.graph);
  EXPECT_NE(dot.find("label=\"CANCELLED\\n"), std::string::npos) << dot.substr(0, 2000);
  size_t cancelled = dot.find("label=\"CANCELLED\\n");
  EXPECT_NE(dot.substr(cancelled, 60).find("color=red"), std::string::npos);
  size_t kept = dot.find("label=\"PERMISSION_DENIED\\n");
  ASSERT_NE(kept, std::string::npos);
  EXPECT_EQ(dot.substr(kept, 60).find("color=red"), std::string::npos);
  EXPECT_GT(r.graph.nodes.size(), 200u);
  EXPECT_NE(dot.find("collapsed into one node"), std::string::npos);
  EXPECT_EQ(state_graph_dot(r.graph, 100000).find("collapsed"), std::string::npos);
  if (std::system("command -v dot >/dev/null 2>&1") == 0) {
    std::string path = ::testing::TempDir() + "/h2sim-explore-graph-" + std::to_string(getpid()) + ".dot";
    std::ofstream(path) << dot;
    EXPECT_EQ(std::system(("dot -Tsvg " + path + " -o /dev/null").c_str()), 0);
    std::remove(path.c_str());
  }
}

}  // namespace
}  // namespace h2sim

namespace h2sim {
namespace {

// A split search (issue 17): subtrees searched apart, in this process or in workers. The report
// depends on the split, never on the number of workers, and reaches the outcomes the whole
// search reaches.
void expect_same_report(const ExploreReport& a, const ExploreReport& b, const std::string& name) {
  EXPECT_EQ(a.executions, b.executions) << name;
  EXPECT_EQ(a.pruned, b.pruned) << name;
  EXPECT_EQ(a.too_deep, b.too_deep) << name;
  EXPECT_EQ(a.states, b.states) << name;
  EXPECT_EQ(a.subtrees, b.subtrees) << name;
  EXPECT_EQ(a.complete, b.complete) << name;
  EXPECT_EQ(a.failing_executions, b.failing_executions) << name;
  EXPECT_EQ(a.failed_invariant, b.failed_invariant) << name;
  EXPECT_EQ(a.shortest_failure, b.shortest_failure) << name;
  EXPECT_EQ(a.outcomes, b.outcomes) << name;
}

std::set<std::string> outcome_set(const ExploreReport& r) {
  std::set<std::string> out;
  for (size_t call = 0; call < r.outcomes.size(); ++call) {
    for (const auto& [outcome, decisions] : r.outcomes[call]) out.insert(std::to_string(call) + " " + outcome);
  }
  return out;
}

TEST(ExploreJobs, OneWorkerOrTwoGiveTheSameReportAndTheWholeSearchsOutcomes) {
  for (const char* name : {"founding-case.textproto", "explore-unary-abort.textproto", "explore-three-calls.textproto"}) {
    Scenario s = scenario_from_file(name);
    ExploreOptions whole, one, two;
    one.subtrees_min = two.subtrees_min = 16;
    two.jobs = 2;
    ExploreReport w = explore(s, whole), a = explore(s, one), b = explore(s, two);
    ASSERT_TRUE(w.complete && a.complete && b.complete) << name << " " << a.bound << b.bound << b.error;
    EXPECT_GE(a.subtrees, 16u) << name;
    EXPECT_EQ(w.subtrees, 1u) << name;
    expect_same_report(a, b, name);
    EXPECT_EQ(outcome_set(a), outcome_set(w)) << name;
    EXPECT_EQ(a.failed_invariant, w.failed_invariant) << name;
    EXPECT_GE(a.executions, w.executions) << name;  // subtrees do not prune each other's states
  }
}

TEST(ExploreJobs, ASplitOfOneIsTheWholeSearch) {
  Scenario s = scenario_from_file("founding-case.textproto");
  ExploreOptions whole, split;
  split.jobs = 2;  // one subtree: nothing to share, so no workers
  expect_same_report(explore(s, whole), explore(s, split), "founding-case.textproto");
}

TEST(ExploreJobs, AStopInTheWorkersEndsTheSearchIncompleteWithWhatTheyFound) {
  Scenario s = scenario_from_file("explore-unary-abort.textproto");
  ExploreOptions o;
  o.subtrees_min = 16;
  o.jobs = 2;
  o.por = false;  // with it, or with hosts named by their state, no subtree reaches 1,000 paths
  o.host_states = false;
  o.should_stop = [] { return true; };  // the first check, after 1,000 paths of a subtree
  o.stop_reason = "told to stop";
  ExploreReport r = explore(s, o);
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.bound, "told to stop");
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_GT(r.executions, 0u);
}

// A subtree may run for minutes: its worker sends its counts as it goes (at most twice a second),
// so the parent shows progress before any subtree is done. Split in three, this search's subtrees
// run for seconds each; in the three seconds it is given the parent hears of them more often than
// there are subtrees, which the subtrees' final reports alone (one each) cannot make it do.
TEST(ExploreJobs, ProgressMovesWhileTheSubtreesRun) {
  Scenario s = scenario_from_file("explore-cancel-meets-status-latencies.textproto");
  ExploreOptions o;
  o.subtrees_min = 2;
  o.jobs = 2;
  auto start = std::chrono::steady_clock::now();
  o.should_stop = [start] { return std::chrono::steady_clock::now() - start > std::chrono::seconds(3); };
  o.stop_reason = "three seconds";
  size_t shown = 0;
  o.progress = [&shown](uint64_t, uint64_t) { ++shown; };
  // The search above the split (in this process) shows its own progress: counted apart.
  ExploreSplit split = split_search(s, o);
  size_t shown_by_the_split = shown;
  shown = 0;
  ExploreReport r = explore(s, o);
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_GT(shown - shown_by_the_split, split.subtrees.size()) << "progress came only with finished subtrees";
}

}  // namespace
}  // namespace h2sim
