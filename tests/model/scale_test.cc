// Issue 13's reach: production-sized scenarios (ten thousand calls over a hundred client
// connections, repeats, a pool of upstream connections, the server's own SETTINGS), custom
// metadata, a bandwidth cap, and network faults drawn as choices (reset, close, read stall,
// server restart). Each test names the behaviour and fails if it is gone.
#include <gtest/gtest.h>

#include <set>

#include "model/scenario/validate.h"
#include "properties/explore.h"
#include "properties/harness.h"
#include "properties/invariants.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

void expect_every_invariant_holds(const Result& r, const std::string& what) {
  for (const Verdict& v : check_all(r)) EXPECT_TRUE(v.holds) << what << ": " << v.name << ": " << v.detail;
  EXPECT_TRUE(served(r).holds) << what << ": " << served(r).detail;
}

TEST(Scale, TenThousandCallsOverAHundredConnectionsRunToQuiescenceThroughPassthrough) {
  Scenario s = testing::scenario_from_file("large/ten-thousand-calls.textproto");
  ASSERT_EQ(validate_case(s), "");
  ASSERT_EQ(expanded_calls(s), 10000u);
  for (uint64_t seed : {0u, 1u}) {
    sim::SeededChoices choices(seed);
    Result r = run_case(s, choices);
    ASSERT_EQ(r.end, sim::RunEnd::quiescent) << "seed " << seed;
    ASSERT_EQ(r.calls.size(), 10000u);
    std::set<uint32_t> connections;
    for (const grpc::CallOutcome& c : r.calls) {
      connections.insert(c.wire_connection);
      ASSERT_TRUE(c.client_saw && c.server_sent) << "call " << c.call;
      EXPECT_EQ(c.client_saw->code, c.server_sent->code) << "call " << c.call;
    }
    // A hundred client connections, and the proxy's hundred upstream ones.
    EXPECT_EQ(connections.size(), 100u);
    expect_every_invariant_holds(r, "seed " + std::to_string(seed));
  }
}

TEST(Scale, RepeatedCallsGoRoundTheConnectionsAndCallCopyInvertsTheExpansion) {
  Scenario s = testing::scenario_from_text(
      "client_connections: 3\n"
      "calls { kind: UNARY server { messages: 1 } }\n"
      "calls { kind: UNARY connection: 1 repeat: 5 repeat_interval_ns: 1000 server { messages: 1 } }\n");
  ASSERT_EQ(validate_case(s), "");
  sim::PlainChoices plain;
  Result r = run_case(s, plain);
  ASSERT_EQ(r.calls.size(), 6u);
  std::vector<uint32_t> want = {0, 1, 2, 0, 1, 2};
  for (size_t i = 0; i < r.calls.size(); ++i) EXPECT_EQ(r.calls[i].connection, want[i]) << "call " << i;
  EXPECT_EQ(call_copy(s, 0).entry, 0);
  EXPECT_EQ(call_copy(s, 3).entry, 1);
  EXPECT_EQ(call_copy(s, 3).copy, 2u);
  expect_every_invariant_holds(r, "plain");
}

TEST(Scale, APooledUpstreamConnectionCarriesTwoClientConnectionsCalls) {
  Scenario s = testing::scenario_from_text(
      "proxy { preset: \"passthrough\" upstream_connections: 1 }\n"
      "client_connections: 2\n"
      "calls { kind: BIDI_STREAMING repeat: 4 client { messages: 2 } server { messages: 2 } }\n");
  ASSERT_EQ(validate_case(s), "");
  for (uint64_t seed = 0; seed < 20; ++seed) {
    sim::SeededChoices choices(seed);
    Result r = run_case(s, choices);
    EXPECT_GE(r.marks.count("proxy: pooled upstream connection carries two client connections' calls"), 1u);
    // Two client connections, one upstream: three in all.
    std::set<uint32_t> connections;
    for (const sim::SegmentRecord& seg : r.segments) connections.insert(seg.connection);
    EXPECT_EQ(connections.size(), 3u) << "seed " << seed;
    expect_every_invariant_holds(r, "seed " + std::to_string(seed));
  }
}

TEST(Scale, TheServersMaxConcurrentStreamsQueuesCallsAndEveryOneEnds) {
  Scenario s = testing::scenario_from_text(
      "proxy { preset: \"passthrough\" }\n"
      "server_settings { max_concurrent_streams: 2 }\n"
      "calls { kind: UNARY server { messages: 1 } }\n"
      "calls { kind: UNARY start_ns: 1000000 repeat: 12 server { messages: 1 delay_ns: 1000000 } }\n");
  ASSERT_EQ(validate_case(s), "");
  sim::PlainChoices plain;
  Result r = run_case(s, plain);
  expect_every_invariant_holds(r, "plain");
  // The twelve start once the first call's upstream connection has the server's SETTINGS
  // (before, the proxy may open more streams than the limit it has not heard of yet, and the
  // server refuses them: RFC 9113 §5.1.2). Two at a time, a millisecond each: the last of twelve ends no earlier than 7 ms in.
  sim::Time last{};
  for (const grpc::CallOutcome& c : r.calls) last = std::max(last, c.client_status_at);
  EXPECT_GE(last.ns, 7'000'000);
}

