// Each client personality on HEADERS(END_STREAM)+RST_STREAM(CANCEL) in one read and across
// reads, and on RST_STREAM(NO_ERROR) without trailers (docs/behaviours.md §2.2, §2.3); each
// server personality's reset habit (§2.1, §5).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "model/grpc/client.h"
#include "model/grpc/personality.h"
#include "model/h2/codec.h"
#include "model/scenario/validate.h"
#include "properties/explore.h"
#include "properties/harness.h"
#include "properties/invariants.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

using testing::Opening;
using testing::opening_sent;
using testing::run_plain;
using testing::text;
using testing::ScriptedChoices;
using testing::scenario_from_file;
using testing::sent_on_stream;

const grpc::Status kServerStatus{grpc::Code::permission_denied, "Details sent by the server"};

Scenario founding(const std::string& client, const std::string& preset = "haproxy-2.6",
                  const std::string& server = "grpc-core") {
  Scenario s = scenario_from_file("founding-case.textproto");
  s.set_client(client);
  s.set_server(server);
  s.mutable_proxy()->set_preset(preset);
  return s;
}

Result split(const Scenario& s) {
  ScriptedChoices choices([](uint32_t, uint32_t n, sim::Label label) {
    return label == sim::Label::split || label == sim::Label::read ? n - 1 : 0;
  });
  return run_case(s, choices);
}

struct ClientRow {
  const char* name;
  grpc::Code one_read;       // HEADERS(ES) + RST(CANCEL) parsed together
  const char* after_trailers;  // what the client sends on the stream after the trailers
  // The same when haproxy's RST(CANCEL) came in the trailers' read and closed the stream.
  const char* after_trailers_and_reset;
};

class ClientPersonalities : public ::testing::TestWithParam<ClientRow> {};

TEST_P(ClientPersonalities, TrailersThenCancelInOneRead) {
  Result r = run_plain(founding(GetParam().name));
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(r.calls[0].client_saw->code, GetParam().one_read) << grpc::status_text(*r.calls[0].client_saw);
  // grpc-go's and grpc-java's reset leaves all the same, on the closed stream (measured live through
  // haproxy 2.6, 2026-12-06: docs/fidelity.md "What each client sends"), and is no finding.
  std::vector<std::string> sent = sent_on_stream(r, h2::Leg::downstream, true, r.calls[0].client_stream);
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.back(), GetParam().after_trailers_and_reset);
  EXPECT_TRUE(r.violations.empty()) << r.violations[0].what;
}

TEST_P(ClientPersonalities, TrailersThenCancelAcrossReadsKeepTheStatus) {
  Result r = split(founding(GetParam().name));
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(*r.calls[0].client_saw, kServerStatus);
  // Its own habit once the trailers arrived while it was still uploading.
  std::vector<std::string> sent = sent_on_stream(r, h2::Leg::downstream, true, r.calls[0].client_stream);
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.back(), GetParam().after_trailers);
}

TEST_P(ClientPersonalities, ResetNoErrorWithoutTrailersIsAnError) {
  // envoy-2024 drops the trailers-only response and resets with NO_ERROR (A2, A4): INTERNAL, as
  // the spec maps it, except in grpc-java, whose Http2Error table makes NO_ERROR UNAVAILABLE.
  Result r = run_plain(founding(GetParam().name, "envoy-2024"));
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(r.calls[0].client_saw->code,
            std::string(GetParam().name) == "grpc-java" ? grpc::Code::unavailable : grpc::Code::internal);
}

INSTANTIATE_TEST_SUITE_P(
    Clients, ClientPersonalities,
    ::testing::Values(ClientRow{"grpc-core", grpc::Code::cancelled, "RST_STREAM(NO_ERROR)", "DATA"},
                      // grpc++'s sync API: no status op pending, so the reset does not replace.
                      ClientRow{"grpc-core-sync", grpc::Code::permission_denied, "RST_STREAM(NO_ERROR)", "DATA"},
                      ClientRow{"grpc-java", grpc::Code::permission_denied, "RST_STREAM(CANCEL)", "RST_STREAM(CANCEL)"},
                      ClientRow{"grpc-go", grpc::Code::permission_denied, "RST_STREAM(NO_ERROR)", "RST_STREAM(NO_ERROR)"},
                      ClientRow{"grpc-js", grpc::Code::permission_denied, "DATA[ES]", "DATA"}),
    [](const auto& info) {
      std::string n = info.param.name;
      n.erase(std::remove(n.begin(), n.end(), '-'), n.end());
      return n;
    });

TEST(ClientPersonalities, GrpcJsNamesTheMissingStatus) {
  Result r = run_plain(founding("grpc-js", "envoy-2024"));
  EXPECT_EQ(r.calls[0].client_saw->message,
            "Received RST_STREAM with code 0 (Call ended without gRPC status)");
}

TEST(ClientPersonalities, GrpcCoreAndGrpcGoReportDeadlineExceededForACancelAtTheDeadline) {
  // The server's RST(CANCEL) reaches the client at 0.4 ms, the instant its deadline expires; the
  // tie is decided for the reset. grpc-core (§2.2 step 5) and grpc-go (handleRSTStream) check
  // the deadline, grpc-java and grpc-js do not; each says it in its own words.
  struct Row {
    const char* name;
    grpc::Code code;
    const char* message;
  };
  for (const Row& row : {Row{"grpc-core", grpc::Code::deadline_exceeded, "Received RST_STREAM with error code 8"},
                         Row{"grpc-go", grpc::Code::deadline_exceeded,
                             "stream terminated by RST_STREAM with error code: CANCEL"},
                         Row{"grpc-java", grpc::Code::cancelled, "RST_STREAM closed stream. HTTP/2 error code: CANCEL"},
                         Row{"grpc-js", grpc::Code::cancelled, "Call cancelled"}}) {
    Scenario s = testing::scenario_from_text(R"pb(
      calls {
        kind: BIDI_STREAMING
        client { messages: 1 message_bytes: 8 half_close: NEVER deadline_ns: 400000 }
        server { action: RESET read_messages: 1 reset_code: 8 delay_ns: 200000 }
      })pb");
    s.set_client(row.name);
    ScriptedChoices reset_first([](uint32_t, uint32_t n, sim::Label label) {
      return label == sim::Label::tie ? n - 1 : 0;
    });
    Result r = run_case(s, reset_first);
    ASSERT_TRUE(r.calls[0].client_saw);
    EXPECT_FALSE(r.calls[0].client_cancelled) << row.name;
    EXPECT_EQ(r.calls[0].client_saw->message, row.message) << row.name;
    EXPECT_EQ(r.calls[0].client_saw->code, row.code) << row.name;
  }
}

