// Issue 13, invariants as data and findings that do not mislead: the table is what the commands
// judge, the new "messages before status" invariant catches responses lost before an intact
// error status, replay files carry the invariants judged, and a case that fails through the
// reference relay too is a scenario problem, never a finding.
#include <gtest/gtest.h>

#include <filesystem>

#include "model/run/run.h"
#include "model/scenario/scenario_io.h"
#include "properties/check.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

grpc::CallOutcome error_call(std::vector<uint32_t> sent, std::vector<uint32_t> received) {
  grpc::CallOutcome c;
  c.server_sent = grpc::Status{grpc::Code::permission_denied, "no"};
  c.client_saw = c.server_sent;
  c.responses_sent = std::move(sent);
  c.responses_received = std::move(received);
  return c;
}

TEST(MessagesBeforeStatus, ResponsesLostBeforeAnIntactErrorStatusBreakIt) {
  Result r;
  r.calls = {error_call({0, 1, 2}, {0})};
  Verdict v = messages_before_status(r);
  EXPECT_FALSE(v.holds);
  EXPECT_NE(v.detail.find("1 of the 3 responses"), std::string::npos) << v.detail;
  EXPECT_TRUE(messages_intact(r).holds);  // what the old invariants let through
  EXPECT_TRUE(status_preserved(r).holds);
}

TEST(MessagesBeforeStatus, HoldsWhenEveryResponseArrivedOrTheStatusDidNot) {
  Result r;
  r.calls = {error_call({0, 1}, {0, 1})};
  EXPECT_TRUE(messages_before_status(r).holds);
  r.calls = {error_call({0, 1}, {0})};
  r.calls[0].client_saw = grpc::Status{grpc::Code::unavailable, "lost"};  // status preserved's business
  EXPECT_TRUE(messages_before_status(r).holds);
  r.calls = {error_call({0, 1}, {0})};
  r.calls[0].client_cancelled = true;  // the client ended it: its status is its own
  EXPECT_TRUE(messages_before_status(r).holds);
}

TEST(InvariantTable, StatementsAreTheVerdictsOwnAndDefaultsAreOn) {
  Scenario s = testing::scenario_from_file("founding-case.textproto");
  sim::PlainChoices plain;
  Result r = run_case(s, plain);
  InvariantSet all;
  for (const Invariant& i : invariant_table()) all.set(i.name, true);
  std::vector<Verdict> verdicts = check_all(r, s, all);
  for (const Verdict& v : verdicts) {
    const Invariant* i = find_invariant(v.name);
    ASSERT_NE(i, nullptr) << v.name;
    EXPECT_EQ(i->statement, v.statement) << v.name;
  }
  EXPECT_EQ(verdicts.size(), 8u);  // every always invariant but answered per RFC (no hostile client)
  InvariantSet on = InvariantSet::defaults();
  EXPECT_TRUE(on.on("messages before status"));
  EXPECT_FALSE(on.on("served"));
  EXPECT_FALSE(on.on("reset mapped"));
  EXPECT_TRUE(on.on("proxy behaviour"));
  EXPECT_EQ(check_all(r, s).size(), 6u);
}

TEST(InvariantTable, FlagsSwitchInvariantsAndRefuseUnknownNames) {
  InvariantSet on;
  std::string error;
  ASSERT_TRUE(InvariantSet::from_flags({"reset_mapped", "served"}, {"no-leaks"}, &on, &error)) << error;
  EXPECT_TRUE(on.on("reset mapped"));
  EXPECT_TRUE(on.on("served"));
  EXPECT_FALSE(on.on("no leaks"));
  EXPECT_EQ(on.differences(), (std::vector<std::string>{"--no-invariant 'no leaks'", "--invariant 'reset mapped'",
                                                        "--invariant 'served'"}));
  EXPECT_FALSE(InvariantSet::from_flags({"statuses preserved"}, {}, &on, &error));
  EXPECT_NE(error.find("unknown invariant 'statuses preserved'"), std::string::npos) << error;
  EXPECT_NE(error.find("status preserved, no hang"), std::string::npos) << error;
}

