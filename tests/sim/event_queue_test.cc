#include "sim/event_queue.h"

#include <gtest/gtest.h>

#include <string>

namespace h2sim::sim {
namespace {

TEST(EventQueue, RunsEventsInTimeOrder) {
  EventQueue queue;
  std::string order;
  queue.schedule(Time{30}, [&] { order += 'c'; });
  queue.schedule(Time{10}, [&] { order += 'a'; });
  queue.schedule(Time{20}, [&] { order += 'b'; });
  PlainChoices choices;
  Time at;
  while (!queue.empty()) queue.pop(choices, &at)();
  EXPECT_EQ(order, "abc");
  EXPECT_TRUE(choices.decisions().empty());  // no ties, no decisions
}

TEST(EventQueue, SimultaneousEventsAreAChoice) {
  for (uint32_t first : {0u, 1u, 2u}) {
    EventQueue queue;
    std::string order;
    for (char c : std::string("abc")) queue.schedule(Time{5}, [&order, c] { order += c; });
    RecordedChoices choices({{3, first, Label::tie}, {2, 0, Label::tie}});
    Time at;
    while (!queue.empty()) queue.pop(choices, &at)();
    EXPECT_EQ(order[0], "abc"[first]);
    EXPECT_TRUE(choices.exhausted());
  }
}

TEST(EventQueue, AnswerZeroIsInsertionOrder) {
  EventQueue queue;
  std::string order;
  for (char c : std::string("xyz")) queue.schedule(Time{1}, [&order, c] { order += c; });
  PlainChoices choices;
  Time at;
  while (!queue.empty()) queue.pop(choices, &at)();
  EXPECT_EQ(order, "xyz");
}

}  // namespace
}  // namespace h2sim::sim
