// Campaign pages (issue "Reports that explain", item 3): a kept-going campaign's findings,
// grouped by signature with a count and a representative each, its statistics, the coverage.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "model/scenario/scenario_io.h"
#include "properties/harness.h"
#include "properties/invariants.h"
#include "reports/browser_support.h"
#include "reports/findings.h"
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

FindingSignature signature(std::string proxy, std::string invariant, std::vector<std::string> marks) {
  return {std::move(proxy), "grpc-core", "grpc-core", std::move(invariant), "PERMISSION_DENIED", "CANCELLED",
          std::move(marks)};
}

TEST(GroupFindings, EqualSignaturesGoTogetherLargestGroupFirstMembersInTheOrderGiven) {
  std::vector<FindingSignature> s = {signature("haproxy-2.6", "status preserved", {"a"}),
                                     signature("nginx", "status preserved", {"a"}),
                                     signature("haproxy-2.6", "status preserved", {"a", "b"}),
                                     signature("nginx", "status preserved", {"a"}),
                                     signature("haproxy-2.6", "status preserved", {"a"}),
                                     signature("haproxy-2.6", "status preserved", {"a"})};
  std::vector<FindingGroup> groups = group_findings(s);
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].members, (std::vector<size_t>{0, 4, 5}));
  EXPECT_EQ(groups[1].members, (std::vector<size_t>{1, 3}));
  EXPECT_EQ(groups[2].members, (std::vector<size_t>{2}));
  EXPECT_EQ(signature_line(groups[1].signature),
            "nginx, grpc-core client, grpc-core server: status preserved, PERMISSION_DENIED -> CANCELLED");
}

TEST(SignatureOf, TheFoundingCaseIsItsCastItsLossAndItsMarks) {
  Scenario scenario = testing::scenario_from_file("founding-case.textproto");
  sim::PlainChoices choices;
  Result result = run_case(scenario, choices);
  FindingSignature s = signature_of(scenario, result, check_all(result, scenario));
  EXPECT_EQ(signature_line(s),
            "haproxy-2.6, grpc-core client, grpc-core server: status preserved, PERMISSION_DENIED -> CANCELLED");
  EXPECT_NE(std::find(s.marks.begin(), s.marks.end(), "grpc-core: reset in the same read batch replaces held trailers"),
            s.marks.end());
}

class CampaignOf300Cases : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    base_ = (fs::temp_directory_path() / ("h2sim-campaign-page-" + std::to_string(getpid()))).string();
    testing::CommandOutput check =
        testing::run_h2sim("check --proxy haproxy-2.6 --cases 300 --keep-going --out " + base_ + "/out --report " +
                           base_ + "/check-report");
    if (check.code != 1) setup_failure_ = "check exited " + std::to_string(check.code) + ":\n" + check.text;
    testing::CommandOutput report = testing::run_h2sim("report " + base_ + "/out --out " + base_ + "/report");
    // report exits 0 once it wrote the report, whatever the cases it draws did.
    if (report.code != 0) setup_failure_ += "report exited " + std::to_string(report.code) + ":\n" + report.text;
  }
  // A failure in SetUpTestSuite would show as skipped tests (ctest reads gtest's SKIPPED lines):
  // it is kept here and fails every test instead.
  void SetUp() override { ASSERT_TRUE(setup_failure_.empty()) << setup_failure_; }
  static inline std::string setup_failure_;
  static void TearDownTestSuite() { fs::remove_all(base_); }

  // The groups the page should show, computed here from the replay files themselves.
  static std::vector<FindingGroup> expected_groups(std::vector<std::string>* names) {
    std::vector<std::string> replays;
    for (const auto& e : fs::directory_iterator(base_ + "/out")) {
      if (e.path().string().ends_with(".replay.textproto")) replays.push_back(e.path().string());
    }
    std::sort(replays.begin(), replays.end());
    std::vector<FindingSignature> signatures;
    for (const std::string& path : replays) {
      Replay replay;
      std::string error;
      EXPECT_TRUE(load_replay(path, builtin_catalogue(), &replay, &error)) << error;
      sim::RecordedChoices choices(decisions_of(replay));
      Result result = run_case(replay.scenario(), choices);
      signatures.push_back(signature_of(replay.scenario(), result, check_all(result, replay.scenario())));
      names->push_back(fs::path(path).filename().string());
    }
    return group_findings(signatures);
  }

  static std::string base_;
};
std::string CampaignOf300Cases::base_;

