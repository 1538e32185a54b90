// Each preset pinned on the founding case and its neighbours (docs/behaviours.md §1.2-§1.6).
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <optional>
#include <set>

#include "properties/harness.h"
#include "proxy_under_test/h2_relay.h"
#include "proxy_under_test/policy.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

using testing::Opening;
using testing::opening_sent;
using testing::run_plain;
using testing::text;
using testing::ScriptedChoices;
using testing::scenario_from_file;
using testing::scenario_from_text;
using testing::sent_on_stream;
using V = std::vector<std::string>;

Scenario with_preset(Scenario s, const std::string& preset) {
  s.mutable_proxy()->set_preset(preset);
  return s;
}

// The statuses call `call`'s client sees over seeded schedules (up to 200 of them, stopping once
// `enough` differ); a call that never ends is "nothing".
std::set<std::string> call_statuses(const Scenario& s, size_t call, size_t enough) {
  std::set<std::string> seen;
  for (uint64_t seed = 0; seed < 200 && seen.size() < enough; ++seed) {
    sim::SeededChoices choices(seed);
    Result r = run_case(s, choices);
    seen.insert(r.calls[call].client_saw ? grpc::status_text(*r.calls[call].client_saw) : "nothing");
  }
  return seen;
}

// A client that cancels a bidi call at 5 ms while the server, waiting for its half-close,
// stays silent (§1.6 row F).
Scenario client_abort(const std::string& preset) {
  Scenario s = scenario_from_text(R"pb(
    calls {
      kind: BIDI_STREAMING
      client { messages: 1 message_bytes: 8 half_close: NEVER cancel_after_ns: 5000000 }
      server { action: RESPOND status { code: 0 } }
    }
  )pb");
  return with_preset(s, preset);
}

TEST(Presets, AreListedWithTheirSources) {
  for (const char* name : {"passthrough", "haproxy-2.6", "haproxy-3.2"}) {
    const proxy::ProxyPolicy* p = proxy::find_preset(name);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_FALSE(p->source.empty()) << name;
  }
  EXPECT_EQ(proxy::find_preset("haproxy-9"), nullptr);
  EXPECT_NE(validate_case(with_preset(scenario_from_text("calls {}"), "haproxy-9")).find("known: "), std::string::npos);
}

TEST(Haproxy26Preset, ResetsStillUploadingClientWithCancelAfterTheTrailers) {
  Result r = run_plain(scenario_from_file("founding-case.textproto"));
  EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, false, h2::StreamId{1}), (V{"HEADERS[ES]", "RST_STREAM(CANCEL)"}));
  // Both leave in one flush (§1.6 row A).
  const h2::FrameRecord* headers = nullptr;
  const h2::FrameRecord* rst = nullptr;
  for (const auto& f : r.frames) {
    if (f.sent && f.endpoint.leg == h2::Leg::downstream && !f.endpoint.client_side && f.stream_id == h2::StreamId{1}) {
      (f.type == h2::FrameType::headers ? headers : rst) = &f;
    }
  }
  ASSERT_TRUE(headers && rst);
  EXPECT_EQ(headers->batch, rst->batch);
  EXPECT_GE(r.marks.count("proxy: RST(CANCEL) after a complete response to an uploading client"), 1u);
}

TEST(Haproxy26Preset, SendsNoResetToAClientThatAlreadyHalfClosed) {
  Result r = run_plain(scenario_from_file("founding-case-client-half-closed.textproto"));
  EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, false, h2::StreamId{1}), (V{"HEADERS[ES]"}));
}

TEST(Haproxy26Preset, AnUpstreamResetAfterTheClientHalfClosedIsNotPassedOn) {
  // Cut every flush before its last frame and read one segment at a time: the server reads the
  // request HEADERS before the client's DATA(END_STREAM), so it aborts with RST(NO_ERROR), which
  // reaches the proxy after the client's END_STREAM did (§1.6 row B): the stream is closed on
  // both sides of the proxy, so nothing is reset.
  ScriptedChoices choices([](uint32_t, uint32_t n, sim::Label label) {
    return label == sim::Label::split || label == sim::Label::read ? n - 1 : 0;
  });
  Result r = run_case(scenario_from_file("founding-case-client-half-closed.textproto"), choices);
  EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, false, h2::StreamId{1}), (V{"HEADERS[ES]", "RST_STREAM(NO_ERROR)"}));
  EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, false, h2::StreamId{1}), (V{"HEADERS[ES]"}));
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::permission_denied);
}

// Measured live (h2sim live --differential): after response headers, with the client's
// END_STREAM already in, an upstream reset ends the client stream with an empty DATA(END_STREAM).
TEST(Haproxy26Preset, AnAbortAfterTheClientEndedEndsTheResponseWithoutTrailers) {
  Result r = run_plain(scenario_from_file("regression-haproxy26-abort-after-client-ended.textproto"));
  EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, false, h2::StreamId{1}), (V{"HEADERS", "DATA", "RST_STREAM(INTERNAL_ERROR)"}));
  // haproxy writes the END_STREAM as a DATA frame of its own, never on the message's DATA still
  // queued: grpc-java words the two apart (docs/fidelity.md item 21).
  EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, false, h2::StreamId{1}), (V{"HEADERS", "DATA", "DATA[ES]"}));
  ASSERT_TRUE(r.calls[0].client_saw);
  // What grpc++ 1.51 reported live, 20 runs of 20.
  EXPECT_EQ(*r.calls[0].client_saw, (grpc::Status{grpc::Code::unknown, "Stream removed"}));
  EXPECT_EQ(r.marks.count("proxy: abort ends the response with an empty DATA(END_STREAM), no trailers"), 1u);
}

// Measured live (the 200 x 5 differential, docs/fidelity.md item 14): the same abort with the
// client still uploading ends the response with an empty DATA(END_STREAM) too (h2_do_shutw), and
// then resets the client with CANCEL (h2_do_shutr). A grpc-go client reads the end first:
// INTERNAL, as live 5 runs of 5; the preset used to send the RST(CANCEL) alone (CANCELLED).
TEST(Haproxy26Preset, AnAbortOfAnUploadingClientEndsTheResponseThenCancels) {
  Result r = run_plain(scenario_from_file("regression-haproxy26-abort-ends-response-then-cancels.textproto"));
  EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, false, h2::StreamId{1}), (V{"HEADERS", "DATA", "RST_STREAM(REFUSED_STREAM)"}));
  // As above, the END_STREAM in a DATA frame of its own, as live (item 14: one write of four frames).
  EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, false, h2::StreamId{1}),
            (V{"HEADERS", "DATA", "DATA[ES]", "RST_STREAM(CANCEL)"}));
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(*r.calls[0].client_saw, (grpc::Status{grpc::Code::internal, "server closed the stream without sending trailers"}));
  EXPECT_EQ(r.marks.count("proxy: abort ends the response with an empty DATA(END_STREAM), then resets the uploading client"), 1u);
  EXPECT_EQ(r.marks.count("proxy: RST(CANCEL) after a complete response to an uploading client"), 0u)
      << "the response was cut short, not complete";

  // haproxy 3.2 resets with CANCEL alone (not measured live: Debian 12 ships 2.6).
  Scenario s = scenario_from_file("regression-haproxy26-abort-ends-response-then-cancels.textproto");
  s.mutable_proxy()->set_preset("haproxy-3.2");
  r = run_plain(s);
  EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, false, h2::StreamId{1}), (V{"HEADERS", "DATA", "RST_STREAM(CANCEL)"}));
}