// What each real library reported live for the abort after the client ended (docs/fidelity.md:
// haproxy 2.6.12 ends the response with an empty DATA(END_STREAM), nginx forwards the reset),
// 20 runs of 20 each. The personalities once said every reset in grpc-core's words.
TEST(ClientPersonalities, EachSaysWhatItsLibrarySaidLive) {
  struct Row {
    const char* client;
    const char* proxy;
    grpc::Status saw;
  };
  using grpc::Code;
  const Row rows[] = {
      {"grpc-core", "haproxy-2.6", {Code::unknown, "Stream removed"}},
      {"grpc-go", "haproxy-2.6", {Code::internal, "server closed the stream without sending trailers"}},
      {"grpc-java", "haproxy-2.6", {Code::internal, "Received unexpected EOS on empty DATA frame from server"}},
      {"grpc-js", "haproxy-2.6", {Code::internal, "Received RST_STREAM with code 0 (Call ended without gRPC status)"}},
      {"grpc-core", "nginx", {Code::internal, "Received RST_STREAM with error code 2"}},
      {"grpc-go", "nginx", {Code::internal, "stream terminated by RST_STREAM with error code: INTERNAL_ERROR"}},
      {"grpc-java", "nginx", {Code::internal, "RST_STREAM closed stream. HTTP/2 error code: INTERNAL_ERROR"}},
      {"grpc-js", "nginx", {Code::internal, "Received RST_STREAM with code 2 (Internal server error)"}},
  };
  for (const Row& row : rows) {
    Scenario s = testing::scenario_from_file("regression-client-words-after-reset.textproto");
    s.set_client(row.client);
    s.mutable_proxy()->set_preset(row.proxy);
    ScriptedChoices plain([](uint32_t, uint32_t, sim::Label) { return 0u; });
    Result r = run_case(s, plain);
    ASSERT_TRUE(r.calls[0].client_saw) << row.client << " via " << row.proxy;
    EXPECT_EQ(*r.calls[0].client_saw, row.saw) << row.client << " via " << row.proxy;
  }
}

// grpc-js decides the status of a response that ended without trailers when the stream closes
// (subchannel-call.js, 'close'), by the close's rstCode (docs/fidelity.md item 16). Through
// haproxy 2.6, an abort of a client still uploading ends the response and then resets it with
// CANCEL: live, 5 runs of 5 reported CANCELLED "Call cancelled"; the personality said INTERNAL at
// the END_STREAM. Every schedule of the scenario now ends CANCELLED.
TEST(ClientPersonalities, GrpcJsTakesTheStatusOfAResponseWithoutTrailersFromTheStreamsClose) {
  Scenario s = scenario_from_file("regression-grpcjs-reset-after-response-end-through-haproxy.textproto");
  Result r = run_plain(s);
  EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, false, h2::StreamId{1}),
            (std::vector<std::string>{"HEADERS", "DATA", "DATA[ES]", "RST_STREAM(CANCEL)"}));
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(*r.calls[0].client_saw, (grpc::Status{grpc::Code::cancelled, "Call cancelled"}));
  EXPECT_EQ(r.marks.count("grpc-js: a reset closes a stream that ended without trailers"), 1u);
  ExploreReport e = explore(s, ExploreOptions{});
  EXPECT_TRUE(e.complete);
  std::set<std::string> reached = testing::reachable_outcomes(e, 0);
  EXPECT_EQ(reached, (std::set<std::string>{"CANCELLED: Call cancelled"}));

  // With no reset to close it (traefik-oxy drops the trailers, then nothing), the stream closes
  // when the client's own END_STREAM leaves with its last message, 2 ms in: rstCode 0.
  Scenario oxy = testing::scenario_from_text(R"pb(
    proxy { preset: "traefik-oxy" }
    client: "grpc-js"
    calls {
      kind: BIDI_STREAMING
      client { messages: 3 message_bytes: 16 interval_ns: 1000000 }
      server { action: ABORT_AFTER_READING read_messages: 1 status { code: 5 } }
    }
    network { latency_ns_min: 20000 segments_max: 1 }
  )pb");
  r = run_plain(oxy);
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(*r.calls[0].client_saw,
            (grpc::Status{grpc::Code::internal, "Received RST_STREAM with code 0 (Call ended without gRPC status)"}));
  EXPECT_EQ(r.calls[0].client_status_at.ns, 2'000'000) << "at the client's END_STREAM, not the server's";
  // grpc-go publishes the missing status as the END_STREAM arrives.
  oxy.set_client("grpc-go");
  r = run_plain(oxy);
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::internal);
  EXPECT_LT(r.calls[0].client_status_at.ns, 1'000'000);
}

// grpc-go's message reader meets a stream's end inside a response message as io.ErrUnexpectedEOF,
// INTERNAL "unexpected EOF", whatever the reset said (rpc_util.go recvMsg, 1.33.3; live through
// nginx, docs/fidelity.md item 17). A reset between two messages keeps the reset's words, and the
// other stacks keep them either way.
TEST(ClientPersonalities, GrpcGoReadsAResetInsideAResponseMessageAsUnexpectedEof) {
  Scenario s = scenario_from_file("grpcgo-reset-cuts-response-message-through-nginx.textproto");
  Result r = run_plain(s);
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(*r.calls[0].client_saw, (grpc::Status{grpc::Code::internal, "unexpected EOF"}));
  EXPECT_EQ(r.calls[0].responses_received.size(), 1u) << "the first message whole, the second cut short";
  EXPECT_EQ(r.marks.count("grpc-go: the stream ended inside a response message: unexpected EOF"), 1u);

  s.set_client("grpc-core");
  r = run_plain(s);
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::internal);
  EXPECT_NE(r.calls[0].client_saw->message, "unexpected EOF");

  Scenario whole = testing::scenario_from_text(R"pb(
    proxy { preset: "nginx" }
    client: "grpc-go"
    calls {
      kind: BIDI_STREAMING
      client { messages: 1 message_bytes: 16 }
      server { action: RESET read_messages: 1 messages: 1 message_bytes: 16 reset_code: 2 }
    })pb");
  r = run_plain(whole);
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(*r.calls[0].client_saw,
            (grpc::Status{grpc::Code::internal, "stream terminated by RST_STREAM with error code: INTERNAL_ERROR"}));
}

// grpc++'s sync API asks for the status only in Finish(): a response that ended without trailers
// leaves it no status, and a reset in the same read replaces nothing, so Finish() reports UNKNOWN
// "No status received" (live through haproxy 2.6, docs/fidelity.md item 19). The callback API
// asks at once, and the reset is its status.
TEST(ClientPersonalities, GrpcCoreSyncFindsNoStatusWhereAResponseEndedWithoutTrailersBeforeAReset) {
  Scenario s = scenario_from_file("sync-client-no-status-after-response-without-trailers.textproto");
  Result r = run_plain(s);
  EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, false, h2::StreamId{1}),
            (std::vector<std::string>{"HEADERS", "DATA", "DATA[ES]", "RST_STREAM(CANCEL)"}));
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(*r.calls[0].client_saw, (grpc::Status{grpc::Code::unknown, "No status received"}));
  EXPECT_EQ(r.marks.count("grpc-core-sync: reset after a response without trailers, no status op pending"), 1u);

  s.set_client("grpc-core");
  r = run_plain(s);
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(*r.calls[0].client_saw, (grpc::Status{grpc::Code::cancelled, "Received RST_STREAM with error code 8"}));

  // A client-streaming call with its messages written finds no status either (the live case
  // 168), though a reset there replaces held trailers (cases 83, 111, 174).
  Scenario upload = testing::scenario_from_text(R"pb(
    proxy { preset: "haproxy-2.6" }
    client: "grpc-core-sync"
    calls {
      kind: CLIENT_STREAMING
      client { messages: 2 message_bytes: 200 half_close: AFTER_RESPONSE }
      server { action: RESET read_messages: 2 messages: 1 message_bytes: 16 }
    })pb");
  r = run_plain(upload);
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(*r.calls[0].client_saw, (grpc::Status{grpc::Code::unknown, "No status received"}));

  // One that never half-closes is in Finish() since its last write: the reset is its status
  // (live case 136 of the second 200 x 5 run, 5 of 5; docs/fidelity.md item 20).
  upload.mutable_calls(0)->mutable_client()->set_half_close(HalfClose::NEVER);
  r = run_plain(upload);
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(*r.calls[0].client_saw, (grpc::Status{grpc::Code::cancelled, "Received RST_STREAM with error code 8"}));
}