TEST(Scale, CustomMetadataArrivesIntactBothWays) {
  Scenario s = testing::scenario_from_text(
      "proxy { preset: \"passthrough\" }\n"
      "calls { kind: UNARY client { metadata_headers: 3 metadata_bytes: 300 }"
      "        server { messages: 1 header_metadata: 2 trailer_metadata: 2 metadata_bytes: 1000 } }\n"
      "calls { kind: UNARY server { status { code: 5 } trailer_metadata: 1 metadata_bytes: 10 } }\n");
  ASSERT_EQ(validate_case(s), "");
  sim::PlainChoices plain;
  Result r = run_case(s, plain);
  EXPECT_EQ(r.calls[0].request_metadata_sent, 3u);
  EXPECT_EQ(r.calls[0].request_metadata_intact, 3u);
  EXPECT_EQ(r.calls[0].response_metadata_sent, 4u);
  EXPECT_EQ(r.calls[0].response_metadata_intact, 4u);
  // Trailers-only: the one trailer arrives in the only header block.
  EXPECT_EQ(r.calls[1].response_metadata_intact, 1u);
}

TEST(Scale, ABandwidthCapDelaysALargeMessage) {
  std::string text =
      "proxy { preset: \"passthrough\" }\n"
      "calls { kind: UNARY client { messages: 1 message_bytes: 200000 } server { messages: 1 } }\n";
  sim::PlainChoices plain, capped_plain;
  Result fast = run_case(testing::scenario_from_text(text), plain);
  Result capped = run_case(testing::scenario_from_text(text + "network { bandwidth_bytes_per_s: 1000000 }\n"), capped_plain);
  expect_every_invariant_holds(capped, "capped");
  // 200 kB at 1 MB/s is 200 ms on a leg (the proxy relays as bytes arrive, so the legs
  // overlap); uncapped it takes a few latencies.
  EXPECT_LT(fast.calls[0].client_status_at.ns, 100'000'000);
  EXPECT_GE(capped.calls[0].client_status_at.ns, 200'000'000);
}

// The faults: each fires at a chosen segment arrival (answer 0: never). Over seeds, every kind
// fires, runs end within their limits, and no call is left without a status.
TEST(Faults, EveryKindFiresAsAChoiceAndEveryCallStillEnds) {
  for (const char* kind : {"connection_resets", "connection_closes", "read_stalls", "server_restarts"}) {
    Scenario s = testing::scenario_from_text(
        std::string("proxy { preset: \"passthrough\" }\nclient_reconnect: true\n"
                    "calls { kind: BIDI_STREAMING client { messages: 3 interval_ns: 100000 } server { messages: 3 } }\n"
                    "calls { kind: UNARY start_ns: 2000000 server { messages: 1 } }\n"
                    "faults { read_stall_ns: 3000000 restart_ns: 1000000 moments: 8 ") +
        kind + ": 1 }\n");
    ASSERT_EQ(validate_case(s), "") << kind;
    uint32_t fired = 0;
    for (uint64_t seed = 0; seed < 40; ++seed) {
      sim::SeededChoices choices(seed);
      Result r = run_case(s, choices);
      fired += !r.faults.empty();
      EXPECT_TRUE(no_hang(r).holds) << kind << " seed " << seed << ": " << no_hang(r).detail;
      EXPECT_TRUE(legal_frames(r).holds) << kind << " seed " << seed << ": " << legal_frames(r).detail;
    }
    EXPECT_GE(fired, 20u) << kind;
  }
}

TEST(Faults, AnswerZeroIsNoFaultAndTheDigestIsTheFaultlessOne) {
  std::string text =
      "proxy { preset: \"passthrough\" }\n"
      "calls { kind: UNARY server { messages: 1 } }\n";
  sim::PlainChoices a, b;
  Result plain = run_case(testing::scenario_from_text(text), a);
  Result with = run_case(testing::scenario_from_text(text + "faults { connection_resets: 1 }\n"), b);
  EXPECT_TRUE(with.faults.empty());
  EXPECT_EQ(plain.digest, with.digest);
}

TEST(Faults, AResetMidCallFailsTheCallUnavailableAtTheClient) {
  Scenario s = testing::scenario_from_text(
      "proxy { preset: \"passthrough\" }\n"
      "calls { kind: BIDI_STREAMING client { messages: 2 interval_ns: 1000000 } server { messages: 1 } }\n"
      "faults { connection_resets: 1 moments: 1 }\n");
  // The fault fires at the first arrival; every other answer is the plainest.
  struct FaultFirst final : sim::ChoiceSource {
    bool reads_state() const override { return false; }

   protected:
    uint32_t pick(uint32_t, sim::Label label) override { return label == sim::Label::fault ? 1 : 0; }
  } first;
  Result r = run_case(s, first);
  ASSERT_EQ(r.faults.size(), 1u);
  EXPECT_EQ(r.faults[0].kind, sim::FaultKind::reset);
  EXPECT_GE(r.marks.count("world: fault reset"), 1u);
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::unavailable);
  EXPECT_TRUE(no_hang(r).holds) << no_hang(r).detail;
}

TEST(Faults, ExploreOfTwoCallsWithOneResetCompletes) {
  Scenario s = testing::scenario_from_text(
      "proxy { preset: \"passthrough\" }\n"
      "calls { kind: UNARY server { messages: 1 } }\n"
      "calls { kind: UNARY server { status { code: 7 } } }\n"
      "faults { connection_resets: 1 moments: 4 }\n");
  ExploreOptions options;
  options.executions_max = 100000;
  ExploreReport report = explore(s, options);
  EXPECT_TRUE(report.complete) << report.bound;
  // The fault's five answers (never, or one of four arrivals) reach UNAVAILABLE as well as OK.
  ASSERT_EQ(report.outcomes.size(), 2u);
  bool unavailable = false;
  for (const auto& [outcome, decisions] : report.outcomes[0]) unavailable |= outcome.starts_with("UNAVAILABLE");
  EXPECT_TRUE(unavailable);
  EXPECT_GE(report.outcomes[0].size(), 2u);
}

}  // namespace
}  // namespace h2sim