// mux_h2.c answers DATA on a stream it has closed with RST_STREAM(STREAM_CLOSED); seen live with
// haproxy 2.6.12 when grpc-java's message crossed haproxy's reset (docs/behaviours.md §1.2).
// nghttpx's nghttp2 session drops such DATA without a word.
TEST(Haproxy26Preset, AnswersDataThatCrossedItsResetWithStreamClosed) {
  Scenario s = scenario_from_file("haproxy-resets-data-that-crossed-its-reset.textproto");
  Result r = run_plain(s);
  EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, false, h2::StreamId{3}),
            (V{"HEADERS[ES]", "RST_STREAM(CANCEL)", "RST_STREAM(STREAM_CLOSED)"}));
  EXPECT_EQ(r.marks.count("proxy: RST(STREAM_CLOSED) for DATA after its reset"), 1u);
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::permission_denied);  // grpc-java ignores it

  s.mutable_proxy()->set_preset("haproxy-3.2");
  r = run_plain(s);
  EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, false, h2::StreamId{3}),
            (V{"HEADERS[ES]", "RST_STREAM(NO_ERROR)", "RST_STREAM(STREAM_CLOSED)"}));

  s.mutable_proxy()->set_preset("nghttpx");
  r = run_plain(s);
  EXPECT_EQ(r.marks.count("proxy: RST(STREAM_CLOSED) for DATA after its reset"), 0u);
  for (const std::string& frame : sent_on_stream(r, h2::Leg::downstream, false, h2::StreamId{3})) {
    EXPECT_NE(frame, "RST_STREAM(STREAM_CLOSED)");
  }
}

// What follows for grpc-js (docs/fidelity.md item 23): haproxy 3.x's RST(NO_ERROR) after the
// trailers leaves the OK in place, its RST(STREAM_CLOSED) for the crossed message replaces it.
TEST(Haproxy32Preset, ItsResetForDataThatCrossedItTurnsAGrpcJsOkIntoInternal) {
  Result r = run_plain(scenario_from_file("haproxy32-grpcjs-ok-replaced-by-reset-for-crossed-data.textproto"));
  EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, false, h2::StreamId{1}),
            (V{"HEADERS[ES]", "RST_STREAM(NO_ERROR)", "RST_STREAM(STREAM_CLOSED)"}));
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(*r.calls[0].client_saw, (grpc::Status{grpc::Code::internal, "Received RST_STREAM with code 5"}));
}

TEST(Haproxy26Preset, PresentsAClientAbortToTheServerAsEndStreamThenCancel) {
  Result r = run_plain(client_abort("haproxy-2.6"));
  EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, true, h2::StreamId{1}),
            (V{"HEADERS", "DATA", "DATA[ES]", "RST_STREAM(CANCEL)"}));
  EXPECT_TRUE(r.calls[0].server_saw_cancel);
}

TEST(Haproxy32Preset, ResetsStillUploadingClientWithNoErrorAfterTheTrailers) {
  Result r = run_plain(scenario_from_file("founding-case-haproxy-3.2.textproto"));
  EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, false, h2::StreamId{1}), (V{"HEADERS[ES]", "RST_STREAM(NO_ERROR)"}));
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::permission_denied);
}

TEST(Haproxy32Preset, SendsNoResetToAClientThatAlreadyHalfClosed) {
  Result r = run_plain(with_preset(scenario_from_file("founding-case-client-half-closed.textproto"),
                                   "haproxy-3.2"));
  EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, false, h2::StreamId{1}), (V{"HEADERS[ES]"}));
}

TEST(Haproxy32Preset, ForwardsAClientAbortAsCancelOnly) {
  Result r = run_plain(client_abort("haproxy-3.2"));
  EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, true, h2::StreamId{1}), (V{"HEADERS", "DATA", "RST_STREAM(CANCEL)"}));
}

TEST(PassthroughPreset, ForwardsTheServersNoErrorReset) {
  Result r = run_plain(scenario_from_file("founding-case-passthrough.textproto"));
  EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, false, h2::StreamId{1}), (V{"HEADERS[ES]", "RST_STREAM(NO_ERROR)"}));
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::permission_denied);
}

TEST(PassthroughPreset, ForwardsAClientAbortWithItsCode) {
  Result r = run_plain(client_abort("passthrough"));
  EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, true, h2::StreamId{1}), (V{"HEADERS", "DATA", "RST_STREAM(CANCEL)"}));
}

TEST(H2Relay, RelaysAStreamingCallCompletelyAndLeavesNothingBehind) {
  Scenario s = scenario_from_text(R"pb(
    proxy { preset: "haproxy-2.6" }
    calls {
      kind: BIDI_STREAMING
      client { messages: 3 message_bytes: 100 interval_ns: 1000 half_close: AFTER_MESSAGES }
      server { action: RESPOND messages: 4 message_bytes: 3000 status { code: 0 } }
    }
    calls {
      kind: UNARY
      client { messages: 1 message_bytes: 10 }
      server { action: RESPOND messages: 1 message_bytes: 10 status { code: 5 message: "gone" } }
    }
  )pb");
  for (uint64_t seed = 0; seed < 100; ++seed) {
    sim::SeededChoices choices(seed);
    Result r = run_case(s, choices);
    ASSERT_EQ(r.calls[0].client_saw->code, grpc::Code::ok) << seed;
    ASSERT_EQ(r.calls[0].responses_received, (std::vector<uint32_t>{0, 1, 2, 3})) << seed;
    ASSERT_EQ(r.calls[0].requests_received, (std::vector<uint32_t>{0, 1, 2})) << seed;
    ASSERT_EQ(*r.calls[1].client_saw, (grpc::Status{grpc::Code::not_found, "gone"})) << seed;
    ASSERT_TRUE(r.proxy_leftovers.empty()) << seed << ": " << r.proxy_leftovers[0];
    ASSERT_TRUE(r.violations.empty()) << seed << ": " << r.violations[0].what;
  }
}

// With a pool, a call's last upstream frame (a cancel, an upload's DATA) leaves with the pool's
// output, after its client connection's pass: the relay must still let the call go and give the
// client its window back, though no later event comes for that connection. The two cases the
// first many-connections campaign found, under every pool size and stream limit and 20 seeds.
TEST(H2Relay, APooledCallIsLetGoAndItsWindowReopenedWithNoLaterEventForItsClient) {
  for (const char* file : {"regression-pool-cancel-leak.textproto", "regression-pool-window-stall.textproto"}) {
    for (uint32_t pool : {1u, 2u}) {
      for (uint32_t streams : {1u, 100u}) {
        Scenario s = scenario_from_file(file);
        s.mutable_proxy()->set_upstream_connections(pool);
        s.mutable_proxy()->set_upstream_max_concurrent_streams(streams);
        for (uint64_t seed = 0; seed < 20; ++seed) {
          sim::SeededChoices choices(seed);
          Result r = run_case(s, choices);
          std::string where = std::string(file) + ", pool " + std::to_string(pool) + ", streams " +
                              std::to_string(streams) + ", seed " + std::to_string(seed);
          ASSERT_TRUE(r.proxy_leftovers.empty()) << where << ": " << r.proxy_leftovers[0];
          for (const grpc::CallOutcome& c : r.calls) ASSERT_TRUE(c.client_saw.has_value()) << where << ": call " << c.call;
        }
      }
    }
  }
}

}  // namespace
}  // namespace h2sim

