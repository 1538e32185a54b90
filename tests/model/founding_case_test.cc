// The founding case (docs/behaviours.md §0-§2) end to end, and its variants.
#include <gtest/gtest.h>

#include "properties/harness.h"
#include "properties/invariants.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

using testing::ScriptedChoices;
using testing::scenario_from_file;
using testing::sent_on_stream;

const grpc::Status server_status{grpc::Code::permission_denied, "Details sent by the server"};

// Every flush cut after its first frame, and every read taking a single segment: the proxy's
// HEADERS and RST_STREAM reach the client in two reads.
ScriptedChoices split_everything() {
  return ScriptedChoices([](uint32_t, uint32_t n, sim::Label label) {
    return label == sim::Label::split || label == sim::Label::read ? n - 1 : 0;
  });
}

// The client's read batches that carried the frames received on the downstream leg.
std::vector<uint32_t> client_reads_of(const Result& r, h2::FrameType type) {
  std::vector<uint32_t> out;
  for (const h2::FrameRecord& f : r.frames) {
    if (!f.sent && f.endpoint.leg == h2::Leg::downstream && f.endpoint.client_side &&
        f.stream_id == h2::StreamId{1} && f.type == type) {
      out.push_back(f.batch);
    }
  }
  return out;
}

TEST(FoundingCase, HeadersAndCancelInOneClientReadLoseTheStatus) {
  Scenario s = scenario_from_file("founding-case.textproto");
  sim::PlainChoices choices;  // no cuts, whole reads: HEADERS and RST arrive together
  Result r = run_case(s, choices);
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::cancelled);
  EXPECT_EQ(r.calls[0].client_saw->message, "Received RST_STREAM with error code 8");
  EXPECT_EQ(*r.calls[0].server_sent, server_status);
  EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, false, h2::StreamId{1}),
            (std::vector<std::string>{"HEADERS[ES]", "RST_STREAM(NO_ERROR)"}));
  EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, false, h2::StreamId{1}),
            (std::vector<std::string>{"HEADERS[ES]", "RST_STREAM(CANCEL)"}));
  EXPECT_EQ(client_reads_of(r, h2::FrameType::headers), client_reads_of(r, h2::FrameType::rst_stream));
  EXPECT_FALSE(status_preserved(r).holds);
  EXPECT_EQ(status_preserved(r).frames.size(), 2u);  // the HEADERS and the RST_STREAM
  EXPECT_GE(r.marks.count("grpc-core: reset in the same read batch replaces held trailers"), 1u);
}

TEST(FoundingCase, HeadersAndCancelInSeparateReadsKeepTheStatus) {
  Scenario s = scenario_from_file("founding-case.textproto");
  ScriptedChoices choices = split_everything();
  Result r = run_case(s, choices);
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(*r.calls[0].client_saw, server_status);
  EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, false, h2::StreamId{1}),
            (std::vector<std::string>{"HEADERS[ES]", "RST_STREAM(CANCEL)"}));
  auto headers = client_reads_of(r, h2::FrameType::headers);
  auto resets = client_reads_of(r, h2::FrameType::rst_stream);
  ASSERT_EQ(headers.size(), 1u);
  // The late RST arrives after grpc-core already published and sent its own RST(NO_ERROR).
  for (uint32_t batch : resets) EXPECT_GT(batch, headers[0]);
  EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, true, h2::StreamId{1}).back(), "RST_STREAM(NO_ERROR)");
  EXPECT_GE(r.marks.count("grpc-core: deferred RST(NO_ERROR) at batch end"), 1u);
  EXPECT_TRUE(all_hold(check_all(r)));
}

TEST(FoundingCase, SomeSeedsLoseTheStatusAndSomeKeepIt) {
  Scenario s = scenario_from_file("founding-case.textproto");
  int cancelled = 0, kept = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    sim::SeededChoices choices(seed);
    Result r = run_case(s, choices);
    ASSERT_TRUE(r.calls[0].client_saw);
    if (r.calls[0].client_saw->code == grpc::Code::cancelled) ++cancelled;
    if (*r.calls[0].client_saw == server_status) ++kept;
    ASSERT_EQ(cancelled + kept, static_cast<int>(seed + 1)) << "seed " << seed << ": "
                                                             << grpc::status_text(*r.calls[0].client_saw);
  }
  EXPECT_GT(cancelled, 0);
  EXPECT_GT(kept, 0);
}

