// The headline (reports/headline.h): built from the run's marks and frames, not from a table of
// stories, so it names what this run's frames show and falls back to them when no mark applies.
#include <gtest/gtest.h>

#include <string>

#include "properties/harness.h"
#include "properties/invariants.h"
#include "reports/headline.h"
#include "reports/trace_text.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

struct PlainRun {
  Scenario scenario;
  Result result;
  std::vector<Verdict> verdicts;
};

PlainRun plain_run(const std::string& file) {
  PlainRun run{testing::scenario_from_file(file), {}, {}};
  sim::PlainChoices choices;
  run.result = run_case(run.scenario, choices);
  run.verdicts = check_all(run.result, run.scenario);
  return run;
}

TEST(Headline, TheFoundingCaseNamesTheProxysResetTheReadBatchAndTheLoss) {
  PlainRun run = plain_run("founding-case.textproto");
  std::string text = headline(run.scenario, run.result, run.verdicts);
  EXPECT_EQ(text,
            "haproxy-2.6 forwarded the server's trailers-only HEADERS(grpc-status 7) and reset the still-uploading "
            "client with RST_STREAM(CANCEL) in the same flush; the grpc-core client read the trailers and the "
            "RST_STREAM(CANCEL) in one read batch (read 2), and the reset replaced the trailers it held: CANCELLED "
            "instead of PERMISSION_DENIED.");
}

TEST(Headline, ASecondResetIsNamedAndTheOneThatReplacedTheOk) {
  // Caddy's RST(NO_ERROR) cannot replace a grpc-js client's OK; its RST(STREAM_CLOSED) for the
  // client's late DATA does (docs/fidelity.md item 23).
  PlainRun run = plain_run("caddy-resets-twice-for-data-after-its-reset.textproto");
  EXPECT_EQ(headline(run.scenario, run.result, run.verdicts),
            "caddy-2.6 forwarded the server's trailers-only HEADERS(grpc-status 0) and reset the client "
            "with RST_STREAM(NO_ERROR) in the same flush, then answered the client's DATA sent before that "
            "reset with RST_STREAM(STREAM_CLOSED); the grpc-js client took grpc-status 0 from the trailers and let "
            "the RST_STREAM(STREAM_CLOSED) of read 3 replace it: INTERNAL instead of OK.");
}

TEST(Headline, WithoutMarksItFallsBackToTheStatusesAndTheClientsLastFrames) {
  PlainRun run = plain_run("founding-case.textproto");
  run.result.marks = {};
  EXPECT_EQ(headline(run.scenario, run.result, run.verdicts),
            "Call 0: the grpc-core server sent PERMISSION_DENIED, the grpc-core client saw CANCELLED through "
            "haproxy-2.6; the client's last frames: a trailers-only HEADERS(grpc-status 7) and RST_STREAM(CANCEL) in "
            "one read batch (read 2).");
}

TEST(Headline, AMarkWhoseFramesAreNotThereDoesNotApply) {
  // haproxy-2.6 forwards the trailers: a "trailers dropped" mark (from another call, say) must not
  // make the headline claim they were dropped.
  PlainRun run = plain_run("founding-case.textproto");
  run.result.marks = {};
  run.result.marks.hit("proxy: trailers dropped");
  std::string text = headline(run.scenario, run.result, run.verdicts);
  EXPECT_EQ(text.find("dropped"), std::string::npos) << text;
  EXPECT_NE(text.find("CANCELLED"), std::string::npos) << text;
}

TEST(Headline, AHoldingRunSaysTheStatusArrivedAndWhatKeptIt) {
  PlainRun run = plain_run("founding-case-grpc-core-sync.textproto");
  std::string text = headline(run.scenario, run.result, run.verdicts);
  EXPECT_TRUE(text.starts_with("Every invariant holds: call 0 ended at the grpc-core-sync client with "
                               "PERMISSION_DENIED, as the grpc-core server sent it, through haproxy-2.6."))
      << text;
  EXPECT_NE(text.find("kept the trailers it held when the RST_STREAM(CANCEL) came"), std::string::npos) << text;
}

TEST(Headline, OtherBrokenInvariantsNameTheirDetailAndBreakingFrames) {
  PlainRun run = plain_run("founding-case-haproxy-3.2.textproto");
  Verdict broken{"no leaks", "at quiescence the proxy holds no stream", false, "stream 1 still open", {3}};
  std::string text = headline(run.scenario, run.result, {broken});
  EXPECT_TRUE(text.starts_with("The invariant \"no leaks\" fails through haproxy-3.2: stream 1 still open. "
                               "The breaking frame: the "))
      << text;
}

TEST(FormatRun, StartsWithTheHeadlineWrappedForATerminal) {
  PlainRun run = plain_run("founding-case.textproto");
  std::string text = format_run(run.scenario, run.result, run.verdicts);
  EXPECT_TRUE(text.starts_with("haproxy-2.6 forwarded the server's trailers-only HEADERS(grpc-status 7)")) << text;
  std::string head = text.substr(0, text.find("\n\n"));
  for (size_t start = 0, end; start < head.size(); start = end + 1) {
    end = std::min(head.find('\n', start), head.size());
    EXPECT_LE(end - start, 100u) << head;
  }
  EXPECT_NE(text.find("\n\n# founding-case via haproxy-2.6"), std::string::npos) << text;
}

TEST(FormatRun, APreambleGoesBetweenTheHeadlineAndTheTrace) {
  PlainRun run = plain_run("founding-case.textproto");
  std::string text = format_run(run.scenario, run.result, run.verdicts, "minimal scenario:\n...\n");
  EXPECT_NE(text.find("PERMISSION_DENIED.\n\nminimal scenario:\n...\n# founding-case"), std::string::npos) << text;
}

}  // namespace
}  // namespace h2sim
