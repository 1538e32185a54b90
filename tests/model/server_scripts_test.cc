// What a server script can say beyond its action, each pinned by the frames the server writes
// (model/scenario/scenario.proto, ServerScript fields 11 to 16): response headers before a status
// with no message, a handler that answers on the request headers alone, a write per response
// message, a RST_STREAM after the status with a chosen code, in the status's write or later, and
// a status written a while after the messages.
#include <gtest/gtest.h>

#include <set>

#include "properties/harness.h"
#include "properties/invariants.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

using testing::sent_on_stream;

// A bidi call through passthrough: three 16-byte messages 10 ms apart, then the half-close.
Scenario uploading(const std::string& server_script, const std::string& server = "grpc-core",
                   const std::string& latency_ns = "100000") {
  Scenario s = testing::scenario_from_text(R"pb(
    proxy { preset: "passthrough" }
    calls {
      kind: BIDI_STREAMING
      client { messages: 3 message_bytes: 16 interval_ns: 10000000 half_close: AFTER_MESSAGES }
      server { )pb" + server_script + R"pb( }
    }
    network { latency_ns_min: )pb" + latency_ns + R"pb( segments_max: 1 }
  )pb");
  s.set_server(server);
  return s;
}

Result plain(const Scenario& s) {
  sim::PlainChoices choices;
  return run_case(s, choices);
}

// The server's frames on stream 1 with the flush each left in: "HEADERS@3".
std::vector<std::pair<std::string, uint32_t>> server_writes(const Result& r) {
  std::vector<std::pair<std::string, uint32_t>> out;
  std::vector<std::string> names = sent_on_stream(r, h2::Leg::upstream, false, h2::StreamId{1});
  size_t i = 0;
  for (const h2::FrameRecord& f : r.frames) {
    if (f.sent && f.endpoint.leg == h2::Leg::upstream && !f.endpoint.client_side && f.stream_id == h2::StreamId{1}) {
      out.emplace_back(names.at(i++), f.batch);
    }
  }
  return out;
}

std::vector<std::string> names(const std::vector<std::pair<std::string, uint32_t>>& writes) {
  std::vector<std::string> out;
  for (const auto& w : writes) out.push_back(w.first);
  return out;
}

size_t distinct_writes(const std::vector<std::pair<std::string, uint32_t>>& writes) {
  std::set<uint32_t> batches;
  for (const auto& w : writes) batches.insert(w.second);
  return batches.size();
}

void expect_every_invariant_holds(const Result& r, const Scenario& s) {
  for (const Verdict& v : check_all(r, s)) EXPECT_TRUE(v.holds) << v.name << ": " << v.detail;
}

TEST(ServerScripts, AnAbortIsTrailersOnlyUnlessHeadersComeFirst) {
  const std::string abort = R"pb(action: ABORT_AT_ONCE status { code: 7 message: "no" })pb";
  Result trailers_only = plain(uploading(abort));
  EXPECT_EQ(names(server_writes(trailers_only)), (std::vector<std::string>{"HEADERS[ES]", "RST_STREAM(NO_ERROR)"}));

  Scenario s = uploading(abort + " headers_before_status: true");
  Result r = plain(s);
  EXPECT_EQ(names(server_writes(r)), (std::vector<std::string>{"HEADERS", "HEADERS[ES]", "RST_STREAM(NO_ERROR)"}));
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::permission_denied);
  expect_every_invariant_holds(r, s);
}

// grpcio's headers sent before a status sometimes leave with it (seen live 1 run in 24): a write
// choice of the grpcio server only, answer 1 trailers-only.
TEST(ServerScripts, GrpciosHeadersBeforeAStatusSometimesLeaveWithItAsTrailersOnly) {
  const std::string abort = R"pb(action: ABORT_AT_ONCE status { code: 7 message: "no" } headers_before_status: true)pb";
  auto answering = [](uint32_t answer) {
    return testing::ScriptedChoices([answer](uint32_t, uint32_t, sim::Label label) {
      return label == sim::Label::write ? answer : 0u;
    });
  };
  auto apart = answering(0);
  EXPECT_EQ(names(server_writes(run_case(uploading(abort, "grpcio"), apart))),
            (std::vector<std::string>{"HEADERS", "HEADERS[ES]", "RST_STREAM(NO_ERROR)"}));
  auto merged = answering(1);
  Result r = run_case(uploading(abort, "grpcio"), merged);
  EXPECT_EQ(names(server_writes(r)), (std::vector<std::string>{"HEADERS[ES]", "RST_STREAM(NO_ERROR)"}));
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::permission_denied);
  // grpc-core's (grpc++'s) is never asked: its headers always leave apart.
  auto core = answering(1);
  EXPECT_EQ(names(server_writes(run_case(uploading(abort), core))),
            (std::vector<std::string>{"HEADERS", "HEADERS[ES]", "RST_STREAM(NO_ERROR)"}));
}

