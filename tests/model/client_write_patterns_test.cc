// How a client script's request leaves (model/scenario/scenario.proto, ClientScript fields 9 to
// 11), pinned by the frames the client writes: by default the headers with the first message and
// END_STREAM on the last message's DATA; with write_per_frame the headers, each message and an
// empty DATA(END_STREAM) in writes of their own, the gaps between them as the script says
// (grpcio's, docs/fidelity.md).
#include <gtest/gtest.h>

#include <set>

#include "properties/harness.h"
#include "properties/invariants.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

using testing::run_plain;

// A client-streaming call through passthrough: two 16-byte messages 10 ms apart; the server
// answers once the client half-closed.
Scenario uploading(const std::string& client_extra, const std::string& client_messages = "2") {
  return testing::scenario_from_text(R"pb(
    proxy { preset: "passthrough" }
    calls {
      kind: CLIENT_STREAMING
      client { messages: )pb" + client_messages + R"pb( message_bytes: 16 interval_ns: 10000000 )pb" +
                                     client_extra + R"pb( }
      server { action: RESPOND messages: 1 message_bytes: 8 status { code: 0 } }
    }
    network { latency_ns_min: 100000 segments_max: 1 }
  )pb");
}

// The client's frames on its stream, in order.
std::vector<const h2::FrameRecord*> client_frames(const Result& r) {
  std::vector<const h2::FrameRecord*> out;
  for (const h2::FrameRecord& f : r.frames) {
    if (f.sent && f.endpoint.leg == h2::Leg::downstream && f.endpoint.client_side && f.stream_id == h2::StreamId{1}) {
      out.push_back(&f);
    }
  }
  return out;
}

std::vector<std::string> names(const Result& r) {
  return testing::sent_on_stream(r, h2::Leg::downstream, true, h2::StreamId{1});
}

size_t distinct_writes(const std::vector<const h2::FrameRecord*>& frames) {
  std::set<uint32_t> batches;
  for (const h2::FrameRecord* f : frames) batches.insert(f->batch);
  return batches.size();
}

void expect_every_invariant_holds(const Result& r, const Scenario& s) {
  for (const Verdict& v : check_all(r, s)) EXPECT_TRUE(v.holds) << v.name << ": " << v.detail;
}

TEST(ClientWritePatterns, ByDefaultTheHeadersLeaveWithTheFirstMessageAndEndStreamWithTheLast) {
  Result r = run_plain(uploading(""));
  EXPECT_EQ(names(r), (std::vector<std::string>{"HEADERS", "DATA", "DATA[ES]"}));
  auto frames = client_frames(r);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0]->batch, frames[1]->batch) << "headers and first message share a write";
}

TEST(ClientWritePatterns, AWritePerFrameSendsHeadersMessagesAndEndStreamApartWithTheGaps) {
  Scenario s = uploading("write_per_frame: true headers_gap_ns: 2000000 end_stream_gap_ns: 700000");
  Result r = run_plain(s);
  EXPECT_EQ(names(r), (std::vector<std::string>{"HEADERS", "DATA", "DATA", "DATA[ES]"}));
  auto frames = client_frames(r);
  ASSERT_EQ(frames.size(), 4u);
  EXPECT_EQ(distinct_writes(frames), 4u) << "headers, each message and the END_STREAM apart";
  EXPECT_EQ(frames[3]->length, 0u) << "END_STREAM on an empty DATA frame";
  EXPECT_EQ(frames[1]->at.ns - frames[0]->at.ns, 2'000'000u);
  EXPECT_EQ(frames[2]->at.ns - frames[1]->at.ns, 10'000'000u);
  EXPECT_EQ(frames[3]->at.ns - frames[2]->at.ns, 700'000u);
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::ok);
  expect_every_invariant_holds(r, s);
}

TEST(ClientWritePatterns, ZeroGapsStillMeanWritesOfTheirOwnAtTheSameMoment) {
  Result r = run_plain(uploading("write_per_frame: true"));
  auto frames = client_frames(r);
  ASSERT_EQ(frames.size(), 4u);
  EXPECT_EQ(distinct_writes(frames), 4u);
  EXPECT_EQ(frames[1]->at.ns, frames[0]->at.ns);
  EXPECT_EQ(frames[3]->at.ns, frames[2]->at.ns);
}

TEST(ClientWritePatterns, AnEmptyRequestEndsOnADataFrameOfItsOwn) {
  Scenario s = uploading("write_per_frame: true end_stream_gap_ns: 700000", "0");
  Result r = run_plain(s);
  EXPECT_EQ(names(r), (std::vector<std::string>{"HEADERS", "DATA[ES]"}));
  auto frames = client_frames(r);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[1]->at.ns - frames[0]->at.ns, 700'000u);
  // Without write_per_frame the empty DATA(END_STREAM) leaves with the HEADERS, in one write, as
  // every gRPC library sent it live (docs/fidelity.md, "A request without messages"); on the
  // HEADERS only if the script says so.
  Result together = run_plain(uploading("", "0"));
  EXPECT_EQ(names(together), (std::vector<std::string>{"HEADERS", "DATA[ES]"}));
  auto two = client_frames(together);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0]->at.ns, two[1]->at.ns);
  EXPECT_EQ(names(run_plain(uploading("end_stream_on_headers: true", "0"))), (std::vector<std::string>{"HEADERS[ES]"}));
  expect_every_invariant_holds(r, s);
}

// grpc++'s race (docs/fidelity.md, item 4): a server that answers on the request headers alone
// finds a client whose headers left alone still uploading, where one that sent its first message
// with them would already be further on. With the gap the answer comes before any DATA left.
TEST(ClientWritePatterns, AGapAfterTheHeadersLetsAServerAnswerBeforeAnyMessage) {
  Scenario s = testing::scenario_from_text(R"pb(
    proxy { preset: "haproxy-2.6" }
    calls {
      kind: BIDI_STREAMING
      client { messages: 1 message_bytes: 16 write_per_frame: true headers_gap_ns: 2000000 }
      server { action: ABORT_AT_ONCE status { code: 7 message: "no" } }
    }
    network { latency_ns_min: 100000 segments_max: 1 }
  )pb");
  Result r = run_plain(s);
  auto frames = client_frames(r);
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames[0]->type, h2::FrameType::headers);
  ASSERT_TRUE(r.calls[0].server_status_at.ns > 0);
  for (const h2::FrameRecord* f : frames) {
    if (f->type == h2::FrameType::data) {
      EXPECT_GE(f->at.ns, 2'000'000u);
    }
  }
  EXPECT_LT(r.calls[0].server_status_at.ns, 2'000'000u) << "the server answered inside the gap";
}

}  // namespace
}  // namespace h2sim