TEST(ClientPersonalities, GrpcCoreTakesTheResetAsTheStatusWhenAWriteIsStillPending) {
  // Trailers and CANCEL in one read while a 40,000-byte message waits for window: the sync API
  // has not asked for the status, but the pending write fails with the reset, which cancels the
  // call (docs/fidelity.md item 20). Every schedule that reaches the client that way ends so.
  Scenario s = scenario_from_file("sync-client-pending-write-fails-with-reset.textproto");
  ExploreReport e = explore(s, ExploreOptions{});
  ASSERT_TRUE(e.complete);
  std::set<std::string> reached = testing::reachable_outcomes(e, 0);
  EXPECT_EQ(reached, (std::set<std::string>{"CANCELLED: Received RST_STREAM with error code 8",
                                            "UNAUTHENTICATED: Details sent by the server"}));
  // The callback API asks at once: the reset is its status whether or not a write waits.
  s.set_client("grpc-core");
  e = explore(s, ExploreOptions{});
  reached = testing::reachable_outcomes(e, 0);
  EXPECT_TRUE(reached.contains("CANCELLED: Received RST_STREAM with error code 8"));
}

TEST(ClientPersonalities, TheDeadlineTimerCancelsACallStillWaiting) {
  Scenario s = testing::scenario_from_text(R"pb(
    calls {
      kind: BIDI_STREAMING
      client { messages: 1 message_bytes: 8 half_close: NEVER deadline_ns: 400000 }
      server { action: RESPOND status { code: 0 } }
    })pb");
  Result r = run_plain(s);
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::deadline_exceeded);
  EXPECT_TRUE(r.calls[0].client_cancelled);
  EXPECT_EQ(sent_on_stream(r, h2::Leg::direct, true, h2::StreamId{1}).back(), "RST_STREAM(CANCEL)");
}

TEST(ClientPersonalities, GrpcGoMapsFlowControlErrorToResourceExhausted) {
  for (const char* name : {"grpc-go", "grpc-core"}) {
    Scenario s = testing::scenario_from_text(R"pb(
      calls {
        kind: BIDI_STREAMING
        client { messages: 1 message_bytes: 8 half_close: NEVER }
        server { action: RESET read_messages: 1 reset_code: 3 }
      })pb");
    s.set_client(name);
    Result r = run_plain(s);
    EXPECT_EQ(r.calls[0].client_saw->code, std::string(name) == "grpc-go"
                                                ? grpc::Code::resource_exhausted
                                                : grpc::Code::internal)
        << name;
  }
}

TEST(ServerPersonalities, GrpcCoreAndGrpcGoResetAfterATrailersOnlyAbort) {
  for (const char* server : {"grpc-core", "grpc-go"}) {
    Result r = run_plain(founding("grpc-core", "haproxy-2.6", server));
    EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, false, h2::StreamId{1}),
              (std::vector<std::string>{"HEADERS[ES]", "RST_STREAM(NO_ERROR)"}))
        << server;
    EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::cancelled) << server;
  }
}

// grpc-js's server aborts the same way (measured live: docs/fidelity.md, "What each server writes").
TEST(ServerPersonalities, GrpcJavaAndGrpcJsSendNoResetSoHaproxyWaits) {
  // §1.6 row E: without the server's RST, HAProxy forwards HEADERS(ES) and lets the upload end.
  for (const char* server : {"grpc-java", "grpc-js"}) {
    for (uint64_t seed = 0; seed < 100; ++seed) {
      sim::SeededChoices choices(seed);
      Result r = run_case(founding("grpc-core", "haproxy-2.6", server), choices);
      ASSERT_EQ(sent_on_stream(r, h2::Leg::upstream, false, h2::StreamId{1}), (std::vector<std::string>{"HEADERS[ES]"}))
          << server;
      ASSERT_EQ(*r.calls[0].client_saw, kServerStatus) << server << " " << seed;
    }
  }
}

// A unary call answered OK with a message: what each client hands its application.
Scenario unary_ok(const std::string& client, const std::string& preset = "passthrough", uint32_t code = 0,
                  uint32_t messages = 1) {
  Scenario s = testing::scenario_from_text(R"pb(
    calls {
      kind: UNARY
      client { messages: 1 message_bytes: 8 }
      server { action: RESPOND status { message: "fine" } }
    }
  )pb");
  s.set_client(client);
  s.mutable_proxy()->set_preset(preset);
  s.mutable_calls(0)->mutable_server()->mutable_status()->set_code(code);
  s.mutable_calls(0)->mutable_server()->set_messages(messages);
  return s;
}

// Measured live (docs/fidelity.md, "An OK status's message"): grpc++, grpc-go and grpc-java
// hand the application an OK status without its message; grpcio and grpc-js keep it.
TEST(ClientPersonalities, OnlyGrpcioAndGrpcJsKeepTheMessageOfAnOkStatus) {
  for (const char* name : {"grpc-core", "grpc-core-sync", "grpc-go", "grpc-java"}) {
    Result r = run_plain(unary_ok(name));
    ASSERT_TRUE(r.calls[0].client_saw) << name;
    EXPECT_EQ(*r.calls[0].client_saw, (grpc::Status{grpc::Code::ok, ""})) << name;
  }
  for (const char* name : {"grpcio", "grpc-js"}) {
    Scenario s = unary_ok(name);
    s.set_server("grpcio");  // a server that sends an OK status's message
    Result r = run_plain(s);
    ASSERT_TRUE(r.calls[0].client_saw) << name;
    EXPECT_EQ(*r.calls[0].client_saw, (grpc::Status{grpc::Code::ok, "fine"})) << name;
  }
  // Only the code of an OK status has to arrive: the invariant holds for both.
  EXPECT_TRUE(all_hold(check_all(run_plain(unary_ok("grpc-core")), unary_ok("grpc-core"))));
}

