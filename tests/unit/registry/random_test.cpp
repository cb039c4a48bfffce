#include "registry/random.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <vector>

namespace popgate::registry {
namespace {

// The numbers are part of the contract: a seed must give the same register on every machine.
TEST(Random, SequenceIsPinned) {
  Random random(1);
  std::vector<std::uint64_t> first;
  for (int i = 0; i < 3; ++i) first.push_back(random.next());
  Random again(1);
  for (std::uint64_t x : first) EXPECT_EQ(again.next(), x);
  Random other(2);
  EXPECT_NE(other.next(), first[0]);
}

TEST(Random, BelowIsUniformAndInRange) {
  Random random(7);
  std::array<int, 7> counts{};
  for (int i = 0; i < 70'000; ++i) {
    const std::uint64_t x = random.below(7);
    ASSERT_LT(x, 7u);
    ++counts[x];
  }
  for (int c : counts) EXPECT_NEAR(c, 10'000, 400);
  EXPECT_EQ(random.below(1), 0u);
}

TEST(Random, BetweenIsInclusive) {
  Random random(3);
  bool low = false, high = false;
  for (int i = 0; i < 1000; ++i) {
    const std::int64_t x = random.between(-2, 2);
    ASSERT_GE(x, -2);
    ASSERT_LE(x, 2);
    low |= x == -2;
    high |= x == 2;
  }
  EXPECT_TRUE(low && high);
}

TEST(Random, PoissonAndNormalHaveTheirMeans) {
  Random random(11);
  double sum = 0, normal_sum = 0;
  for (int i = 0; i < 20'000; ++i) {
    sum += static_cast<double>(random.poisson(3.5));
    normal_sum += random.normal(10, 2);
  }
  EXPECT_NEAR(sum / 20'000, 3.5, 0.1);
  EXPECT_NEAR(normal_sum / 20'000, 10, 0.1);
  double big = 0;
  for (int i = 0; i < 2000; ++i) big += static_cast<double>(random.poisson(500));
  EXPECT_NEAR(big / 2000, 500, 3);
}

TEST(WeightedChoice, FollowsWeightsAndNeverPicksZero) {
  const double weights[] = {0.0, 1.0, 3.0, 0.0, 6.0};
  WeightedChoice choice(weights);
  Random random(5);
  std::array<int, 5> counts{};
  for (int i = 0; i < 100'000; ++i) ++counts[choice.pick(random)];
  EXPECT_EQ(counts[0], 0);
  EXPECT_EQ(counts[3], 0);
  EXPECT_NEAR(counts[1], 10'000, 600);
  EXPECT_NEAR(counts[2], 30'000, 900);
  EXPECT_NEAR(counts[4], 60'000, 1000);
}

TEST(WeightedChoice, RejectsNoPositiveWeight) {
  const double zeros[] = {0.0, 0.0};
  EXPECT_THROW(WeightedChoice{zeros}, std::invalid_argument);
  const double negative[] = {1.0, -1.0};
  EXPECT_THROW(WeightedChoice{negative}, std::invalid_argument);
}

}  // namespace
}  // namespace popgate::registry
