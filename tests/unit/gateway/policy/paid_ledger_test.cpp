// PaidLedger: batching paid requests into the store, and first-sight counting of tokens.
#include "gateway/policy/paid_ledger.hpp"

#include <gtest/gtest.h>

#include "result_matchers.hpp"
#include "temp_dir.hpp"

namespace l402::gateway {
namespace {

PaidRequest request(std::uint8_t token, std::int64_t at) {
  PaidRequest out;
  out.token_id.fill(token);
  out.payment_hash.fill(static_cast<std::uint8_t>(token + 1));
  out.service = "demo";
  out.price = Msat(1'000);
  out.at = at;
  return out;
}

TEST(PaidLedger, FlushWritesEveryPendingRequestInOneBatch) {
  test::TempDir dir("l402-ledger");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, open_sqlite_store({dir.file("s.sqlite")}));
  PaidLedger ledger;
  EXPECT_TRUE(ledger.add(request(1, 100)));
  EXPECT_FALSE(ledger.add(request(1, 101)));
  EXPECT_TRUE(ledger.add(request(2, 102)));
  EXPECT_EQ(ledger.pending(), 3u);
  ASSERT_OK(ledger.flush(*store));
  EXPECT_EQ(ledger.pending(), 0u);
  ASSERT_OK(ledger.flush(*store));  // nothing to do

  ASSERT_OK_AND_ASSIGN(std::optional<PaidToken> first,
                       store->find_paid_token(request(1, 0).token_id));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->request_count, 2u);
  EXPECT_EQ(first->first_used_at, 100);
  EXPECT_EQ(first->last_used_at, 101);
  EXPECT_EQ(first->revenue, Msat(1'000));
  ASSERT_OK_AND_ASSIGN(std::optional<PaidToken> second,
                       store->find_paid_token(request(2, 0).token_id));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->request_count, 1u);
}

}  // namespace
}  // namespace l402::gateway