namespace h2sim {
namespace {

TEST(Haproxy26Preset, AClientThatCancelsAfterHalfClosingIsResetUpstreamOnce) {
  // Was a crash (the relay queued a second END_STREAM): see the scenario's comment.
  sim::PlainChoices choices;
  Result r = run_case(testing::scenario_from_file("regression-cancel-after-half-close.textproto"), choices);
  EXPECT_EQ(testing::sent_on_stream(r, h2::Leg::upstream, true, h2::StreamId{1}),
            (std::vector<std::string>{"HEADERS", "DATA[ES]", "RST_STREAM(CANCEL)"}));
  EXPECT_TRUE(r.calls[0].client_cancelled);
  EXPECT_TRUE(r.calls[0].server_saw_cancel);
}

}  // namespace
}  // namespace h2sim

namespace h2sim {
namespace {

// nginx holds the reset of an aborted client stream while another call is relayed, until the
// connection's next event: here the first call's response, 30 ms on (measured live; the
// scenario's comment). With one call it leaves at once, without the DATA read with it.
TEST(NginxPreset, QueuesAResetWhileAnotherCallIsRelayedAndDropsTheDataReadWithIt) {
  sim::PlainChoices plain;
  Result r = run_case(testing::scenario_from_file("nginx-queues-reset-while-another-call-waits.textproto"), plain);
  ASSERT_TRUE(r.calls[1].client_saw);
  EXPECT_EQ(r.calls[1].client_saw->code, grpc::Code::internal);
  EXPECT_EQ(testing::sent_on_stream(r, h2::Leg::downstream, false, h2::StreamId{3}),
            (std::vector<std::string>{"HEADERS", "RST_STREAM(INTERNAL_ERROR)"}));
  EXPECT_GE(r.calls[1].client_status_at.ns, 30'000'000);
  EXPECT_GE(r.calls[1].client_status_at.ns, r.calls[0].server_status_at.ns);
  EXPECT_GT(r.marks.count("proxy: reset queued until the client's next frame (another call still relayed)"), 0u);

  Result alone = run_case(testing::scenario_from_file("nginx-drops-response-read-with-reset.textproto"), plain);
  EXPECT_EQ(testing::sent_on_stream(alone, h2::Leg::downstream, false, h2::StreamId{1}),
            (std::vector<std::string>{"HEADERS", "RST_STREAM(INTERNAL_ERROR)"}));
  EXPECT_LT(alone.calls[0].client_status_at.ns, 5'000'000);
}

// nghttpx writes nothing of what it read with the server's reset: headers, message and reset
// in one read reach the client as the reset alone (live, docs/fidelity.md item 18). Where only
// the end of a large message came with the reset, the client holds a message cut short, which
// grpc-go reads as "unexpected EOF" (the differential's case 63).
TEST(NghttpxPreset, DropsWhatItReadWithTheServersReset) {
  Result r = run_plain(scenario_from_file("nghttpx-drops-response-read-with-reset.textproto"));
  EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, false, h2::StreamId{1}), (V{"RST_STREAM(INTERNAL_ERROR)"}));
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(*r.calls[0].client_saw, (grpc::Status{grpc::Code::internal, "Received RST_STREAM with error code 2"}));

  Scenario cut = scenario_from_text(R"pb(
    proxy { preset: "nghttpx" }
    client: "grpc-go"
    calls {
      kind: SERVER_STREAMING
      client { messages: 1 message_bytes: 16 }
      server { action: RESET read_messages: 1 messages: 2 message_bytes: 40000 }
    })pb");
  r = run_plain(cut);
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(*r.calls[0].client_saw, (grpc::Status{grpc::Code::internal, "unexpected EOF"}));
  EXPECT_EQ(r.calls[0].responses_received, (std::vector<uint32_t>{0}));
  // haproxy writes what it has first: the whole second message, ending the response there.
  r = run_plain(with_preset(cut, "haproxy-2.6"));
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(*r.calls[0].client_saw,
            (grpc::Status{grpc::Code::internal, "server closed the stream without sending trailers"}));
  EXPECT_EQ(r.calls[0].responses_received, (std::vector<uint32_t>{0, 1}));
}

// The server connections a run's proxy opened, and the request streams it opened on them.
std::set<uint32_t> upstream_connections(const Result& r) {
  std::set<uint32_t> out;
  for (const h2::FrameRecord& f : r.frames) {
    if (f.endpoint.leg == h2::Leg::upstream) out.insert(f.endpoint.connection);
  }
  return out;
}

// Live through nghttpx 1.52 (2026-12-07): a client's CANCEL, and grpc-core's ENHANCE_YOUR_CALM,
// reached the server as INTERNAL_ERROR (ClientAbort::internal_error).
TEST(NghttpxPreset, ResetsTheBackendStreamWithInternalErrorWhateverTheClientsCode) {
  Result r = run_plain(scenario_from_file("nghttpx-resets-the-backend-stream-with-internal-error.textproto"));
  EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, true, h2::StreamId{1}),
            (V{"HEADERS", "DATA", "DATA", "RST_STREAM(INTERNAL_ERROR)"}));
  EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, true, h2::StreamId{1}).back(), "RST_STREAM(CANCEL)");
  EXPECT_EQ(r.calls[0].client_saw, (grpc::Status{grpc::Code::cancelled, "Cancelled"}));
  Result core = run_plain(scenario_from_file("grpc-core-closes-its-connection-after-a-header-list-past-its-limit.textproto"));
  EXPECT_EQ(sent_on_stream(core, h2::Leg::upstream, true, h2::StreamId{1}).back(), "RST_STREAM(INTERNAL_ERROR)");
  EXPECT_EQ(sent_on_stream(core, h2::Leg::downstream, true, h2::StreamId{1})[3], "RST_STREAM(ENHANCE_YOUR_CALM)");
}

// nginx with no `keepalive` (live, nginx 1.22.1, 2026-12-07): each call on a backend connection of
// its own, as its stream 1; a client's CANCEL reaches the server as the close of that connection,
// with no RST_STREAM; a scenario's pool (`keepalive`) shares connections and passes the code on.
TEST(NginxPreset, GivesEachCallABackendConnectionOfItsOwn) {
  Scenario s = scenario_from_file("nginx-closes-the-backend-connection-of-each-call.textproto");
  Result r = run_plain(s);
  EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, true, h2::StreamId{1}), (V{"HEADERS", "DATA", "DATA", "HEADERS", "DATA[ES]"}));
  EXPECT_TRUE(sent_on_stream(r, h2::Leg::upstream, true, h2::StreamId{3}).empty());
  EXPECT_EQ(r.calls[0].client_saw, (grpc::Status{grpc::Code::cancelled, "Cancelled"}));
  ASSERT_TRUE(r.calls[1].client_saw);
  EXPECT_EQ(r.calls[1].client_saw->code, grpc::Code::ok);
  // Three connections: the client's, and one to the server for each call, each closed by nginx.
  std::set<uint32_t> upstream_closed;
  for (const sim::SegmentRecord& seg : r.segments) {
    if (seg.connection > 0 && seg.from_connecting_end && seg.fin) upstream_closed.insert(seg.connection);
  }
  EXPECT_EQ(upstream_closed, (std::set<uint32_t>{1, 2}));
  // With `keepalive 1` the same: the cancelled call's connection is not kept (live, below).
  s.mutable_proxy()->set_upstream_connections(1);
  r = run_plain(s);
  EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, true, h2::StreamId{1}), (V{"HEADERS", "DATA", "DATA", "HEADERS", "DATA[ES]"}));
  EXPECT_TRUE(sent_on_stream(r, h2::Leg::upstream, true, h2::StreamId{3}).empty());
}

