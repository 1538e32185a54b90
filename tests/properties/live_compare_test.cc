// Live comparisons (properties/live_compare.h): a live run's frames are judged against a
// simulated run that reached the same outcome with the same frames, when one does.
#include "properties/live_compare.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <future>

#include "properties/harness.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

// Stands for a live run: a simulated run that reached the search's first outcome by another
// schedule, whose client leg carries other frames (live, a loaded machine slow to forward lets
// more of an upload out before an abort).
class LiveCompare : public ::testing::TestWithParam<const char*> {};

// The outcome the search reaches first, and a seeded run that reaches it with another client leg
// than the search's first run has (none if no seed up to 2,000 does).
std::pair<std::string, std::optional<Result>> same_outcome_other_client_leg(const Scenario& s) {
  ExploreOptions bounded;
  bounded.executions_max = 2000;
  ExploreReport search = explore(s, bounded);
  auto first = search.outcomes[0].begin();
  sim::RecordedChoices replay(first->second);
  Result first_run = run_case(s, replay);
  for (uint64_t seed = 1; seed <= 2000; ++seed) {
    sim::SeededChoices choices(seed);
    Result r = run_case(s, choices);
    if (outcome_text(r.calls[0]) == first->first &&
        leg_shape(r, h2::Leg::downstream, true) != leg_shape(first_run, h2::Leg::downstream, true)) {
      return {first->first, r};
    }
  }
  return {first->first, std::nullopt};
}

TEST_P(LiveCompare, FramesAreJudgedAgainstARunWithTheSameOutcomeAndFramesIfThereIsOne) {
  Scenario s = testing::scenario_from_file(GetParam());
  auto [outcome, other] = same_outcome_other_client_leg(s);
  ASSERT_TRUE(other) << "no seeded run reaches " << outcome << " with other frames";
  std::map<std::string, Result> examples{{outcome_text(other->calls[0]), *other}};
  Comparison c = compare_with_preset(s, examples, true, 2000);
  EXPECT_EQ(c.agree, c.cells);
  ASSERT_EQ(c.legs.size(), 1u);
  for (const LegDifference& d : c.legs.begin()->second) {
    EXPECT_TRUE(d.agrees) << d.leg << " differs at " << d.at << ": " << d.live << " vs " << d.simulated;
  }
}

// nginx answering a still-uploading client with 502 reaches the same outcome on many schedules
// with different frames (how much of the upload got through first).
INSTANTIATE_TEST_SUITE_P(Scenarios, LiveCompare, ::testing::Values("regression-nginx-502-upload.textproto"));

ExploreOptions loopback_search(uint64_t executions_max) {
  ExploreOptions o;
  o.executions_max = executions_max;
  o.fixed_labels = sim::label_bit(sim::Label::latency) | sim::label_bit(sim::Label::split);
  return o;
}

// The differential's case 196 of 2026-12-03 (scenarios/differential-needs-the-loopback-search):
// live, grpc++ reported CANCELLED. The whole tree's search, cut at 20,000 paths, never reaches
// it; the loopback search does, completely, and so the comparison predicts it even without
// random schedules, and compares the frames against a run of the scenario as it is.
TEST(LiveCompareLoopback, ASearchCutShortIsJoinedByTheLoopbackSearch) {
  Scenario s = testing::scenario_from_file("differential-needs-the-loopback-search.textproto");
  const std::string cancelled = "CANCELLED: Received RST_STREAM with error code 8";
  ExploreOptions bounded;
  bounded.executions_max = 20000;
  ExploreReport whole = explore(s, bounded);
  ASSERT_FALSE(whole.complete);
  ASSERT_EQ(whole.outcomes[0].count(cancelled), 0u) << "the whole tree's search now reaches it: pick another case";

  ExploreReport loop = explore(s, loopback_search(20000));
  ASSERT_TRUE(loop.complete);
  auto path = loop.outcomes[0].find(cancelled);
  ASSERT_NE(path, loop.outcomes[0].end());
  sim::RecordedChoices replay(path->second);
  Result live = run_case(s, replay);  // stands for the live run
  std::map<std::string, Result> examples{{cancelled, live}};
  Comparison c = compare_with_preset(s, examples, true, 20000, 0);
  EXPECT_FALSE(c.simulated.complete);
  EXPECT_TRUE(c.loopback.complete);
  EXPECT_EQ(c.cells, 1u);
  EXPECT_EQ(c.agree, 1u);
  ASSERT_EQ(c.legs.count(cancelled), 1u);
  for (const LegDifference& d : c.legs[cancelled]) EXPECT_TRUE(d.agrees) << d.leg;
}

