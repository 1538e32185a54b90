// Every preset on the founding case and on neighbours relevant to its documented behaviour
// (docs/behaviours.md §1, §3, §4), on the plainest schedule: the frames the proxy sends the
// client on the call's stream, and what a grpc-core client reports.
#include <gtest/gtest.h>

#include "properties/harness.h"
#include "proxy_under_test/policy.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

using testing::scenario_from_file;
using testing::scenario_from_text;
using testing::sent_on_stream;
using V = std::vector<std::string>;

// The neighbours, as scenario bodies without a proxy.
const char* const kStreamingResponseAfterHalfClose = R"pb(
  calls {
    kind: BIDI_STREAMING
    client { messages: 1 message_bytes: 16 half_close: AFTER_MESSAGES }
    server { action: RESPOND messages: 2 message_bytes: 10 status { code: 5 message: "not here" } }
  })pb";
const char* const kResetMidResponse = R"pb(
  calls {
    kind: BIDI_STREAMING
    client { messages: 3 message_bytes: 16 interval_ns: 10000000 half_close: AFTER_MESSAGES }
    server { action: RESET read_messages: 1 messages: 1 message_bytes: 8 reset_code: 8 }
  })pb";
const char* const kResetBeforeHeaders = R"pb(
  calls {
    kind: BIDI_STREAMING
    client { messages: 3 message_bytes: 16 interval_ns: 10000000 half_close: AFTER_MESSAGES }
    server { action: RESET read_messages: 1 reset_code: 8 }
  })pb";

// A grpc-java server answers at once and leaves the stream open (no RST) while the client
// uploads for half a second.
const char* const kServerLeavesTheStreamOpen = R"pb(
  server: "grpc-java"
  calls {
    kind: BIDI_STREAMING
    client { messages: 8 message_bytes: 16 interval_ns: 60000000 half_close: AFTER_MESSAGES }
    server { action: ABORT_AT_ONCE status { code: 7 message: "Details sent by the server" } }
  })pb";

enum class Case { founding, half_closed, streaming_response, reset_mid_response, reset_before_headers, stream_left_open };

Scenario make(Case c, const std::string& preset) {
  Scenario s;
  switch (c) {
    case Case::founding: s = scenario_from_file("founding-case.textproto"); break;
    case Case::half_closed: s = scenario_from_file("founding-case-client-half-closed.textproto"); break;
    case Case::streaming_response: s = scenario_from_text(kStreamingResponseAfterHalfClose); break;
    case Case::reset_mid_response: s = scenario_from_text(kResetMidResponse); break;
    case Case::reset_before_headers: s = scenario_from_text(kResetBeforeHeaders); break;
    case Case::stream_left_open: s = scenario_from_text(kServerLeavesTheStreamOpen); break;
  }
  s.mutable_proxy()->set_preset(preset);
  return s;
}

struct Row {
  const char* preset;
  Case neighbour;
  grpc::Code client_saw;
  V proxy_sends;  // downstream, stream 1
};

