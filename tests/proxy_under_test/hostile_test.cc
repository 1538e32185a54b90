// The proxy under attack (issue 8): every preset that fronts real clients survives every
// category of hostile peer, answers protocol violations as RFC 9113 says, releases what the
// hostile connection held, and keeps serving the well-behaved calls beside it.
#include <gtest/gtest.h>

#include "model/run/hostile.h"
#include "model/scenario/scenario_io.h"
#include "properties/harness.h"
#include "proxy_under_test/policy.h"
#include "properties/hostile_gen.h"
#include "properties/invariants.h"
#include "reports/trace_text.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

std::string failure_report(const Scenario& s, const Result& r, const std::vector<Verdict>& v) {
  return to_text(s) + format_trace(r) + format_verdicts(r, v);
}

// Generated cases from fixed RapidCheck seeds: 2,000 against each preset the issue names
// (passthrough, haproxy-2.6, nginx), 700 against every other.
int hostile_cases(const std::string& preset) {
  return preset == "passthrough" || preset == "haproxy-2.6" || preset == "nginx" ? 2000 : 700;
}

// What a real proxy fails to answer as RFC 9113 says, and so its preset (each pinned by a
// HostileFindings test below): the campaign judges everything else of those cases.
bool known_unanswered(std::string_view preset, HostileKind kind) {
  return preset == "nghttpx" && kind == HEADERS_ON_CLOSED_STREAM;
}

class HostileCampaign : public ::testing::TestWithParam<const char*> {};

TEST_P(HostileCampaign, SurvivesAnswersAndKeepsServingOthers) {
  // Presets that lose the status by design (traefik-oxy, citrix-adc) lose it without any
  // attacker too; for them the well-behaved calls are judged on everything but their status.
  Hostile none;
  sim::PlainChoices plain;
  Scenario baseline = hostile_scenario(none, GetParam());
  InvariantSet judged = InvariantSet::defaults();
  if (!status_preserved(run_case(baseline, plain)).holds) judged.set("status preserved", false);
  rc::Gen<Hostile> gen = gen_hostile();
  std::map<int, int> kinds_seen;
  const int cases = hostile_cases(GetParam());
  for (int i = 0; i < cases; ++i) {
    Hostile h = gen(rc::Random(1000 + i), i % 100).value();
    Scenario s = hostile_scenario(h, GetParam());
    ASSERT_EQ(validate_case(s), "") << i;
    sim::SeededChoices choices(i);
    Result r = run_case(s, choices);
    InvariantSet judged_here = judged;
    if (known_unanswered(GetParam(), h.kind())) judged_here.set("answered per RFC", false);
    std::vector<Verdict> verdicts = check_all(r, s, judged_here);
    ASSERT_TRUE(all_hold(verdicts)) << "case " << i << "\n" << failure_report(s, r, verdicts);
    ++kinds_seen[h.kind()];
  }
  // Every category was exercised: a zero would mean the generator never fires it.
  EXPECT_EQ(kinds_seen.size(), static_cast<size_t>(CONTINUATION_WITHOUT_HEADERS + 1));
}

std::vector<const char*> all_preset_names() {
  std::vector<const char*> names;
  for (const proxy::ProxyPolicy& p : proxy::presets()) names.push_back(p.name.data());
  return names;
}

// The issue asks for passthrough, haproxy-2.6 and nginx; every preset is cheap enough to run.
INSTANTIATE_TEST_SUITE_P(Presets, HostileCampaign, ::testing::ValuesIn(all_preset_names()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) c = isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return n;
                         });