// Fixed decisions take 0 on every path: each hop at the shortest latency, every write whole.
TEST(LiveCompareLoopback, TheLoopbackSearchVariesNoLatencyAndCutsNoWrite) {
  Scenario s = testing::scenario_from_file("differential-needs-the-loopback-search.textproto");
  ExploreReport loop = explore(s, loopback_search(20000));
  ASSERT_TRUE(loop.complete);
  size_t paths = 0, fixed = 0;
  for (const auto& [outcome, decisions] : loop.outcomes[0]) {
    ++paths;
    for (const sim::Decision& d : decisions) {
      if (d.label == sim::Label::latency || d.label == sim::Label::split) {
        ++fixed;
        EXPECT_EQ(d.value, 0u) << outcome;
      }
    }
  }
  EXPECT_EQ(paths, 2u);
  EXPECT_GT(fixed, 0u) << "the decisions are still asked, and answered 0";
  ExploreOptions whole;
  whole.executions_max = 20000;
  EXPECT_GT(explore(s, whole).executions, 10 * loop.executions);
}

// The differential predicts on helper threads while live runs go on (properties/differential.cc):
// a prediction made on another thread is the one made here, paths and all, and judging live runs
// against it gives what the one-step comparison gives.
TEST(LiveComparePrediction, APredictionOnAnotherThreadIsTheOneMadeHere) {
  Scenario s = testing::scenario_from_file("differential-needs-the-loopback-search.textproto");
  auto elsewhere = std::async(std::launch::async, [&s] { return predict_with_preset(s, 20000, 200); });
  Comparison here = predict_with_preset(s, 20000, 200);
  Comparison there = elsewhere.get();
  EXPECT_FALSE(here.simulated.complete);
  EXPECT_EQ(there.simulated.executions, here.simulated.executions);
  EXPECT_EQ(there.loopback.executions, here.loopback.executions);
  EXPECT_EQ(there.simulated.outcomes, here.simulated.outcomes);

  const std::string cancelled = "CANCELLED: Received RST_STREAM with error code 8";
  auto path = here.simulated.outcomes[0].find(cancelled);
  ASSERT_NE(path, here.simulated.outcomes[0].end());
  sim::RecordedChoices replay(path->second);
  std::map<std::string, Result> examples{{cancelled, run_case(s, replay)}};
  compare_with_live(s, examples, true, &there);
  Comparison whole = compare_with_preset(s, examples, true, 20000, 200);
  EXPECT_EQ(there.cells, whole.cells);
  EXPECT_EQ(there.agree, whole.agree);
  EXPECT_EQ(there.unpredicted, whole.unpredicted);
  ASSERT_EQ(there.legs.size(), whole.legs.size());
  EXPECT_EQ(there.legs.begin()->second.size(), whole.legs.begin()->second.size());
}

// A prediction told to stop ends its searches at their next check, unfinished.
TEST(LiveComparePrediction, APredictionToldToStopEndsEarly) {
  Scenario s = testing::scenario_from_file("differential-needs-the-loopback-search.textproto");
  Comparison stopped = predict_with_preset(s, 20000, 0, [] { return true; });
  EXPECT_FALSE(stopped.simulated.complete);
  EXPECT_LT(stopped.simulated.executions, 2000u);
}

// `live --compare` shows how far its prediction is (a search of several calls takes minutes):
// each part is heard in order, the searches in paths, the random schedules up to their number,
// and a stop ends the random schedules too.
TEST(LiveComparePrediction, APredictionTellsWhichPartRunsAndHowFar) {
  Scenario s = testing::scenario_from_file("differential-needs-the-loopback-search.textproto");
  std::vector<std::pair<std::string, uint64_t>> heard;
  auto progress = [&heard](std::string_view part, uint64_t done) { heard.emplace_back(part, done); };
  Comparison c = predict_with_preset(s, 5000, 300, nullptr, progress);
  ASSERT_FALSE(c.simulated.complete);
  EXPECT_EQ(c.sampled, 300u);
  std::vector<std::string> parts;
  for (const auto& [part, done] : heard) {
    if (parts.empty() || parts.back() != part) parts.push_back(part);
  }
  EXPECT_EQ(parts, (std::vector<std::string>{"search", "loopback search", "random schedules"}));
  EXPECT_EQ(heard.back(), (std::pair<std::string, uint64_t>{"random schedules", 300}));
  EXPECT_EQ(heard.front().first, "search");

  int asked = 0;  // the searches ask every 1,000 paths; the random schedules every 100
  Comparison stopped = predict_with_preset(s, 5000, 300, [&asked] { return ++asked > 6; });
  EXPECT_LT(stopped.sampled, 300u);
}

