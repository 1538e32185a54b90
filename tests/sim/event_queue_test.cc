#include "sim/event_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
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

// Events scheduled in time order wait apart from the heap (a run's start timers); whatever the mix,
// answer 0 runs them in (time, scheduling order), as one sorted list would. Events are scheduled
// while others run, some far ahead in order, some near-term, some at the instant being run.
TEST(EventQueue, InOrderAndNearTermEventsRunInTimeThenSchedulingOrder) {
  EventQueue queue;
  struct Planned {
    int64_t at;
    uint64_t seq;
  };
  std::vector<Planned> ran, scheduled;
  uint64_t seq = 0;
  uint64_t lcg = 12345;
  auto next = [&] { return (lcg = lcg * 6364136223846793005u + 1442695040888963407u) >> 33; };
  std::function<void(int64_t)> add = [&](int64_t at) {
    Planned p{at, seq++};
    scheduled.push_back(p);
    queue.schedule(Time{at}, [&, p] {
      ran.push_back(p);
      if (scheduled.size() < 4000) {
        // Near-term, at this instant, or far ahead: in order or not.
        add(p.at + static_cast<int64_t>(next() % 4) * static_cast<int64_t>(next() % 50));
        if (next() % 3 == 0) add(p.at + 10'000 + static_cast<int64_t>(next() % 100));
      }
    });
  };
  for (int64_t t = 0; t < 500; ++t) add(t * 20);  // start timers, in order
  PlainChoices choices;
  Time at;
  while (!queue.empty()) queue.pop(choices, &at)();
  std::vector<Planned> expected = scheduled;
  std::stable_sort(expected.begin(), expected.end(), [](const Planned& a, const Planned& b) { return a.at < b.at; });
  ASSERT_EQ(ran.size(), expected.size());
  for (size_t i = 0; i < ran.size(); ++i) {
    ASSERT_EQ(ran[i].at, expected[i].at) << i;
    ASSERT_EQ(ran[i].seq, expected[i].seq) << i;
  }
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

// The queue against the definition, step by step: the candidates are the pending events due at
// the earliest instant at the host of the first one scheduled, in scheduling order, and the
// answer picks among them. Ties of thousands (ten thousand calls' start timers), events that
// schedule more at the same instant, and three hosts, under seeded answers.
TEST(EventQueue, LargeTiesPickAsTheDefinitionSays) {
  struct Model {
    int64_t at;
    uint64_t seq;
    uint32_t host;
    int id;
  };
  for (uint64_t seed = 0; seed < 8; ++seed) {
    EventQueue queue;
    std::vector<Model> model;
    std::vector<int> ran;
    SplitMix64 rng(seed + 100);
    uint64_t seq = 0;
    int next_id = 0;
    std::function<void(int64_t, uint32_t)> add = [&](int64_t at, uint32_t host) {
      int id = next_id++;
      model.push_back({at, seq++, host, id});
      // A third of the events schedule another at the same instant when they run.
      bool spawn = id % 3 == 0 && id < 6000;
      queue.schedule(Time{at}, [&, id, at, spawn] {
        ran.push_back(id);
        if (spawn) add(at, static_cast<uint32_t>(id % 3));
      }, 0, Address{host});
    };
    for (int i = 0; i < 3000; ++i) add(static_cast<int64_t>(rng.below(4)), rng.below(3));
    SeededChoices choices(seed);
    size_t pops = 0;
    while (!queue.empty()) {
      ASSERT_EQ(queue.size(), model.size());
      // The definition: earliest instant, first scheduled there, its host's events in order.
      int64_t first_at = model[0].at;
      for (const Model& m : model) first_at = std::min(first_at, m.at);
      const Model* first = nullptr;
      for (const Model& m : model) {
        if (m.at == first_at && (first == nullptr || m.seq < first->seq)) first = &m;
      }
      std::vector<const Model*> candidates;
      for (const Model& m : model) {
        if (m.at == first_at && m.host == first->host) candidates.push_back(&m);
      }
      std::sort(candidates.begin(), candidates.end(), [](const Model* a, const Model* b) { return a->seq < b->seq; });
      size_t decided = choices.decisions().size();
      Time at;
      EventQueue::Action action = queue.pop(choices, &at);
      uint32_t pick = candidates.size() == 1 ? 0 : choices.decisions()[decided].value;
      int want = candidates[pick]->id;
      EXPECT_EQ(at.ns, first_at);
      std::erase_if(model, [want](const Model& m) { return m.id == want; });
      action();
      ASSERT_EQ(ran.back(), want) << "seed " << seed << ", pop " << pops;
      ++pops;
    }
    EXPECT_EQ(pops, static_cast<size_t>(next_id));
  }
}

}  // namespace
}  // namespace h2sim::sim