std::string PrintRow(const ::testing::TestParamInfo<Row>& info) {
  std::string name = info.param.preset;
  for (char& ch : name) {
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name + "_" + std::to_string(info.index);
}

class Catalogue : public ::testing::TestWithParam<Row> {};

TEST_P(Catalogue, ProxySendsTheDocumentedFramesAndTheClientSeesTheDocumentedStatus) {
  const Row& row = GetParam();
  sim::PlainChoices choices;
  Result r = run_case(make(row.neighbour, row.preset), choices);
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(r.calls[0].client_saw->code, row.client_saw) << grpc::status_text(*r.calls[0].client_saw);
  EXPECT_EQ(sent_on_stream(r, h2::Leg::downstream, false, h2::StreamId{1}), row.proxy_sends);
  EXPECT_TRUE(r.violations.empty()) << r.violations[0].what;
}

using grpc::Code;
const std::string kCancel = "RST_STREAM(CANCEL)";
const std::string kNoError = "RST_STREAM(NO_ERROR)";

const Row kRows[] = {
        // RFC 9113 §8.1: the server's reset travels with its code, after the response.
        Row{"passthrough", Case::founding, Code::permission_denied, {"HEADERS[ES]", kNoError}},
        Row{"passthrough", Case::half_closed, Code::permission_denied, {"HEADERS[ES]"}},
        Row{"passthrough", Case::reset_mid_response, Code::cancelled, {"HEADERS", "DATA", kCancel}},
        // §1.2: the founding bug; no reset once the client half-closed; REFUSED before headers (A10).
        Row{"haproxy-2.6", Case::founding, Code::cancelled, {"HEADERS[ES]", kCancel}},
        Row{"haproxy-2.6", Case::half_closed, Code::permission_denied, {"HEADERS[ES]"}},
        Row{"haproxy-2.6", Case::reset_before_headers, Code::unavailable, {"RST_STREAM(REFUSED_STREAM)"}},
        // §1.4: NO_ERROR once END_STREAM was sent, CANCEL while the response is incomplete.
        Row{"haproxy-3.2", Case::founding, Code::permission_denied, {"HEADERS[ES]", kNoError}},
        Row{"haproxy-3.2", Case::half_closed, Code::permission_denied, {"HEADERS[ES]"}},
        Row{"haproxy-3.2", Case::reset_mid_response, Code::cancelled, {"HEADERS", "DATA", kCancel}},
        // §3 nginx >= 1.19.5: reset after the response skipped, RST(NO_ERROR) of its own; 502
        // before headers (C22); INTERNAL_ERROR mid-response.
        Row{"nginx", Case::founding, Code::permission_denied, {"HEADERS[ES]", kNoError}},
        Row{"nginx", Case::reset_before_headers, Code::unavailable, {"HEADERS", "DATA[ES]", kNoError}},
        // The DATA read with the reset is dropped (live, nginx 1.22.1;
        // scenarios/nginx-drops-response-read-with-reset.textproto).
        Row{"nginx", Case::reset_mid_response, Code::internal, {"HEADERS", "RST_STREAM(INTERNAL_ERROR)"}},
        // A7: RST(NO_ERROR) after END_STREAM fails the request.
        Row{"nginx-1.18", Case::founding, Code::internal, {"RST_STREAM(INTERNAL_ERROR)"}},
        Row{"nginx-1.18", Case::half_closed, Code::permission_denied, {"HEADERS[ES]"}},
        Row{"nginx-1.18", Case::streaming_response, Code::not_found, {"HEADERS", "DATA", "HEADERS[ES]"}},
        // §3 nghttpx: NO_ERROR after completion is normal; CANCEL becomes INTERNAL_ERROR (A6).
        Row{"nghttpx", Case::founding, Code::permission_denied, {"HEADERS[ES]", kNoError}},
        // What it read with the reset (here headers and message) is not passed on (live, nghttpx
        // 1.52; scenarios/nghttpx-drops-response-read-with-reset.textproto).
        Row{"nghttpx", Case::reset_mid_response, Code::internal, {"RST_STREAM(INTERNAL_ERROR)"}},
        Row{"nghttpx", Case::reset_before_headers, Code::internal, {"RST_STREAM(INTERNAL_ERROR)"}},
        // A2-A4: local resets are NO_ERROR and the unflushed response is dropped.
        Row{"envoy-2024", Case::founding, Code::internal, {kNoError}},
        Row{"envoy-2024", Case::half_closed, Code::permission_denied, {"HEADERS[ES]"}},
        Row{"envoy-2024", Case::reset_mid_response, Code::internal, {kNoError}},
        // §3 Go: the response survives a late reset; RST(NO_ERROR) to a still-uploading client.
        Row{"go-proxy", Case::founding, Code::permission_denied, {"HEADERS[ES]", kNoError}},
        Row{"go-proxy", Case::half_closed, Code::permission_denied, {"HEADERS[ES]"}},
        Row{"go-proxy", Case::reset_mid_response, Code::cancelled, {"HEADERS", "DATA", kCancel}},
        // §6.1 caddy 2.6 (measured live): like go-proxy on the founding case; a reset after
        // response headers ends the response without trailers, in an empty DATA(END_STREAM) of
        // its own after the message (docs/fidelity.md item 22), then RST(NO_ERROR) to the
        // uploading client; a bare 502 HEADERS(ES) before them.
        Row{"caddy-2.6", Case::founding, Code::permission_denied, {"HEADERS[ES]", kNoError}},
        Row{"caddy-2.6", Case::half_closed, Code::permission_denied, {"HEADERS[ES]"}},
        Row{"caddy-2.6", Case::reset_mid_response, Code::internal, {"HEADERS", "DATA", "DATA[ES]", kNoError}},
        Row{"caddy-2.6", Case::reset_before_headers, Code::unavailable, {"HEADERS[ES]", kNoError}},
        Row{"caddy-2.6", Case::stream_left_open, Code::permission_denied, {"HEADERS[ES]", kNoError}},
        // §6.2 apache 2.4 mod_proxy_http2 (measured live): RST(NO_ERROR) closes the server's
        // stream as a success; STREAM_CLOSED after response DATA, a 502 page before; a
        // response whose stream the server leaves open waits for the client's upload to end.
        Row{"apache-2.4", Case::founding, Code::permission_denied, {"HEADERS[ES]", kNoError}},
        Row{"apache-2.4", Case::half_closed, Code::permission_denied, {"HEADERS[ES]"}},
        Row{"apache-2.4", Case::reset_mid_response, Code::internal, {"HEADERS", "DATA", "RST_STREAM(STREAM_CLOSED)"}},
        Row{"apache-2.4", Case::reset_before_headers, Code::unavailable, {"HEADERS", "DATA[ES]", kNoError}},
        Row{"apache-2.4", Case::stream_left_open, Code::permission_denied, {"HEADERS[ES]"}},
        // A8: NO_ERROR forwarded as STREAM_CLOSED, the tail not flushed.
        Row{"h2o-2.2", Case::founding, Code::internal, {"RST_STREAM(STREAM_CLOSED)"}},
        Row{"h2o-2.2", Case::half_closed, Code::permission_denied, {"HEADERS[ES]"}},
        Row{"h2o-2.2", Case::reset_mid_response, Code::cancelled, {kCancel}},
        // B13: trailers-only re-framed; ordinary trailers survive. A stream that ends without
        // trailers is UNKNOWN "Stream removed" to grpc-core (measured live with grpc++ 1.51);
        // a RST(NO_ERROR) read with it makes it INTERNAL (§2.2 step 3: NO_ERROR without trailers).
        Row{"hyper-h2-old", Case::founding, Code::internal, {"HEADERS", "DATA[ES]", kNoError}},
        Row{"hyper-h2-old", Case::half_closed, Code::unknown, {"HEADERS", "DATA[ES]"}},
        Row{"hyper-h2-old", Case::streaming_response, Code::not_found, {"HEADERS", "DATA", "HEADERS[ES]"}},
        // B14/B15: trailers not proxied.
        Row{"traefik-oxy", Case::founding, Code::unknown, {"HEADERS", "DATA[ES]"}},
        Row{"traefik-oxy", Case::half_closed, Code::unknown, {"HEADERS", "DATA[ES]"}},
        Row{"traefik-oxy", Case::streaming_response, Code::unknown, {"HEADERS", "DATA[ES]"}},
        // B17: the error is laundered to OK.
        Row{"citrix-adc", Case::founding, Code::ok, {"HEADERS", "HEADERS[ES]", kNoError}},
        Row{"citrix-adc", Case::half_closed, Code::ok, {"HEADERS", "HEADERS[ES]"}},
        Row{"citrix-adc", Case::streaming_response, Code::ok, {"HEADERS", "DATA", "HEADERS[ES]"}},
};

INSTANTIATE_TEST_SUITE_P(Presets, Catalogue, ::testing::ValuesIn(kRows), PrintRow);

TEST(Catalogue, EveryPresetIsPinnedOnTheFoundingCaseAndTwoNeighbours) {
  for (const proxy::ProxyPolicy& p : proxy::presets()) {
    EXPECT_FALSE(p.source.empty()) << p.name;
    int founding = 0, neighbours = 0;
    for (const Row& row : kRows) {
      if (row.preset != p.name) continue;
      (row.neighbour == Case::founding ? founding : neighbours) += 1;
    }
    EXPECT_EQ(founding, 1) << p.name;
    EXPECT_GE(neighbours, 2) << p.name;
  }
}

// Connection-level hazards (§4 C26, D27) through scenario overrides.
TEST(ProxyLimits, IdleTimeoutAnswers504BeforeResponseHeaders) {
  Scenario s = scenario_from_text(R"pb(
    proxy { preset: "haproxy-2.6" idle_timeout_ns: 5000000 }
    calls {
      kind: BIDI_STREAMING
      client { messages: 1 message_bytes: 8 half_close: NEVER }
      server { action: RESPOND status { code: 0 } }
    })pb");
  sim::PlainChoices choices;
  Result r = run_case(s, choices);
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::unavailable);
  EXPECT_GE(r.marks.count("proxy: idle timeout"), 1u);
  EXPECT_TRUE(r.calls[0].server_saw_cancel);
}

