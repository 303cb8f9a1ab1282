#include "gateway/policy/challenge_limiter.hpp"

#include <gtest/gtest.h>

#include <string>

namespace l402::gateway {
namespace {

using Clock = ChallengeLimiter::Clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

const Clock::time_point kStart = Clock::time_point() + std::chrono::hours(1);

TEST(ChallengeLimiter, NoLimitAllowsEverything) {
  ChallengeLimiter limiter;
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(limiter.take("198.51.100.0/24", {}, kStart));
  EXPECT_EQ(limiter.networks(), 0u);
}

TEST(ChallengeLimiter, AllowsABurstThenOneChallengePerRefill) {
  ChallengeLimiter limiter;
  const ChallengeLimit limit{6, 3};  // one every 10 s, three at once
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.take("a", limit, kStart)) << i;
  EXPECT_EQ(limiter.take("a", limit, kStart), seconds(10));
  EXPECT_EQ(limiter.take("a", limit, kStart + seconds(4)), seconds(6));
  EXPECT_FALSE(limiter.take("a", limit, kStart + seconds(10)));
  EXPECT_EQ(limiter.take("a", limit, kStart + seconds(10)), seconds(10));
}

TEST(ChallengeLimiter, TheBurstDefaultsToOneMinutesWorth) {
  ChallengeLimiter limiter;
  const ChallengeLimit limit{5, 0};
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(limiter.take("a", limit, kStart)) << i;
  EXPECT_TRUE(limiter.take("a", limit, kStart));
}

TEST(ChallengeLimiter, RetryAfterIsAtLeastOneSecond) {
  ChallengeLimiter limiter;
  const ChallengeLimit limit{6000, 1};  // one every 10 ms
  EXPECT_FALSE(limiter.take("a", limit, kStart));
  EXPECT_EQ(limiter.take("a", limit, kStart + milliseconds(5)), seconds(1));
  EXPECT_FALSE(limiter.take("a", limit, kStart + milliseconds(20)));
}

TEST(ChallengeLimiter, NetworksHaveBucketsOfTheirOwn) {
  ChallengeLimiter limiter;
  const ChallengeLimit limit{1, 1};
  EXPECT_FALSE(limiter.take("a", limit, kStart));
  EXPECT_TRUE(limiter.take("a", limit, kStart));
  EXPECT_FALSE(limiter.take("b", limit, kStart));
  EXPECT_EQ(limiter.networks(), 2u);
}

TEST(ChallengeLimiter, AnIdleBucketRefillsNoFurtherThanTheBurst) {
  ChallengeLimiter limiter;
  const ChallengeLimit limit{60, 2};
  EXPECT_FALSE(limiter.take("a", limit, kStart));
  const Clock::time_point later = kStart + std::chrono::hours(24);
  EXPECT_FALSE(limiter.take("a", limit, later));
  EXPECT_FALSE(limiter.take("a", limit, later));
  EXPECT_TRUE(limiter.take("a", limit, later));
}

TEST(ChallengeLimiter, KeepsAtMostMaxNetworksForgettingFullBucketsFirst) {
  ChallengeLimiter limiter;
  const ChallengeLimit limit{60, 2};
  EXPECT_FALSE(limiter.take("busy", limit, kStart));
  EXPECT_FALSE(limiter.take("busy", limit, kStart));
  for (std::size_t i = 1; i < ChallengeLimiter::kMaxNetworks; ++i) {
    ASSERT_FALSE(limiter.take("n" + std::to_string(i), limit, kStart + milliseconds(500)));
  }
  EXPECT_EQ(limiter.networks(), ChallengeLimiter::kMaxNetworks);
  // Two seconds on, every one-off network's bucket is full again; "busy" has refilled only
  // as far as the burst too. A newcomer makes room by forgetting the full ones.
  EXPECT_FALSE(limiter.take("newcomer", limit, kStart + milliseconds(2500)));
  EXPECT_EQ(limiter.networks(), 1u);
}

TEST(ChallengeLimiter, ForgetsEveryoneRatherThanRefuseNewcomersWhenAllBucketsAreInUse) {
  ChallengeLimiter limiter;
  const ChallengeLimit limit{1, 1};
  for (std::size_t i = 0; i < ChallengeLimiter::kMaxNetworks; ++i) {
    ASSERT_FALSE(limiter.take("n" + std::to_string(i), limit, kStart));
  }
  EXPECT_FALSE(limiter.take("newcomer", limit, kStart));
  EXPECT_EQ(limiter.networks(), 1u);
  EXPECT_TRUE(limiter.take("newcomer", limit, kStart));
}

}  // namespace
}  // namespace l402::gateway