// nginx's `keepalive N` (a scenario's upstream_connections), live 2026-12-07: still a connection
// per call, an idle one (the most recently freed) reused by a later call as stream 3, and a
// client's CANCEL still closes its call's connection with no RST_STREAM. The scenario's pool
// multiplexed the calls and passed the CANCEL on until then.
TEST(NginxPreset, KeepaliveReusesIdleBackendConnectionsOneCallAtATime) {
  Result r = run_plain(scenario_from_file("nginx-keepalive-reuses-idle-backend-connections.textproto"));
  EXPECT_EQ(upstream_connections(r).size(), 2u);
  EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, true, h2::StreamId{1}),
            (V{"HEADERS", "DATA[ES]", "HEADERS", "DATA[ES]"}));
  EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, true, h2::StreamId{3}), (V{"HEADERS", "DATA[ES]"}));
  ASSERT_EQ(r.calls.size(), 3u);
  // The later call goes on the connection freed last: call 0's, held 200 ms by its handler.
  uint32_t later = 0, first = 0;
  for (const h2::FrameRecord& f : r.frames) {
    if (f.endpoint.leg != h2::Leg::upstream || !f.sent || f.type != h2::FrameType::headers) continue;
    if (f.stream_id == h2::StreamId{3}) later = f.endpoint.connection;
    if (f.stream_id == h2::StreamId{1} && first == 0) first = f.endpoint.connection;
  }
  EXPECT_EQ(later, first);
  for (const auto& call : r.calls) EXPECT_TRUE(call.client_saw && call.client_saw->code == grpc::Code::ok);

  r = run_plain(scenario_from_file("nginx-keepalive-client-cancel-closes-the-backend-connection.textproto"));
  EXPECT_EQ(upstream_connections(r).size(), 2u);
  for (const h2::FrameRecord& f : r.frames) {
    EXPECT_FALSE(f.endpoint.leg == h2::Leg::upstream && f.type == h2::FrameType::rst_stream) << "no RST_STREAM";
  }
}

// A server's reset ends a keepalive connection's reuse; a trailers-only status with
// RST_STREAM(NO_ERROR) does not (live, the scenario's header): the four calls' streams.
TEST(NginxPreset, KeepaliveEndsAConnectionsReuseOnAServersReset) {
  Result r = run_plain(scenario_from_file("nginx-keepalive-server-reset-closes-the-backend-connection.textproto"));
  std::vector<int32_t> streams;
  for (const h2::FrameRecord& f : r.frames) {
    if (f.endpoint.leg == h2::Leg::upstream && f.sent && f.type == h2::FrameType::headers && f.endpoint.client_side) {
      streams.push_back(f.stream_id.value);
    }
  }
  EXPECT_EQ(streams, (std::vector<int32_t>{1, 1, 3, 5}));
  EXPECT_EQ(upstream_connections(r).size(), 2u);
}

// A proxy's own 502 carries its own page, as long as the real one's (the scenario's header):
// nginx 157 bytes, Apache 272, Caddy none (the HEADERS ends the stream).
TEST(ProxyPresets, EachAnswersWithItsOwnErrorPage) {
  const std::pair<const char*, uint32_t> presets[] = {
      {"nginx", 157}, {"nginx-1.18", 157}, {"apache-2.4", 272}, {"caddy-2.6", 0}};
  for (const auto& [preset, length] : presets) {
    Scenario s = scenario_from_file("proxy-502-page-after-a-server-reset.textproto");
    s.mutable_proxy()->set_preset(preset);
    Result r = run_plain(s);
    std::vector<uint32_t> data;
    bool headers_ended = false;
    for (const h2::FrameRecord& f : r.frames) {
      if (f.endpoint.leg != h2::Leg::downstream || !f.sent || f.endpoint.client_side) continue;
      if (f.type == h2::FrameType::data) data.push_back(f.length);
      if (f.type == h2::FrameType::headers && f.end_stream()) headers_ended = true;
    }
    EXPECT_EQ(data, length ? std::vector<uint32_t>{length} : std::vector<uint32_t>{}) << preset;
    EXPECT_EQ(headers_ended, length == 0) << preset;
    ASSERT_EQ(r.calls.size(), 1u);
    EXPECT_TRUE(r.calls[0].client_saw && r.calls[0].client_saw->code == grpc::Code::unavailable) << preset;
  }
}

// A proxy's idle timeout answers a silent server with its own 504 page, as long as the real one's
// (live, scenarios/proxy-504-after-idle-timeout.textproto: nginx 167 bytes, haproxy 92), and lets
// the server's stream go as the real one did: nginx closes the call's backend connection without
// a RST_STREAM, haproxy resets the stream with CANCEL.
TEST(ProxyPresets, EachTimesOutASilentServerWithItsOwn504) {
  struct Expected {
    const char* preset;
    uint32_t page;
    bool upstream_reset;
  };
  for (const Expected& e : {Expected{"nginx", 167, false}, Expected{"haproxy-2.6", 92, true}}) {
    Scenario s = scenario_from_file("proxy-504-after-idle-timeout.textproto");
    s.mutable_proxy()->set_preset(e.preset);
    Result r = run_plain(s);
    std::vector<uint32_t> data;
    bool upstream_reset = false;
    for (const h2::FrameRecord& f : r.frames) {
      if (!f.sent || f.endpoint.peer != h2::Peer::proxy) continue;
      bool to_client = f.endpoint.leg == h2::Leg::downstream;
      if (to_client && f.type == h2::FrameType::data) data.push_back(f.length);
      if (!to_client && f.type == h2::FrameType::rst_stream) upstream_reset = true;
    }
    EXPECT_EQ(data, std::vector<uint32_t>{e.page}) << e.preset;
    EXPECT_EQ(upstream_reset, e.upstream_reset) << e.preset;
    ASSERT_EQ(r.calls.size(), 1u);
    EXPECT_TRUE(r.calls[0].client_saw && r.calls[0].client_saw->code == grpc::Code::unavailable) << e.preset;
    EXPECT_TRUE(r.calls[0].server_saw_cancel) << e.preset;
  }
}

