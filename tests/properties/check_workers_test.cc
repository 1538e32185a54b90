// check --jobs when a worker stops in the middle: while it shrinks a failure (it crashes, or it
// hangs until the case timeout) the finding is the failing case, counted once, and its replay
// file replays; before its case's scenario exists there is nothing to replay; a worker stopped
// between two cases (SIGSTOP) cannot keep the pool waiting.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "live/net/clock.h"
#include "live/net/workers.h"
#include "model/run/run.h"
#include "model/scenario/scenario_io.h"
#include "properties/check.h"
#include "properties/harness.h"

namespace h2sim {
namespace {

namespace fs = std::filesystem;

std::string scratch(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("h2sim-check-workers-" + std::to_string(getpid()) + "-" + name);
  fs::remove_all(p);
  return p.string();
}

// The test's own process: a proxy below misbehaves only in the workers it forks.
pid_t test_process = 0;

enum class Misbehaviour { hang, crash };

// Passthrough, except that the second proxy a worker makes (the first run of shrinking, since the
// invariant below fails every case) hangs or crashes.
ProxyRegistry misbehaving_registry(Misbehaviour m) {
  ProxyRegistry proxies;
  std::string error;
  const ProxyFactory passthrough = builtin_registry().find("passthrough")->factory;
  EXPECT_TRUE(proxies.add({.name = "misbehaving",
                           .version = "1",
                           .origin = "a test",
                           .factory =
                               [m, passthrough](const ProxyConfig& c) {
                                 static int made = 0;
                                 if (getpid() != test_process && ++made == 2) {
                                   if (m == Misbehaviour::crash) std::abort();
                                   for (;;) pause();
                                 }
                                 return passthrough(c);
                               }},
                          &error))
      << error;
  return proxies;
}

Verdict never_holds(const Result&) { return {"never holds", "a test's invariant that fails every case", false, "", {}}; }

CheckResult campaign(const ProxyRegistry& proxies, const std::string& out) {
  test_process = getpid();
  CheckOptions o;
  o.gen.proxies = &proxies;
  o.gen.presets = {"misbehaving"};
  o.gen.extra_invariants = {never_holds};
  o.cases = 2;
  o.jobs = 2;
  o.case_timeout_s = 1;
  o.stop_at_first_failure = false;
  o.out_dir = out;
  return run_check(o);
}

// Each worker's one case failed and its shrinking stopped: a finding of that kind per case, whose
// replay file holds the shrink candidate the worker died on, as far as it got, and replays (the
// misbehaviour is the workers' only).
void expect_findings_of_the_failing_cases(const CheckResult& r, const ProxyRegistry& proxies, const std::string& kind) {
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.stats.cases, 2u) << "each case counted once";
  ASSERT_EQ(r.findings.size(), 2u);
  for (const CheckFinding& f : r.findings) {
    EXPECT_EQ(f.kind, kind) << f.invariant;
    Replay replay;
    std::string error;
    ASSERT_TRUE(load_replay(f.replay_path, catalogue_of(proxies), &replay, &error)) << error;
    EXPECT_TRUE(replay.decisions_cut());
    EXPECT_EQ(replay.scenario().proxy().preset(), "misbehaving");
    ReplayChoices choices(replay);
    Result result = run_case(replay.scenario(), choices, proxies);
    EXPECT_TRUE(choices.exhausted());
    EXPECT_FALSE(result.digest.empty());
  }
}

TEST(CheckWorkers, AWorkerHungWhileShrinkingIsAHangFindingAfterTheCaseTimeout) {
  ProxyRegistry proxies = misbehaving_registry(Misbehaviour::hang);
  std::string out = scratch("hang");
  live::Stopwatch clock;
  CheckResult r = campaign(proxies, out);
  EXPECT_GE(clock.seconds(), 1.0);
  EXPECT_LT(clock.seconds(), 30.0);
  expect_findings_of_the_failing_cases(r, proxies, "hang");
  for (const CheckFinding& f : r.findings) EXPECT_EQ(f.invariant, "hang: no answer within 1 s");
  fs::remove_all(out);
}

TEST(CheckWorkers, AWorkerCrashingWhileShrinkingIsACrashFindingCountedOnce) {
  ProxyRegistry proxies = misbehaving_registry(Misbehaviour::crash);
  std::string out = scratch("crash");
  CheckResult r = campaign(proxies, out);
  expect_findings_of_the_failing_cases(r, proxies, "crash");
  for (const CheckFinding& f : r.findings) EXPECT_EQ(f.invariant, "crashed with signal 6");
  fs::remove_all(out);
}

// A worker stopped after taking up a case but before making its scenario (here: it hangs in the
// generator's shaping): a hang finding of that case with nothing to replay, not a replay file of
// an empty scenario, which replay would refuse.
TEST(CheckWorkers, AWorkerStoppedBeforeItsScenarioIsAFindingWithoutAReplayFile) {
  test_process = getpid();
  CheckOptions o;
  o.gen.presets = {"passthrough"};
  o.gen.shape = [](Scenario&) {
    if (getpid() != test_process) {
      for (;;) pause();
    }
  };
  o.cases = 2;
  o.jobs = 2;
  o.case_timeout_s = 1;
  o.stop_at_first_failure = false;
  o.out_dir = scratch("no-scenario");
  CheckResult r = run_check(o);
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.stats.cases, 2u);
  ASSERT_EQ(r.findings.size(), 2u);
  for (const CheckFinding& f : r.findings) {
    EXPECT_EQ(f.kind, "hang");
    EXPECT_TRUE(f.replay_path.empty());
    EXPECT_TRUE(f.write_error.empty()) << f.write_error;
  }
  for (const auto& entry : fs::directory_iterator(o.out_dir)) {
    EXPECT_FALSE(entry.path().string().ends_with(".replay.textproto")) << entry.path();
  }
  fs::remove_all(o.out_dir);
}

// A worker that stops itself between its first and second item: the pool kills it after the
// timeout (a hang on no item) and a new worker does the rest.
TEST(CheckWorkers, AWorkerStoppedBetweenItemsIsReplacedAfterTheTimeout) {
  live::WorkerPool pool;
  std::string error;
  pid_t parent = getpid();
  auto body = [parent](std::span<const uint64_t> items, live::WorkerSlot& slot, live::WorkerChannel&) {
    for (uint64_t i : items) {
      slot.begin(static_cast<int64_t>(i));
      slot.end();
      if (i == 0 && getppid() == parent) raise(SIGSTOP);
    }
  };
  ASSERT_TRUE(pool.start({{0, 1, 2}}, body, &error)) << error;
  std::vector<live::WorkerEvent> events;
  live::Stopwatch clock;
  while (pool.running() && clock.seconds() < 30) ASSERT_TRUE(pool.poll(50, 1.0, true, &events, &error)) << error;
  ASSERT_FALSE(pool.running()) << "the stopped worker kept the pool waiting";
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, live::WorkerEvent::Kind::hung);
  EXPECT_EQ(events[0].item, -1) << "stopped between items: no case to blame";
  EXPECT_EQ(pool.finished(), 3u) << "items 1 and 2 done by its replacement";
}

}  // namespace
}  // namespace h2sim
