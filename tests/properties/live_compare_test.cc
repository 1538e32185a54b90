// Live comparisons (properties/live_compare.h): a live run's frames are judged against a
// simulated run that reached the same outcome with the same frames, when one does.
#include "properties/live_compare.h"

#include <gtest/gtest.h>

#include "properties/harness.h"
#include "support/test_support.h"

namespace h2sim {
namespace {

// Stands for a live run: a simulated run that reached the search's first outcome by another
// schedule, whose client leg carries other frames (live, a loaded machine slow to forward lets
// more of an upload out before an abort).
class LiveCompare : public ::testing::TestWithParam<const char*> {};

TEST_P(LiveCompare, FramesAreJudgedAgainstARunWithTheSameOutcomeAndFramesIfThereIsOne) {
  Scenario s = testing::scenario_from_file(GetParam());
  ExploreOptions bounded;
  bounded.executions_max = 2000;
  ExploreReport search = explore(s, bounded);
  auto first = search.outcomes[0].begin();
  sim::RecordedChoices replay(first->second);
  Result first_run = run_case(s, replay);
  std::optional<Result> other;
  for (uint64_t seed = 1; seed <= 2000 && !other; ++seed) {
    sim::SeededChoices choices(seed);
    Result r = run_case(s, choices);
    if (outcome_text(r.calls[0]) == first->first &&
        leg_shape(r, h2::Leg::downstream, true) != leg_shape(first_run, h2::Leg::downstream, true)) {
      other = r;
    }
  }
  ASSERT_TRUE(other) << "no seeded run reaches " << first->first << " with other frames";
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

}  // namespace
}  // namespace h2sim
