// The explore page (issue "Reports that explain", item 4): the reachable outcomes first, each
// with its replay command and run page; the state graph cut to the decision points where the
// outcomes diverge, each labelled by what is decided and the stream states there.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "properties/explore.h"
#include "reports/browser_support.h"
#include "reports/decision_graph.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

namespace fs = std::filesystem;

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The labels of the DOT's boxes (the start point has none).
std::vector<std::string> box_labels(const std::string& dot) {
  std::vector<std::string> labels;
  std::regex box("  b\\d+ \\[shape=box, [^\\n]*label=\"([^\"]*)\"\\];");
  for (auto it = std::sregex_iterator(dot.begin(), dot.end(), box); it != std::sregex_iterator(); ++it) {
    labels.push_back((*it)[1]);
  }
  return labels;
}

TEST(DecisionGraph, TheFoundingCaseIsAFewQuestionsEachNamedByItsStreamStates) {
  Scenario scenario = testing::scenario_from_file("founding-case.textproto");
  ExploreOptions options;
  options.record_graph = true;
  ExploreReport report = explore(scenario, options);
  ASSERT_TRUE(report.complete);
  std::vector<std::string> labels = box_labels(decision_graph_dot(scenario, report.graph));
  ASSERT_LE(labels.size(), 10u) << "hundreds of states cut to a handful of boxes";
  size_t outcomes = 0, questions = 0;
  for (const std::string& label : labels) {
    if (label.starts_with("CANCELLED") || label.starts_with("PERMISSION_DENIED")) {
      ++outcomes;
      continue;
    }
    ++questions;
    EXPECT_NE(label.find("?"), std::string::npos) << label;
    EXPECT_NE(label.find("client: s1 "), std::string::npos) << label;
    EXPECT_NE(label.find("proxy (down): s1 "), std::string::npos) << label;
    EXPECT_FALSE(std::regex_match(label, std::regex("\\d+(\\\\n\\d+x)?"))) << "a bare number: " << label;
  }
  EXPECT_EQ(outcomes, 2u);
  EXPECT_GE(questions, 2u);
  // The question the founding case turns on, at the moment it is asked: the proxy has closed the
  // stream (HEADERS with END_STREAM, then its reset), the client has not read them yet.
  bool read_question = false;
  for (const std::string& label : labels) {
    if (!label.starts_with("how many of 2 arrived segments\\ndoes the client read at once?")) continue;
    read_question = true;
    EXPECT_NE(label.find("client: s1 open\\nproxy (down): s1 closed"), std::string::npos) << label;
    EXPECT_NE(label.find("2 frames in flight"), std::string::npos) << label;
  }
  EXPECT_TRUE(read_question);
}

class FoundingCaseExplorePage : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    base_ = (fs::temp_directory_path() / ("h2sim-explore-page-" + std::to_string(getpid()))).string();
    testing::CommandOutput out = testing::run_h2sim("explore " + std::string(H2SIM_SOURCE_DIR) +
                                                    "/scenarios/founding-case.textproto --out " + base_ +
                                                    "/out --report " + base_ + "/report");
    if (out.code != 1) setup_failure_ = "explore exited " + std::to_string(out.code) + ":\n" + out.text;
  }
  // A failure in SetUpTestSuite would show as skipped tests (ctest reads gtest's SKIPPED lines):
  // it is kept here and fails every test instead.
  void SetUp() override { ASSERT_TRUE(setup_failure_.empty()) << setup_failure_; }
  static inline std::string setup_failure_;
  static void TearDownTestSuite() { fs::remove_all(base_); }
  static std::string base_;
};
std::string FoundingCaseExplorePage::base_;

TEST_F(FoundingCaseExplorePage, ListsTheReachableOutcomesFirstWithTheirReplayCommandsAndRunPages) {
  std::string html = read(base_ + "/report/index.html");
  size_t outcomes = html.find("<h2 id=\"outcomes\">Reachable outcomes</h2>");
  ASSERT_NE(outcomes, std::string::npos) << html;
  EXPECT_EQ(html.find("<h2"), outcomes) << "the outcomes are the first section";
  size_t next = html.find("<h2", outcomes + 1);
  std::string section = html.substr(outcomes, next - outcomes);
  for (const char* outcome : {"CANCELLED: Received RST_STREAM with error code 8", "PERMISSION_DENIED: Details sent"}) {
    EXPECT_NE(section.find(outcome), std::string::npos) << section;
  }
  std::regex replay("h2sim replay ([^<]+\\.replay\\.textproto)");
  std::regex page("<a href=\"(call-0-\\d+/index.html)\">run page</a>");
  size_t replays = 0, pages = 0;
  for (auto it = std::sregex_iterator(section.begin(), section.end(), replay); it != std::sregex_iterator(); ++it) {
    EXPECT_TRUE(fs::exists((*it)[1].str())) << (*it)[1];
    ++replays;
  }
  for (auto it = std::sregex_iterator(section.begin(), section.end(), page); it != std::sregex_iterator(); ++it) {
    EXPECT_TRUE(fs::exists(base_ + "/report/" + (*it)[1].str())) << (*it)[1];
    ++pages;
  }
  EXPECT_EQ(replays, 2u);
  EXPECT_EQ(pages, 2u);
  EXPECT_NE(html.find("Call 0 can end in 2 ways at the client: CANCELLED, PERMISSION_DENIED."), std::string::npos);
}

TEST_F(FoundingCaseExplorePage, DrawsTheDecisionPointsAndTheShortestFailure) {
  std::string html = read(base_ + "/report/index.html");
  EXPECT_NE(html.find("<h2>Where the outcomes diverge</h2>"), std::string::npos);
  EXPECT_TRUE(fs::exists(base_ + "/report/decision-points.dot"));
  EXPECT_TRUE(fs::exists(base_ + "/report/shortest-failure/index.html"));
  EXPECT_NE(html.find("h2sim replay " + base_ + "/out/shortest-failure.replay.textproto"), std::string::npos);
}

TEST_F(FoundingCaseExplorePage, AHeadlessBrowserRendersThePageWithoutConsoleErrors) {
  if (testing::chromium().empty()) GTEST_SKIP() << "chromium is not installed (scripts/install-deps.sh installs it)";
  std::string png = base_ + "-page.png";
  testing::BrowserRun run = testing::screenshot(base_ + "/report/index.html", png);
  EXPECT_EQ(run.code, 0) << run.log;
  EXPECT_GT(fs::exists(png) ? fs::file_size(png) : 0, 20000u) << run.log;
  EXPECT_EQ(run.log.find("CONSOLE"), std::string::npos) << run.log;
  fs::remove(png);
}

}  // namespace
}  // namespace h2sim
