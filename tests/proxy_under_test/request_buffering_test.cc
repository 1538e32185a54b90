// Request buffering (proxy.request_buffering; docs/fidelity.md, "Request buffering"): off in
// every preset, as in each real proxy's default configuration; where the real proxy has the
// setting (haproxy's `option http-buffer-request`, nginx's body read before grpc_pass) a
// scenario switches it on, and the server's stream then opens only once the client's
// END_STREAM arrived, or, for haproxy, once its buffer holds 15,360 bytes.
#include <gtest/gtest.h>

#include "model/scenario/validate.h"
#include "properties/harness.h"
#include "properties/invariants.h"
#include "proxy_under_test/policy.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

using testing::run_plain;

// A client-streaming call: three messages 10 ms apart, END_STREAM with the last.
Scenario upload(const std::string& preset, const std::string& buffering, uint32_t message_bytes = 16,
                const std::string& client_extra = "") {
  return testing::scenario_from_text(R"pb(
    proxy { preset: ")pb" + preset + "\" " + buffering + R"pb( }
    calls {
      kind: CLIENT_STREAMING
      client { messages: 3 message_bytes: )pb" + std::to_string(message_bytes) +
                                     R"pb( interval_ns: 10000000 )pb" + client_extra + R"pb( }
      server { action: RESPOND messages: 1 message_bytes: 8 status { code: 0 } }
    }
    network { latency_ns_min: 100000 segments_max: 1 }
  )pb");
}

// When a frame of `type` first left `side` on `leg` for stream 1 (ns), or -1.
int64_t first_sent(const Result& r, h2::Leg leg, bool client_side, h2::FrameType type, bool end_stream = false) {
  for (const h2::FrameRecord& f : r.frames) {
    if (f.sent && f.endpoint.leg == leg && f.endpoint.client_side == client_side && f.stream_id == h2::StreamId{1} &&
        f.type == type && (!end_stream || f.end_stream())) {
      return static_cast<int64_t>(f.at.ns);
    }
  }
  return -1;
}

int64_t upstream_headers_at(const Result& r) { return first_sent(r, h2::Leg::upstream, true, h2::FrameType::headers); }
int64_t client_end_at(const Result& r) {
  return first_sent(r, h2::Leg::downstream, true, h2::FrameType::data, true);
}

void expect_ok_and_every_invariant(const Result& r, const Scenario& s) {
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::ok);
  for (const Verdict& v : check_all(r, s)) EXPECT_TRUE(v.holds) << v.name << ": " << v.detail;
}

TEST(RequestBuffering, IsOffInEveryPresetAndTakenOnlyWhereTheRealProxyHasTheSetting) {
  for (const proxy::ProxyPolicy& p : proxy::presets()) {
    EXPECT_FALSE(p.request_buffering) << p.name;
    Scenario s = upload("passthrough", "");
    s.mutable_proxy()->set_preset(std::string(p.name));
    s.mutable_proxy()->set_request_buffering(true);
    std::string error = validate_case(s);
    bool takes = p.name == "haproxy-2.6" || p.name == "haproxy-3.2" || p.name == "nginx" || p.name == "nginx-1.18";
    if (takes) {
      EXPECT_EQ(error, "") << p.name;
    } else {
      EXPECT_NE(error.find("proxy.request_buffering: proxy '" + std::string(p.name) + "' does not take this setting"),
                std::string::npos)
          << p.name << ": " << error;
    }
  }
  EXPECT_EQ(proxy::find_preset("haproxy-2.6")->request_buffer_bytes, 15360u);
  EXPECT_EQ(proxy::find_preset("nginx")->request_buffer_bytes, 0u);
}

TEST(RequestBuffering, OffTheRequestStreams) {
  for (const char* preset : {"haproxy-2.6", "nginx"}) {
    for (const char* buffering : {"", "request_buffering: false"}) {
      Scenario s = upload(preset, buffering);
      Result r = run_plain(s);
      EXPECT_LT(upstream_headers_at(r), 1'000'000) << preset << " " << buffering << ": headers forwarded at once";
      EXPECT_GT(client_end_at(r), 19'000'000) << preset;
      expect_ok_and_every_invariant(r, s);
    }
  }
}

TEST(RequestBuffering, OnTheServersStreamOpensOnlyAfterTheClientsEndStream) {
  for (const char* preset : {"haproxy-2.6", "nginx"}) {
    Scenario s = upload(preset, "request_buffering: true");
    Result r = run_plain(s);
    ASSERT_GT(client_end_at(r), 19'000'000) << preset;
    EXPECT_GE(upstream_headers_at(r), client_end_at(r)) << preset;
    // Headers, the three messages and END_STREAM leave together.
    std::vector<std::string> up = testing::sent_on_stream(r, h2::Leg::upstream, true, h2::StreamId{1});
    ASSERT_FALSE(up.empty());
    EXPECT_EQ(up.front(), "HEADERS");
    EXPECT_EQ(up.back(), "DATA[ES]");
    expect_ok_and_every_invariant(r, s);
  }
}

TEST(RequestBuffering, HaproxysFullBufferReleasesTheRequestBeforeItsEnd) {
  // 10,000-byte messages: the second fills haproxy's 15,360 bytes, 10 ms before the END_STREAM.
  Scenario s = upload("haproxy-2.6", "request_buffering: true", 10000);
  Result r = run_plain(s);
  int64_t released = upstream_headers_at(r);
  EXPECT_GE(released, 10'000'000);
  EXPECT_LT(released, client_end_at(r));
  expect_ok_and_every_invariant(r, s);
  // nginx reads the body whole, whatever its size.
  Scenario n = upload("nginx", "request_buffering: true", 10000);
  Result nr = run_plain(n);
  EXPECT_GE(upstream_headers_at(nr), client_end_at(nr));
  expect_ok_and_every_invariant(nr, n);
}

TEST(RequestBuffering, AClientThatWaitsForTheResponseBeforeEndingWaitsForever) {
  // haproxy's manual: the option "can have undesired side effects with some applications
  // abusing HTTP by expecting unbuffered transmissions" (docs/behaviours.md §1.7).
  Scenario s = upload("haproxy-2.6", "request_buffering: true", 16, "half_close: AFTER_RESPONSE deadline_ns: 500000000");
  Result r = run_plain(s);
  EXPECT_EQ(upstream_headers_at(r), -1) << "the server never hears of the call";
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::deadline_exceeded);
}

TEST(RequestBuffering, AClientAbortOfAHeldRequestNeverReachesTheServer) {
  Scenario s = upload("haproxy-2.6", "request_buffering: true", 16, "cancel_after_ns: 15000000 half_close: NEVER");
  Result r = run_plain(s);
  EXPECT_EQ(upstream_headers_at(r), -1);
  ASSERT_TRUE(r.calls[0].client_saw);
  EXPECT_EQ(r.calls[0].client_saw->code, grpc::Code::cancelled);
  EXPECT_TRUE(r.proxy_leftovers.empty()) << r.proxy_leftovers.front();
}

}  // namespace
}  // namespace h2sim
