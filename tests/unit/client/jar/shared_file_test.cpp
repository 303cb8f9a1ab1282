// Several ClientStore objects on one database file, as several l402 processes would use it.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "jar_test_util.hpp"

namespace l402 {
namespace {

using test::HasError;
using test::IsOk;
using test::test_purchase;

class SharedFile : public test::JarTest {};

TEST_F(SharedFile, EachStoreSeesTheOthersJournalAndRefusesItsHash) {
  auto first = open_store();
  auto second = open_store();
  const test::TestPurchase purchase = test_purchase(1);
  ASSERT_TRUE(IsOk(first->begin_purchase(purchase.pending)));
  ASSERT_OK_AND_ASSIGN(const auto pending, second->pending_purchases());
  ASSERT_EQ(pending.size(), 1U);
  EXPECT_TRUE(HasError(second->begin_purchase(purchase.pending), ErrorCode::kAlreadyExists));
  // The second recovers the purchase; the first, finishing late, gets the same token.
  ASSERT_OK_AND_ASSIGN(
      const StoredToken recovered,
      second->complete_purchase(purchase.pending.payment_hash, purchase.payment, test::kJarNow));
  ASSERT_OK_AND_ASSIGN(
      const StoredToken late,
      first->complete_purchase(purchase.pending.payment_hash, purchase.payment, test::kJarNow + 1));
  EXPECT_EQ(late.token_id, recovered.token_id);
  ASSERT_OK_AND_ASSIGN(const auto receipts, first->spending(0, INT64_MAX));
  EXPECT_EQ(receipts.size(), 1U);
}

TEST_F(SharedFile, ConcurrentBeginsOfOneHashLetExactlyOneThrough) {
  auto first = open_store();
  auto second = open_store();
  constexpr int kRounds = 40;
  std::atomic<int> accepted{0};
  std::atomic<int> other_errors{0};
  const auto race = [&](ClientStore& store) {
    for (int round = 0; round < kRounds; ++round) {
      const Result<void> begun =
          store.begin_purchase(test_purchase(static_cast<std::uint8_t>(round + 1)).pending);
      if (begun.ok()) {
        ++accepted;
      } else if (begun.error().code() != ErrorCode::kAlreadyExists) {
        ++other_errors;
      }
    }
  };
  std::thread a([&] { race(*first); });
  std::thread b([&] { race(*second); });
  a.join();
  b.join();
  EXPECT_EQ(accepted.load(), kRounds);
  EXPECT_EQ(other_errors.load(), 0);
  ASSERT_OK_AND_ASSIGN(const auto pending, first->pending_purchases());
  EXPECT_EQ(pending.size(), static_cast<std::size_t>(kRounds));
}

}  // namespace
}  // namespace l402