class FixedProxiesKeepTheStatus : public ::testing::TestWithParam<std::string> {};

TEST_P(FixedProxiesKeepTheStatus, ForEverySeed) {
  Scenario s = scenario_from_file(GetParam());
  for (uint64_t seed = 0; seed < 200; ++seed) {
    sim::SeededChoices choices(seed);
    Result r = run_case(s, choices);
    ASSERT_TRUE(r.calls[0].client_saw) << "seed " << seed;
    ASSERT_EQ(*r.calls[0].client_saw, server_status) << "seed " << seed;
    ASSERT_TRUE(all_hold(check_all(r))) << "seed " << seed;
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, FixedProxiesKeepTheStatus,
                         ::testing::Values("founding-case-haproxy-3.2.textproto",
                                           "founding-case-passthrough.textproto",
                                           "founding-case-no-proxy.textproto",
                                           "founding-case-grpc-java.textproto"));

// grpc-core sometimes sends its END_STREAM up to 4 ms after the message (a write decision),
// still uploading when the abort comes: the founding bug. Here it ends in the message's write.
TEST(FoundingCase, ClientThatHalfClosedFirstGetsNoResetFromHaproxy26) {
  Scenario s = scenario_from_file("founding-case-client-half-closed.textproto");
  for (uint64_t seed = 0; seed < 200; ++seed) {
    sim::SplitMix64 rng(seed);
    ScriptedChoices choices([&](uint32_t, uint32_t n, sim::Label label) {
      return label == sim::Label::write ? 0u : rng.below(n);
    });
    Result r = run_case(s, choices);
    ASSERT_EQ(*r.calls[0].client_saw, server_status) << "seed " << seed;
    EXPECT_TRUE(client_reads_of(r, h2::FrameType::rst_stream).empty()) << "seed " << seed;
  }
}

TEST(FoundingCase, MonitorAcceptsEveryFrameOfTheVariants) {
  for (const char* name : {"founding-case.textproto", "founding-case-haproxy-3.2.textproto",
                           "founding-case-passthrough.textproto", "founding-case-no-proxy.textproto",
                           "founding-case-grpc-java.textproto",
                           "founding-case-client-half-closed.textproto"}) {
    Scenario s = scenario_from_file(name);
    for (uint64_t seed = 0; seed < 50; ++seed) {
      sim::SeededChoices choices(seed);
      Result r = run_case(s, choices);
      ASSERT_TRUE(r.violations.empty()) << name << " seed " << seed << ": " << r.violations[0].what;
    }
  }
}

TEST(Determinism, SameSeedSameDigestForAThousandSeeds) {
  Scenario s = scenario_from_file("founding-case.textproto");
  std::set<std::string> distinct;
  for (uint64_t seed = 0; seed < 1000; ++seed) {
    sim::SeededChoices first(seed), second(seed);
    Result a = run_case(s, first);
    Result b = run_case(s, second);
    ASSERT_EQ(a.digest, b.digest) << "seed " << seed;
    ASSERT_EQ(a.decisions, b.decisions) << "seed " << seed;
    distinct.insert(a.digest);
  }
  EXPECT_GT(distinct.size(), 10u);  // the digest does tell schedules apart
}

TEST(Determinism, RecordedDecisionsReplayTheSameRun) {
  Scenario s = scenario_from_file("founding-case.textproto");
  for (uint64_t seed = 0; seed < 100; ++seed) {
    sim::SeededChoices seeded(seed);
    Result a = run_case(s, seeded);
    sim::RecordedChoices recorded(a.decisions);
    Result b = run_case(s, recorded);
    ASSERT_EQ(a.digest, b.digest) << "seed " << seed;
    ASSERT_TRUE(recorded.exhausted());
  }
}

}  // namespace
}  // namespace h2sim