// grpc++'s BlockingUnaryCall turns OK without a response into UNIMPLEMENTED. No server sends
// that, but a proxy can make it: citrix-adc launders an error to OK after dropping nothing, so a
// trailers-only error (no message) arrives as a bare OK.
TEST(ClientPersonalities, TheSyncUnaryCallReportsOkWithoutAMessageAsUnimplemented) {
  Result sync = run_plain(unary_ok("grpc-core-sync", "citrix-adc", 7, 0));
  ASSERT_TRUE(sync.calls[0].client_saw);
  EXPECT_EQ(*sync.calls[0].client_saw, (grpc::Status{grpc::Code::unimplemented, "No message returned for unary request"}));
  Result callback = run_plain(unary_ok("grpc-core", "citrix-adc", 7, 0));
  EXPECT_EQ(callback.calls[0].client_saw->code, grpc::Code::ok);
}

// grpc++'s sync API asks for the status in Finish(): a client-streaming call once its writes are
// done (Finish is its only way to the response), a bidi call after its reads, which the status
// ends. Through haproxy, with trailers and RST(CANCEL) in one read while the client is open, the
// first loses the status (measured live, 20 of 20 CANCELLED), the second keeps it.
TEST(ClientPersonalities, TheSyncApiAsksForAClientStreamingStatusOnceItsWritesAreDone) {
  Scenario s = scenario_from_file("sync-client-stream-reset-after-trailers.textproto");
  Result client_streaming = run_plain(s);
  ASSERT_TRUE(client_streaming.calls[0].client_saw);
  EXPECT_EQ(client_streaming.calls[0].client_saw->code, grpc::Code::cancelled);
  s.mutable_calls(0)->set_kind(BIDI_STREAMING);
  Result bidi = run_plain(s);
  ASSERT_TRUE(bidi.calls[0].client_saw);
  EXPECT_EQ(bidi.calls[0].client_saw->code, grpc::Code::ok);
}

// nginx answers a reset before response headers with 502 (C22); the HTTP status mapping gives
// UNAVAILABLE, in each stack's words (grpc-core's measured live through grpc++ 1.51, grpc-java's
// through 1.41.3 up to its echo of the headers and body).
TEST(ClientPersonalities, Http502WithoutGrpcStatusIsUnavailableInEachStacksWords) {
  Scenario s = testing::scenario_from_text(R"pb(
    proxy { preset: "nginx" }
    calls {
      kind: UNARY
      client { messages: 1 message_bytes: 8 }
      server { action: RESET reset_code: 2 }
    }
  )pb");
  s.set_client("grpc-core");
  Result core = run_plain(s);
  ASSERT_TRUE(core.calls[0].client_saw);
  EXPECT_EQ(*core.calls[0].client_saw, (grpc::Status{grpc::Code::unavailable, "Received http2 header with status: 502"}));
  s.set_client("grpc-java");
  Result java = run_plain(s);
  ASSERT_TRUE(java.calls[0].client_saw);
  EXPECT_EQ(*java.calls[0].client_saw, (grpc::Status{grpc::Code::unavailable, "HTTP status code 502\ninvalid content-type: text/html"}));
  // grpc-js words it the same way (mapHttpStatusCode) whether the END_STREAM closes the stream or,
  // with the client still uploading, nginx's RST_STREAM(NO_ERROR) after it does (live:
  // scenarios/nginx-502-words.textproto, LivePeers.EachClientWordsAnHttpErrorAsItsPersonalitySays).
  for (const char* text : {R"pb(kind: UNARY client { messages: 1 message_bytes: 8 })pb",
                           R"pb(kind: BIDI_STREAMING client { messages: 2 message_bytes: 16 interval_ns: 10000000 })pb"}) {
    Scenario js = testing::scenario_from_text(std::string(R"pb(proxy { preset: "nginx" } client: "grpc-js" calls { )pb") +
                                              text + R"pb( server { action: RESET reset_code: 8 } })pb");
    Result r = run_plain(js);
    ASSERT_TRUE(r.calls[0].client_saw) << text;
    EXPECT_EQ(*r.calls[0].client_saw, (grpc::Status{grpc::Code::unavailable, "Received HTTP status code 502"})) << text;
  }
}

// Caddy's 502 is its trailers alone, with no content-type: each library words it as it words an
// HTTP error after response headers (live: scenarios/caddy-502-words.textproto,
// LiveCaddyAndApache.EachClientWordsCaddysBodyless502AsItsPersonalitySays).
TEST(ClientPersonalities, WordATrailersOnlyHttpErrorAsAnyOther) {
  Scenario s = scenario_from_file("caddy-502-words.textproto");
  const std::pair<const char*, const char*> words[] = {
      {"grpc-core", "Received http2 header with status: 502"},
      {"grpc-go", "Bad Gateway: HTTP status code 502; transport: missing content-type field"},
      {"grpc-js", "Received HTTP status code 502"},
      {"grpc-java", "HTTP status code 502\ninvalid content-type: null"}};
  for (const auto& [client, message] : words) {
    s.set_client(client);
    Result r = run_plain(s);
    ASSERT_TRUE(r.calls[0].client_saw) << client;
    EXPECT_EQ(*r.calls[0].client_saw, (grpc::Status{grpc::Code::unavailable, message})) << client;
  }
}

// Apache answers a server's early RST_STREAM(NO_ERROR) with an empty 200: trailers alone, with no
// content-type and no grpc-status. grpc-js and grpc-go word it from the HTTP status, as live
// (docs/fidelity.md item 26); grpc-core keeps its own words.
TEST(ClientPersonalities, EachWordsAnEmpty200AsItsLibraryDidLive) {
  Scenario s = scenario_from_file("apache-empty-200-worded-by-grpc-js-and-grpc-go.textproto");
  auto saw = [&](const std::string& client) {
    s.set_client(client);
    Result r = run_plain(s);
    return r.calls[0].client_saw ? grpc::status_text(*r.calls[0].client_saw) : std::string("nothing");
  };
  EXPECT_EQ(saw("grpc-js"), "UNKNOWN: Received HTTP status code 200");
  EXPECT_EQ(saw("grpc-go"), "UNKNOWN: OK: HTTP status code 200; transport: missing content-type field");
  // grpc-core 1.51 aborts the process instead (the next test).
  EXPECT_EQ(saw("grpc-core"), "nothing");
  EXPECT_EQ(saw("grpc-java"), "UNKNOWN: HTTP status code 200\\ninvalid content-type: null");
}

// Found live: see the scenario's comment. The first call's OK stands; the second never ends, the
// client's connection is reset, and the verdict says why.
TEST(ClientPersonalities, GrpcCoreAbortsItsProcessOnTrailersWithoutStatus) {
  Scenario s = scenario_from_file("grpc-core-aborts-on-trailers-without-status.textproto");
  for (const char* client : {"grpc-core", "grpc-core-sync", "grpcio"}) {
    SCOPED_TRACE(client);
    s.set_client(client);
    Result r = run_plain(s);
    ASSERT_TRUE(r.calls[0].client_saw);
    EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::ok);
    EXPECT_FALSE(r.calls[1].client_saw);
    EXPECT_EQ(r.marks.count(grpc::client_process_aborted_mark), 1u);
    bool reset = false;
    for (const sim::SegmentRecord& seg : r.segments) reset = reset || seg.rst;
    EXPECT_TRUE(reset);
    Verdict v = no_hang(r);
    EXPECT_FALSE(v.holds);
    EXPECT_NE(v.detail.find("call 1 never ended at the client: the client process aborted"), std::string::npos) << v.detail;
  }
  // The other libraries word it.
  for (const char* client : {"grpc-js", "grpc-go", "grpc-java"}) {
    s.set_client(client);
    Result r = run_plain(s);
    ASSERT_TRUE(r.calls[1].client_saw) << client;
    EXPECT_EQ(r.calls[1].client_saw->code, grpc::Code::unknown) << client;
    EXPECT_EQ(r.marks.count(grpc::client_process_aborted_mark), 0u) << client;
  }
}

