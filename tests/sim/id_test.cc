#include "sim/id.h"

#include <gtest/gtest.h>

#include <type_traits>

#include "model/h2/frame.h"

namespace h2sim::sim {
namespace {

// The point of the types: one id never passes for another, nor a bare number for any.
static_assert(!std::is_convertible_v<TimerId, ConnId> && !std::is_constructible_v<ConnId, TimerId>);
static_assert(!std::is_constructible_v<Address, ConnId> && !std::is_constructible_v<ConnId, Address>);
static_assert(!std::is_constructible_v<h2::StreamId, ConnId> && !std::is_constructible_v<ConnId, h2::StreamId>);
static_assert(!std::is_convertible_v<uint32_t, ConnId> && !std::is_convertible_v<uint64_t, TimerId>);
static_assert(!std::is_convertible_v<int32_t, h2::StreamId> && !std::is_convertible_v<ConnId, uint32_t>);
// Zero-cost: an id is its number.
static_assert(sizeof(h2::StreamId) == sizeof(int32_t) && std::is_trivially_copyable_v<ConnId>);

TEST(ConnId, EndsOfOneConnectionArePeersAndNameIt) {
  for (uint32_t k : {0u, 1u, 7u, connections_max - 1}) {
    ConnId connecting = connecting_end(k), accepting = accepting_end(k);
    EXPECT_EQ(peer_of(connecting), accepting);
    EXPECT_EQ(peer_of(accepting), connecting);
    EXPECT_EQ(connection_index(connecting), k);
    EXPECT_EQ(connection_index(accepting), k);
    EXPECT_FALSE(is_accepting_end(connecting));
    EXPECT_TRUE(is_accepting_end(accepting));
    EXPECT_LT(connecting, accepting);
  }
}

}  // namespace
}  // namespace h2sim::sim
