// The live differential's table across the matrix, from made-up results: what each row says,
// the agreement rounded down, skipped triples kept with their reason, disagreements listed.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "live/peers.h"
#include "properties/differential.h"
#include "properties/differential_matrix.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

TripleOutcome ran(std::string proxy, std::string client, std::string server, uint64_t cells, uint64_t agree) {
  TripleOutcome t{{std::move(proxy), std::move(client), std::move(server), ""}, true, {}, {}, {}};
  t.result.done = 10;
  t.result.skipped = 3;
  t.result.runs = 14;
  t.result.cells = cells;
  t.result.agree = agree;
  t.result.partial = 2;
  t.result.loopback_partial = 1;
  t.result.disagreeing = cells - agree;
  return t;
}

MatrixTableHeader header() { return {"h2sim live --differential --matrix", "2026-12-02", {"haproxy: 2.6"}, 10, 2, 1, false}; }

TEST(DifferentialMatrixTable, EachTripleIsARowWithItsFigures) {
  std::vector<TripleOutcome> triples{ran("haproxy", "h2sim", "grpc-go", 9, 9)};
  std::string page = matrix_table(header(), triples);
  EXPECT_NE(page.find("| haproxy | h2sim | grpc-go | 7 | 3 | 14 | 9 | 9 | 100.0% | 2 | 1 | 0 |\n"), std::string::npos) << page;
  EXPECT_NE(page.find("`h2sim live --differential --matrix`"), std::string::npos);
  EXPECT_NE(page.find("Proxies: haproxy: 2.6."), std::string::npos);
  EXPECT_NE(page.find("## Disagreements\n\nNone."), std::string::npos) << page;
}

// One disagreement in a thousand cells is 99.9%, never rounded up to 100.0%.
TEST(DifferentialMatrixTable, AgreementIsRoundedDown) {
  std::vector<TripleOutcome> triples{ran("nginx", "grpcio", "h2sim", 1000, 999), ran("nginx", "h2sim", "h2sim", 3, 2)};
  std::string page = matrix_table(header(), triples);
  EXPECT_NE(page.find("| 1000 | 999 | 99.9% |"), std::string::npos) << page;
  EXPECT_NE(page.find("| 3 | 2 | 66.6% |"), std::string::npos) << page;
  EXPECT_NE(page.find("1001 of 1003 cells agree (99.8%); 2 scenarios disagree"), std::string::npos) << page;
}

TEST(DifferentialMatrixTable, UnavailableTriplesAreListedWithTheirReason) {
  TripleOutcome missing{{"caddy", "h2sim", "h2sim", "caddy not installed at /usr/bin/caddy"}, false, {}, {}, {}};
  std::vector<TripleOutcome> triples{ran("haproxy", "h2sim", "h2sim", 4, 4), missing};
  std::string page = matrix_table(header(), triples);
  EXPECT_NE(page.find("| caddy | h2sim | h2sim | | | | | | | | | skipped: caddy not installed at /usr/bin/caddy |"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("Total: 1 of 2 triples ran (1 unavailable here)"), std::string::npos) << page;
}

TEST(DifferentialMatrixTable, DisagreementsAreListedUnderTheirTripleWithTheirFile) {
  Disagreement d;
  d.index = 4;
  d.stem = "out/nghttpx-grpc-go-h2sim/seed-1-case-4";
  d.unpredicted.push_back({1, "INTERNAL: a | b", {"OK", "CANCELLED"}});
  TripleOutcome t = ran("nghttpx", "grpc-go", "h2sim", 5, 4);
  t.disagreements = matrix_disagreements(d);
  std::vector<TripleOutcome> triples{t};
  std::string page = matrix_table(header(), triples);
  EXPECT_NE(page.find("### nghttpx, client grpc-go, server h2sim\n\n- case 4, call 1: live `INTERNAL: a \\| b`; "
                      "simulated `OK` `CANCELLED` (`out/nghttpx-grpc-go-h2sim/seed-1-case-4.live.txt`)"),
            std::string::npos)
      << page;
}

// Two runs that ended differently in another call show the same call's outcome twice: one cell.
TEST(DifferentialMatrixTable, ACallsLiveOutcomeIsOneDisagreementHoweverManyRunsShowedIt) {
  Disagreement d;
  d.stem = "s";
  d.unpredicted = {{0, "INTERNAL", {"OK"}}, {0, "INTERNAL", {"OK"}}, {1, "INTERNAL", {"OK"}}};
  EXPECT_EQ(matrix_disagreements(d).size(), 2u);
}

TEST(DifferentialMatrixTable, AStoppedOrUnreachedTripleSaysSo) {
  TripleOutcome stopped = ran("apache2", "h2sim", "h2sim", 0, 0);
  stopped.failure = "apache2 did not start";
  TripleOutcome unreached{{"nginx", "h2sim", "h2sim", ""}, false, {}, {}, {}};
  MatrixTableHeader h = header();
  h.interrupted = true;
  std::vector<TripleOutcome> triples{stopped, unreached};
  std::string page = matrix_table(h, triples);
  EXPECT_NE(page.find("| - | 2 | 1 | stopped: apache2 did not start |"), std::string::npos) << page;
  EXPECT_NE(page.find("| nginx | h2sim | h2sim | | | | | | | | | not run (interrupted) |"), std::string::npos) << page;
  EXPECT_NE(page.find("(interrupted: the rows not run say so)"), std::string::npos) << page;
}

// No server library resets a stream with a code of its choosing: a RESET is run live only with
// our own server. grpc++'s and grpcio's cancel writes a status (found by the matrix, case 7 of
// 2026-12-02), so a CANCEL runs with them and is skipped for the libraries that cannot cancel.
TEST(DifferentialSkip, AResetRunsLiveOnlyWithOurServerAndACancelOnlyWithALibraryThatCancels) {
  Scenario reset = testing::scenario_from_text(R"pb(
    calls { kind: BIDI_STREAMING client { messages: 1 } server { action: RESET reset_code: 8 } }
  )pb");
  Scenario cancel = testing::scenario_from_text(R"pb(
    calls { kind: BIDI_STREAMING client { messages: 1 } server { action: CANCEL } }
  )pb");
  for (const char* name : {"grpc++", "grpcio", "grpc-go", "grpc-java", "grpc-js"}) {
    live::Peers peers;
    peers.server = live::find_peer(name);
    ASSERT_NE(peers.server, nullptr) << name;
    EXPECT_NE(differential_skip_reason(peers, reset).find("no call that resets"), std::string::npos) << name;
    bool cancels = std::string_view(name) == "grpc++" || std::string_view(name) == "grpcio";
    EXPECT_EQ(differential_skip_reason(peers, cancel).empty(), cancels) << name;
  }
  EXPECT_EQ(differential_skip_reason(live::Peers{}, reset), "");  // our own server resets with any code
  EXPECT_EQ(differential_skip_reason(live::Peers{}, cancel), "");
}

}  // namespace
}  // namespace h2sim