// Unary and client-streaming handlers send exactly one response when they end OK and none with
// another status, whatever the script asks: each library's handler gives a response or an error
// (live: a grpc++ unary client given four never completes; Apache held a grpc-js server's
// trailers-only error that the model had preceded with a message, docs/fidelity.md item 25).
TEST(ServerPersonalities, UnaryHandlersSendOneResponseWhenOkAndNoneOtherwise) {
  for (const char* server : {"grpc-core", "grpcio", "grpc-go", "grpc-js", "grpc-java"}) {
    SCOPED_TRACE(server);
    auto sent = [&](uint32_t code, uint32_t messages) {
      Scenario s = unary_ok("grpc-java", "passthrough", code, messages);
      s.set_server(server);
      return run_plain(s).calls[0].responses_sent;
    };
    EXPECT_EQ(sent(0, 0), (std::vector<uint32_t>{0}));
    EXPECT_EQ(sent(0, 4), (std::vector<uint32_t>{0}));
    EXPECT_TRUE(sent(7, 4).empty());
    EXPECT_TRUE(sent(7, 0).empty());
  }
}

// The grpc-message of an OK status in the trailers each server personality writes for one call
// of each kind (unary, client-, server-, bidi-streaming); empty when none was written.
std::vector<std::string> ok_messages_sent(const std::string& server) {
  Scenario s = scenario_from_file("ok-status-with-message-at-server.textproto");
  s.set_server(server);
  // Through passthrough, whose one backend connection carries the calls as its streams 1 to 7
  // (nginx gives each call a connection of its own, even with `keepalive`).
  s.mutable_proxy()->set_preset("passthrough");
  Result r = run_plain(s);
  std::vector<std::string> out(4);
  for (const h2::FrameRecord& f : r.frames) {
    if (!f.sent || f.endpoint.leg != h2::Leg::upstream || f.endpoint.client_side || f.type != h2::FrameType::headers ||
        !f.end_stream()) {
      continue;
    }
    auto call = static_cast<size_t>((f.stream_id.value - 1) / 2);  // streams 1, 3, 5, 7
    if (call >= out.size()) continue;
    for (const h2::Header& h : f.headers) {
      if (h.first == "grpc-message") out[call] = h.second;
    }
  }
  return out;
}

// Measured live (docs/fidelity.md, "An OK status's message at the server"): through nginx the
// grpcio server sent the message for every kind, grpc++ only for the streaming-response calls,
// grpc-go and grpc-java for none.
TEST(ServerPersonalities, EachSendsAnOkStatusMessageAsItsLibraryDidLive) {
  const std::string m = "Details sent by the server";
  EXPECT_EQ(ok_messages_sent("grpcio"), (std::vector<std::string>{m, m, m, m}));
  EXPECT_EQ(ok_messages_sent("grpc-core"), (std::vector<std::string>{"", "", m, m}));
  EXPECT_EQ(ok_messages_sent("grpc-go"), (std::vector<std::string>{"", "", "", ""}));
  EXPECT_EQ(ok_messages_sent("grpc-java"), (std::vector<std::string>{"", "", "", ""}));
  EXPECT_EQ(ok_messages_sent("grpc-js"), (std::vector<std::string>{"OK", "OK", "OK", "OK"}));
  // The client that keeps an OK status's message sees what was sent; the outcome records it too.
  Scenario s = scenario_from_file("ok-status-with-message-at-server.textproto");
  s.set_server("grpc-core");
  Result r = run_plain(s);
  ASSERT_EQ(r.calls.size(), 4u);
  EXPECT_EQ(*r.calls[0].client_saw, (grpc::Status{grpc::Code::ok, ""}));
  EXPECT_EQ(*r.calls[3].client_saw, (grpc::Status{grpc::Code::ok, "Details sent by the server"}));
  // The application's status stays what it produced.
  EXPECT_EQ(r.calls[0].server_sent, (grpc::Status{grpc::Code::ok, "Details sent by the server"}));
  EXPECT_TRUE(all_hold(check_all(r, s)));
}

// Measured live (docs/fidelity.md, item 3 of the matrix's list): grpc-go's and grpc-java's
// servers never tell the handler that a request ended on its HEADERS, so the call without
// messages ends at its deadline; a message's DATA(END_STREAM) is seen. grpc-core's is answered.
TEST(ServerPersonalities, GrpcGoAndGrpcJavaLoseAnEndStreamOnTheRequestHeaders) {
  const grpc::Status denied{grpc::Code::permission_denied, "Details sent by the server"};
  for (const char* server : {"grpc-go", "grpc-java", "grpc-core", "grpcio"}) {
    Scenario s = scenario_from_file("server-loses-end-stream-on-headers.textproto");
    s.set_server(server);
    Result r = run_plain(s);
    ASSERT_EQ(r.calls.size(), 2u);
    ASSERT_TRUE(r.calls[0].client_saw && r.calls[1].client_saw) << server;
    bool loses = std::string(server) == "grpc-go" || std::string(server) == "grpc-java";
    EXPECT_EQ(r.calls[0].client_saw->code, loses ? grpc::Code::deadline_exceeded : grpc::Code::permission_denied)
        << server;
    EXPECT_EQ(*r.calls[1].client_saw, denied) << server;
  }
  // A unary handler is given its request before it runs: without one it never runs, whatever
  // its script (an abort at once included).
  Scenario unary = testing::scenario_from_text(R"pb(
    server: "grpc-go"
    calls {
      kind: UNARY
      client { messages: 0 deadline_ns: 100000000 end_stream_on_headers: true }
      server { action: ABORT_AT_ONCE status { code: 7 } }
    }
  )pb");
  EXPECT_EQ(run_plain(unary).calls[0].client_saw->code, grpc::Code::deadline_exceeded);
  unary.set_server("grpc-core");
  EXPECT_EQ(run_plain(unary).calls[0].client_saw->code, grpc::Code::permission_denied);
}