// After the response headers a proxy's idle timeout aborts the call as its server failing would
// (live, scenarios/proxy-idle-timeout-after-response-headers.textproto): nginx resets the client
// with INTERNAL_ERROR, haproxy 2.6 ends the response with an empty DATA(END_STREAM) and no
// trailers, which grpc-core reads as UNKNOWN "Stream removed".
TEST(ProxyPresets, EachTimesOutAStreamAfterItsHeadersAsItsProxyDid) {
  struct Expected {
    const char* preset;
    std::string last_frame;
    grpc::Code client_saw;
  };
  for (const Expected& e : {Expected{"nginx", "RST_STREAM(INTERNAL_ERROR)", grpc::Code::internal},
                            Expected{"haproxy-2.6", "DATA[ES]", grpc::Code::unknown}}) {
    Scenario s = scenario_from_file("proxy-idle-timeout-after-response-headers.textproto");
    s.mutable_proxy()->set_preset(e.preset);
    Result r = run_plain(s);
    std::vector<std::string> to_client = testing::sent_on_stream(r, h2::Leg::downstream, false, h2::StreamId{1});
    ASSERT_FALSE(to_client.empty()) << e.preset;
    EXPECT_EQ(to_client.back(), e.last_frame) << e.preset;
    ASSERT_EQ(r.calls.size(), 1u);
    EXPECT_TRUE(r.calls[0].client_saw && r.calls[0].client_saw->code == e.client_saw) << e.preset;
    EXPECT_FALSE(r.calls[0].server_sent) << e.preset;
  }
}

// Of two idle connections, nginx's keepalive pool gives a later call the one freed last, as live
// in both orders (the scenarios' headers): call 3's stream says which, 5 on the connection that
// served two calls, 3 on the one that served one.
TEST(NginxPreset, KeepaliveTakesTheMostRecentlyFreedConnection) {
  const std::pair<const char*, h2::StreamId> cases[] = {
      {"nginx-keepalive-takes-the-most-recently-freed-connection.textproto", h2::StreamId{5}},
      {"nginx-keepalive-takes-the-most-recently-freed-connection-b.textproto", h2::StreamId{3}},
  };
  for (const auto& [file, want] : cases) {
    Result r = run_plain(scenario_from_file(file));
    EXPECT_EQ(upstream_connections(r).size(), 2u) << file;
    std::optional<h2::StreamId> last;
    for (const h2::FrameRecord& f : r.frames) {
      if (f.endpoint.leg == h2::Leg::upstream && f.sent && f.type == h2::FrameType::headers && f.endpoint.client_side) {
        last = f.stream_id;
      }
    }
    EXPECT_EQ(last, want) << file;
    for (const auto& call : r.calls) EXPECT_TRUE(call.client_saw && call.client_saw->code == grpc::Code::ok) << file;
  }
}

// nginx reads a server's connection through one 4 KiB buffer and sends what a buffer held of a
// response's DATA as one frame (live: 4,053, 4,096, 4,096, 4,096, 4,087, ...; the preset's
// upstream_read_bytes). Without it the relay sends 16,384-byte frames, as the server does.
TEST(NginxPreset, SendsWhatOneBufferOfABackendReadHeldAsOneDataFrame) {
  // The DATA frames the proxy sent the client.
  auto proxy_data_frames = [](const Result& r) {
    std::vector<uint32_t> lengths;
    for (const h2::FrameRecord& f : r.frames) {
      if (f.sent && f.type == h2::FrameType::data && f.endpoint.leg == h2::Leg::downstream && !f.endpoint.client_side) {
        lengths.push_back(f.length);
      }
    }
    return lengths;
  };
  Scenario s = scenario_from_file("nginx-sends-a-buffer-a-data-frame.textproto");
  Result r = run_plain(s);
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::ok);
  std::vector<uint32_t> frames = proxy_data_frames(r);
  EXPECT_EQ(std::accumulate(frames.begin(), frames.end(), uint64_t{0}), 40009u);
  ASSERT_EQ(frames.size(), 10u);
  // The first buffer also held the response's HEADERS frame; the fifth and the ninth a header of
  // one of the server's 16,384-byte DATA frames; the last what was left.
  EXPECT_EQ((std::vector<uint32_t>(frames.begin() + 1, frames.end() - 1)),
            (std::vector<uint32_t>{4096, 4096, 4096, 4087, 4096, 4096, 4096, 4087}));
  EXPECT_LT(frames.front(), 4096u - 9);

  s.mutable_proxy()->set_preset("nghttpx");
  EXPECT_EQ(proxy_data_frames(run_plain(s)).front(), 16384u);
}

// nghttpx puts every client connection's calls on one backend connection, as live (two client
// connections' calls reached the server as streams 1 and 3 of one connection); haproxy keeps a
// backend connection to its frontend's streams (`http-reuse safe`).
TEST(NghttpxPreset, SharesOneBackendConnectionAmongClientConnections) {
  Scenario s = scenario_from_file("nghttpx-shares-its-backend-connection.textproto");
  Result r = run_plain(s);
  EXPECT_EQ(upstream_connections(r).size(), 1u);
  EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, false, h2::StreamId{1}), (V{"HEADERS", "DATA", "HEADERS[ES]"}));
  EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, false, h2::StreamId{3}), (V{"HEADERS", "DATA", "HEADERS[ES]"}));
  for (const auto& call : r.calls) EXPECT_TRUE(call.client_saw && call.client_saw->code == grpc::Code::ok);
  EXPECT_EQ(upstream_connections(run_plain(with_preset(s, "haproxy-2.6"))).size(), 2u);
}

// At the server's SETTINGS_MAX_CONCURRENT_STREAMS nghttpx opens another backend connection
// (live, 3 runs of 3); the pool counted only its own 100 streams a connection until then, and the
// second call waited on the first's connection as stream 3.
TEST(NghttpxPreset, OpensAnotherBackendConnectionAtTheServersStreamLimit) {
  Scenario s = scenario_from_file("nghttpx-opens-another-backend-connection-at-the-server-limit.textproto");
  Result r = run_plain(s);
  EXPECT_EQ(upstream_connections(r).size(), 2u);
  EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, false, h2::StreamId{3}), V{});
  for (const auto& call : r.calls) EXPECT_TRUE(call.client_saw && call.client_saw->code == grpc::Code::ok);
  // Without the server's limit both calls share the connection, as before.
  s.clear_server_settings();
  EXPECT_EQ(upstream_connections(run_plain(s)).size(), 1u);
}

// haproxy too opens another backend connection for the client connection at the server's stream
// limit (live, haproxy 2.6.12, 3 runs of 3); the preset kept one backend connection per client
// connection and nghttp2 queued the second call on it as stream 3 until then.
TEST(HaproxyPreset, OpensAnotherBackendConnectionAtTheServersStreamLimit) {
  Scenario s = scenario_from_file("haproxy-opens-another-backend-connection-at-the-server-limit.textproto");
  Result r = run_plain(s);
  EXPECT_EQ(upstream_connections(r).size(), 2u);
  EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, false, h2::StreamId{3}), V{});
  for (const auto& call : r.calls) EXPECT_TRUE(call.client_saw && call.client_saw->code == grpc::Code::ok);
  // Without the server's limit both calls share the client connection's backend connection.
  s.clear_server_settings();
  r = run_plain(s);
  EXPECT_EQ(upstream_connections(r).size(), 1u);
  EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, false, h2::StreamId{3}), (V{"HEADERS", "DATA", "HEADERS[ES]"}));
}