TEST(ServerScripts, AHandlerCanAnswerOnTheRequestHeadersAlone) {
  const std::string respond = R"pb(action: RESPOND messages: 1 message_bytes: 8 status { code: 0 })pb";
  // Without it, RESPOND waits for the half-close (about 20 ms in).
  Result waits = plain(uploading(respond));
  EXPECT_GE(waits.calls[0].server_status_at.ns, 20'000'000u);
  Scenario s = uploading(respond + " answer_on_headers: true");
  Result r = plain(s);
  EXPECT_LT(r.calls[0].server_status_at.ns, 10'000'000u) << "it answered before the second message was due";
  EXPECT_EQ(names(server_writes(r)),
            (std::vector<std::string>{"HEADERS", "DATA", "HEADERS[ES]", "RST_STREAM(NO_ERROR)"}));
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::ok);
}

TEST(ServerScripts, EachResponseMessageCanLeaveInAWriteOfItsOwn) {
  const std::string respond = R"pb(action: RESPOND messages: 3 message_bytes: 8 status { code: 0 })pb";
  // In one write, nghttp2 packs the three messages into one DATA frame.
  Result one_write = plain(uploading(respond));
  EXPECT_EQ(names(server_writes(one_write)), (std::vector<std::string>{"HEADERS", "DATA", "HEADERS[ES]"}));
  EXPECT_EQ(distinct_writes(server_writes(one_write)), 1u);

  Scenario s = uploading(respond + " write_per_message: true");
  Result r = plain(s);
  EXPECT_EQ(names(server_writes(r)), (std::vector<std::string>{"HEADERS", "DATA", "DATA", "DATA", "HEADERS[ES]"}));
  EXPECT_EQ(distinct_writes(server_writes(r)), 5u) << "headers, each message and the status apart";
  expect_every_invariant_holds(r, s);
}

TEST(ServerScripts, AScriptedResetAfterTheStatusReplacesThePersonalitysChoice) {
  const std::string abort = R"pb(action: ABORT_AT_ONCE status { code: 7 message: "no" })pb";
  // grpc-java writes no reset of its own (§5); the script makes it write CANCEL in the same write.
  Result java = plain(uploading(abort, "grpc-java"));
  EXPECT_EQ(names(server_writes(java)), (std::vector<std::string>{"HEADERS[ES]"}));
  Result r = plain(uploading(abort + " reset_after_status: 8", "grpc-java"));
  auto writes = server_writes(r);
  EXPECT_EQ(names(writes), (std::vector<std::string>{"HEADERS[ES]", "RST_STREAM(CANCEL)"}));
  EXPECT_EQ(distinct_writes(writes), 1u);
  // grpc-core's own NO_ERROR becomes the script's code.
  Result core = plain(uploading(abort + " reset_after_status: 2"));
  EXPECT_EQ(names(server_writes(core)), (std::vector<std::string>{"HEADERS[ES]", "RST_STREAM(INTERNAL_ERROR)"}));
}

