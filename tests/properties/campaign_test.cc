// h2sim check and replay (issue 3): the invariant holds where it should, the founding bug is found
// and shrunk from every seed, replay files replay, shards partition campaigns, and a crashing
// proxy becomes a finding without stopping the campaign.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <filesystem>
#include <set>

#include "properties/check.h"
#include "model/scenario/scenario_io.h"
#include "properties/generators.h"
#include "properties/shapes.h"
#include "model/run/run.h"
#include "proxy_under_test/h2_relay.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

namespace fs = std::filesystem;

GenOptions fixed_proxies() {
  GenOptions o;
  o.presets = {"passthrough", "haproxy-3.2", ""};
  o.clients = {"grpc-core", "grpc-java"};
  return o;
}

RC_GTEST_PROP(StatusPreserved, ThroughFixedProxiesForEveryGeneratedCase, ()) {
  Scenario s = *gen_scenario(fixed_proxies());
  RapidCheckChoices choices;
  Result r = run_case(s, choices);
  RC_ASSERT(status_preserved(r).holds);
  RC_ASSERT(no_hang(r).holds);
  RC_ASSERT(legal_frames(r).holds);
}

std::string scratch(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("h2sim-campaign-" + std::to_string(getpid()) + "-" + name);
  fs::remove_all(p);
  return p.string();
}

CheckOptions founding_campaign(uint64_t seed, const std::string& out) {
  CheckOptions o;
  o.gen.presets = {"haproxy-2.6"};
  o.gen.clients = {"grpc-core"};
  o.cases = 200;
  o.seed = seed;
  o.out_dir = out;
  return o;
}

TEST(Check, FindsAndShrinksTheFoundingBugFromTwentySeeds) {
  std::string out = scratch("founding");
  for (uint64_t seed = 0; seed < 20; ++seed) {
    CheckResult r = run_check(founding_campaign(seed, out));
    ASSERT_EQ(r.findings.size(), 1u) << "seed " << seed;
    const CheckFinding& f = r.findings[0];
    EXPECT_EQ(f.invariant, "status preserved") << "seed " << seed;
    Replay replay;
    std::string error;
    ASSERT_TRUE(load_replay(f.replay_path, builtin_catalogue(), &replay, &error)) << error;
    const Scenario& s = replay.scenario();
    EXPECT_EQ(s.calls_size(), 1) << "seed " << seed << "\n" << to_text(s);
    EXPECT_LE(s.calls(0).client().messages(), 1u) << "seed " << seed << "\n" << to_text(s);
    // The downstream RST_STREAM(CANCEL) is in the same client read as the trailers.
    sim::RecordedChoices choices(decisions_of(replay));
    Result run = run_case(s, choices);
    int64_t trailers_read = -1, cancel_read = -2;
    for (const h2::FrameRecord& fr : run.frames) {
      if (fr.sent || !fr.endpoint.client_side || fr.endpoint.leg != h2::Leg::downstream) continue;
      if (fr.type == h2::FrameType::headers && fr.end_stream()) trailers_read = fr.batch;
      if (fr.type == h2::FrameType::rst_stream && fr.error_code == h2::ErrorCode::cancel) cancel_read = fr.batch;
    }
    EXPECT_EQ(trailers_read, cancel_read) << "seed " << seed;
    EXPECT_EQ(run.digest, replay.trace_digest()) << "seed " << seed;
  }
  fs::remove_all(out);
}

TEST(Check, CampaignsAreDeterministic) {
  CheckOptions o = founding_campaign(3, scratch("det"));
  o.gen.presets = {"haproxy-3.2", "nginx"};
  o.cases = 300;
  CheckResult a = run_check(o);
  CheckResult b = run_check(o);
  EXPECT_EQ(a.stats.serialize(), b.stats.serialize());
  fs::remove_all(o.out_dir);
}