// A burst past a two-stream server: haproxy never refused a call live (3 runs of 3); a new
// connection is held to the server's limit before its own SETTINGS arrive, not nghttp2's 100.
TEST(HaproxyPreset, SpreadsABurstOverNewBackendConnectionsAndLosesNone) {
  Result r = run_plain(scenario_from_file("haproxy-spreads-a-burst-over-new-backend-connections.textproto"));
  EXPECT_GE(upstream_connections(r).size(), 6u);
  for (const auto& call : r.calls) EXPECT_TRUE(call.client_saw && call.client_saw->code == grpc::Code::ok);
  for (const h2::FrameRecord& f : r.frames) {
    EXPECT_FALSE(f.type == h2::FrameType::rst_stream && f.error_code == h2::ErrorCode::refused_stream)
        << h2::format_frame(f);
  }
}

// After the server's GOAWAY nghttpx keeps the client's connection and opens a new backend
// connection for the next call, which ends OK (live, 2 runs of 2). With a backend connection per
// client connection the preset closed the client's along with it.
TEST(NghttpxPreset, OpensANewBackendConnectionForTheCallAfterAGoaway) {
  Result r = run_plain(scenario_from_file("nghttpx-new-backend-connection-after-goaway.textproto"));
  ASSERT_EQ(r.calls.size(), 4u);
  ASSERT_TRUE(r.calls[3].client_saw);
  EXPECT_EQ(r.calls[3].client_saw->code, grpc::Code::ok);
  EXPECT_EQ(r.calls[3].wire_connection, r.calls[0].wire_connection) << "the client's connection stays";
  EXPECT_EQ(upstream_connections(r).size(), 2u);
}

// Caddy's and Go's x/net transport: one pool for every client connection (live, Caddy 2.6.2,
// 3 runs of 3: streams 3 and 5 of one connection), and another connection at the server's stream
// limit (2 runs of 2). Each client connection had a backend connection of its own until then.
TEST(XNetPresets, ShareOneBackendConnectionAmongClientConnections) {
  for (const char* preset : {"caddy-2.6", "go-proxy"}) {
    SCOPED_TRACE(preset);
    Result r = run_plain(with_preset(scenario_from_file("caddy-shares-its-backend-connection.textproto"), preset));
    EXPECT_EQ(upstream_connections(r).size(), 1u);
    EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, false, h2::StreamId{3}), (V{"HEADERS", "DATA", "HEADERS[ES]"}));
    EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, false, h2::StreamId{5}), (V{"HEADERS", "DATA", "HEADERS[ES]"}));
    for (const auto& call : r.calls) EXPECT_TRUE(call.client_saw && call.client_saw->code == grpc::Code::ok);
    r = run_plain(with_preset(scenario_from_file("nghttpx-opens-another-backend-connection-at-the-server-limit.textproto"),
                              preset));
    EXPECT_EQ(upstream_connections(r).size(), 2u);
    EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, false, h2::StreamId{5}), V{});
  }
}

TEST(ApachePreset, SendsAnEmptyRequestsEndStreamInAnEmptyData) {
  // Found live: see the scenario's comment. Its grpc-java server misses an END_STREAM on HEADERS.
  Scenario s = scenario_from_file("apache-empty-request-ends-in-data.textproto");
  Result r = run_plain(s);
  EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, true, h2::StreamId{1}), (V{"HEADERS", "DATA[ES]"}));
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::unauthenticated);
  // The other presets forward the END_STREAM on the HEADERS, and that server never answers.
  r = run_plain(with_preset(s, "passthrough"));
  EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, true, h2::StreamId{1}), (V{"HEADERS[ES]"}));
  EXPECT_FALSE(r.calls[0].client_saw);
}

TEST(ApachePreset, GrpcJavaWordsTheFrameThatCarriedTheEndStream) {
  // Found live: see the scenario's comment. Apache ends the response on the message's DATA when
  // the server's reset came before the message left, else on an empty DATA; both are reachable.
  Scenario s = scenario_from_file("apache-grpc-java-eos-on-message.textproto");
  EXPECT_EQ(call_statuses(s, 0, 2), (std::set<std::string>{
                                           "INTERNAL: Received unexpected EOS on empty DATA frame from server",
                                           "INTERNAL: Received unexpected EOS on non-empty DATA frame from server"}));
}

TEST(ApachePreset, HoldsAClientStreamingErrorUntilTheUploadEnds) {
  // Found live: see the scenario's comment. The failing handler sends its status alone
  // (trailers-only), which Apache holds until the server's stream closes; the client waits for a
  // response before it half-closes, so the call never ends.
  Scenario s = scenario_from_file("apache-holds-a-client-streaming-error-until-the-upload-ends.textproto");
  Result r = run_plain(s);
  EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, false, h2::StreamId{1}), (V{"HEADERS[ES]"}));
  EXPECT_FALSE(r.calls[0].client_saw);
  r = run_plain(with_preset(s, "passthrough"));
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::unavailable);
  EXPECT_TRUE(r.calls[0].responses_received.empty());
}

TEST(ApachePreset, OpensAStreamWindowOf32767BytesToServers) {
  // Found live: see the scenario's comment. The server's 40,009 bytes stop at the window, in
  // frames of 16,384 and 16,383, until Apache's WINDOW_UPDATE lets the rest go; Apache's connection
  // window is 2^30 - 1, announced by a WINDOW_UPDATE after its SETTINGS.
  Scenario s = scenario_from_file("apache-sometimes-drops-the-response-read-with-a-reset.textproto");
  Result r = run_plain(s);
  std::vector<uint32_t> data;
  uint32_t connection_update = 0;
  for (const h2::FrameRecord& f : r.frames) {
    if (!f.sent || f.endpoint.leg != h2::Leg::upstream) continue;
    if (!f.endpoint.client_side && f.type == h2::FrameType::data) data.push_back(f.length);
    if (f.endpoint.client_side && f.type == h2::FrameType::window_update && f.stream_id == h2::connection_stream_id &&
        connection_update == 0) {
      connection_update = f.length;
    }
  }
  ASSERT_GE(data.size(), 2u);
  EXPECT_EQ(data[0] + data[1], 32767u);
  EXPECT_EQ(connection_update, 4u);  // a WINDOW_UPDATE's payload
  // The other presets open 65,535 bytes: the whole message leaves at once.
  r = run_plain(with_preset(s, "passthrough"));
  uint32_t first_three = 0, seen = 0;
  for (const h2::FrameRecord& f : r.frames) {
    if (f.sent && f.endpoint.leg == h2::Leg::upstream && !f.endpoint.client_side && f.type == h2::FrameType::data &&
        seen++ < 3) {
      first_three += f.length;
    }
  }
  EXPECT_EQ(first_three, 40009u);
}

TEST(ApachePreset, SometimesDropsTheResponseReadWithAReset) {
  // Found live: see the scenario's comment. The tail that came with the server's reset leaves
  // before Apache's reset or is dropped with it; grpc-go words the cut message "unexpected EOF".
  Scenario s = scenario_from_file("apache-sometimes-drops-the-response-read-with-a-reset.textproto");
  EXPECT_EQ(call_statuses(s, 0, 2), (std::set<std::string>{"INTERNAL: unexpected EOF",
                                          "INTERNAL: stream terminated by RST_STREAM with error code: STREAM_CLOSED"}));
  // Relaying it always, as the preset did, never cuts the message.
  static ProxyRegistry relayed;
  std::string error;
  ASSERT_TRUE(relayed.add({.name = "apache-2.4",
                           .factory =
                               [](const ProxyConfig&) {
                                 proxy::ProxyPolicy p = *proxy::find_preset("apache-2.4");
                                 p.data_read_with_reset = proxy::DataReadWithReset::relayed;
                                 return std::make_unique<proxy::H2Relay>(p);
                               }},
                          &error))
      << error;
  for (uint64_t seed = 0; seed < 100; ++seed) {
    sim::SeededChoices choices(seed);
    Result r = run_case(s, choices, relayed);
    ASSERT_TRUE(r.calls[0].client_saw) << seed;
    EXPECT_EQ(r.calls[0].client_saw->message, "stream terminated by RST_STREAM with error code: STREAM_CLOSED") << seed;
  }
}