// Measured live 2026-12-02 (docs/fidelity.md, "A server's cancel is a status"): grpc++'s
// TryCancel() and grpcio's context.cancel() write a CANCELLED status and RST_STREAM(NO_ERROR), in
// their own words; trailers-only before any response message.
TEST(ServerPersonalities, GrpcCoreAndGrpcioWriteACancelAsAStatusThenNoError) {
  for (const auto& [server, words] : {std::pair{"grpc-core", "Cancelled on the server side"}, {"grpcio", "CANCELLED"}}) {
    Scenario s = scenario_from_file("server-cancels-its-call.textproto");
    s.set_server(server);
    s.clear_proxy();
    Result r = run_plain(s);
    ASSERT_EQ(r.calls.size(), 2u);
    const grpc::Status cancelled{grpc::Code::cancelled, words};
    for (const grpc::CallOutcome& c : r.calls) {
      EXPECT_EQ(c.server_sent, cancelled) << server;
      EXPECT_EQ(c.client_saw, cancelled) << server;
      EXPECT_FALSE(c.server_reset) << server;
    }
    EXPECT_EQ(sent_on_stream(r, h2::Leg::direct, false, h2::StreamId{1}),
              (std::vector<std::string>{"HEADERS[ES]", "RST_STREAM(NO_ERROR)"}))
        << server;
    EXPECT_EQ(r.calls[1].responses_received, (std::vector<uint32_t>{0})) << server;
    // close_from_api resets the server-streaming call too, though its client had half-closed: a
    // frame on a closed stream, which the legal-frames monitor excuses in a library (measured live
    // through nginx, 2026-12-06: the grpc++ server's trailers and RST(NO_ERROR) in one write).
    EXPECT_EQ(sent_on_stream(r, h2::Leg::direct, false, h2::StreamId{3}),
              (std::vector<std::string>{"HEADERS", "DATA", "HEADERS[ES]", "RST_STREAM(NO_ERROR)"}))
        << server;
    EXPECT_TRUE(r.violations.empty()) << server << ": " << r.violations[0].what;
  }
}

// The cancel after the client's half-close, live through nginx 2026-12-06 (3 of 3 runs, frames
// as simulated): the server's trailers and RST(NO_ERROR) on the closed stream, and nginx sends
// nothing downstream for the reset.
TEST(ServerPersonalities, ACancelAfterTheHalfCloseStillEndsOnANoErrorReset) {
  Result r = run_plain(scenario_from_file("server-cancels-after-half-close.textproto"));
  ASSERT_EQ(r.calls.size(), 1u);
  const grpc::Status cancelled{grpc::Code::cancelled, "Cancelled on the server side"};
  EXPECT_EQ(r.calls[0].client_saw, cancelled);
  EXPECT_EQ(sent_on_stream(r, h2::Leg::upstream, false, h2::StreamId{1}),
            (std::vector<std::string>{"HEADERS[ES]", "RST_STREAM(NO_ERROR)"}));
  EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, false, r.calls[0].client_stream),
            (std::vector<std::string>{"HEADERS[ES]"}));
  EXPECT_TRUE(r.violations.empty()) << r.violations[0].what;
}

TEST(ServerPersonalities, OnlyThoseWithACancelCanRunACancel) {
  EXPECT_TRUE(grpc::cancel_status(*grpc::find_server_personality("grpc-core")));
  EXPECT_TRUE(grpc::cancel_status(*grpc::find_server_personality("grpcio")));
  for (const char* server : {"grpc-go", "grpc-java", "grpc-js"}) {
    EXPECT_FALSE(grpc::cancel_status(*grpc::find_server_personality(server))) << server;
    Scenario s = scenario_from_file("server-cancels-its-call.textproto");
    s.set_server(server);
    std::string error = validate(s, builtin_catalogue());
    EXPECT_NE(error.find("call 0: server personality '" + std::string(server) + "' has no way to cancel a call"),
              std::string::npos)
        << error;
  }
}

// Measured live 2026-12-02 with every client peer (the matrix's case 3): a request without
// messages ends on an empty DATA(END_STREAM) after its HEADERS, which a grpc-go server sees; a
// script may still put END_STREAM on the HEADERS (curl does), which it loses.
TEST(ClientPersonalities, EachEndsARequestWithoutMessagesOnAnEmptyDataFrame) {
  const grpc::Status denied{grpc::Code::permission_denied, "Details sent by the server"};
  for (const auto& p : grpc::client_personalities()) {
    Scenario s = scenario_from_file("request-without-messages.textproto");
    s.set_client(std::string(p.name));
    s.clear_proxy();
    Result r = run_plain(s);
    ASSERT_EQ(r.calls.size(), 2u);
    EXPECT_EQ(sent_on_stream(r, h2::Leg::direct, true, r.calls[0].client_stream), (std::vector<std::string>{"HEADERS", "DATA[ES]"}))
        << p.name;
    EXPECT_EQ(r.calls[0].client_saw, denied) << p.name;
    EXPECT_EQ(r.calls[1].client_saw, denied) << p.name;
  }
  Scenario s = scenario_from_file("request-without-messages.textproto");
  s.clear_proxy();
  s.mutable_calls(0)->mutable_client()->set_end_stream_on_headers(true);
  Result r = run_plain(s);
  EXPECT_EQ(sent_on_stream(r, h2::Leg::direct, true, h2::StreamId{1}).front(), "HEADERS[ES]");
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::deadline_exceeded);
  EXPECT_EQ(r.calls[1].client_saw, denied);
}

// The application sees the response headers only after the transport handled the whole read
// (the matrix's case 12 of 2026-12-02, grpc++ and grpcio): a half-close after the response comes
// too late to keep an OK status that shares its read with haproxy's RST(CANCEL). grpc-java and
// grpc-go keep the first status whatever the application does.
TEST(ClientPersonalities, TheApplicationHalfClosesAfterTheReadThatBroughtTheResponse) {
  Scenario s = scenario_from_file("half-close-after-response-in-the-reset-read.textproto");
  for (const char* client : {"grpc-core", "grpcio"}) {
    s.set_client(client);
    Result r = run_plain(s);
    ASSERT_TRUE(r.calls[0].client_saw) << client;
    EXPECT_EQ(*r.calls[0].client_saw, (grpc::Status{grpc::Code::cancelled, "Received RST_STREAM with error code 8"}))
        << client;
  }
  for (const char* client : {"grpc-java", "grpc-go"}) {
    s.set_client(client);
    EXPECT_EQ(run_plain(s).calls[0].client_saw->code, grpc::Code::ok) << client;
  }
}

// grpc-core 1.51.1's SETTINGS as a client and as a server, and its connection window's increment.
const Opening kGrpcCoreClient{{{2, 0}, {3, 0}, {4, 4194303}, {5, 4194303}, {6, 8192}, {0xfe03, 1}}, 4128768};
const Opening kGrpcCoreServer{{{4, 4194303}, {5, 4194303}, {6, 8192}, {0xfe03, 1}}, 4128768};

// Each client personality opens its connection as its library did, read from the tap on
// 2026-12-06 (model/grpc/personality.cc; docs/fidelity.md "What each stack says as a connection
// opens"). The proxy's are haproxy-2.6's (Presets.OpenTheirConnectionsAsTheRealProxiesDid).
TEST(ClientPersonalities, EachOpensItsConnectionAsItsLibraryDidLive) {
  const std::pair<const char*, Opening> rows[] = {
      {"grpc-core", kGrpcCoreClient},
      {"grpc-core-sync", kGrpcCoreClient},
      {"grpcio", kGrpcCoreClient},
      {"grpc-java", {{{2, 0}, {3, 0}, {4, 1048576}, {6, 8192}}, 983041}},
      {"grpc-go", {{}, 0}},
      {"grpc-js", {{{4, 65535}}, 0}},
  };
  for (const auto& [name, want] : rows) {
    Result r = run_plain(founding(name));
    EXPECT_EQ(opening_sent(r, 0, true), want) << name << ": " << text(opening_sent(r, 0, true));
    Opening relay{{{3, 100}, {8, 1}}, 0};  // its connection window opens later
    EXPECT_EQ(opening_sent(r, 0, false), relay) << name << ": " << text(opening_sent(r, 0, false));
  }
}

