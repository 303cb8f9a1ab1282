// Budgets in plan_purchase: the fee limit, and each limit at its edge (exactly at the limit
// passes, one millisatoshi over refuses), counting amount + fee.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "challenge_factory.hpp"
#include "l402/purchase_policy.hpp"

namespace l402 {
namespace {

using test::ChallengeFactory;
using test::kPolicyNow;

constexpr Msat kPrice(21'000);

class PurchaseBudget : public ::testing::Test {
 protected:
  PurchaseDecision plan(const Budget& budget, const SpentToday& spent = {}) {
    return plan_purchase(challenges_, Network::kRegtest, kPolicyNow, budget, spent);
  }

  ChallengeFactory factory_;
  std::vector<Challenge> challenges_{ChallengeFactory::challenge(factory_.mint(kPrice))};
};

Budget no_fee_budget() {
  Budget budget;
  budget.fee = FeeLimit{Msat(0), 0};
  return budget;
}

TEST(FeeLimitFor, IsTenSatForSmallAmountsAndOnePercentForLargeOnes) {
  EXPECT_EQ(fee_limit_for(Msat(21'000), FeeLimit{}), Msat(10'000));
  EXPECT_EQ(fee_limit_for(Msat(1'000'000), FeeLimit{}), Msat(10'000));
  EXPECT_EQ(fee_limit_for(Msat(1'000'001), FeeLimit{}), Msat(10'000));
  EXPECT_EQ(fee_limit_for(Msat(5'000'000), FeeLimit{}), Msat(50'000));
}

TEST(FeeLimitFor, NeverOverflows) {
  EXPECT_EQ(fee_limit_for(Msat(UINT64_MAX), FeeLimit{Msat(0), 1'000'000}), Msat(UINT64_MAX));
  EXPECT_EQ(fee_limit_for(Msat(UINT64_MAX), FeeLimit{Msat(0), UINT32_MAX}), Msat(UINT64_MAX));
  EXPECT_EQ(fee_limit_for(Msat(UINT64_MAX), FeeLimit{Msat(0), 10'000}), Msat(UINT64_MAX / 100));
}

TEST_F(PurchaseBudget, WithoutLimitsAllowsTheFullFeeLimit) {
  const PurchaseDecision decision = plan(Budget{});
  ASSERT_TRUE(decision.approved());
  EXPECT_EQ(decision.plan().max_fee, Msat(10'000));
}

TEST_F(PurchaseBudget, MaxPriceExactlyAtTheAmountPassesWithNoRoomForFees) {
  Budget budget;
  budget.max_price = kPrice;
  const PurchaseDecision decision = plan(budget);
  ASSERT_TRUE(decision.approved()) << decision.refusal().message;
  EXPECT_EQ(decision.plan().max_fee, Msat(0));
}

TEST_F(PurchaseBudget, MaxPriceOneMsatBelowTheAmountRefuses) {
  Budget budget;
  budget.max_price = Msat(kPrice.value() - 1);
  const PurchaseDecision decision = plan(budget);
  ASSERT_FALSE(decision.approved());
  EXPECT_EQ(decision.refusal().reason, Refusal::kOverMaxPrice);
  EXPECT_NE(decision.refusal().message.find("21 sat"), std::string::npos);
  EXPECT_NE(decision.refusal().message.find("20.999 sat"), std::string::npos);
}

TEST_F(PurchaseBudget, LowersTheFeeLimitToTheRoomTheTightestBudgetLeaves) {
  Budget budget;
  budget.max_price = Msat(kPrice.value() + 7'000);
  budget.per_host_per_day = Msat(kPrice.value() + 3'000 + 500);
  budget.total_per_day = Msat(kPrice.value() + 4'000 + 900);
  const PurchaseDecision decision = plan(budget, SpentToday{Msat(500), Msat(900)});
  ASSERT_TRUE(decision.approved()) << decision.refusal().message;
  EXPECT_EQ(decision.plan().max_fee, Msat(3'000));
}

TEST_F(PurchaseBudget, HostBudgetExactlyReachedPassesAndOneMsatOverRefuses) {
  Budget budget = no_fee_budget();
  budget.per_host_per_day = Msat(100'000);
  EXPECT_TRUE(plan(budget, SpentToday{Msat(100'000 - kPrice.value()), Msat(0)}).approved());
  const PurchaseDecision over = plan(budget, SpentToday{Msat(100'001 - kPrice.value()), Msat(0)});
  ASSERT_FALSE(over.approved());
  EXPECT_EQ(over.refusal().reason, Refusal::kOverHostBudget);
  EXPECT_NE(over.refusal().message.find("79.001 sat"), std::string::npos);
}

TEST_F(PurchaseBudget, TotalBudgetExactlyReachedPassesAndOneMsatOverRefuses) {
  Budget budget = no_fee_budget();
  budget.total_per_day = Msat(100'000);
  EXPECT_TRUE(plan(budget, SpentToday{Msat(0), Msat(100'000 - kPrice.value())}).approved());
  const PurchaseDecision over = plan(budget, SpentToday{Msat(0), Msat(100'001 - kPrice.value())});
  ASSERT_FALSE(over.approved());
  EXPECT_EQ(over.refusal().reason, Refusal::kOverTotalBudget);
}

TEST_F(PurchaseBudget, SpendingAlreadyPastALimitRefusesWithoutWrapping) {
  Budget budget;
  budget.per_host_per_day = Msat(1'000);
  const PurchaseDecision decision = plan(budget, SpentToday{Msat(UINT64_MAX), Msat(UINT64_MAX)});
  ASSERT_FALSE(decision.approved());
  EXPECT_EQ(decision.refusal().reason, Refusal::kOverHostBudget);
}

TEST_F(PurchaseBudget, ChecksMaxPriceBeforeTheHostBudgetBeforeTheTotal) {
  Budget budget;
  budget.max_price = Msat(1);
  budget.per_host_per_day = Msat(1);
  budget.total_per_day = Msat(1);
  EXPECT_EQ(plan(budget).refusal().reason, Refusal::kOverMaxPrice);
  budget.max_price.reset();
  EXPECT_EQ(plan(budget).refusal().reason, Refusal::kOverHostBudget);
  budget.per_host_per_day.reset();
  EXPECT_EQ(plan(budget).refusal().reason, Refusal::kOverTotalBudget);
}

TEST_F(PurchaseBudget, ChecksTheChallengeBeforeTheBudget) {
  // A hostile challenge is reported as such even when it is also too expensive.
  Hash256 other{};
  system_random().fill(other).value();
  const MintedChallenge honest = factory_.mint(kPrice);
  challenges_ = {ChallengeFactory::challenge(factory_.mint_for(other, honest.invoice))};
  Budget budget;
  budget.max_price = Msat(1);
  EXPECT_EQ(plan(budget).refusal().reason, Refusal::kHashMismatch);
}

}  // namespace
}  // namespace l402