// A live run whose server leg no simulated run has (a slow proxy let the server answer before the
// client's first message came in): its client leg is still judged against a run that has that
// leg, not against the search's first run, which has neither (CI, 2026-12-06, grpcio through
// nginx).
TEST(LiveCompareLegs, OneLegThatARunMatchesAgreesWhenNoRunMatchesTheOther) {
  Scenario s = testing::scenario_from_file("founding-case.textproto");
  s.mutable_proxy()->set_preset("nginx");
  s.set_client("grpcio");
  auto [outcome, live] = same_outcome_other_client_leg(s);
  ASSERT_TRUE(live) << "no seeded run reaches " << outcome << " with another client leg";
  // The server's leg ends after its first frame: no simulated run has that.
  auto server_frame = [](const h2::FrameRecord& f) { return f.endpoint.leg == h2::Leg::upstream; };
  auto kept = std::find_if(live->frames.begin(), live->frames.end(), server_frame);
  ASSERT_NE(kept, live->frames.end());
  live->frames.erase(std::remove_if(kept + 1, live->frames.end(), server_frame), live->frames.end());

  Comparison c = compare_with_preset(s, {{outcome, *live}}, true, 2000);
  const std::vector<LegDifference>& legs = c.legs.at(outcome);
  ASSERT_EQ(legs.size(), 2u);
  EXPECT_TRUE(legs[0].agrees) << legs[0].leg << " differs at " << legs[0].at << ": " << legs[0].live << " vs "
                              << legs[0].simulated;
  EXPECT_FALSE(legs[1].agrees);
}

// The positions in r.frames of the client's HEADERS, DATA and RST_STREAM frames on the downstream leg.
std::vector<size_t> client_frames(const Result& r) {
  std::vector<size_t> at;
  for (size_t i = 0; i < r.frames.size(); ++i) {
    const h2::FrameRecord& f = r.frames[i];
    bool call_frame = f.type == h2::FrameType::headers || f.type == h2::FrameType::data || f.type == h2::FrameType::rst_stream;
    if (call_frame && f.endpoint.leg == h2::Leg::downstream && f.endpoint.client_side) at.push_back(i);
  }
  return at;
}

// A library's write may leave after reads that came in once it had decided it (grpc++'s
// RST_STREAM(NO_ERROR) after nginx's trailers, written after nginx's reset was read): the client
// leg agrees, saying so. A write that leaves before a read it followed in the simulation does not.
TEST(LiveCompareWrites, AWriteThatLeftAfterALaterReadAgreesAndOneThatLeftEarlierDoesNot) {
  // grpc-java resets the stream after the trailers haproxy relays: a write after reads.
  Scenario s = testing::scenario_from_file("founding-case.textproto");
  s.set_client("grpc-java");
  ExploreOptions bounded;
  bounded.executions_max = 2000;
  ExploreReport search = explore(s, bounded);
  auto first = search.outcomes[0].begin();
  sim::RecordedChoices replay(first->second);
  const Result simulated = run_case(s, replay);
  std::vector<size_t> at = client_frames(simulated);
  // The first sent frame just before a read one: the client's first message, read before the abort.
  size_t k = 0;
  while (k + 1 < at.size() && !(simulated.frames[at[k]].sent && !simulated.frames[at[k + 1]].sent)) ++k;
  ASSERT_LT(k + 1, at.size()) << "no sent frame before a read one in " << first->first;

  auto judge = [&](const Result& live) {
    Comparison c = compare_with_preset(s, {{first->first, live}}, false, 2000, 0);
    EXPECT_EQ(c.agree, c.cells);
    return c.legs.at(first->first).at(0);
  };
  EXPECT_TRUE(judge(simulated).agrees);
  EXPECT_EQ(judge(simulated).writes_left_later, 0u);

  Result later = simulated;  // the sent frame leaves after the read
  std::swap(later.frames[at[k]], later.frames[at[k + 1]]);
  LegDifference d = judge(later);
  EXPECT_TRUE(d.agrees) << d.at << ": " << d.live << " vs " << d.simulated;
  EXPECT_EQ(d.writes_left_later, 1u);

  // The client's reset leaving before the last frame it had read.
  Result earlier = simulated;
  size_t j = 0;  // a read frame just before a sent one
  while (j + 1 < at.size() && !(!simulated.frames[at[j]].sent && simulated.frames[at[j + 1]].sent)) ++j;
  ASSERT_LT(j + 1, at.size()) << "no read frame before a sent one in " << first->first;
  std::swap(earlier.frames[at[j]], earlier.frames[at[j + 1]]);
  d = judge(earlier);
  EXPECT_FALSE(d.agrees);
}

}  // namespace
}  // namespace h2sim