// Two unary calls through nginx allowed one request per connection: the second starts while the
// first is in flight, so the GOAWAY after the first request meets it.
Result run_past_max_requests(bool graceful) {
  Scenario s = scenario_from_text(R"pb(
    proxy { preset: "nginx" max_requests_per_connection: 1 }
    calls {
      kind: UNARY
      client { messages: 1 message_bytes: 8 }
      server { action: RESPOND messages: 1 status { code: 0 } }
    }
    calls {
      kind: UNARY
      start_ns: 150000
      client { messages: 1 message_bytes: 8 }
      server { action: RESPOND messages: 1 status { code: 0 } }
    })pb");
  s.mutable_proxy()->set_goaway_graceful(graceful);
  sim::PlainChoices choices;
  return run_case(s, choices);
}

TEST(ProxyLimits, AbruptGoawayFailsTheRequestInFlight) {
  Result r = run_past_max_requests(false);
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::ok);
  EXPECT_EQ(r.calls[1].client_saw->code, grpc::Code::unavailable) << grpc::status_text(*r.calls[1].client_saw);
  EXPECT_GE(r.marks.count("proxy: abrupt GOAWAY after max requests"), 1u);
}

TEST(ProxyLimits, GracefulGoawayLetsTheRequestInFlightFinish) {
  Result r = run_past_max_requests(true);
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::ok);
  EXPECT_EQ(r.calls[1].client_saw->code, grpc::Code::ok) << grpc::status_text(*r.calls[1].client_saw);
  EXPECT_GE(r.marks.count("proxy: graceful GOAWAY after max requests"), 1u);
}

TEST(ProxyLimits, SmallWindowsStillDeliverEveryMessage) {
  Scenario s = scenario_from_text(R"pb(
    proxy { preset: "haproxy-2.6" downstream_window_bytes: 1000 upstream_window_bytes: 700 }
    calls {
      kind: BIDI_STREAMING
      client { messages: 4 message_bytes: 900 interval_ns: 1000 half_close: AFTER_MESSAGES }
      server { action: RESPOND messages: 6 message_bytes: 1500 status { code: 0 } }
    })pb");
  for (uint64_t seed = 0; seed < 50; ++seed) {
    sim::SeededChoices choices(seed);
    Result r = run_case(s, choices);
    ASSERT_EQ(r.calls[0].client_saw->code, grpc::Code::ok) << seed;
    ASSERT_EQ(r.calls[0].responses_received.size(), 6u) << seed;
    ASSERT_EQ(r.calls[0].requests_received.size(), 4u) << seed;
    ASSERT_TRUE(r.proxy_leftovers.empty()) << seed;
  }
}

}  // namespace
}  // namespace h2sim