// The (connection, stream) of each request HEADERS the proxy sends upstream, in order.
std::vector<std::pair<uint32_t, int32_t>> upstream_requests(const Result& r) {
  std::vector<std::pair<uint32_t, int32_t>> requests;
  for (const h2::FrameRecord& f : r.frames) {
    if (f.sent && f.endpoint.leg == h2::Leg::upstream && f.endpoint.client_side && f.type == h2::FrameType::headers) {
      requests.emplace_back(f.endpoint.connection, f.stream_id.value);
    }
  }
  return requests;
}

TEST(ApachePreset, RunsEachConcurrentCallOnABackendConnectionOfItsOwn) {
  // Two calls at once go to the server on two connections, each as stream 1; a third, started
  // after both ended, takes a connection the pool got back, as its stream 3.
  Scenario s = with_preset(scenario_from_text(R"pb(
    calls { kind: UNARY client { messages: 1 } server { messages: 1 delay_ns: 1000000 } }
    calls { kind: UNARY client { messages: 1 } server { messages: 1 delay_ns: 1000000 } }
    calls { kind: UNARY start_ns: 100000000 client { messages: 1 } server { messages: 1 } }
  )pb"), "apache-2.4");
  auto requests = upstream_requests(run_plain(s));
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_NE(requests[0].first, requests[1].first);
  EXPECT_EQ(requests[0].second, 1);
  EXPECT_EQ(requests[1].second, 1);
  EXPECT_TRUE(requests[2].first == requests[0].first || requests[2].first == requests[1].first);
  EXPECT_EQ(requests[2].second, 3);
}

TEST(ApachePreset, LetsALaterCallsStatusComeBeforeAnEarlierCallsEmpty200) {
  // Found live: see the scenario's comment. On connections of their own the later call's status
  // can come before the earlier call's empty 200 aborts grpc-core...
  Scenario s = scenario_from_file("apache-opens-a-backend-connection-per-call.textproto");
  EXPECT_EQ(call_statuses(s, 1, 2), (std::set<std::string>{"NOT_FOUND", "nothing"}));
  // ...which one shared connection, as the preset had, never lets happen.
  s.mutable_proxy()->set_upstream_connections(0);
  EXPECT_EQ(call_statuses(s, 1, 2), (std::set<std::string>{"nothing"}));
}

// x/net's transport with AllowHTTP (h2c), as Caddy's own writes showed (strace, 2026-12-07): its
// first request on a backend connection is stream 3 (its SETTINGS:
// Presets.OpenTheirConnectionsAsTheRealProxiesDid).
void expect_xnet_h2c_first_stream(const char* preset) {
  SCOPED_TRACE(preset);
  Result r = run_plain(with_preset(scenario_from_file("founding-case.textproto"), preset));
  EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, true, h2::StreamId{3}).front(), "HEADERS");
  EXPECT_TRUE(sent_on_stream(r, h2::Leg::upstream, true, h2::StreamId{1}).empty());
}

// What each real proxy said as it opened a client's connection and a server's, read from its own
// writes (strace of the Debian 12 binaries, `h2sim live scenarios/founding-case.textproto --proxy P`
// with a wrapper as --binary, 2026-12-07; docs/fidelity.md "What each proxy tells its clients"
// and "What each proxy tells its servers"): every SETTINGS entry, by id (h2sim sends them in that
// order; haproxy, nghttpx and Caddy mix it), and the connection's WINDOW_UPDATE. nginx-1.18 and
// go-proxy are read from code, as nginx and Caddy.
TEST(Presets, OpenTheirConnectionsAsTheRealProxiesDid) {
  using Settings = std::vector<std::pair<uint16_t, uint32_t>>;
  struct Expected {
    const char* preset;
    Opening to_clients, to_servers;
  };
  const uint32_t widest = 2147483647 - 65535;
  const Opening nginx_clients{Settings{{3, 128}, {4, 65536}, {5, 16777215}}, widest};
  const Opening nginx_servers{Settings{{1, 0}, {2, 0}, {4, 2147483647}}, widest};
  const Opening xnet_clients{Settings{{1, 4096}, {3, 250}, {4, 1048576}, {5, 1048576}, {6, 1048896}}, 1048576 - 65535};
  const Opening xnet_servers{Settings{{2, 0}, {4, 4194304}, {6, 10485760}}, 1u << 30};
  for (const Expected& e : {
           // haproxy opens both connection windows later: HaproxyPreset.OpensItsConnectionWindowsWithItsFirstUpdate.
           Expected{"haproxy-2.6", {Settings{{3, 100}, {8, 1}}, 0}, {Settings{{2, 0}, {3, 100}, {8, 1}}, 0}},
           Expected{"nginx", nginx_clients, nginx_servers},
           Expected{"nginx-1.18", nginx_clients, nginx_servers},
           Expected{"nghttpx", {Settings{{3, 100}, {4, 65535}, {8, 1}, {9, 1}}, 0},
                    {Settings{{3, 100}, {4, 65535}, {9, 1}}, widest}},
           Expected{"caddy-2.6", xnet_clients, xnet_servers},
           Expected{"go-proxy", xnet_clients, xnet_servers},
           Expected{"apache-2.4", {Settings{{3, 100}}, widest}, {Settings{{2, 0}, {4, 32767}}, (1u << 30) - 1 - 65535}},
       }) {
    SCOPED_TRACE(e.preset);
    Result r = run_plain(with_preset(scenario_from_file("founding-case.textproto"), e.preset));
    Opening to_clients = opening_sent(r, 0, false);  // the proxy's first flush to the client
    Opening to_servers = opening_sent(r, 1, true);   // and to the server
    EXPECT_EQ(to_clients, e.to_clients) << text(to_clients);
    EXPECT_EQ(to_servers, e.to_servers) << text(to_servers);
  }
}

// haproxy 2.6.12 opens a connection's window to 2^31 - 1 with the first WINDOW_UPDATE it sends,
// after the first DATA it reads (h2c_send_conn_wu, on both sides; strace of its writes,
// 2026-12-07: WINDOW_UPDATE 0x7fff0000 plus the DATA read, after the client's first DATA). The
// model opens it with the first DATA it passes on.
TEST(HaproxyPreset, OpensItsConnectionWindowsWithItsFirstUpdate) {
  Scenario s = with_preset(scenario_from_file("ok-status-with-message-at-server.textproto"), "haproxy-2.6");
  Result r = run_plain(s);
  for (bool to_client : {true, false}) {
    SCOPED_TRACE(to_client ? "to the client" : "to the server");
    bool data_before = false, opened_after_data = false;
    for (const h2::FrameRecord& f : r.frames) {
      if (f.endpoint.peer != h2::Peer::proxy) continue;
      bool client_leg = f.endpoint.leg == h2::Leg::downstream;
      if (client_leg != to_client) continue;
      if (!f.sent && f.type == h2::FrameType::data && f.length > 0) data_before = true;
      if (f.sent && f.type == h2::FrameType::window_update && f.stream_id.value == 0) {
        EXPECT_TRUE(data_before) << "a connection WINDOW_UPDATE before any DATA was read";
        opened_after_data = true;
      }
    }
    EXPECT_TRUE(opened_after_data);
  }
  EXPECT_EQ(opening_sent(r, 0, false).window_update, 0u);
}

