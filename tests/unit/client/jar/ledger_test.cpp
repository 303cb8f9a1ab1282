// The spending ledger: today's spending by UTC day (receipts and pending purchases), receipts
// between two times, summaries by host and by day.
#include <string>

#include "jar_test_util.hpp"
#include "l402/purchase_policy.hpp"

namespace l402 {
namespace {

using test::IsOk;
using test::test_purchase;

class Ledger : public test::JarTest {
 protected:
  // 2023-11-14 runs from 1699920000 to 1700006400.
  static constexpr std::int64_t kDayStart = 1'699'920'000;
  static constexpr std::int64_t kDayEnd = 1'700'006'400;
};

TEST_F(Ledger, SpentTodayCountsTheReceiptsOfThisUtcDayOnly) {
  auto store = open_store();
  const std::string other = "http://other.example:80";
  buy(*store, test_purchase(1, std::string(test::kOrigin), Msat(1'000)), kDayStart - 1);
  buy(*store, test_purchase(2, std::string(test::kOrigin), Msat(2'000)), kDayStart);
  buy(*store, test_purchase(3, other, Msat(4'000)), kDayEnd - 1);
  buy(*store, test_purchase(4, std::string(test::kOrigin), Msat(8'000)), kDayEnd);
  // Fees are 15 msat each.
  ASSERT_OK_AND_ASSIGN(const SpentToday today, store->spent_today("api.example", test::kJarNow));
  EXPECT_EQ(today.host, Msat(2'015));
  EXPECT_EQ(today.total, Msat(6'030));
  ASSERT_OK_AND_ASSIGN(const SpentToday yesterday,
                       store->spent_today("api.example", kDayStart - 1));
  EXPECT_EQ(yesterday.host, Msat(1'015));
  ASSERT_OK_AND_ASSIGN(const SpentToday other_host, store->spent_today("other.example", kDayStart));
  EXPECT_EQ(other_host.host, Msat(4'015));
}

TEST_F(Ledger, SpentTodayCountsPendingPurchasesAtAmountPlusMaxFee) {
  auto store = open_store();
  test::TestPurchase yesterday = test_purchase(1, std::string(test::kOrigin), Msat(5'000));
  yesterday.pending.started_at = kDayStart - 100;
  ASSERT_TRUE(IsOk(store->begin_purchase(yesterday.pending)));
  ASSERT_TRUE(IsOk(
      store->begin_purchase(test_purchase(2, "https://other.example:443", Msat(7'000)).pending)));
  ASSERT_OK_AND_ASSIGN(const SpentToday spent, store->spent_today("api.example", test::kJarNow));
  EXPECT_EQ(spent.host, Msat(15'000));
  EXPECT_EQ(spent.total, Msat(32'000));
}

TEST_F(Ledger, SpendingListsReceiptsInAHalfOpenRangeOldestFirst) {
  auto store = open_store();
  buy(*store, test_purchase(1), 100);
  buy(*store, test_purchase(2), 300);
  buy(*store, test_purchase(3), 200);
  ASSERT_OK_AND_ASSIGN(const auto receipts, store->spending(100, 300));
  ASSERT_EQ(receipts.size(), 2U);
  EXPECT_EQ(receipts[0].at, 100);
  EXPECT_EQ(receipts[1].at, 200);
}

TEST_F(Ledger, SummarisesByHostSortedByHost) {
  auto store = open_store();
  buy(*store, test_purchase(1, "https://b.example:443", Msat(1'000)));
  buy(*store, test_purchase(2, "https://a.example:443", Msat(2'000)));
  buy(*store, test_purchase(3, "https://b.example:8443", Msat(4'000)));
  ASSERT_OK_AND_ASSIGN(const auto by_host, store->spending_by_host(0, INT64_MAX));
  ASSERT_EQ(by_host.size(), 2U);
  EXPECT_EQ(by_host[0].key, "a.example");
  EXPECT_EQ(by_host[0].purchases, 1U);
  EXPECT_EQ(by_host[0].amount, Msat(2'000));
  EXPECT_EQ(by_host[1].key, "b.example");
  EXPECT_EQ(by_host[1].purchases, 2U);
  EXPECT_EQ(by_host[1].amount, Msat(5'000));
  EXPECT_EQ(by_host[1].fee, Msat(30));
}

TEST_F(Ledger, SummarisesByUtcDayInOrder) {
  auto store = open_store();
  buy(*store, test_purchase(1, std::string(test::kOrigin), Msat(1'000)), kDayEnd);
  buy(*store, test_purchase(2, std::string(test::kOrigin), Msat(2'000)), kDayStart);
  buy(*store, test_purchase(3, std::string(test::kOrigin), Msat(4'000)), kDayEnd - 1);
  ASSERT_OK_AND_ASSIGN(const auto by_day, store->spending_by_day(0, INT64_MAX));
  ASSERT_EQ(by_day.size(), 2U);
  EXPECT_EQ(by_day[0].key, "2023-11-14");
  EXPECT_EQ(by_day[0].purchases, 2U);
  EXPECT_EQ(by_day[0].amount, Msat(6'000));
  EXPECT_EQ(by_day[1].key, "2023-11-15");
  EXPECT_EQ(by_day[1].amount, Msat(1'000));
}

}  // namespace
}  // namespace l402
