#include "sim/world.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/test_support.h"

namespace h2sim::sim {
namespace {

// Writes one flush of three "units" on connect, and records what the peer reads.
class Writer final : public Host {
 public:
  void start(Net& net, Address next_hop) override {
    net_ = &net;
    end_ = net.connect(next_hop);
    Flush f;
    std::string text = "aaabbbccc";
    f.bytes.assign(text.begin(), text.end());
    f.boundaries = {3, 6};
    net.write(end_, std::move(f));
    net.shutdown(end_);
  }
  void on_bytes(ConnId, std::span<const uint8_t>) override {}

 private:
  Net* net_ = nullptr;
  ConnId end_;
};

class Reader final : public Host {
 public:
  std::vector<std::string> batches;
  bool fin = false;
  void start(Net&, Address) override {}
  void on_bytes(ConnId, std::span<const uint8_t> batch) override {
    batches.emplace_back(batch.begin(), batch.end());
  }
  void on_peer_closed(ConnId, bool reset) override { fin = !reset; }
};

// Re-arms a zero-delay timer forever: a livelock.
class Spinner final : public Host {
 public:
  void start(Net& net, Address) override {
    net_ = &net;
    net.set_timer(Duration{0});
  }
  void on_bytes(ConnId, std::span<const uint8_t>) override {}
  void on_timer(TimerId) override { net_->set_timer(Duration{1}); }

 private:
  Net* net_ = nullptr;
};

TEST(World, PlainChoicesDeliverOneFlushAsOneReadThenFin) {
  PlainChoices choices;
  World world(choices, {}, {});
  Reader reader;
  Writer writer;
  Address at = world.add_host(reader, "reader", Address{});
  world.add_host(writer, "writer", at);
  EXPECT_EQ(world.run(), RunEnd::quiescent);
  EXPECT_EQ(reader.batches, (std::vector<std::string>{"aaabbbccc"}));
  EXPECT_TRUE(reader.fin);
  EXPECT_EQ(world.now(), Time{} + LinkConfig{}.latency_min);
}

TEST(World, ASplitCutsAtTheChosenBoundaryAndAPartialReadKeepsTheRest) {
  // split: cut at the second boundary (answer 2 of 3); read: leave the last segment; ties: 0.
  h2sim::testing::ScriptedChoices choices([](uint32_t, uint32_t n, Label label) {
    return label == Label::split ? 2u : label == Label::read ? n - 1 : 0u;
  });
  World world(choices, {}, {});
  Reader reader;
  Writer writer;
  Address at = world.add_host(reader, "reader", Address{});
  world.add_host(writer, "writer", at);
  EXPECT_EQ(world.run(), RunEnd::quiescent);
  EXPECT_EQ(reader.batches, (std::vector<std::string>{"aaabbb", "ccc"}));
  ASSERT_EQ(world.reads().size(), 2u);
  EXPECT_EQ(world.segments().size(), 3u);  // two data segments and the FIN
}

TEST(World, LatencyStepsAreChoicesWithinBounds) {
  LinkConfig link;
  link.latency_min = Duration::microseconds(100);
  link.latency_max = Duration::microseconds(300);
  link.latency_steps = 3;
  link.segments_max = 1;
  // The data segment draws the highest latency, the FIN the lowest.
  h2sim::testing::ScriptedChoices choices([](uint32_t index, uint32_t, Label label) {
    return label == Label::latency && index == 0 ? 2u : 0u;
  });
  World world(choices, link, {});
  Reader reader;
  Writer writer;
  Address at = world.add_host(reader, "reader", Address{});
  world.add_host(writer, "writer", at);
  world.run();
  // The FIN drew the lowest latency but still arrives after the data (in order).
  ASSERT_EQ(world.segments().size(), 2u);
  EXPECT_EQ(world.segments()[0].arrived_at, Time{} + Duration::microseconds(300));
  EXPECT_EQ(world.segments()[1].arrived_at, Time{} + Duration::microseconds(300));
}

TEST(World, ALivelockEndsAtTheEventLimit) {
  PlainChoices choices;
  Limits limits;
  limits.events_max = 50;
  World world(choices, {}, limits);
  Spinner spinner;
  world.add_host(spinner, "spinner", Address{});
  EXPECT_EQ(world.run(), RunEnd::limit_events);
  EXPECT_EQ(world.events_run(), 50u);
}

TEST(World, ClockPastTheTimeLimitEndsTheRun) {
  PlainChoices choices;
  Limits limits;
  limits.time_max = Duration{10};
  World world(choices, {}, limits);
  Spinner spinner;
  world.add_host(spinner, "spinner", Address{});
  EXPECT_EQ(world.run(), RunEnd::limit_time);
}

}  // namespace
}  // namespace h2sim::sim

namespace h2sim::sim {
namespace {

// Writes a kilobyte to itself through a peer every microsecond, forever.
class Flooder final : public Host {
 public:
  void start(Net& net, Address next_hop) override {
    net_ = &net;
    end_ = net.connect(next_hop);
    net.set_timer(Duration{1});
  }
  void on_bytes(ConnId, std::span<const uint8_t>) override {}
  void on_timer(TimerId) override {
    Flush f;
    f.bytes.assign(1024, 'x');
    net_->write(end_, std::move(f));
    net_->set_timer(Duration{1000});
  }

 private:
  Net* net_ = nullptr;
  ConnId end_;
};

TEST(World, AFloodEndsAtTheByteLimit) {
  PlainChoices choices;
  Limits limits;
  limits.bytes_max = 100 * 1024;
  World world(choices, {}, limits);
  Reader reader;
  Flooder flooder;
  Address at = world.add_host(reader, "reader", Address{});
  world.add_host(flooder, "flooder", at);
  EXPECT_EQ(world.run(), RunEnd::limit_bytes);
  EXPECT_LE(reader.batches.size(), 100u);
}

}  // namespace
}  // namespace h2sim::sim