TEST(ServerScripts, ADelayedResetLeavesInALaterWriteOnlyWhileTheClientIsOpen) {
  const std::string abort = R"pb(action: ABORT_AT_ONCE status { code: 7 message: "no" } reset_after_status: 8)pb";
  // 10 ms each way: the client's own RST_STREAM(NO_ERROR) after the trailers (grpc-core, §2.2)
  // reaches the server about 20 ms after the status.
  const std::string latency = "10000000";
  Result r = plain(uploading(abort + " reset_after_status_delay_ns: 5000000", "grpc-java", latency));
  auto writes = server_writes(r);
  ASSERT_EQ(names(writes), (std::vector<std::string>{"HEADERS[ES]", "RST_STREAM(CANCEL)"}));
  EXPECT_NE(writes[0].second, writes[1].second);
  sim::Time status_at, reset_at;
  for (const h2::FrameRecord& f : r.frames) {
    if (!f.sent || f.endpoint.leg != h2::Leg::upstream || f.endpoint.client_side) continue;
    if (f.type == h2::FrameType::headers) status_at = f.at;
    if (f.type == h2::FrameType::rst_stream) reset_at = f.at;
  }
  EXPECT_EQ(reset_at.ns - status_at.ns, 5'000'000u);
  // After 50 ms the client has long closed its side: a reset then would be a frame on a closed
  // stream, so none is written.
  Scenario late = uploading(abort + " reset_after_status_delay_ns: 50000000", "grpc-java", latency);
  Result l = plain(late);
  EXPECT_EQ(names(server_writes(l)), (std::vector<std::string>{"HEADERS[ES]"}));
  expect_every_invariant_holds(l, late);
}

// A status that waits: the headers and messages leave at once, the trailers status_delay_ns later,
// and the status counts as sent only then. A stream the proxy reset in the meantime gets none.
TEST(ServerScripts, ADelayedStatusLeavesAfterItsDelayOrNotAtAll) {
  const std::string respond = R"pb(action: RESPOND read_messages: 1 messages: 1 message_bytes: 16 status { code: 0 })pb";
  Scenario s = uploading(respond + " status_delay_ns: 30000000");
  Result r = plain(s);
  auto writes = server_writes(r);
  ASSERT_EQ(names(writes), (std::vector<std::string>{"HEADERS", "DATA", "HEADERS[ES]"}));
  EXPECT_EQ(writes[0].second, writes[1].second);
  EXPECT_NE(writes[1].second, writes[2].second);
  sim::Time message_at, status_at;
  for (const h2::FrameRecord& f : r.frames) {
    if (!f.sent || f.endpoint.leg != h2::Leg::upstream || f.endpoint.client_side) continue;
    if (f.type == h2::FrameType::data && f.length > 0) message_at = f.at;
    if (f.type == h2::FrameType::headers && f.end_stream()) status_at = f.at;
  }
  EXPECT_EQ(status_at.ns - message_at.ns, 30'000'000u);
  ASSERT_TRUE(r.calls[0].server_sent);
  EXPECT_EQ(r.calls[0].server_status_at.ns, status_at.ns);
  expect_every_invariant_holds(r, s);

  // Through haproxy-2.6 with a 10 ms idle timeout the proxy gives up first: no status is written
  // and none counts as sent.
  Scenario timed_out = s;
  timed_out.mutable_proxy()->set_preset("haproxy-2.6");
  timed_out.mutable_proxy()->set_idle_timeout_ns(10'000'000);
  Result t = plain(timed_out);
  EXPECT_EQ(names(server_writes(t)), (std::vector<std::string>{"HEADERS", "DATA"}));
  EXPECT_FALSE(t.calls[0].server_sent);
  EXPECT_GE(t.marks.count("server: the stream was gone before its delayed status"), 1u);
  expect_every_invariant_holds(t, timed_out);

  // Through nginx the timeout closes the backend connection instead: the same, and the trailers'
  // metadata the status would have carried is not counted as sent either.
  Scenario closed = timed_out;
  closed.mutable_proxy()->set_preset("nginx");
  closed.mutable_calls(0)->mutable_server()->set_header_metadata(1);
  closed.mutable_calls(0)->mutable_server()->set_trailer_metadata(2);
  closed.mutable_calls(0)->mutable_server()->set_metadata_bytes(10);
  Result c = plain(closed);
  EXPECT_FALSE(c.calls[0].server_sent);
  EXPECT_GE(c.marks.count("server: the stream was gone before its delayed status"), 1u);
  EXPECT_EQ(c.calls[0].response_metadata_sent, 1u);
  expect_every_invariant_holds(c, closed);
}

}  // namespace
}  // namespace h2sim