TEST_F(CampaignOf300Cases, ThePageGroupsTheFindingsBySignatureWithCountsAndARepresentativeEach) {
  std::vector<std::string> names;
  std::vector<FindingGroup> groups = expected_groups(&names);
  ASSERT_GT(names.size(), groups.size()) << "a kept-going campaign finds some loss more than once";
  std::string html = read(base_ + "/report/index.html");
  EXPECT_NE(html.find(std::to_string(names.size()) + " failing cases in " + std::to_string(groups.size()) + " groups"),
            std::string::npos);
  std::regex section("<section class=\"group\" id=\"group-\\d+\"><h3><span class=\"count\">(\\d+)×</span>([^<]*)");
  std::vector<size_t> counts;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), section); it != std::sregex_iterator(); ++it) {
    counts.push_back(std::stoul((*it)[1]));
  }
  ASSERT_EQ(counts.size(), groups.size()) << html;
  for (size_t g = 0; g < groups.size(); ++g) EXPECT_EQ(counts[g], groups[g].members.size()) << "group " << g;
  // Each group links one representative's run page, and that page exists.
  std::regex representative("Representative: <a href=\"([^\"]+)\">");
  size_t links = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), representative); it != std::sregex_iterator(); ++it) {
    EXPECT_TRUE(fs::exists(base_ + "/report/" + (*it)[1].str())) << (*it)[1];
    ++links;
  }
  EXPECT_EQ(links, groups.size());
  EXPECT_NE(html.find("RST_STREAM(CANCEL)"), std::string::npos) << "each group shows its representative's headline";
}

TEST_F(CampaignOf300Cases, ThePageShowsTheStatisticsTheCampaignWroteAndTheCoverage) {
  EXPECT_TRUE(fs::exists(base_ + "/out/campaign-stats.txt"));
  std::string html = read(base_ + "/report/index.html");
  EXPECT_NE(html.find("<h2>Campaign statistics</h2>\n<p>300 cases, "), std::string::npos);
  EXPECT_NE(html.find("proxy: RST(CANCEL) after a complete response to an uploading client"), std::string::npos);
  EXPECT_NE(html.find("Stream states over all recorded cases"), std::string::npos);
  EXPECT_TRUE(fs::exists(base_ + "/report/state-proxy-downstream.dot"));
}

TEST_F(CampaignOf300Cases, CheckReportWritesTheSamePageOverItsFindings) {
  std::vector<std::string> names;
  std::vector<FindingGroup> groups = expected_groups(&names);
  std::string html = read(base_ + "/check-report/index.html");
  EXPECT_NE(html.find(std::to_string(names.size()) + " failing cases in " + std::to_string(groups.size()) + " groups"),
            std::string::npos)
      << html.substr(0, 2000);
  EXPECT_NE(html.find("<h2>Campaign statistics</h2>\n<p>300 cases, "), std::string::npos);
}

TEST_F(CampaignOf300Cases, AHeadlessBrowserRendersThePageWithoutConsoleErrors) {
  if (testing::chromium().empty()) GTEST_SKIP() << "chromium is not installed (scripts/install-deps.sh installs it)";
  std::string png = base_ + "-page.png";
  testing::BrowserRun run = testing::screenshot(base_ + "/report/index.html", png);
  EXPECT_EQ(run.code, 0) << run.log;
  EXPECT_GT(fs::exists(png) ? fs::file_size(png) : 0, 20000u) << run.log;
  EXPECT_EQ(run.log.find("CONSOLE"), std::string::npos) << run.log;
  std::string dom = testing::dump_dom(base_ + "/report/index.html");
  EXPECT_NE(dom.find("<section class=\"group\" id=\"group-0\">"), std::string::npos);
  fs::remove(png);
}

}  // namespace
}  // namespace h2sim