TEST(InvariantTable, AReplayJudgesTheInvariantsItRecords) {
  CaseRun run;
  run.scenario = testing::scenario_from_file("founding-case.textproto");
  sim::PlainChoices plain;
  run.result = run_case(run.scenario, plain);
  InvariantSet on = InvariantSet::defaults();
  on.set("served", true);
  on.set("no leaks", false);
  Replay replay = make_replay(run, "", "test", builtin_registry(), on);
  Replay parsed;
  std::string error;
  ASSERT_TRUE(parse_replay(format_replay(replay), "x", catalogue_of(builtin_registry()), &parsed, &error)) << error;
  InvariantSet read;
  ASSERT_TRUE(invariants_of(parsed, &read, &error)) << error;
  EXPECT_EQ(read, on);
  parsed.clear_invariants_on();  // a file older than the record: today's defaults
  ASSERT_TRUE(invariants_of(parsed, &read, &error));
  EXPECT_EQ(read, InvariantSet::defaults());
  parsed.mutable_invariants_on()->add_names("from the future");
  EXPECT_FALSE(invariants_of(parsed, &read, &error));
  EXPECT_NE(error.find("'from the future'"), std::string::npos) << error;
}

// The planted scenario problem: a server told to read until the client half-closes, a client
// that half-closes only after the response. No proxy can finish it.
void deadlock(Scenario& s) {
  for (Call& c : *s.mutable_calls()) {
    c.mutable_server()->set_action(RESPOND);
    c.mutable_server()->set_read_messages(0);
    c.mutable_client()->set_half_close(AFTER_RESPONSE);
  }
}

TEST(Reference, AnApplicationDeadlockFailsThroughTheReferenceToo) {
  CaseRun run;
  run.scenario = testing::scenario_from_file("founding-case.textproto");
  deadlock(run.scenario);
  ASSERT_EQ(validate_case(run.scenario), "");
  sim::PlainChoices plain;
  run.result = run_case(run.scenario, plain);
  judge(&run, InvariantSet::defaults());
  ASSERT_FALSE(run.failed_invariant().empty());
  EXPECT_FALSE(passes_through_reference(run, builtin_registry(), InvariantSet::defaults()));
  // The founding case itself is haproxy-2.6's: it passes through the reference.
  CaseRun founding;
  founding.scenario = testing::scenario_from_file("founding-case.textproto");
  founding.result = run_case(founding.scenario, plain);
  judge(&founding, InvariantSet::defaults());
  ASSERT_EQ(founding.failed_invariant(), "status preserved");
  EXPECT_TRUE(passes_through_reference(founding, builtin_registry(), InvariantSet::defaults()));
  EXPECT_EQ(reference_sentence(founding.scenario), "fails through haproxy-2.6, passes through the reference (passthrough)");
}

TEST(Reference, ACheckReportsScenarioProblemsApartAndNeverAsFindings) {
  CheckOptions o;
  o.gen.presets = {"haproxy-3.2"};
  o.gen.shape = deadlock;
  o.cases = 20;
  o.out_dir = (std::filesystem::temp_directory_path() / ("h2sim-reference-" + std::to_string(getpid()))).string();
  CheckResult r = run_check(o);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_TRUE(r.findings.empty()) << r.findings[0].invariant << ": " << r.findings[0].replay.finding();
  ASSERT_FALSE(r.scenario_problems.empty());
  for (const CheckFinding& f : r.scenario_problems) {
    EXPECT_EQ(f.kind, "scenario");
    EXPECT_NE(f.replay.finding().find("through the reference (passthrough) too"), std::string::npos);
    EXPECT_TRUE(std::filesystem::exists(f.replay_path)) << f.replay_path;
  }
  std::filesystem::remove_all(o.out_dir);
}

TEST(Reference, TheFoundingFindingSaysWhatItFailsAndPassesThrough) {
  CheckOptions o;
  o.gen.presets = {"haproxy-2.6"};
  o.gen.clients = {"grpc-core"};
  o.cases = 200;
  o.out_dir = (std::filesystem::temp_directory_path() / ("h2sim-founding-" + std::to_string(getpid()))).string();
  CheckResult r = run_check(o);
  ASSERT_EQ(r.findings.size(), 1u);
  const CheckFinding& f = r.findings[0];
  EXPECT_EQ(f.replay.finding(), "fails through haproxy-2.6, passes through the reference (passthrough)");
  ASSERT_TRUE(f.minimal);
  EXPECT_TRUE(passes_through_reference(*f.minimal, builtin_registry(), InvariantSet::defaults()));
  std::string text;
  std::string error;
  ASSERT_TRUE(read_file(f.replay_path, &text, &error)) << error;
  EXPECT_NE(text.find("# fails through haproxy-2.6, passes through the reference (passthrough)\n"), std::string::npos);
  std::filesystem::remove_all(o.out_dir);
}

}  // namespace
}  // namespace h2sim
