#include "sim/event_queue.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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

// Once only 64 simultaneous events were candidates and the rest silently never ran first. Every
// one of a larger tie is a choice now.
TEST(EventQueue, EveryEventOfALargeTieCanRunFirst) {
  constexpr uint32_t tie = 200;
  for (uint32_t first : {0u, 63u, 64u, tie - 1}) {
    EventQueue queue;
    std::vector<uint32_t> order;
    for (uint32_t i = 0; i < tie; ++i) queue.schedule(Time{5}, [&order, i] { order.push_back(i); });
    RecordedChoices choices({{tie, first, Label::tie}});
    Time at;
    queue.pop(choices, &at)();
    EXPECT_EQ(order, std::vector<uint32_t>{first});
    EXPECT_EQ(at, Time{5});
    EXPECT_EQ(queue.size(), tie - 1);
  }
}

// Ties are per host: events due at the same instant at other hosts commute, so they are not a
// choice (event_queue.h).
TEST(EventQueue, OnlyEventsAtTheFirstEventsHostTie) {
  EventQueue queue;
  std::string order;
  queue.schedule(Time{5}, [&] { order += 'a'; }, 0, Address{1});
  queue.schedule(Time{5}, [&] { order += 'b'; }, 0, Address{2});
  queue.schedule(Time{5}, [&] { order += 'c'; }, 0, Address{1});
  RecordedChoices choices({{2, 1, Label::tie}});
  Time at;
  queue.pop(choices, &at)();
  EXPECT_EQ(order, "c");
  EXPECT_TRUE(choices.exhausted());
}

}  // namespace
}  // namespace h2sim::sim
