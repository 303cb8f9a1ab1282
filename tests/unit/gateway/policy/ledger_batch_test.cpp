// LedgerBatch: batching challenges and paid requests into the store, retrying what could not
// be written, the bound on what waits, and first-sight counting of tokens.
#include "gateway/policy/ledger_batch.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <memory>
#include <string>

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

IssuedChallenge challenge(std::uint8_t token, std::string service = "demo") {
  IssuedChallenge out;
  out.token_id.fill(token);
  out.payment_hash.fill(static_cast<std::uint8_t>(token + 1));
  out.service = std::move(service);
  out.price = Msat(1'000);
  out.issued_at = 100;
  out.invoice_expires_at = 3'700;
  return out;
}

// Holds SQLite's write lock on a database file from another connection while it lives, so
// that the store's writes fail with kUnavailable once its busy timeout passes.
class WriteLockHolder {
 public:
  explicit WriteLockHolder(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
      locked_ = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
    }
  }
  ~WriteLockHolder() {
    if (locked_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close_v2(db_);
  }
  WriteLockHolder(const WriteLockHolder&) = delete;
  WriteLockHolder& operator=(const WriteLockHolder&) = delete;
  bool locked() const { return locked_; }

 private:
  sqlite3* db_ = nullptr;
  bool locked_ = false;
};

class LedgerBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteOptions options{dir_.file("s.sqlite")};
    options.busy_timeout = std::chrono::milliseconds(100);
    auto opened = open_sqlite_store(options);
    ASSERT_OK(opened);
    store_ = std::move(*opened);
  }

  std::uint64_t stored_challenges() { return store_->summary().value().challenges; }

  test::TempDir dir_{"l402-ledger"};
  std::unique_ptr<Store> store_;
};

TEST_F(LedgerBatchTest, FlushWritesEveryPendingRequestInOneBatch) {
  LedgerBatch ledger;
  EXPECT_TRUE(ledger.add_paid_request(request(1, 100)));
  EXPECT_FALSE(ledger.add_paid_request(request(1, 101)));
  EXPECT_TRUE(ledger.add_paid_request(request(2, 102)));
  EXPECT_EQ(ledger.pending_paid_requests(), 3u);
  ASSERT_OK(ledger.flush(*store_));
  EXPECT_EQ(ledger.pending_paid_requests(), 0u);
  ASSERT_OK(ledger.flush(*store_));  // nothing to do

  ASSERT_OK_AND_ASSIGN(std::optional<PaidToken> first,
                       store_->find_paid_token(request(1, 0).token_id));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->request_count, 2u);
  EXPECT_EQ(first->first_used_at, 100);
  EXPECT_EQ(first->last_used_at, 101);
  EXPECT_EQ(first->revenue, Msat(1'000));
  ASSERT_OK_AND_ASSIGN(std::optional<PaidToken> second,
                       store_->find_paid_token(request(2, 0).token_id));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->request_count, 1u);
}

TEST_F(LedgerBatchTest, ManyRequestsOfOneTokenTakeOneRowAndAreAllCounted) {
  LedgerBatch ledger(2);
  for (int i = 0; i < 1000; ++i) ledger.add_paid_request(request(7, 300 + i % 10));
  ledger.add_paid_request(request(8, 250));
  EXPECT_EQ(ledger.pending_paid_requests(), 1001u);
  EXPECT_EQ(ledger.dropped_paid_requests(), 0u);  // two tokens: within a bound of two rows
  ASSERT_OK(ledger.flush(*store_));

  ASSERT_OK_AND_ASSIGN(std::optional<PaidToken> busy,
                       store_->find_paid_token(request(7, 0).token_id));
  ASSERT_TRUE(busy.has_value());
  EXPECT_EQ(busy->request_count, 1000u);
  EXPECT_EQ(busy->first_used_at, 300);
  EXPECT_EQ(busy->last_used_at, 309);
}

TEST_F(LedgerBatchTest, ChallengesWaitForTheFlushAndAreAllWritten) {
  LedgerBatch ledger;
  ledger.add_challenge(challenge(1));
  ledger.add_challenge(challenge(2));
  ledger.add_challenge(challenge(3, "other"));
  EXPECT_EQ(ledger.pending_challenges(), 3u);
  EXPECT_EQ(stored_challenges(), 0u);

  ASSERT_OK(ledger.flush(*store_));
  EXPECT_EQ(ledger.pending_challenges(), 0u);
  EXPECT_EQ(stored_challenges(), 3u);
  ASSERT_OK_AND_ASSIGN(std::vector<ServiceStats> stats, store_->service_stats());
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].service, "demo");
  EXPECT_EQ(stats[0].challenges, 2u);
  EXPECT_EQ(stats[1].service, "other");
  EXPECT_EQ(stats[1].challenges, 1u);
}