// nginx opens a server's windows to 2^31 - 1 (above): the server's large response then leaves
// without waiting for window updates the real nginx never needed
// (scenarios/grpcgo-reset-cuts-response-message-through-nginx.textproto: both legs as simulated
// live since, where 65,535 bytes against 77,745 had differed).
TEST(NginxPreset, LetsAServersLargeResponseLeaveWithoutWaitingForWindow) {
  Result r = run_plain(scenario_from_file("grpcgo-reset-cuts-response-message-through-nginx.textproto"));
  uint64_t first_flush = 0;  // the server's response DATA in its first flush with DATA
  uint32_t batch = UINT32_MAX;
  for (const h2::FrameRecord& f : r.frames) {
    if (!f.sent || f.type != h2::FrameType::data || f.endpoint.leg != h2::Leg::upstream || f.endpoint.client_side) continue;
    if (batch == UINT32_MAX) batch = f.batch;
    if (f.batch == batch) first_flush += f.length;
  }
  EXPECT_GT(first_flush, 65535u);
}

// nginx passes each 4 KiB buffer of a backend read on before it reads the next, so a reset loses
// only the DATA read in its own buffer: live, 4,053 and 4,096 bytes, then the reset, 5 of 5 runs.
// The preset had dropped all the DATA read with the reset.
TEST(NginxPreset, LosesOnlyTheResetsOwnBufferOfData) {
  Result r = run_plain(scenario_from_file("nginx-passes-the-buffers-before-a-reset.textproto"));
  std::vector<uint32_t> data;
  for (const h2::FrameRecord& f : r.frames) {
    if (f.sent && f.type == h2::FrameType::data && f.endpoint.leg == h2::Leg::downstream && !f.endpoint.client_side) {
      data.push_back(f.length);
    }
  }
  EXPECT_EQ(data, (std::vector<uint32_t>{4053, 4096}));
  EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, false, h2::StreamId{1}),
            (V{"HEADERS", "DATA", "DATA", "RST_STREAM(INTERNAL_ERROR)"}));
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::internal);
  EXPECT_EQ(r.marks.count("proxy: response data read with the reset dropped"), 1u);
}

TEST(CaddyPreset, StartsItsBackendStreamsAtThreeAsCaddyDid) { expect_xnet_h2c_first_stream("caddy-2.6"); }

// The same transport code (x/net 0.7.0's transport.go, newClientConn) behind Traefik's h2c
// backends and any Go reverse proxy reaching a cleartext gRPC server.
TEST(GoProxyPreset, StartsItsBackendStreamsAtThreeAsXNetsH2cTransportDoes) { expect_xnet_h2c_first_stream("go-proxy"); }

TEST(CaddyPreset, EndsAnAbortedResponseInAFrameOfItsOwn) {
  // Found live: see the scenario's comment. Whatever the order of reads, the message leaves
  // before the END_STREAM, in a DATA frame of its own, and grpc-java says "empty".
  Scenario s = scenario_from_file("caddy-abort-ends-response-in-own-frame.textproto");
  for (uint64_t seed = 0; seed < 100; ++seed) {
    sim::SeededChoices choices(seed);
    Result r = run_case(s, choices);
    ASSERT_TRUE(r.calls[0].client_saw) << seed;
    ASSERT_EQ(r.calls[0].client_saw->message, "Received unexpected EOS on empty DATA frame from server") << seed;
    ASSERT_EQ(sent_on_stream(r, h2::Leg::downstream, false, r.calls[0].client_stream),
              (V{"HEADERS", "DATA", "DATA[ES]", "RST_STREAM(NO_ERROR)"}))
        << seed;
  }
}

TEST(CaddyPreset, AnswersDataAfterItsResetWithASecondReset) {
  // Found live: see the scenario's comment. The client's last DATA reaches Caddy after its
  // RST(NO_ERROR) was written; x/net's processData answers it with RST(STREAM_CLOSED), a reply
  // RFC 9113 §5.4.2 allows, and the grpc-js client lets that reset replace its OK.
  Scenario s = scenario_from_file("caddy-resets-twice-for-data-after-its-reset.textproto");
  Result r = run_plain(s);
  EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, false, h2::StreamId{1}),
            (V{"HEADERS[ES]", "RST_STREAM(NO_ERROR)", "RST_STREAM(STREAM_CLOSED)"}));
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(grpc::status_text(*r.calls[0].client_saw), "INTERNAL: Received RST_STREAM with code 5");
  EXPECT_TRUE(r.violations.empty()) << r.violations[0].what;
  // grpc-core sends its END_STREAM in a DATA frame of its own, and x/net answers each frame; it
  // skips a reset on a finished call, so the same answers leave it with OK.
  s.set_client("grpc-core");
  r = run_plain(s);
  EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, false, h2::StreamId{1}),
            (V{"HEADERS[ES]", "RST_STREAM(NO_ERROR)", "RST_STREAM(STREAM_CLOSED)", "RST_STREAM(STREAM_CLOSED)"}));
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::ok);
  EXPECT_TRUE(r.violations.empty()) << r.violations[0].what;
  // nghttpx resets the uploading client alike, and its nghttp2 session drops the late DATA.
  s.set_client("grpc-js");
  r = run_plain(with_preset(s, "nghttpx"));
  EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, false, h2::StreamId{1}), (V{"HEADERS[ES]", "RST_STREAM(NO_ERROR)"}));
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::ok);
}

TEST(NginxPreset, A502DuringALargeUploadLetsTheUploadDrainAndReleasesTheCall) {
  // Was a leak (dropped DATA never reopened the client's window): see the scenario's comment.
  Scenario s = testing::scenario_from_file("regression-nginx-502-upload.textproto");
  for (uint64_t seed = 0; seed < 50; ++seed) {
    sim::SeededChoices choices(seed);
    Result r = run_case(s, choices);
    ASSERT_EQ(r.calls[0].client_saw->code, grpc::Code::unavailable) << seed;
    ASSERT_TRUE(r.proxy_leftovers.empty()) << seed << ": " << r.proxy_leftovers[0];
    ASSERT_EQ(r.end, sim::RunEnd::quiescent) << seed;
  }
}

}  // namespace
}  // namespace h2sim

namespace h2sim {
namespace {

TEST(Haproxy26Preset, AClientThatResetsAnEmptyRequestIsResetUpstreamOnce) {
  // Was a crash: see the scenario's comment.
  sim::PlainChoices choices;
  Result r = run_case(testing::scenario_from_file("regression-cancel-after-empty-request.textproto"), choices);
  EXPECT_EQ(testing::sent_on_stream(r, h2::Leg::upstream, true, h2::StreamId{1}),
            (std::vector<std::string>{"HEADERS[ES]", "RST_STREAM(CANCEL)"}));
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::deadline_exceeded);
}

}  // namespace
}  // namespace h2sim