TEST(Check, ShardsTogetherRunExactlyTheUnshardedCases) {
  GenOptions gen = fixed_proxies();
  std::map<uint64_t, std::string> unsharded, union_of_shards;
  for (uint64_t i : shard_indices(120, 0, 1)) {
    unsharded[i] = case_shrinkable(gen, 11, i).value().result.digest;
  }
  for (uint32_t shard = 0; shard < 4; ++shard) {
    for (uint64_t i : shard_indices(120, shard, 4)) {
      ASSERT_FALSE(union_of_shards.count(i)) << "case " << i << " in two shards";
      union_of_shards[i] = case_shrinkable(gen, 11, i).value().result.digest;
    }
  }
  EXPECT_EQ(union_of_shards, unsharded);
}

TEST(Replay, AReplayFileFromCheckReplaysWithTheSameDigest) {
  std::string out = scratch("replay");
  CheckResult r = run_check(founding_campaign(5, out));
  ASSERT_EQ(r.findings.size(), 1u);
  Replay replay;
  std::string error;
  ASSERT_TRUE(load_replay(r.findings[0].replay_path, builtin_catalogue(), &replay, &error)) << error;
  for (int i = 0; i < 2; ++i) {
    sim::RecordedChoices choices(decisions_of(replay));
    EXPECT_EQ(run_case(replay.scenario(), choices).digest, replay.trace_digest());
    EXPECT_TRUE(choices.exhausted());
  }
  fs::remove_all(out);
}

// A proxy that crashes on any read of more than 2,000 bytes: about a quarter of the generated
// cases send messages that large.
class CrashingProxy final : public Proxy {
 public:
  CrashingProxy() : relay_(*proxy::find_preset("passthrough")) {}
  std::string_view name() const override { return "crashing"; }
  std::string_view version() const override { return "1"; }
  void start(sim::Net& net, sim::Address next) override { relay_.start(net, next); }
  void on_accept(sim::ConnId end) override { relay_.on_accept(end); }
  void on_bytes(sim::ConnId end, std::span<const uint8_t> batch) override {
    if (batch.size() > 2000) std::abort();
    relay_.on_bytes(end, batch);
  }
  void on_peer_closed(sim::ConnId end, bool reset) override { relay_.on_peer_closed(end, reset); }
  void on_timer(sim::TimerId t) override { relay_.on_timer(t); }

 private:
  proxy::H2Relay relay_;
};

TEST(Check, ACrashingProxyIsAFindingAndTheCampaignGoesOn) {
  CheckOptions o;
  o.gen.presets = {"passthrough"};
  o.gen.clients = {"grpc-java"};
  o.cases = 60;
  o.jobs = 2;
  o.out_dir = scratch("crash");
  static ProxyRegistry proxies;
  std::string error;
  proxies.add({.name = "crashing",
               .version = "1",
               .origin = "a test",
               .factory = [](const ProxyConfig&) { return std::make_unique<CrashingProxy>(); }},
              &error);
  o.gen.proxies = &proxies;
  o.gen.presets = {"crashing"};
  CheckResult r = run_check(o);
  ASSERT_GE(r.findings.size(), 2u);
  for (const CheckFinding& f : r.findings) {
    EXPECT_EQ(f.kind, "crash");
    EXPECT_NE(f.invariant.find("signal 6"), std::string::npos) << f.invariant;
    Replay replay;
    std::string error;
    ASSERT_TRUE(load_replay(f.replay_path, catalogue_of(proxies), &replay, &error)) << error;
    EXPECT_GT(replay.decisions_size() + replay.scenario().calls_size(), 0);
  }
  EXPECT_EQ(r.stats.cases, 60u);  // every case ran: the crashes did not end the campaign
  fs::remove_all(o.out_dir);
}

}  // namespace
}  // namespace h2sim