TEST_F(LedgerBatchTest, AChallengeAlreadyInTheStoreDoesNotFailTheBatch) {
  ASSERT_OK(store_->record_challenge(challenge(1)));
  LedgerBatch ledger;
  ledger.add_challenge(challenge(1));
  ledger.add_challenge(challenge(2));
  ASSERT_OK(ledger.flush(*store_));
  EXPECT_EQ(ledger.pending_challenges(), 0u);
  EXPECT_EQ(stored_challenges(), 2u);
}

TEST_F(LedgerBatchTest, WhatCannotBeWrittenIsKeptAndWrittenByTheNextFlush) {
  LedgerBatch ledger;
  ledger.add_challenge(challenge(1));
  ledger.add_paid_request(request(9, 100));
  {
    WriteLockHolder holder(dir_.file("s.sqlite"));
    ASSERT_TRUE(holder.locked());
    EXPECT_TRUE(::l402::test::HasError(ledger.flush(*store_), ErrorCode::kUnavailable));
    EXPECT_EQ(ledger.pending_challenges(), 1u);
    EXPECT_EQ(ledger.pending_paid_requests(), 1u);
    // Rows arriving meanwhile queue behind the ones waiting for a retry.
    ledger.add_challenge(challenge(2));
    ledger.add_paid_request(request(9, 200));
  }
  ASSERT_OK(ledger.flush(*store_));
  EXPECT_EQ(ledger.pending_challenges(), 0u);
  EXPECT_EQ(ledger.pending_paid_requests(), 0u);
  EXPECT_EQ(stored_challenges(), 2u);
  ASSERT_OK_AND_ASSIGN(std::optional<PaidToken> paid,
                       store_->find_paid_token(request(9, 0).token_id));
  ASSERT_TRUE(paid.has_value());
  EXPECT_EQ(paid->request_count, 2u);
  EXPECT_EQ(paid->first_used_at, 100);
  EXPECT_EQ(paid->last_used_at, 200);
  EXPECT_EQ(ledger.dropped_challenges(), 0u);
  EXPECT_EQ(ledger.dropped_paid_requests(), 0u);
}

TEST_F(LedgerBatchTest, RowsBeyondTheBoundAreDroppedAndCounted) {
  LedgerBatch ledger(2);
  for (std::uint8_t token = 1; token <= 5; ++token) ledger.add_challenge(challenge(token));
  for (std::uint8_t token = 1; token <= 3; ++token) ledger.add_paid_request(request(token, 100));
  EXPECT_EQ(ledger.pending_challenges(), 2u);
  EXPECT_EQ(ledger.pending_paid_requests(), 2u);
  EXPECT_EQ(ledger.dropped_challenges(), 3u);
  EXPECT_EQ(ledger.dropped_paid_requests(), 1u);

  ASSERT_OK(ledger.flush(*store_));
  EXPECT_EQ(stored_challenges(), 2u);  // the first two; the later ones were dropped
  ASSERT_OK_AND_ASSIGN(std::optional<PaidToken> kept,
                       store_->find_paid_token(challenge(2).token_id));
  EXPECT_TRUE(kept.has_value());
  ASSERT_OK_AND_ASSIGN(std::optional<PaidToken> dropped,
                       store_->find_paid_token(challenge(3).token_id));
  EXPECT_FALSE(dropped.has_value());
}

TEST_F(LedgerBatchTest, AFailedFlushKeepsNoMoreThanTheBound) {
  LedgerBatch ledger(2);
  ledger.add_challenge(challenge(1));
  ledger.add_challenge(challenge(2));
  {
    WriteLockHolder holder(dir_.file("s.sqlite"));
    ASSERT_TRUE(holder.locked());
    EXPECT_FALSE(ledger.flush(*store_).ok());
    ledger.add_challenge(challenge(3));  // full again: dropped
  }
  EXPECT_EQ(ledger.pending_challenges(), 2u);
  EXPECT_EQ(ledger.dropped_challenges(), 1u);
  ASSERT_OK(ledger.flush(*store_));
  EXPECT_EQ(stored_challenges(), 2u);
}

}  // namespace
}  // namespace l402::gateway
