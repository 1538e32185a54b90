#include "sim/choice.h"

#include <gtest/gtest.h>

namespace h2sim::sim {
namespace {

TEST(SplitMix64, MatchesThePublishedSequenceForSeedZero) {
  // Reference outputs of splitmix64 (Vigna) from state 0: pins the generator across builds.
  SplitMix64 rng(0);
  EXPECT_EQ(rng.next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(rng.next(), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(rng.next(), 0x06c45d188009454fULL);
}

TEST(SplitMix64, BelowStaysInRangeAndReachesEveryValue) {
  SplitMix64 rng(42);
  bool seen[5] = {};
  for (int i = 0; i < 1000; ++i) {
    uint32_t v = rng.below(5);
    ASSERT_LT(v, 5u);
    seen[v] = true;
  }
  for (bool s : seen) EXPECT_TRUE(s);
}

TEST(ChoiceSource, TrivialChoicesAreNotRecorded) {
  SeededChoices choices(7);
  EXPECT_EQ(choices.choose(1, Label::tie), 0u);
  EXPECT_TRUE(choices.decisions().empty());
  uint32_t v = choices.choose(3, Label::split);
  ASSERT_EQ(choices.decisions().size(), 1u);
  EXPECT_EQ(choices.decisions()[0], (Decision{3, v, Label::split}));
}

TEST(RecordedChoices, ReplaysTheRecordThenRefusesToRunPastIt) {
  RecordedChoices choices({{2, 1, Label::read}, {3, 2, Label::tie}});
  EXPECT_EQ(choices.choose(2, Label::read), 1u);
  EXPECT_EQ(choices.choose(3, Label::tie), 2u);
  EXPECT_TRUE(choices.exhausted());
  EXPECT_THROW(choices.choose(2, Label::split), ChoiceError);
}

TEST(RecordedChoices, RejectsADecisionOfAnotherShape) {
  RecordedChoices wrong_label({{2, 1, Label::read}});
  EXPECT_THROW(wrong_label.choose(2, Label::split), ChoiceError);
  RecordedChoices wrong_n({{2, 1, Label::read}});
  EXPECT_THROW(wrong_n.choose(4, Label::read), ChoiceError);
}

TEST(Decisions, FormatAndParseRoundTrip) {
  std::vector<Decision> decisions = {{2, 1, Label::split}, {4, 3, Label::latency}};
  std::vector<Decision> parsed;
  std::string error;
  ASSERT_TRUE(parse_decisions(format_decisions(decisions), &parsed, &error)) << error;
  EXPECT_EQ(parsed, decisions);
}

TEST(Decisions, ParseNamesTheBadToken) {
  std::vector<Decision> parsed;
  std::string error;
  EXPECT_FALSE(parse_decisions("split 1/2\nshuffle 0/2\n", &parsed, &error));
  EXPECT_NE(error.find("decision 2"), std::string::npos) << error;
  EXPECT_NE(error.find("shuffle"), std::string::npos) << error;
  EXPECT_FALSE(parse_decisions("read 2/2\n", &parsed, &error));
  EXPECT_NE(error.find("value/n"), std::string::npos) << error;
}

}  // namespace
}  // namespace h2sim::sim