TEST(ServerPersonalities, EachOpensItsConnectionAsItsLibraryDidLive) {
  const std::pair<const char*, Opening> rows[] = {
      {"grpc-core", kGrpcCoreServer},
      {"grpcio", kGrpcCoreServer},
      {"grpc-java", {{{3, 2147483647}, {4, 1048576}, {6, 8192}}, 983041}},
      {"grpc-go", {{{5, 16384}}, 0}},
      {"grpc-js", {{}, 0}},
  };
  for (const auto& [name, want] : rows) {
    Result r = run_plain(founding("grpc-core", "haproxy-2.6", name));
    EXPECT_EQ(opening_sent(r, 1, false), want) << name << ": " << text(opening_sent(r, 1, false));
  }
}

// A scenario's server_settings still say what the server advertises, over its library's.
TEST(ServerPersonalities, AScenariosServerSettingsOverrideTheLibrarys) {
  Scenario s = founding("grpc-core");
  s.mutable_server_settings()->set_max_concurrent_streams(2);
  s.mutable_server_settings()->set_initial_window_bytes(1000);
  Opening want{{{3, 2}, {4, 1000}, {5, 4194303}, {6, 8192}, {0xfe03, 1}}, 4128768};
  Result r = run_plain(s);
  EXPECT_EQ(opening_sent(r, 1, false), want) << text(opening_sent(r, 1, false));
}

// Netty's client keeps stream 1 for an HTTP/1.1 upgrade: grpc-java's first call is stream 3
// (seen by the tap through every proxy), and the proxy's upstream stream is its own, 1.
TEST(ClientPersonalities, GrpcJavaOpensStreamThreeFirst) {
  for (const char* name : {"grpc-java", "grpc-core"}) {
    Scenario s = founding(name);
    Result r = run_plain(s);
    h2::StreamId want{std::string(name) == "grpc-java" ? 3 : 1};
    ASSERT_TRUE(r.calls[0].client_saw) << name;
    EXPECT_EQ(r.calls[0].client_stream, want) << name;
    EXPECT_FALSE(sent_on_stream(r, h2::Leg::downstream, true, want).empty()) << name;
    EXPECT_FALSE(sent_on_stream(r, h2::Leg::upstream, true, h2::StreamId{1}).empty()) << name;
    EXPECT_TRUE(r.violations.empty()) << name;
  }
}

// Measured live through nghttpx 2026-12-06 (scenarios/response-header-list-past-client-limit.textproto,
// docs/fidelity.md "A header list past the advertised limit"): 6 KB, 9 KB and 12 KB response
// header blocks against the 8,192 bytes grpc-core and grpc-java advertise.
TEST(ClientPersonalities, EachEnforcesTheHeaderListLimitAsItsLibraryDid) {
  const grpc::Status denied{grpc::Code::permission_denied, "denied"};
  const grpc::Status exhausted{grpc::Code::resource_exhausted, "received initial metadata size exceeds limit"};
  const grpc::Status netty{grpc::Code::internal, "http2 exception"};
  for (const auto& p : grpc::client_personalities()) {
    Scenario s = scenario_from_file("response-header-list-past-client-limit.textproto");
    s.set_client(std::string(p.name));
    Result r = run_plain(s);
    ASSERT_EQ(r.calls.size(), 3u);
    EXPECT_EQ(r.calls[0].client_saw, denied) << p.name;
    std::vector<std::string> sent1 = sent_on_stream(r, h2::Leg::downstream, true, r.calls[1].client_stream);
    std::vector<std::string> sent2 = sent_on_stream(r, h2::Leg::downstream, true, r.calls[2].client_stream);
    bool goaway = false;
    for (const h2::FrameRecord& f : r.frames) {
      goaway |= f.sent && f.endpoint.peer == h2::Peer::client && f.type == h2::FrameType::goaway;
    }
    switch (p.header_list_limit) {
      case grpc::HeaderListLimit::grpc_core:
        EXPECT_EQ(r.calls[1].client_saw, exhausted) << p.name;
        EXPECT_EQ(r.calls[2].client_saw, exhausted) << p.name;
        EXPECT_EQ(sent1.back(), "RST_STREAM(ENHANCE_YOUR_CALM)") << p.name;
        EXPECT_EQ(sent2.back(), "RST_STREAM(ENHANCE_YOUR_CALM)") << p.name;
        EXPECT_FALSE(goaway) << p.name;
        // The connection closed after call 1's refusal: call 2 went out on a new one.
        EXPECT_NE(r.calls[2].wire_connection, r.calls[1].wire_connection) << p.name;
        EXPECT_EQ(r.calls[2].client_stream, h2::StreamId{1}) << p.name;
        break;
      case grpc::HeaderListLimit::netty:
        EXPECT_EQ(r.calls[1].client_saw, netty) << p.name;
        EXPECT_EQ(r.calls[2].client_saw, netty) << p.name;
        EXPECT_EQ(sent1.back(), "RST_STREAM(PROTOCOL_ERROR)") << p.name;
        EXPECT_EQ(sent2.back(), "DATA[ES]") << p.name << ": a connection error, no reset";
        EXPECT_TRUE(goaway) << p.name;
        break;
      case grpc::HeaderListLimit::not_enforced:
        EXPECT_EQ(r.calls[1].client_saw, denied) << p.name;
        EXPECT_TRUE(r.calls[2].client_saw && r.calls[2].client_saw->code == grpc::Code::ok) << p.name;
        EXPECT_FALSE(goaway) << p.name;
        break;
    }
    EXPECT_TRUE(r.violations.empty()) << p.name << ": " << r.violations[0].what;
  }
  EXPECT_EQ(grpc::find_client_personality("grpc-core")->header_list_limit, grpc::HeaderListLimit::grpc_core);
  EXPECT_EQ(grpc::find_client_personality("grpcio")->header_list_limit, grpc::HeaderListLimit::grpc_core);
  EXPECT_EQ(grpc::find_client_personality("grpc-java")->header_list_limit, grpc::HeaderListLimit::netty);
  EXPECT_EQ(grpc::find_client_personality("grpc-go")->header_list_limit, grpc::HeaderListLimit::not_enforced);
  EXPECT_EQ(grpc::find_client_personality("grpc-js")->header_list_limit, grpc::HeaderListLimit::not_enforced);
}

