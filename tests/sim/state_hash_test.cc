// sim::StateHash, the 128-bit hash explore prunes on: XXH3-128 pinned to its published value,
// items that cannot run into one another, and both halves carrying the identity (a 64-bit hash
// widened with zeros, or a copy of one half, would bring the collision risk back).
#include "sim/state_hash.h"

#include <gtest/gtest.h>

#include <set>
#include <span>
#include <string>
#include <vector>

namespace h2sim::sim {
namespace {

TEST(StateHash, Xxh3MatchesThePublishedValueOfTheEmptyString) {
  // xxHash's own test vector (tests/sanity_test_vectors.h): XXH3_128bits of no bytes.
  Hash128 h = xxh3_128("");
  EXPECT_EQ(h.high, 0x99aa06d3014798d8ULL);
  EXPECT_EQ(h.low, 0x6001c324468d497fULL);
  EXPECT_EQ(h.hex(), "99aa06d3014798d86001c324468d497f");
}

Hash128 of_strings(std::initializer_list<std::string_view> items) {
  StateHash h;
  for (std::string_view item : items) h.add(item);
  return h.value();
}

TEST(StateHash, WhereOneByteStringEndsIsPartOfTheHash) {
  EXPECT_NE(of_strings({"ab", "c"}), of_strings({"a", "bc"}));
  EXPECT_NE(of_strings({"", "abc"}), of_strings({"abc", ""}));
  EXPECT_NE(of_strings({"abc"}), of_strings({"abc", ""}));
  EXPECT_EQ(of_strings({"ab", "c"}), of_strings({"ab", "c"}));
}

TEST(StateHash, EveryItemCountsAcrossFullBuffers) {
  // Long strings go in as their own hash, and many words fill the buffer more than once: a
  // change to the first item must still show at the end.
  std::string big(1000, 'x');
  auto run = [&](uint64_t first, char last) {
    StateHash h;
    h.add_u64(first);
    for (uint64_t i = 0; i < 200; ++i) h.add_u64(i);
    h.add(big);
    std::string tail = big;
    tail.back() = last;
    h.add(tail);
    return h.value();
  };
  EXPECT_EQ(run(1, 'x'), run(1, 'x'));
  EXPECT_NE(run(1, 'x'), run(2, 'x'));
  EXPECT_NE(run(1, 'x'), run(1, 'y'));
  StateHash word, bytes;
  word.add_u64(3);
  bytes.add(std::string_view("\3\0\0\0\0\0\0\0", 8));
  EXPECT_NE(word.value(), bytes.value());
}

// Appends in a row hash as one append of their concatenation, however they were cut (an
// endpoint's received bytes, model/h2/endpoint.cc), across the buffer's blocks too; the bytes and
// what comes after them still count.
TEST(StateHash, AppendsHashTheirConcatenationWhereverTheyWereCut) {
  std::vector<uint8_t> bytes(1000);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 7);
  auto cut = [&](std::vector<size_t> at, uint64_t then) {
    StateHash h;
    h.add_u64(42);
    size_t from = 0;
    for (size_t to : at) {
      h.append(std::span(bytes).subspan(from, to - from));
      from = to;
    }
    h.append(std::span(bytes).subspan(from));
    h.add_u64(then);
    return h.value();
  };
  Hash128 whole = cut({}, 1);
  EXPECT_EQ(cut({1}, 1), whole);
  EXPECT_EQ(cut({200, 240, 241, 700}, 1), whole);
  EXPECT_EQ(cut({0, 0, 999}, 1), whole);
  EXPECT_NE(cut({}, 2), whole);
  bytes[500] ^= 1;
  EXPECT_NE(cut({}, 1), whole);
}

TEST(StateHash, BothHalvesCarryTheIdentity) {
  std::set<Hash128> full;
  std::set<uint64_t> lows, highs;
  for (uint64_t i = 0; i < 4096; ++i) {
    StateHash h;
    h.add_u64(i);
    full.insert(h.value());
    lows.insert(h.value().low);
    highs.insert(h.value().high);
  }
  EXPECT_EQ(full.size(), 4096u);
  EXPECT_EQ(lows.size(), 4096u);
  EXPECT_EQ(highs.size(), 4096u);
  EXPECT_NE(*full.begin(), (Hash128{full.begin()->low, full.begin()->low}));
}

}  // namespace
}  // namespace h2sim::sim