namespace h2sim {
namespace {

TEST(Check, ShrinkingKeepsTheProxyAndPersonalitiesUnderTest) {
  // citrix-adc listed last among presets that all lose statuses: its failures must stay its own.
  CheckOptions o;
  o.gen.presets = {"haproxy-2.6", "hyper-h2-old", "citrix-adc"};
  o.gen.clients = {"grpc-core", "grpc-js"};
  // Every failing case is shrunk: 8 s in a RelWithDebInfo build, over the 300 s bound under ASan
  // beside other tests (2026-12-02). A hundred cases still fail through each preset.
#if defined(__SANITIZE_ADDRESS__)
  o.cases = 100;
#else
  o.cases = 300;
#endif
  o.stop_at_first_failure = false;
  o.out_dir = scratch("keep-preset");
  CheckResult r = run_check(o);
  std::map<std::string, int> presets;
  for (const CheckFinding& f : r.findings) {
    Replay replay;
    std::string error;
    ASSERT_TRUE(load_replay(f.replay_path, builtin_catalogue(), &replay, &error)) << error;
    ++presets[replay.scenario().proxy().preset()];
  }
  EXPECT_GT(presets["citrix-adc"], 0);
  EXPECT_EQ(static_cast<uint64_t>(presets["citrix-adc"] + presets["haproxy-2.6"] + presets["hyper-h2-old"]),
            r.findings.size());
  std::filesystem::remove_all(o.out_dir);
}

// Issue 16, conventions: the shrunk scenario shows only what took part.
TEST(Simplify, TheMinimalCaseOmitsFieldsThatHadNoEffect) {
  Scenario s = testing::scenario_from_file("founding-case.textproto");
  Call& call = *s.mutable_calls(0);
  call.mutable_server()->set_reset_code(5);      // the server aborts with a status; it never resets
  call.mutable_client()->set_deadline_ns(60000000000);  // a minute: never reached
  s.mutable_limits()->set_events_max(90000);    // never reached
  sim::PlainChoices plain;
  CaseRun failing;
  failing.scenario = s;
  failing.result = run_case(s, plain);
  failing.verdicts = check_all(failing.result, s);
  ASSERT_EQ(failing.failed_invariant(), "status preserved");
  Shrunk shrunk = simplify(failing, "status preserved", builtin_registry());
  const Scenario& m = shrunk.minimal.scenario;
  EXPECT_EQ(shrunk.minimal.failed_invariant(), "status preserved");
  ASSERT_EQ(m.calls_size(), 1);
  EXPECT_EQ(m.calls(0).server().reset_code(), 0u) << to_text(m);
  EXPECT_EQ(m.calls(0).client().deadline_ns(), 0u) << to_text(m);
  EXPECT_FALSE(m.has_limits()) << to_text(m);
  // What took part stays: the status the client lost, the proxy, the personalities.
  EXPECT_EQ(m.calls(0).server().status().code(), 7u);
  EXPECT_EQ(m.proxy().preset(), "haproxy-2.6");
  EXPECT_EQ(m.client(), "grpc-core");
  // Dropping fields never changes the run: the minimal case replays to its own digest.
  sim::RecordedChoices recorded(shrunk.minimal.result.decisions);
  EXPECT_EQ(run_case(m, recorded).digest, shrunk.minimal.result.digest);
}

// Issue 13, "shrinking keeps the generator's well-formedness": a client sending a message fewer
// and half-closing after the response would leave a server waiting for the message it no
// longer gets, an application deadlock through any proxy. Edits of a well-formed case are
// well-formed; a hand-written case's are its own.
TEST(Simplify, EditsOfAWellFormedCaseStayFinishable) {
  Scenario s = testing::scenario_from_file("founding-case.textproto");
  Call& call = *s.mutable_calls(0);
  call.set_kind(BIDI_STREAMING);
  call.mutable_client()->set_messages(3);
  call.mutable_client()->set_half_close(AFTER_MESSAGES);
  call.mutable_server()->set_action(RESPOND);
  call.mutable_server()->set_read_messages(3);
  Scenario formed = s;
  make_well_formed(formed);
  ASSERT_EQ(formed.SerializeAsString(), s.SerializeAsString()) << "the case is well-formed as written";
  int after_response = 0;
  for (const Scenario& e : scenario_edits(s)) {
    after_response += e.calls(0).client().half_close() == AFTER_RESPONSE;
    for (const Call& c : e.calls()) {
      Call finished = c;
      make_finishable(&finished);
      EXPECT_EQ(finished.SerializeAsString(), c.SerializeAsString()) << to_text(e);
    }
  }
  EXPECT_GT(after_response, 0) << "the edit that half-closes after the response is still tried";
}

}  // namespace
}  // namespace h2sim
