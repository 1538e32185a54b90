// The page of a large run (reports/page_view.h): drawn for the call at issue, with the verdicts'
// frames moved along and whole send/read pairs, so that the page stays small enough for a
// browser and still shows the frames that break an invariant.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "properties/harness.h"
#include "properties/invariants.h"
#include "reports/page_view.h"
#include "reports/run_facts.h"
#include "reports/run_page.h"
#include "reports/sequence_diagram.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

namespace fs = std::filesystem;

struct LargeRun {
  Scenario scenario;
  Result result;
  std::vector<Verdict> verdicts;
};

// The founding case's call `copies` times over one connection, on its plainest schedule: every
// copy loses its status (CANCELLED for PERMISSION_DENIED).
LargeRun founding_copies(uint32_t copies) {
  LargeRun run{testing::scenario_from_file("founding-case.textproto"), {}, {}};
  run.scenario.mutable_calls(0)->set_repeat(copies);
  run.scenario.mutable_calls(0)->set_repeat_interval_ns(50'000);
  sim::PlainChoices choices;
  run.result = run_case(run.scenario, choices);
  run.verdicts = check_all(run.result, run.scenario);
  return run;
}

TEST(PageView, ASmallRunIsShownWhole) {
  LargeRun run = founding_copies(1);
  PageView view;
  page_view(run.result, run.verdicts, &view);
  EXPECT_TRUE(view.whole);
  EXPECT_TRUE(view.note.empty());
  EXPECT_EQ(view.shown().frames.size(), run.result.frames.size());
  EXPECT_EQ(trace_digest(view.shown()), trace_digest(run.result));
}

TEST(PageView, ALargeRunShowsTheFirstLostCallWithTheFramesThatBreakTheInvariant) {
  LargeRun run = founding_copies(200);
  ASSERT_GT(run.result.frames.size(), page_frames_max);
  ASSERT_FALSE(all_hold(run.verdicts));
  PageView view;
  page_view(run.result, run.verdicts, &view);
  ASSERT_FALSE(view.whole);
  EXPECT_NE(view.note.find("the first call whose status was lost"), std::string::npos) << view.note;
  EXPECT_NE(view.note.find("trace.txt"), std::string::npos) << view.note;
  ASSERT_EQ(view.shown().calls.size(), 1u);
  const grpc::CallOutcome& focus = view.shown().calls[0];
  EXPECT_EQ(focus.call, call_at_issue(run.result, run.verdicts)->call);
  EXPECT_TRUE(status_lost(focus));
  EXPECT_LT(view.shown().frames.size(), page_frames_max);

  // Every frame shown belongs to that call or to no call (a connection frame).
  std::vector<int> calls = frame_calls(view.shown());
  size_t of_call = 0;
  for (size_t i = 0; i < calls.size(); ++i) {
    EXPECT_TRUE(calls[i] == static_cast<int>(focus.call) ||
                view.shown().frames[i].stream_id == h2::connection_stream_id)
        << h2::format_frame(view.shown().frames[i]);
    of_call += calls[i] == static_cast<int>(focus.call) ? 1 : 0;
  }
  std::vector<int> all_calls = frame_calls(run.result);
  EXPECT_EQ(of_call, static_cast<size_t>(std::count(all_calls.begin(), all_calls.end(), static_cast<int>(focus.call))));

  // The breaking frames of that call are still marked, at their new places.
  std::set<std::string> breaking_before, breaking_after;
  for (size_t i : breaking_frames(run.verdicts)) {
    if (all_calls[i] == static_cast<int>(focus.call)) breaking_before.insert(h2::format_frame(run.result.frames[i]));
  }
  for (size_t i : breaking_frames(view.verdicts())) breaking_after.insert(h2::format_frame(view.shown().frames[i]));
  EXPECT_FALSE(breaking_before.empty());
  EXPECT_EQ(breaking_after, breaking_before);

  // Sends and reads come in whole pairs: each direction shows as many frames sent as read.
  std::map<std::pair<uint32_t, bool>, int> balance;
  for (const h2::FrameRecord& f : view.shown().frames) {
    balance[{f.endpoint.connection, f.sent ? f.endpoint.client_side : !f.endpoint.client_side}] += f.sent ? 1 : -1;
  }
  for (const auto& [direction, n] : balance) EXPECT_EQ(n, 0) << "connection " << direction.first;
}

// A hostile client's 6,700 frames beside one call: the part drawn holds none of them, and does
// not claim that "its connection (0 frames)" was left out.
TEST(PageView, APartWithoutTheHostileClientsFramesDoesNotCountThem) {
  Scenario scenario = testing::scenario_from_file("hostile-rapid-reset-split-frame.textproto");
  sim::SeededChoices choices(3);
  Result result = run_case(scenario, choices);
  std::vector<Verdict> verdicts = check_all(result, scenario);
  ASSERT_TRUE(result.has_hostile);
  ASSERT_GT(result.frames.size(), page_frames_max);
  PageView view;
  page_view(result, verdicts, &view);
  ASSERT_FALSE(view.whole);
  std::string svg = sequence_svg(scenario, view.shown(), view.verdicts(), view.caption);
  EXPECT_EQ(svg.find("(0 frames)"), std::string::npos);
  EXPECT_NE(svg.find("Part of the run"), std::string::npos);
}

TEST(PageView, TheOutcomeTableListsTheLostCallsFirstThenTheOthersInOrder) {
  Result r;
  for (uint32_t i = 0; i < page_calls_max + 50; ++i) {
    grpc::CallOutcome c;
    c.call = i;
    c.server_sent = grpc::Status{grpc::Code::permission_denied, "no"};
    bool lost = i % 100 == 99;  // 10 lost calls, the last of them past page_calls_max
    c.client_saw = lost ? grpc::Status{grpc::Code::cancelled, ""} : *c.server_sent;
    r.calls.push_back(c);
  }
  std::vector<size_t> listed = listed_calls(r);
  ASSERT_EQ(listed.size(), page_calls_max);
  EXPECT_TRUE(std::is_sorted(listed.begin(), listed.end()));
  for (size_t i = 0; i < r.calls.size(); ++i) {
    if (status_lost(r.calls[i])) {
      EXPECT_TRUE(std::binary_search(listed.begin(), listed.end(), i)) << i;
    }
  }
  r.calls.resize(10);
  EXPECT_EQ(listed_calls(r).size(), 10u);
}

TEST(PageView, ALargeRunsPageIsSmall) {
  LargeRun run = founding_copies(200);
  std::string dir = (fs::temp_directory_path() / ("h2sim-page-view-" + std::to_string(getpid()))).string();
  fs::remove_all(dir);
  ReportFiles files;
  std::string error;
  ASSERT_TRUE(write_report(run.scenario, run.result, run.verdicts, "h2sim replay x", dir, &files, &error)) << error;
  std::ifstream in(dir + "/index.html");
  std::stringstream page;
  page << in.rdbuf();
  EXPECT_NE(page.str().find("id=\"page-view\""), std::string::npos);
  // Drawn whole, this run's page was 2.5 MB (2026-12-04); drawn for its call at issue, 125 KB.
  EXPECT_LT(page.str().size(), 400'000u);
  EXPECT_NE(files.note.find("more than a page can draw"), std::string::npos) << files.note;
  std::ifstream svg(dir + "/sequence.svg");
  std::stringstream drawing;
  drawing << svg.rdbuf();
  EXPECT_NE(drawing.str().find("Part of the run: call 0's frames"), std::string::npos);
  // The whole trace stays in trace.txt: every frame has its line there.
  std::ifstream trace(dir + "/trace.txt");
  std::stringstream text;
  text << trace.rdbuf();
  std::string lines = text.str();
  EXPECT_GE(static_cast<size_t>(std::count(lines.begin(), lines.end(), '\n')), run.result.frames.size());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace h2sim