TEST(HostileAnswers, EveryConnectionErrorGetsTheRfcGoaway) {
  for (int k = 1; k <= CONTINUATION_WITHOUT_HEADERS; ++k) {
    Hostile h;
    h.set_kind(static_cast<HostileKind>(k));
    h.set_count(3);
    ExpectedAnswer want = expected_answer(h.kind(), 0);
    if (want.kind != ExpectedAnswer::Kind::connection_error || h.kind() == INVALID_PREFACE) continue;
    sim::PlainChoices choices;
    Result r = run_case(hostile_scenario(h, "haproxy-2.6"), choices);
    bool goaway = false;
    for (const h2::FrameRecord& f : r.frames) {
      goaway |= f.endpoint.peer == h2::Peer::hostile && !f.sent && f.type == h2::FrameType::goaway &&
                f.error_code == want.codes[0];
    }
    EXPECT_TRUE(goaway) << HostileKind_Name(h.kind());
    EXPECT_GE(r.marks.count("proxy: connection error closes the session"), 1u) << HostileKind_Name(h.kind());
  }
}

// A DATA frame of 16,385 bytes is too large only for a proxy that did not announce more. Live
// (raw frames, 2026-12-07, both before and after reading the proxy's SETTINGS): haproxy 2.6.12,
// announcing no SETTINGS_MAX_FRAME_SIZE, answered GOAWAY(FRAME_SIZE_ERROR); nginx 1.22.1
// (announcing 2^24 - 1) and Caddy 2.6.2 (2^20) took the frame and answered the request (their 502,
// the backend being down, then RST_STREAM(NO_ERROR)). The presets announce the same and do the
// same once the client has acknowledged their SETTINGS, as here (the attack 1 ms in). Not modelled:
// nginx and Caddy took the frame also when it came before that ACK, where nghttp2, under the
// presets, applies its announced limit only with the ACK (RFC 9113 §6.5.3 allows both).
TEST(HostileAnswers, AFrameIsTooLargeOnlyPastTheLimitTheProxyAnnounced) {
  Hostile h;
  h.set_kind(FRAME_TOO_LARGE);
  h.set_start_ns(1'000'000);
  for (const char* preset : {"haproxy-2.6", "nginx", "caddy-2.6"}) {
    SCOPED_TRACE(preset);
    sim::PlainChoices choices;
    Scenario s = hostile_scenario(h, preset);
    Result r = run_case(s, choices);
    bool frame_size_error = false;
    for (const h2::FrameRecord& f : r.frames) {
      frame_size_error |= f.endpoint.peer == h2::Peer::hostile && !f.sent && f.error_code == h2::ErrorCode::frame_size_error &&
                          (f.type == h2::FrameType::goaway || f.type == h2::FrameType::rst_stream);
    }
    EXPECT_EQ(frame_size_error, std::string_view(preset) == "haproxy-2.6");
    EXPECT_EQ(r.hostile_peer_max_frame_bytes, std::string_view(preset) == "nginx"       ? 16777215u
                                              : std::string_view(preset) == "caddy-2.6" ? 1048576u
                                                                                        : 16384u);
    EXPECT_TRUE(all_hold(check_all(r, s)));
  }
}

TEST(HostileAnswers, MalformedRequestsAreRefusedPerStream) {
  for (HostileKind kind : {UPPERCASE_HEADER_NAME, CONNECTION_SPECIFIC_HEADER}) {
    Hostile h;
    h.set_kind(kind);
    sim::PlainChoices choices;
    Result r = run_case(hostile_scenario(h, "nginx"), choices);
    EXPECT_TRUE(answered_per_rfc(r, h).holds) << answered_per_rfc(r, h).detail;
  }
}

TEST(HostileAnswers, AnUnknownFrameTypeIsIgnoredAndTheRequestServed) {
  Hostile h;
  h.set_kind(UNKNOWN_FRAME_TYPE);
  sim::PlainChoices choices;
  Result r = run_case(hostile_scenario(h, "haproxy-2.6"), choices);
  bool response = false, error = false;
  for (const h2::FrameRecord& f : r.frames) {
    if (f.endpoint.peer != h2::Peer::hostile || f.sent) continue;
    response |= f.type == h2::FrameType::headers;
    error |= f.type == h2::FrameType::goaway && f.error_code != h2::ErrorCode::no_error;
  }
  EXPECT_TRUE(response);
  EXPECT_FALSE(error);
}