// grpc-core's refusal is a connection error (live through nghttpx 2026-12-07, grpc++ and grpcio,
// 3 runs each): a bidi call in flight on the connection fails with the refused call, both streams
// are reset with ENHANCE_YOUR_CALM in one write, the connection closes with no GOAWAY, and the
// next call connects again. Netty's refusal of a block under a quarter past the limit is a stream
// error: the bidi call goes on.
TEST(ClientPersonalities, GrpcCoreFailsEveryCallOnTheConnectionAndClosesItForAHeaderListPastItsLimit) {
  const grpc::Status exhausted{grpc::Code::resource_exhausted, "received initial metadata size exceeds limit"};
  for (const char* name : {"grpc-core", "grpc-core-sync", "grpcio", "grpc-java"}) {
    SCOPED_TRACE(name);
    Scenario s = scenario_from_file("grpc-core-closes-its-connection-after-a-header-list-past-its-limit.textproto");
    s.set_client(name);
    Result r = run_plain(s);
    ASSERT_EQ(r.calls.size(), 3u);
    ASSERT_TRUE(r.calls[2].client_saw);
    EXPECT_EQ(r.calls[2].client_saw->code, grpc::Code::ok);
    bool goaway = false;
    for (const h2::FrameRecord& f : r.frames) {
      goaway |= f.sent && f.endpoint.peer == h2::Peer::client && f.type == h2::FrameType::goaway;
    }
    EXPECT_FALSE(goaway);
    if (grpc::find_client_personality(name)->header_list_limit != grpc::HeaderListLimit::grpc_core) {
      ASSERT_TRUE(r.calls[0].client_saw);
      EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::ok);
      EXPECT_EQ(r.calls[1].client_saw, (grpc::Status{grpc::Code::internal, "http2 exception"}));
      EXPECT_EQ(r.calls[2].wire_connection, r.calls[0].wire_connection);
      continue;
    }
    EXPECT_EQ(r.calls[0].client_saw, exhausted);
    EXPECT_EQ(r.calls[1].client_saw, exhausted);
    // Stream 1 of both connections: the bidi call's frames, its reset, then call 2's.
    std::vector<std::string> sent0 = sent_on_stream(r, h2::Leg::downstream, true, r.calls[0].client_stream);
    EXPECT_EQ(std::count(sent0.begin(), sent0.end(), "RST_STREAM(ENHANCE_YOUR_CALM)"), 1);
    EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, true, r.calls[1].client_stream).back(), "RST_STREAM(ENHANCE_YOUR_CALM)");
    EXPECT_NE(r.calls[2].wire_connection, r.calls[0].wire_connection);
    EXPECT_EQ(r.calls[2].client_stream, h2::StreamId{1}) << "a new connection's first stream";
    EXPECT_TRUE(r.violations.empty()) << r.violations[0].what;
  }
}

// A channel whose own connection error closed its connection connects again for its next call,
// whatever the scenario says of reconnecting after a connection the peer ended: grpc-java's next
// call after its GOAWAY opened a new connection and ended OK (live through nghttpx, 3 runs of 3).
TEST(ClientPersonalities, GrpcJavaConnectsAgainAfterItsOwnGoaway) {
  Scenario s = scenario_from_file("grpc-java-reconnects-after-its-goaway.textproto");
  ASSERT_FALSE(s.client_reconnect());
  Result r = run_plain(s);
  ASSERT_EQ(r.calls.size(), 2u);
  EXPECT_EQ(r.calls[0].client_saw, (grpc::Status{grpc::Code::internal, "http2 exception"}));
  ASSERT_TRUE(r.calls[1].client_saw);
  EXPECT_EQ(r.calls[1].client_saw->code, grpc::Code::ok);
  EXPECT_NE(r.calls[1].wire_connection, r.calls[0].wire_connection);
  EXPECT_EQ(r.calls[1].client_stream, h2::StreamId{3}) << "a new connection's first stream";
  EXPECT_TRUE(r.violations.empty());
}

// The server's side, measured live through nghttpx 2026-12-06
// (scenarios/request-header-list-past-server-limit.textproto): 6 KB, 9 KB and 12 KB request header
// blocks against the 8,192 bytes every server library advertises but grpc-go's.
TEST(ServerPersonalities, EachEnforcesTheHeaderListLimitAsItsLibraryDid) {
  const grpc::Status http_431{grpc::Code::internal, "Received http2 header with status: 431"};
  const grpc::Status refused{grpc::Code::unavailable, "Received RST_STREAM with error code 7"};
  for (const auto& p : grpc::server_personalities()) {
    Scenario s = scenario_from_file("request-header-list-past-server-limit.textproto");
    s.set_server(std::string(p.name));
    Result r = run_plain(s);
    ASSERT_EQ(r.calls.size(), 3u);
    EXPECT_TRUE(r.calls[0].client_saw && r.calls[0].client_saw->code == grpc::Code::ok) << p.name;
    std::vector<std::string> answer = sent_on_stream(r, h2::Leg::upstream, false, h2::StreamId{3});
    std::optional<h2::StreamId> goaway_last;
    for (const h2::FrameRecord& f : r.frames) {
      if (f.sent && f.endpoint.peer == h2::Peer::server && f.type == h2::FrameType::goaway) goaway_last = f.last_stream_id;
    }
    if (p.header_list_limit == grpc::HeaderListLimit::netty) {
      EXPECT_EQ(r.calls[1].client_saw, http_431) << p.name;
      EXPECT_EQ(answer, (std::vector<std::string>{"HEADERS[ES]", "RST_STREAM(PROTOCOL_ERROR)", "RST_STREAM(STREAM_CLOSED)"}))
          << p.name;
      EXPECT_EQ(goaway_last, h2::StreamId{3}) << p.name << ": the last stream Netty made, the refused one";
      EXPECT_EQ(r.calls[2].client_saw, refused) << p.name << ": nghttpx refuses what the GOAWAY did not take";
      for (size_t call : {1u, 2u}) EXPECT_FALSE(r.calls[call].server_sent) << p.name << ": the handler never ran";
    } else {
      for (size_t call : {1u, 2u}) {
        EXPECT_TRUE(r.calls[call].client_saw && r.calls[call].client_saw->code == grpc::Code::ok) << p.name << " " << call;
      }
      EXPECT_FALSE(goaway_last) << p.name;
    }
    EXPECT_TRUE(r.violations.empty()) << p.name << ": " << r.violations[0].what;
  }
  EXPECT_EQ(grpc::find_server_personality("grpc-java")->header_list_limit, grpc::HeaderListLimit::netty);
  for (const char* name : {"grpc-core", "grpcio", "grpc-go", "grpc-js"}) {
    EXPECT_EQ(grpc::find_server_personality(name)->header_list_limit, grpc::HeaderListLimit::not_enforced) << name;
  }
}

TEST(ServerPersonalities, AllAreListed) {
  for (const char* name : {"grpc-core", "grpcio", "grpc-go", "grpc-java", "grpc-js"}) {
    EXPECT_NE(grpc::find_server_personality(name), nullptr) << name;
  }
  for (const char* name : {"grpc-core", "grpc-core-sync", "grpc-java", "grpc-go", "grpc-js"}) {
    EXPECT_NE(grpc::find_client_personality(name), nullptr) << name;
  }
}

}  // namespace
}  // namespace h2sim