TEST(HostileFindings, Nghttp2IgnoresADecreasingStreamId) {
  // RFC 9113 §5.1.1 requires a connection error; nghttp2 1.52 ignores the header block. Pinned
  // so that a fix (or a regression elsewhere) is noticed: scenarios/hostile-stream-id-decreasing.
  Scenario s = testing::scenario_from_file("hostile-stream-id-decreasing.textproto");
  sim::PlainChoices choices;
  Result r = run_case(s, choices);
  for (const h2::FrameRecord& f : r.frames) {
    EXPECT_FALSE(f.endpoint.peer == h2::Peer::hostile && !f.sent && f.type == h2::FrameType::goaway &&
                 f.error_code == h2::ErrorCode::protocol_error);
  }
  EXPECT_TRUE(all_hold(check_all(r, s)));  // the proxy still survives and serves the others
}

// Live (nghttpx 1.52, raw frames, 2026-12-07): HEADERS on a stream the client had reset got no
// answer at all, where RFC 9113 §5.1 asks for STREAM_CLOSED; the scenario's comment says why
// (its SETTINGS_NO_RFC7540_PRIORITIES). The preset does the same; passthrough, without that
// setting, answers with GOAWAY(STREAM_CLOSED).
TEST(HostileFindings, NghttpxIgnoresHeadersOnAStreamItsClientReset) {
  Scenario s = testing::scenario_from_file("hostile-headers-on-closed-stream-through-nghttpx.textproto");
  auto answers = [](const Result& r) {
    std::vector<std::string> seen;
    for (const h2::FrameRecord& f : r.frames) {
      if (f.endpoint.peer != h2::Peer::hostile || f.sent) continue;
      if (f.type == h2::FrameType::goaway || f.type == h2::FrameType::rst_stream) {
        seen.push_back(std::string(h2::frame_type_name(f.type)) + "(" + std::string(h2::error_code_name(f.error_code)) + ")");
      }
    }
    return seen;
  };
  for (uint64_t seed = 0; seed < 10; ++seed) {
    sim::SeededChoices choices(seed);
    Result r = run_case(s, choices);
    EXPECT_EQ(answers(r), std::vector<std::string>{}) << seed;
    InvariantSet others = InvariantSet::defaults();
    others.set("answered per RFC", false);
    EXPECT_TRUE(all_hold(check_all(r, s, others))) << seed;  // it survives and serves the call
  }
  s.mutable_proxy()->set_preset("passthrough");
  sim::PlainChoices plain;
  EXPECT_EQ(answers(run_case(s, plain)), std::vector<std::string>{"GOAWAY(STREAM_CLOSED)"});
}

}  // namespace
}  // namespace h2sim

namespace h2sim {
namespace {

TEST(HostileRegressions, AFrameSplitAcrossReadsIsLoggedWhenComplete) {
  Scenario s = testing::scenario_from_file("hostile-rapid-reset-split-frame.textproto");
  for (uint64_t seed = 0; seed < 20; ++seed) {
    sim::SeededChoices choices(seed);
    Result r = run_case(s, choices);
    ASSERT_TRUE(r.violations.empty()) << seed << ": " << r.violations[0].what;
    for (const h2::FrameRecord& f : r.frames) {
      if (!f.sent && f.type == h2::FrameType::rst_stream && f.endpoint.peer != h2::Peer::hostile && f.endpoint.client_side == false) {
        ASSERT_EQ(f.error_code, h2::ErrorCode::cancel) << seed;  // the code the hostile client sent
      }
    }
  }
}

TEST(HostileRegressions, TheServerClosesAConnectionWithAnInvalidPreface) {
  Scenario s = testing::scenario_from_file("hostile-invalid-preface-no-proxy.textproto");
  sim::PlainChoices choices;
  Result r = run_case(s, choices);
  EXPECT_TRUE(r.hostile_peer_closed);
  EXPECT_TRUE(all_hold(check_all(r, s))) << format_verdicts(r, check_all(r, s));
}

}  // namespace
}  // namespace h2sim
