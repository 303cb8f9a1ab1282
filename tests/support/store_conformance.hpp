// The Store conformance suite: the same cases for every backend (SQLite, PostgreSQL).
//
// Instantiate it with a factory type:
//
//   struct SqliteFactory {
//     // A Store on a new, empty database (each call a different one). Never null: fail the
//     // test (ADD_FAILURE) and return nullptr only when the database cannot be opened.
//     static std::unique_ptr<l402::Store> open_fresh();
//     // Another Store on the SAME database as the last open_fresh(): a second gateway, or the
//     // same gateway after a restart. May be called several times, while earlier instances
//     // are open or after they were closed.
//     static std::unique_ptr<l402::Store> reopen_same();
//   };
//   using Backends = ::testing::Types<SqliteFactory>;
//   INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, StoreConformance, Backends);
//
// Behaviour the suite pins down beyond store.hpp's comments: a settlement reported twice
// keeps the first report; a challenge "expired before now" means invoice_expires_at < now;
// interrupt() wakes the waits in progress (it is not sticky); a change made through any
// instance is reported by the next wait_for_change() of every instance, even when it happened
// before that call began.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "l402/authority.hpp"
#include "l402/store.hpp"
#include "result_matchers.hpp"
#include "test_invoice_source.hpp"

namespace l402::test {

namespace conformance {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A token ID (or hash) from a tag and a number: distinct for distinct (tag, n).
inline TokenId make_id(std::uint8_t tag, std::uint32_t n) {
  TokenId id{};
  id.fill(tag);
  id[0] = tag;
  id[1] = static_cast<std::uint8_t>(n >> 24);
  id[2] = static_cast<std::uint8_t>(n >> 16);
  id[3] = static_cast<std::uint8_t>(n >> 8);
  id[4] = static_cast<std::uint8_t>(n);
  return id;
}

inline IssuedChallenge make_challenge(std::uint32_t n, std::int64_t issued_at,
                                      std::int64_t expires_at, std::uint64_t price = 1000) {
  IssuedChallenge challenge;
  challenge.token_id = make_id(0x7c, n);
  challenge.payment_hash = make_id(0x9a, n);
  challenge.service = "svc";
  challenge.price = Msat(price);
  challenge.issued_at = issued_at;
  challenge.invoice_expires_at = expires_at;
  return challenge;
}

inline const MasterKey* find_key(const std::vector<MasterKey>& keys, KeyId id) {
  for (const MasterKey& key : keys) {
    if (key.id == id) return &key;
  }
  return nullptr;
}

inline std::size_t count_active(const std::vector<MasterKey>& keys) {
  return static_cast<std::size_t>(std::count_if(
      keys.begin(), keys.end(), [](const MasterKey& k) { return k.state == KeyState::kActive; }));
}

// Polls `condition` every 5 ms until it holds or `limit` passes; returns the time it took, or
// nullopt when it never held.
template <typename Condition>
std::optional<milliseconds> wait_until(Condition condition, milliseconds limit) {
  const auto start = Clock::now();
  while (true) {
    if (condition()) return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
    if (Clock::now() - start > limit) return std::nullopt;
    std::this_thread::sleep_for(milliseconds(5));
  }
}

// Counts failures from several threads and keeps the first error for the report.
class Failures {
 public:
  void add(const Error& error) {
    std::lock_guard lock(mutex_);
    if (count_++ == 0) first_ = describe(error);
  }
  int count() const {
    std::lock_guard lock(mutex_);
    return count_;
  }
  std::string first() const {
    std::lock_guard lock(mutex_);
    return first_;
  }

 private:
  mutable std::mutex mutex_;
  int count_ = 0;
  std::string first_;
};

// Consumes changes already reported to `store` (bounded).
inline void drain_changes(Store& store) {
  for (int i = 0; i < 40; ++i) {
    const Result<bool> changed = store.wait_for_change(milliseconds(50));
    if (!changed.ok() || !changed.value()) return;
  }
}

}  // namespace conformance

template <typename Factory>
class StoreConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = Factory::open_fresh();
    ASSERT_NE(store_, nullptr);
  }

  Store& store() { return *store_; }
  // Another instance on the same database.
  std::unique_ptr<Store> second() {
    std::unique_ptr<Store> other = Factory::reopen_same();
    EXPECT_NE(other, nullptr);
    return other;
  }
  // Closes the first instance and opens the database again (a restart).
  void restart() {
    store_.reset();
    store_ = Factory::reopen_same();
    ASSERT_NE(store_, nullptr);
  }

  std::unique_ptr<Store> store_;
};

TYPED_TEST_SUITE_P(StoreConformance);

// ---- Keyring ---------------------------------------------------------------------------

TYPED_TEST_P(StoreConformance, EnsureActiveKeyCreatesOneActiveKeyOnce) {
  Store& store = this->store();
  const auto empty = store.load_keys();
  ASSERT_TRUE(IsOk(empty));
  EXPECT_TRUE(empty->empty());

  ASSERT_TRUE(IsOk(store.ensure_active_key(system_random())));
  const auto first = store.load_keys();
  ASSERT_TRUE(IsOk(first));
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].state, KeyState::kActive);
  EXPECT_EQ((*first)[0].key.size(), kMasterKeySize);

  ASSERT_TRUE(IsOk(store.ensure_active_key(system_random())));
  const auto again = store.load_keys();
  ASSERT_TRUE(IsOk(again));
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].id, (*first)[0].id);
  EXPECT_EQ((*again)[0].key.view(), (*first)[0].key.view());
}

TYPED_TEST_P(StoreConformance, EnsureActiveKeyFromManyThreadsAndTwoInstancesYieldsOneKey) {
  std::unique_ptr<Store> other = this->second();
  ASSERT_NE(other, nullptr);
  std::vector<Store*> stores{&this->store(), other.get()};
  std::atomic<bool> go{false};
  conformance::Failures failures;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      const Result<void> ensured =
          stores[static_cast<std::size_t>(i % 2)]->ensure_active_key(system_random());
      if (!ensured.ok()) failures.add(ensured.error());
    });
  }
  go = true;
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.count(), 0) << failures.first();
  for (Store* store : stores) {
    const auto keys = store->load_keys();
    ASSERT_TRUE(IsOk(keys));
    ASSERT_EQ(keys->size(), 1u);
    EXPECT_EQ((*keys)[0].state, KeyState::kActive);
  }
}

TYPED_TEST_P(StoreConformance, RotateKeyAddsAnActiveKeyAndDemotesThePreviousOne) {
  Store& store = this->store();
  ASSERT_TRUE(IsOk(store.ensure_active_key(system_random())));
  const KeyId old_id = store.load_keys().value().at(0).id;

  const auto rotated = store.rotate_key(system_random());
  ASSERT_TRUE(IsOk(rotated));
  EXPECT_NE(*rotated, old_id);
  const auto keys = store.load_keys();
  ASSERT_TRUE(IsOk(keys));
  ASSERT_EQ(keys->size(), 2u);
  ASSERT_NE(conformance::find_key(*keys, *rotated), nullptr);
  ASSERT_NE(conformance::find_key(*keys, old_id), nullptr);
  EXPECT_EQ(conformance::find_key(*keys, *rotated)->state, KeyState::kActive);
  EXPECT_EQ(conformance::find_key(*keys, old_id)->state, KeyState::kVerifyOnly);
  EXPECT_NE(conformance::find_key(*keys, *rotated)->key.view(),
            conformance::find_key(*keys, old_id)->key.view());

  const auto third = store.rotate_key(system_random());
  ASSERT_TRUE(IsOk(third));
  const auto after = store.load_keys();
  ASSERT_TRUE(IsOk(after));
  EXPECT_EQ(after->size(), 3u);
  EXPECT_EQ(conformance::count_active(*after), 1u);
  EXPECT_EQ(conformance::find_key(*after, *third)->state, KeyState::kActive);
}

TYPED_TEST_P(StoreConformance, RotateKeyOnAnEmptyKeyringCreatesTheActiveKey) {
  Store& store = this->store();
  const auto rotated = store.rotate_key(system_random());
  ASSERT_TRUE(IsOk(rotated));
  const auto keys = store.load_keys();
  ASSERT_TRUE(IsOk(keys));
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].id, *rotated);
  EXPECT_EQ((*keys)[0].state, KeyState::kActive);
}

TYPED_TEST_P(StoreConformance, SetKeyStateFollowsTheOneActiveKeyRule) {
  Store& store = this->store();
  ASSERT_TRUE(IsOk(store.ensure_active_key(system_random())));
  const KeyId first = store.load_keys().value().at(0).id;
  const KeyId second = store.rotate_key(system_random()).value();
  KeyId unknown = 1;
  while (unknown == first || unknown == second) ++unknown;

  EXPECT_TRUE(HasError(store.set_key_state(unknown, KeyState::kRetired), ErrorCode::kNotFound));
  EXPECT_TRUE(HasError(store.set_key_state(first, KeyState::kActive), ErrorCode::kInvalidArgument));
  EXPECT_TRUE(IsOk(store.set_key_state(second, KeyState::kActive)));  // already active: no-op

  EXPECT_TRUE(IsOk(store.set_key_state(first, KeyState::kRetired)));
  auto keys = store.load_keys();
  ASSERT_TRUE(IsOk(keys));
  EXPECT_EQ(conformance::find_key(*keys, first)->state, KeyState::kRetired);
  EXPECT_EQ(conformance::find_key(*keys, second)->state, KeyState::kActive);

  // Demote the active key, then any other key may become active.
  EXPECT_TRUE(IsOk(store.set_key_state(second, KeyState::kVerifyOnly)));
  keys = store.load_keys();
  ASSERT_TRUE(IsOk(keys));
  EXPECT_EQ(conformance::count_active(*keys), 0u);
  EXPECT_TRUE(IsOk(store.set_key_state(first, KeyState::kActive)));
  keys = store.load_keys();
  ASSERT_TRUE(IsOk(keys));
  EXPECT_EQ(conformance::find_key(*keys, first)->state, KeyState::kActive);
  EXPECT_EQ(conformance::find_key(*keys, second)->state, KeyState::kVerifyOnly);
  EXPECT_EQ(conformance::count_active(*keys), 1u);
}

TYPED_TEST_P(StoreConformance, KeysSurviveARestart) {
  ASSERT_TRUE(IsOk(this->store().ensure_active_key(system_random())));
  ASSERT_TRUE(IsOk(this->store().rotate_key(system_random())));
  const auto before = this->store().load_keys();
  ASSERT_TRUE(IsOk(before));

  this->restart();
  const auto after = this->store().load_keys();
  ASSERT_TRUE(IsOk(after));
  ASSERT_EQ(after->size(), before->size());
  for (const MasterKey& key : *before) {
    const MasterKey* reloaded = conformance::find_key(*after, key.id);
    ASSERT_NE(reloaded, nullptr);
    EXPECT_EQ(reloaded->state, key.state);
    EXPECT_EQ(reloaded->key.view(), key.key.view());
  }
  // ensure_active_key finds the existing active key.
  ASSERT_TRUE(IsOk(this->store().ensure_active_key(system_random())));
  EXPECT_EQ(this->store().load_keys().value().size(), before->size());
}

// ---- Revocations -----------------------------------------------------------------------

TYPED_TEST_P(StoreConformance, RevokeIsIdempotentAndKeepsTheFirstEntry) {
  Store& store = this->store();
  const TokenId token = conformance::make_id(0x11, 1);
  const std::string reason = "leaked in a \"log\"; it's gone \xc3\xbc";
  const auto first = store.revoke(token, 100, reason);
  ASSERT_TRUE(IsOk(first));
  EXPECT_TRUE(*first);
  const auto second = store.revoke(token, 200, "again");
  ASSERT_TRUE(IsOk(second));
  EXPECT_FALSE(*second);

  const auto entries = store.load_revocations(0);
  ASSERT_TRUE(IsOk(entries));
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].token_id, token);
  EXPECT_EQ((*entries)[0].revoked_at, 100);
  EXPECT_EQ((*entries)[0].reason, reason);
  EXPECT_GT((*entries)[0].sequence, 0u);
}

TYPED_TEST_P(StoreConformance, LoadRevocationsReturnsEntriesAfterASequenceInOrder) {
  Store& store = this->store();
  std::unique_ptr<Store> other = this->second();
  ASSERT_NE(other, nullptr);
  std::vector<TokenId> tokens;
  for (std::uint32_t i = 0; i < 10; ++i) {
    tokens.push_back(conformance::make_id(0x22, i));
    Store& through = (i % 2 == 0) ? store : *other;  // both instances append to one list
    ASSERT_TRUE(IsOk(through.revoke(tokens.back(), 1000 + i, "r" + std::to_string(i))));
  }
  const auto all = store.load_revocations(0);
  ASSERT_TRUE(IsOk(all));
  ASSERT_EQ(all->size(), tokens.size());
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    EXPECT_EQ((*all)[i].token_id, tokens[i]) << i;
    EXPECT_EQ((*all)[i].reason, "r" + std::to_string(i));
    if (i > 0) {
      EXPECT_GT((*all)[i].sequence, (*all)[i - 1].sequence);
    }
  }
  const auto tail = other->load_revocations((*all)[4].sequence);
  ASSERT_TRUE(IsOk(tail));
  ASSERT_EQ(tail->size(), 5u);
  EXPECT_EQ((*tail)[0].token_id, tokens[5]);
  EXPECT_EQ(tail->back().token_id, tokens[9]);
  const auto none = store.load_revocations(all->back().sequence);
  ASSERT_TRUE(IsOk(none));
  EXPECT_TRUE(none->empty());
}

// ---- Ledger ----------------------------------------------------------------------------

TYPED_TEST_P(StoreConformance, SummaryOfAnEmptyStoreIsZero) {
  const auto summary = this->store().summary();
  ASSERT_TRUE(IsOk(summary));
  EXPECT_EQ(summary->challenges, 0u);
  EXPECT_EQ(summary->paid_tokens, 0u);
  EXPECT_EQ(summary->paid_requests, 0u);
  EXPECT_EQ(summary->revenue, Msat(0));
  EXPECT_EQ(summary->settlements, 0u);
  EXPECT_EQ(summary->settled, Msat(0));
}

TYPED_TEST_P(StoreConformance, RecordChallengeRefusesADuplicateTokenId) {
  Store& store = this->store();
  const IssuedChallenge challenge = conformance::make_challenge(1, 100, 3700);
  ASSERT_TRUE(IsOk(store.record_challenge(challenge)));
  EXPECT_TRUE(HasError(store.record_challenge(challenge), ErrorCode::kAlreadyExists));
  std::unique_ptr<Store> other = this->second();
  ASSERT_NE(other, nullptr);
  EXPECT_TRUE(HasError(other->record_challenge(challenge), ErrorCode::kAlreadyExists));
  EXPECT_EQ(store.summary().value().challenges, 1u);
}

TYPED_TEST_P(StoreConformance, ABatchOfChallengesIsRecordedAndCounted) {
  Store& store = this->store();
  std::vector<IssuedChallenge> batch;
  for (std::uint32_t n = 1; n <= 3; ++n) batch.push_back(conformance::make_challenge(n, 100, 3700));
  batch[2].service = "other";
  ASSERT_TRUE(IsOk(store.record_challenges(batch)));
  ASSERT_TRUE(IsOk(store.record_challenges({})));

  const auto summary = store.summary();
  ASSERT_TRUE(IsOk(summary));
  EXPECT_EQ(summary->challenges, 3u);
  const auto stats = store.service_stats();
  ASSERT_TRUE(IsOk(stats));
  ASSERT_EQ(stats->size(), 2u);
  EXPECT_EQ((*stats)[0].service, "other");
  EXPECT_EQ((*stats)[0].challenges, 1u);
  EXPECT_EQ((*stats)[1].service, "svc");
  EXPECT_EQ((*stats)[1].challenges, 2u);
  // Recorded means a single call sees it as a duplicate.
  EXPECT_TRUE(HasError(store.record_challenge(batch[0]), ErrorCode::kAlreadyExists));
}

TYPED_TEST_P(StoreConformance, ABatchOfChallengesSkipsTokenIdsRecordedBefore) {
  Store& store = this->store();
  const IssuedChallenge earlier = conformance::make_challenge(1, 100, 3700);
  ASSERT_TRUE(IsOk(store.record_challenge(earlier)));

  IssuedChallenge earlier_again = earlier;
  earlier_again.service = "changed";  // skipped: the first row stays
  const IssuedChallenge fresh = conformance::make_challenge(2, 100, 3700);
  const std::vector<IssuedChallenge> batch = {earlier_again, fresh, fresh};
  ASSERT_TRUE(IsOk(store.record_challenges(batch)));
  std::unique_ptr<Store> other = this->second();
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(IsOk(other->record_challenges(batch)));

  const auto summary = store.summary();
  ASSERT_TRUE(IsOk(summary));
  EXPECT_EQ(summary->challenges, 2u);
  const auto stats = store.service_stats();
  ASSERT_TRUE(IsOk(stats));
  ASSERT_EQ(stats->size(), 1u);
  EXPECT_EQ((*stats)[0].service, "svc");
  EXPECT_EQ((*stats)[0].challenges, 2u);
}

TYPED_TEST_P(StoreConformance, ABatchOfChallengesWithABadAmountRecordsNothing) {
  Store& store = this->store();
  const std::vector<IssuedChallenge> batch = {
      conformance::make_challenge(1, 100, 3700),
      conformance::make_challenge(2, 100, 3700, static_cast<std::uint64_t>(INT64_MAX) + 1)};
  EXPECT_TRUE(HasError(store.record_challenges(batch), ErrorCode::kInvalidArgument));
  const auto summary = store.summary();
  ASSERT_TRUE(IsOk(summary));
  EXPECT_EQ(summary->challenges, 0u);
}

TYPED_TEST_P(StoreConformance, AmountsAboveInt64MaxAreRefused) {
  Store& store = this->store();
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  EXPECT_TRUE(IsOk(store.record_challenge(conformance::make_challenge(1, 100, 3700, kMax))));
  EXPECT_TRUE(HasError(store.record_challenge(conformance::make_challenge(2, 100, 3700, kMax + 1)),
                       ErrorCode::kInvalidArgument));
  EXPECT_TRUE(
      HasError(store.record_paid_request(conformance::make_id(1, 1), conformance::make_id(2, 1),
                                         "svc", Msat(kMax + 1), 100),
               ErrorCode::kInvalidArgument));
  EXPECT_TRUE(
      HasError(store.record_settlement(Settlement{conformance::make_id(3, 1), Msat(kMax + 1), 100}),
               ErrorCode::kInvalidArgument));
  EXPECT_TRUE(HasError(store.add_to_counter(CounterKey{"198.51.100.0/24", "svc", 0}, kMax + 1),
                       ErrorCode::kInvalidArgument));
  const auto summary = store.summary();
  ASSERT_TRUE(IsOk(summary));
  EXPECT_EQ(summary->challenges, 1u);
  EXPECT_EQ(summary->paid_tokens, 0u);
  EXPECT_EQ(summary->settlements, 0u);
}

TYPED_TEST_P(StoreConformance, PaidRequestsAreCountedAndRevenueOnce) {
  Store& store = this->store();
  const TokenId token = conformance::make_id(0x33, 1);
  const Hash256 payment_hash = conformance::make_id(0x44, 1);
  ASSERT_TRUE(IsOk(store.record_paid_request(token, payment_hash, "svc", Msat(1500), 10)));
  ASSERT_TRUE(IsOk(store.record_paid_request(token, payment_hash, "svc", Msat(1500), 20)));
  ASSERT_TRUE(IsOk(store.record_paid_request(token, payment_hash, "svc", Msat(9999), 30)));

  const auto found = store.find_paid_token(token);
  ASSERT_TRUE(IsOk(found));
  ASSERT_TRUE(found->has_value());
  const PaidToken& paid = **found;
  EXPECT_EQ(paid.token_id, token);
  EXPECT_EQ(paid.payment_hash, payment_hash);
  EXPECT_EQ(paid.service, "svc");
  EXPECT_EQ(paid.first_used_at, 10);
  EXPECT_EQ(paid.last_used_at, 30);
  EXPECT_EQ(paid.request_count, 3u);
  EXPECT_EQ(paid.revenue, Msat(1500));

  ASSERT_TRUE(IsOk(store.record_paid_request(
      conformance::make_id(0x33, 2), conformance::make_id(0x44, 2), "other", Msat(500), 40)));
  const auto summary = store.summary();
  ASSERT_TRUE(IsOk(summary));
  EXPECT_EQ(summary->paid_tokens, 2u);
  EXPECT_EQ(summary->paid_requests, 4u);
  EXPECT_EQ(summary->revenue, Msat(2000));

  const auto unknown = store.find_paid_token(conformance::make_id(0x33, 3));
  ASSERT_TRUE(IsOk(unknown));
  EXPECT_FALSE(unknown->has_value());
}

TYPED_TEST_P(StoreConformance, ABatchOfPaidRequestsCountsLikeSingleCalls) {
  Store& store = this->store();
  const TokenId first = conformance::make_id(0x35, 1);
  const TokenId second = conformance::make_id(0x35, 2);
  const Hash256 hash = conformance::make_id(0x45, 1);
  const std::vector<PaidRequest> batch = {{first, hash, "svc", Msat(700), 10},
                                          {second, hash, "svc", Msat(300), 11},
                                          {first, hash, "svc", Msat(700), 12}};
  ASSERT_TRUE(IsOk(store.record_paid_requests(batch)));
  ASSERT_TRUE(IsOk(store.record_paid_requests({})));

  const auto paid = store.find_paid_token(first);
  ASSERT_TRUE(IsOk(paid));
  ASSERT_TRUE(paid->has_value());
  EXPECT_EQ((*paid)->request_count, 2u);
  EXPECT_EQ((*paid)->last_used_at, 12);
  const auto summary = store.summary();
  ASSERT_TRUE(IsOk(summary));
  EXPECT_EQ(summary->paid_requests, 3u);
  EXPECT_EQ(summary->revenue, Msat(1000));
}

TYPED_TEST_P(StoreConformance, ARowWithACountAddsThatManyRequests) {
  Store& store = this->store();
  const TokenId token = conformance::make_id(0x37, 1);
  const Hash256 hash = conformance::make_id(0x47, 1);
  PaidRequest many{token, hash, "svc", Msat(500), 40};
  many.count = 250;
  many.first_at = 31;
  ASSERT_TRUE(IsOk(store.record_paid_requests(std::vector<PaidRequest>{many})));
  PaidRequest later{token, hash, "svc", Msat(500), 55};
  later.count = 5;
  later.first_at = 50;
  ASSERT_TRUE(IsOk(store.record_paid_requests(std::vector<PaidRequest>{later})));

  const auto paid = store.find_paid_token(token);
  ASSERT_TRUE(IsOk(paid));
  ASSERT_TRUE(paid->has_value());
  EXPECT_EQ((*paid)->request_count, 255u);
  EXPECT_EQ((*paid)->first_used_at, 31);
  EXPECT_EQ((*paid)->last_used_at, 55);
  EXPECT_EQ((*paid)->revenue, Msat(500));  // the price, once

  PaidRequest none{conformance::make_id(0x37, 2), hash, "svc", Msat(500), 60};
  none.count = 0;
  EXPECT_TRUE(HasError(store.record_paid_requests(std::vector<PaidRequest>{none}),
                       ErrorCode::kInvalidArgument));
}

TYPED_TEST_P(StoreConformance, ABatchWithABadAmountRecordsNothing) {
  Store& store = this->store();
  const Hash256 hash = conformance::make_id(0x46, 1);
  const std::vector<PaidRequest> batch = {
      {conformance::make_id(0x36, 1), hash, "svc", Msat(700), 10},
      {conformance::make_id(0x36, 2), hash, "svc", Msat(static_cast<std::uint64_t>(INT64_MAX) + 1),
       11}};
  EXPECT_TRUE(HasError(store.record_paid_requests(batch), ErrorCode::kInvalidArgument));
  const auto summary = store.summary();
  ASSERT_TRUE(IsOk(summary));
  EXPECT_EQ(summary->paid_requests, 0u);
}

TYPED_TEST_P(StoreConformance, ListPaidTokensIsMostRecentlyUsedFirstAndFiltersByService) {
  Store& store = this->store();
  const Hash256 hash = conformance::make_id(0x47, 1);
  const TokenId a1 = conformance::make_id(0x37, 1);
  const TokenId a2 = conformance::make_id(0x37, 2);
  const TokenId a3 = conformance::make_id(0x37, 3);
  const TokenId b1 = conformance::make_id(0x38, 1);
  const std::vector<PaidRequest> batch = {{a1, hash, "alpha", Msat(100), 10},
                                          {a2, hash, "alpha", Msat(200), 20},
                                          {b1, hash, "beta", Msat(300), 25},
                                          {a3, hash, "alpha", Msat(400), 15},
                                          {a1, hash, "alpha", Msat(100), 30}};
  ASSERT_TRUE(IsOk(store.record_paid_requests(batch)));

  const auto all = store.list_paid_tokens("", 10);
  ASSERT_TRUE(IsOk(all));
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0].token_id, a1);  // last used at 30
  EXPECT_EQ((*all)[1].token_id, b1);
  EXPECT_EQ((*all)[2].token_id, a2);
  EXPECT_EQ((*all)[3].token_id, a3);
  EXPECT_EQ((*all)[0].service, "alpha");
  EXPECT_EQ((*all)[0].payment_hash, hash);
  EXPECT_EQ((*all)[0].first_used_at, 10);
  EXPECT_EQ((*all)[0].last_used_at, 30);
  EXPECT_EQ((*all)[0].request_count, 2u);
  EXPECT_EQ((*all)[0].revenue, Msat(100));

  const auto alpha = store.list_paid_tokens("alpha", 10);
  ASSERT_TRUE(IsOk(alpha));
  ASSERT_EQ(alpha->size(), 3u);
  EXPECT_EQ((*alpha)[0].token_id, a1);
  EXPECT_EQ((*alpha)[1].token_id, a2);
  EXPECT_EQ((*alpha)[2].token_id, a3);

  const auto unknown = store.list_paid_tokens("gamma", 10);
  ASSERT_TRUE(IsOk(unknown));
  EXPECT_TRUE(unknown->empty());
}

TYPED_TEST_P(StoreConformance, ListPaidTokensStopsAtTheLimit) {
  Store& store = this->store();
  const Hash256 hash = conformance::make_id(0x48, 1);
  std::vector<PaidRequest> batch;
  for (std::uint32_t n = 1; n <= 5; ++n) {
    batch.push_back({conformance::make_id(0x39, n), hash, "svc", Msat(10), 100 + n});
  }
  ASSERT_TRUE(IsOk(store.record_paid_requests(batch)));

  const auto two = store.list_paid_tokens("", 2);
  ASSERT_TRUE(IsOk(two));
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[0].token_id, conformance::make_id(0x39, 5));
  EXPECT_EQ((*two)[1].token_id, conformance::make_id(0x39, 4));
  const auto filtered = store.list_paid_tokens("svc", 3);
  ASSERT_TRUE(IsOk(filtered));
  EXPECT_EQ(filtered->size(), 3u);
  const auto none = store.list_paid_tokens("", 0);
  ASSERT_TRUE(IsOk(none));
  EXPECT_TRUE(none->empty());
  const auto huge = store.list_paid_tokens("", std::numeric_limits<std::size_t>::max());
  ASSERT_TRUE(IsOk(huge));
  EXPECT_EQ(huge->size(), 5u);
}

TYPED_TEST_P(StoreConformance, ServiceStatsMatchWhatWasRecordedPerService) {
  Store& store = this->store();
  const auto empty = store.service_stats();
  ASSERT_TRUE(IsOk(empty));
  EXPECT_TRUE(empty->empty());

  // "zeta" has challenges only, "beta" paid tokens only, "alpha" both.
  for (std::uint32_t n = 1; n <= 3; ++n) {
    IssuedChallenge challenge = conformance::make_challenge(n, 100, 200);
    challenge.service = n == 3 ? "zeta" : "alpha";
    ASSERT_TRUE(IsOk(store.record_challenge(challenge)));
  }
  const Hash256 hash = conformance::make_id(0x49, 1);
  const std::vector<PaidRequest> batch = {
      {conformance::make_challenge(1, 0, 0).token_id, hash, "alpha", Msat(1000), 110},
      {conformance::make_challenge(1, 0, 0).token_id, hash, "alpha", Msat(1000), 111},
      {conformance::make_id(0x3a, 1), hash, "beta", Msat(250), 112},
      {conformance::make_id(0x3a, 2), hash, "beta", Msat(750), 113},
      {conformance::make_id(0x3a, 2), hash, "beta", Msat(750), 114},
      {conformance::make_id(0x3a, 2), hash, "beta", Msat(750), 115}};
  ASSERT_TRUE(IsOk(store.record_paid_requests(batch)));

  const auto stats = store.service_stats();
  ASSERT_TRUE(IsOk(stats));
  ASSERT_EQ(stats->size(), 3u);
  const ServiceStats& alpha = (*stats)[0];
  EXPECT_EQ(alpha.service, "alpha");
  EXPECT_EQ(alpha.challenges, 2u);
  EXPECT_EQ(alpha.paid_tokens, 1u);
  EXPECT_EQ(alpha.paid_requests, 2u);
  EXPECT_EQ(alpha.revenue, Msat(1000));
  const ServiceStats& beta = (*stats)[1];
  EXPECT_EQ(beta.service, "beta");
  EXPECT_EQ(beta.challenges, 0u);
  EXPECT_EQ(beta.paid_tokens, 2u);
  EXPECT_EQ(beta.paid_requests, 4u);
  EXPECT_EQ(beta.revenue, Msat(1000));
  const ServiceStats& zeta = (*stats)[2];
  EXPECT_EQ(zeta.service, "zeta");
  EXPECT_EQ(zeta.challenges, 1u);
  EXPECT_EQ(zeta.paid_tokens, 0u);
  EXPECT_EQ(zeta.paid_requests, 0u);
  EXPECT_EQ(zeta.revenue, Msat(0));

  // The per-service figures add up to the summary's.
  const auto summary = store.summary();
  ASSERT_TRUE(IsOk(summary));
  std::uint64_t challenges = 0, tokens = 0, requests = 0, revenue = 0;
  for (const ServiceStats& entry : *stats) {
    challenges += entry.challenges;
    tokens += entry.paid_tokens;
    requests += entry.paid_requests;
    revenue += entry.revenue.value();
  }
  EXPECT_EQ(challenges, summary->challenges);
  EXPECT_EQ(tokens, summary->paid_tokens);
  EXPECT_EQ(requests, summary->paid_requests);
  EXPECT_EQ(Msat(revenue), summary->revenue);
}

TYPED_TEST_P(StoreConformance, ServiceStatsAreOrderedByNameInByteOrder) {
  Store& store = this->store();
  const Hash256 hash = conformance::make_id(0x4a, 1);
  const std::vector<PaidRequest> batch = {{conformance::make_id(0x3b, 1), hash, "b", Msat(1), 1},
                                          {conformance::make_id(0x3b, 2), hash, "a", Msat(1), 1},
                                          {conformance::make_id(0x3b, 3), hash, "B", Msat(1), 1}};
  ASSERT_TRUE(IsOk(store.record_paid_requests(batch)));
  const auto stats = store.service_stats();
  ASSERT_TRUE(IsOk(stats));
  ASSERT_EQ(stats->size(), 3u);
  EXPECT_EQ((*stats)[0].service, "B");
  EXPECT_EQ((*stats)[1].service, "a");
  EXPECT_EQ((*stats)[2].service, "b");
}

TYPED_TEST_P(StoreConformance, ConcurrentPaidRequestsFromTwoInstancesAreAllCounted) {
  std::unique_ptr<Store> other = this->second();
  ASSERT_NE(other, nullptr);
  std::vector<Store*> stores{&this->store(), other.get()};
  const TokenId token = conformance::make_id(0x35, 1);
  const Hash256 payment_hash = conformance::make_id(0x45, 1);
  constexpr int kThreads = 4;
  constexpr int kEach = 50;
  conformance::Failures failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const Result<void> recorded = stores[static_cast<std::size_t>(t % 2)]->record_paid_request(
            token, payment_hash, "svc", Msat(700), 100 + i);
        if (!recorded.ok()) failures.add(recorded.error());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.count(), 0) << failures.first();
  const auto found = this->store().find_paid_token(token);
  ASSERT_TRUE(IsOk(found));
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->request_count, static_cast<std::uint64_t>(kThreads * kEach));
  EXPECT_EQ((*found)->revenue, Msat(700));
}

TYPED_TEST_P(StoreConformance, SettlementsAreIdempotentPerPaymentHash) {
  Store& store = this->store();
  const Settlement first{conformance::make_id(0x55, 1), Msat(2000), 50};
  const Settlement second{conformance::make_id(0x55, 2), Msat(3000), 60};
  ASSERT_TRUE(IsOk(store.record_settlement(first)));
  ASSERT_TRUE(IsOk(store.record_settlement(first)));
  ASSERT_TRUE(IsOk(store.record_settlement(second)));
  // A second report for a known hash keeps the first.
  ASSERT_TRUE(IsOk(store.record_settlement(Settlement{first.payment_hash, Msat(999999), 70})));
  const auto summary = store.summary();
  ASSERT_TRUE(IsOk(summary));
  EXPECT_EQ(summary->settlements, 2u);
  EXPECT_EQ(summary->settled, Msat(5000));
}

TYPED_TEST_P(StoreConformance, NodeSettlementsCountOnlyTheGatewaysOwnInvoices) {
  Store& store = this->store();
  const IssuedChallenge ours = conformance::make_challenge(1, 100, 3700);
  ASSERT_TRUE(IsOk(store.record_challenges({&ours, 1})));
  const std::vector<Settlement> settled{
      {ours.payment_hash, Msat(1000), 150},
      {conformance::make_id(0x33, 1), Msat(5000), 160},  // another use of the node
  };
  ASSERT_TRUE(IsOk(store.record_settlements("02aa", settled, 7)));
  ASSERT_TRUE(IsOk(store.record_settlements("02aa", settled, 7)));
  const auto summary = store.summary();
  ASSERT_TRUE(IsOk(summary));
  EXPECT_EQ(summary->settlements, 1u);
  EXPECT_EQ(summary->settled, Msat(1000));
}

TYPED_TEST_P(StoreConformance, SettlementCursorIsPerNodeOnlyMovesForwardAndIsShared) {
  Store& store = this->store();
  const auto through = [](Store& from, std::string_view node) {
    const Result<std::uint64_t> index = from.settlements_through(node);
    EXPECT_TRUE(IsOk(index));
    return index.ok() ? *index : 999;
  };
  EXPECT_EQ(through(store, "02aa"), 0u);
  ASSERT_TRUE(IsOk(store.record_settlements("02aa", {}, 12)));
  ASSERT_TRUE(IsOk(store.record_settlements("03bb", {}, 4)));
  ASSERT_TRUE(IsOk(store.record_settlements("02aa", {}, 9)));  // a late writer
  EXPECT_EQ(through(store, "02aa"), 12u);
  EXPECT_EQ(through(store, "03bb"), 4u);
  std::unique_ptr<Store> other = this->second();
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(through(*other, "02aa"), 12u);
  EXPECT_TRUE(HasError(store.record_settlements("02aa", {}, std::uint64_t{1} << 63),
                       ErrorCode::kInvalidArgument));
}

TYPED_TEST_P(StoreConformance, PruneRemovesExpiredChallengesThatWereNeverUsed) {
  Store& store = this->store();
  const IssuedChallenge expired = conformance::make_challenge(1, 100, 400);
  const IssuedChallenge expired_but_used = conformance::make_challenge(2, 100, 400);
  const IssuedChallenge expires_now = conformance::make_challenge(3, 100, 500);
  const IssuedChallenge live = conformance::make_challenge(4, 100, 900);
  for (const IssuedChallenge& c : {expired, expired_but_used, expires_now, live}) {
    ASSERT_TRUE(IsOk(store.record_challenge(c)));
  }
  ASSERT_TRUE(IsOk(store.record_paid_request(
      expired_but_used.token_id, expired_but_used.payment_hash, "svc", Msat(1000), 300)));
  const auto pruned = store.prune_challenges(500, 100);
  ASSERT_TRUE(IsOk(pruned));
  EXPECT_EQ(*pruned, 1u);
  EXPECT_EQ(store.summary().value().challenges, 3u);
  // The pruned one is gone (it can be recorded again); the others are still there.
  EXPECT_TRUE(IsOk(store.record_challenge(expired)));
  EXPECT_TRUE(HasError(store.record_challenge(expired_but_used), ErrorCode::kAlreadyExists));
  EXPECT_TRUE(HasError(store.record_challenge(expires_now), ErrorCode::kAlreadyExists));
  EXPECT_TRUE(HasError(store.record_challenge(live), ErrorCode::kAlreadyExists));
  // Pruning changes nothing in paid tokens.
  EXPECT_TRUE(store.find_paid_token(expired_but_used.token_id).value().has_value());
}

TYPED_TEST_P(StoreConformance, PruneKeepsAtMostMaxRowsDroppingTheOldest) {
  Store& store = this->store();
  for (std::uint32_t i = 1; i <= 10; ++i) {
    ASSERT_TRUE(IsOk(store.record_challenge(conformance::make_challenge(i, i, 100000))));
  }
  const auto pruned = store.prune_challenges(0, 4);
  ASSERT_TRUE(IsOk(pruned));
  EXPECT_EQ(*pruned, 6u);
  EXPECT_EQ(store.summary().value().challenges, 4u);
  for (std::uint32_t i = 1; i <= 6; ++i) {  // the oldest went
    EXPECT_TRUE(IsOk(store.record_challenge(conformance::make_challenge(i, i, 100000)))) << i;
  }
  for (std::uint32_t i = 7; i <= 10; ++i) {  // the newest stayed
    EXPECT_TRUE(HasError(store.record_challenge(conformance::make_challenge(i, i, 100000)),
                         ErrorCode::kAlreadyExists))
        << i;
  }
  const auto nothing = store.prune_challenges(0, 100);
  ASSERT_TRUE(IsOk(nothing));
  EXPECT_EQ(*nothing, 0u);
}

TYPED_TEST_P(StoreConformance, LedgerSurvivesARestart) {
  ASSERT_TRUE(IsOk(this->store().record_challenge(conformance::make_challenge(1, 10, 3610))));
  ASSERT_TRUE(IsOk(this->store().record_paid_request(
      conformance::make_id(0x66, 1), conformance::make_id(0x67, 1), "svc", Msat(42), 20)));
  ASSERT_TRUE(IsOk(
      this->store().record_settlement(Settlement{conformance::make_id(0x67, 1), Msat(42), 15})));
  this->restart();
  const auto summary = this->store().summary();
  ASSERT_TRUE(IsOk(summary));
  EXPECT_EQ(summary->challenges, 1u);
  EXPECT_EQ(summary->paid_tokens, 1u);
  EXPECT_EQ(summary->paid_requests, 1u);
  EXPECT_EQ(summary->revenue, Msat(42));
  EXPECT_EQ(summary->settlements, 1u);
  EXPECT_EQ(summary->settled, Msat(42));
}

// ---- Counters --------------------------------------------------------------------------

TYPED_TEST_P(StoreConformance, AddToCounterReturnsTheNewTotalPerKey) {
  Store& store = this->store();
  const CounterKey key{"203.0.113.0/24", "svc", 600};
  EXPECT_EQ(store.add_to_counter(key, 1).value(), 1u);
  EXPECT_EQ(store.add_to_counter(key, 5).value(), 6u);
  EXPECT_EQ(store.add_to_counter(key, 0).value(), 6u);
  EXPECT_EQ(store.add_to_counter(CounterKey{"203.0.113.0/24", "other", 600}, 1).value(), 1u);
  EXPECT_EQ(store.add_to_counter(CounterKey{"203.0.113.0/24", "svc", 660}, 2).value(), 2u);
  EXPECT_EQ(store.add_to_counter(CounterKey{"2001:db8::/48", "svc", 600}, 3).value(), 3u);
  EXPECT_EQ(store.add_to_counter(key, 0).value(), 6u);
}

TYPED_TEST_P(StoreConformance, CountersAreAtomicAcrossThreadsAndInstances) {
  std::unique_ptr<Store> other = this->second();
  ASSERT_NE(other, nullptr);
  std::vector<Store*> stores{&this->store(), other.get()};
  const CounterKey key{"192.0.2.0/24", "svc", 1200};
  constexpr int kThreads = 8;
  constexpr int kEach = 500;
  std::vector<std::vector<std::uint64_t>> seen(kThreads);
  conformance::Failures failures;
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      Store& store = *stores[static_cast<std::size_t>(t % 2)];
      for (int i = 0; i < kEach; ++i) {
        const auto total = store.add_to_counter(key, 1);
        if (total.ok()) {
          seen[static_cast<std::size_t>(t)].push_back(*total);
        } else {
          failures.add(total.error());
        }
      }
    });
  }
  go = true;
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.count(), 0) << failures.first();
  EXPECT_EQ(this->store().add_to_counter(key, 0).value(),
            static_cast<std::uint64_t>(kThreads * kEach));
  // Every increment saw a total of its own: 1, 2, ..., N exactly once.
  std::vector<std::uint64_t> all;
  for (const auto& part : seen) all.insert(all.end(), part.begin(), part.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kThreads * kEach));
  for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], i + 1);
}

TYPED_TEST_P(StoreConformance, PruneCountersDeletesWindowsThatStartedBefore) {
  Store& store = this->store();
  for (std::int64_t window : {100, 200, 300}) {
    ASSERT_TRUE(IsOk(store.add_to_counter(CounterKey{"a", "svc", window}, 7)));
  }
  ASSERT_TRUE(IsOk(store.add_to_counter(CounterKey{"b", "svc", 250}, 1)));
  const auto pruned = store.prune_counters(250);
  ASSERT_TRUE(IsOk(pruned));
  EXPECT_EQ(*pruned, 2u);
  EXPECT_EQ(store.add_to_counter(CounterKey{"a", "svc", 100}, 1).value(), 1u);  // started over
  EXPECT_EQ(store.add_to_counter(CounterKey{"b", "svc", 250}, 1).value(), 2u);
  EXPECT_EQ(store.add_to_counter(CounterKey{"a", "svc", 300}, 1).value(), 8u);
}

// ---- Changes ---------------------------------------------------------------------------

TYPED_TEST_P(StoreConformance, WaitForChangeTimesOutWhenNothingChanges) {
  Store& store = this->store();
  ASSERT_TRUE(IsOk(store.ensure_active_key(system_random())));
  conformance::drain_changes(store);
  const auto start = conformance::Clock::now();
  const auto changed = store.wait_for_change(conformance::milliseconds(300));
  const auto elapsed = conformance::Clock::now() - start;
  ASSERT_TRUE(IsOk(changed));
  EXPECT_FALSE(*changed);
  EXPECT_GE(elapsed, conformance::milliseconds(250));
  EXPECT_LT(elapsed, conformance::milliseconds(3000));
}

TYPED_TEST_P(StoreConformance, WaitForChangeReportsAChangeMadeBeforeIt) {
  Store& store = this->store();
  std::unique_ptr<Store> other = this->second();
  ASSERT_NE(other, nullptr);
  conformance::drain_changes(store);
  ASSERT_TRUE(IsOk(other->revoke(conformance::make_id(0x77, 1), 1, "")));
  const auto start = conformance::Clock::now();
  const auto changed = store.wait_for_change(conformance::milliseconds(5000));
  ASSERT_TRUE(IsOk(changed));
  EXPECT_TRUE(*changed);
  EXPECT_LT(conformance::Clock::now() - start, conformance::milliseconds(1000));
}

TYPED_TEST_P(StoreConformance, WaitForChangeWakesSoonAfterAnotherInstanceRevokes) {
  Store& store = this->store();
  std::unique_ptr<Store> other = this->second();
  ASSERT_NE(other, nullptr);
  conformance::drain_changes(store);

  std::atomic<bool> revoking{false};
  std::atomic<bool> woke{false};
  conformance::Clock::time_point woke_at{};
  std::thread waiter([&] {
    const auto deadline = conformance::Clock::now() + std::chrono::seconds(5);
    while (conformance::Clock::now() < deadline) {
      const auto changed = store.wait_for_change(conformance::milliseconds(5000));
      if (!changed.ok()) return;
      if (*changed && revoking.load()) {
        woke_at = conformance::Clock::now();
        woke = true;
        return;
      }
    }
  });
  std::this_thread::sleep_for(conformance::milliseconds(200));  // the waiter is blocked now
  revoking = true;
  ASSERT_TRUE(IsOk(other->revoke(conformance::make_id(0x78, 1), 1, "")));
  const auto revoked_at = conformance::Clock::now();
  waiter.join();
  ASSERT_TRUE(woke.load());
  EXPECT_LT(woke_at - revoked_at, conformance::milliseconds(1000));
}

TYPED_TEST_P(StoreConformance, WaitForChangeSeesAChangeThroughTheSameInstance) {
  Store& store = this->store();
  conformance::drain_changes(store);
  std::atomic<bool> woke{false};
  std::thread waiter([&] {
    const auto changed = store.wait_for_change(conformance::milliseconds(5000));
    woke = changed.ok() && *changed;
  });
  std::this_thread::sleep_for(conformance::milliseconds(100));
  const auto start = conformance::Clock::now();
  ASSERT_TRUE(IsOk(store.rotate_key(system_random())));
  waiter.join();
  EXPECT_TRUE(woke.load());
  EXPECT_LT(conformance::Clock::now() - start, conformance::milliseconds(1000));
}

TYPED_TEST_P(StoreConformance, InterruptWakesAWaiter) {
  Store& store = this->store();
  conformance::drain_changes(store);
  std::atomic<bool> done{false};
  std::thread waiter([&] {
    (void)store.wait_for_change(std::chrono::seconds(30));
    done = true;
  });
  const auto start = conformance::Clock::now();
  // Interrupt until it wakes (interrupt() wakes waits in progress; the first call may come
  // before the waiter blocks).
  while (!done.load() && conformance::Clock::now() - start < std::chrono::seconds(5)) {
    std::this_thread::sleep_for(conformance::milliseconds(100));
    store.interrupt();
  }
  waiter.join();
  EXPECT_LT(conformance::Clock::now() - start, std::chrono::seconds(5));
  // The store stays usable, and waits again afterwards.
  EXPECT_TRUE(IsOk(store.revoke(conformance::make_id(0x79, 1), 1, "")));
}

// ---- SharedState -----------------------------------------------------------------------

TYPED_TEST_P(StoreConformance, SharedStateStartsWithAnActiveKeyAndTheRevocations) {
  Store& store = this->store();
  ASSERT_TRUE(IsOk(store.revoke(conformance::make_id(0x81, 1), 5, "before start")));
  auto shared = SharedState::start(store, system_random());
  ASSERT_TRUE(IsOk(shared));
  const std::shared_ptr<const KeySet> keys = (*shared)->current();
  ASSERT_NE(keys, nullptr);
  ASSERT_NE(keys->active(), nullptr);
  EXPECT_EQ(keys->entries().size(), 1u);
  EXPECT_TRUE((*shared)->is_revoked(conformance::make_id(0x81, 1)));
  EXPECT_FALSE((*shared)->is_revoked(conformance::make_id(0x81, 2)));
  EXPECT_EQ((*shared)->revoked_count(), 1u);
}

TYPED_TEST_P(StoreConformance, SharedStateReflectsItsOwnChangesBeforeReturning) {
  Store& store = this->store();
  auto started = SharedState::start(store, system_random(), std::chrono::seconds(30));
  ASSERT_TRUE(IsOk(started));
  SharedState& shared = **started;
  const KeyId first = shared.current()->active()->id;

  const TokenId token = conformance::make_id(0x82, 1);
  const auto revoked = shared.revoke(token, 10, "test");
  ASSERT_TRUE(IsOk(revoked));
  EXPECT_TRUE(*revoked);
  EXPECT_TRUE(shared.is_revoked(token));
  EXPECT_EQ(shared.revoked_count(), 1u);
  const auto again = shared.revoke(token, 11, "test");
  ASSERT_TRUE(IsOk(again));
  EXPECT_FALSE(*again);

  const auto second = shared.rotate_key();
  ASSERT_TRUE(IsOk(second));
  ASSERT_NE(shared.current()->active(), nullptr);
  EXPECT_EQ(shared.current()->active()->id, *second);
  ASSERT_NE(shared.current()->find(first), nullptr);
  EXPECT_EQ(shared.current()->find(first)->state, KeyState::kVerifyOnly);

  ASSERT_TRUE(IsOk(shared.set_key_state(first, KeyState::kRetired)));
  EXPECT_EQ(shared.current()->find(first)->state, KeyState::kRetired);
  EXPECT_TRUE(
      HasError(shared.set_key_state(first, KeyState::kActive), ErrorCode::kInvalidArgument));
  KeyId unknown = 1;
  while (unknown == first || unknown == *second) ++unknown;
  EXPECT_TRUE(HasError(shared.set_key_state(unknown, KeyState::kRetired), ErrorCode::kNotFound));
  EXPECT_TRUE(IsOk(shared.refresh()));
  EXPECT_EQ(shared.current()->entries().size(), 2u);
}

TYPED_TEST_P(StoreConformance, RevocationOnOneInstanceReachesAnotherWithinASecond) {
  std::unique_ptr<Store> other = this->second();
  ASSERT_NE(other, nullptr);
  // A long poll interval: only change notification can make it in time.
  auto a = SharedState::start(this->store(), system_random(), std::chrono::seconds(30));
  ASSERT_TRUE(IsOk(a));
  auto b = SharedState::start(*other, system_random(), std::chrono::seconds(30));
  ASSERT_TRUE(IsOk(b));
  std::this_thread::sleep_for(conformance::milliseconds(200));  // both refresh threads wait

  const TokenId token = conformance::make_id(0x83, 1);
  ASSERT_FALSE((*b)->is_revoked(token));
  ASSERT_TRUE(IsOk((*a)->revoke(token, 20, "leaked")));
  const auto took =
      conformance::wait_until([&] { return (*b)->is_revoked(token); }, std::chrono::seconds(1));
  EXPECT_TRUE(took.has_value()) << "instance B still accepts a token revoked on A after 1 s";
  EXPECT_EQ((*b)->revoked_count(), 1u);
}

TYPED_TEST_P(StoreConformance, RotationOnOneInstanceReachesAnotherWithinASecond) {
  std::unique_ptr<Store> other = this->second();
  ASSERT_NE(other, nullptr);
  auto a = SharedState::start(this->store(), system_random(), std::chrono::seconds(30));
  ASSERT_TRUE(IsOk(a));
  auto b = SharedState::start(*other, system_random(), std::chrono::seconds(30));
  ASSERT_TRUE(IsOk(b));
  ASSERT_EQ((*a)->current()->active()->id, (*b)->current()->active()->id);
  std::this_thread::sleep_for(conformance::milliseconds(200));

  const auto rotated = (*a)->rotate_key();
  ASSERT_TRUE(IsOk(rotated));
  const auto took = conformance::wait_until(
      [&] {
        const auto keys = (*b)->current();
        return keys->active() != nullptr && keys->active()->id == *rotated;
      },
      std::chrono::seconds(1));
  EXPECT_TRUE(took.has_value()) << "instance B does not see A's new key after 1 s";
}

TYPED_TEST_P(StoreConformance, TokensMintedOnOneInstanceVerifyOnAnother) {
  std::unique_ptr<Store> other = this->second();
  ASSERT_NE(other, nullptr);
  auto a = SharedState::start(this->store(), system_random(), std::chrono::seconds(30));
  ASSERT_TRUE(IsOk(a));
  auto b = SharedState::start(*other, system_random(), std::chrono::seconds(30));
  ASSERT_TRUE(IsOk(b));
  TestInvoiceSource invoices;
  const Authority minting(**a, **a, invoices, system_random());
  const Authority verifying(**b, **b, invoices, system_random());
  constexpr std::uint64_t kNow = 1700000000;
  Offer offer;
  offer.services.push_back(ServiceOffer{"svc", 0, std::nullopt, {}, 0});
  const Target target{"svc", "", {}};

  auto credential_for = [&](const MintedChallenge& minted) {
    return Credential{minted.macaroon,
                      {},
                      invoices.preimage_of(minted.payment_hash).value(),
                      CredentialForm::kAuthorization};
  };
  const auto first = minting.mint(offer, Msat(1000), kNow);
  ASSERT_TRUE(IsOk(first));
  const auto second = minting.mint(offer, Msat(1000), kNow);
  ASSERT_TRUE(IsOk(second));
  EXPECT_TRUE(verifying.verify(credential_for(*first), target, kNow).granted());

  // Revoked on A: denied on B within a second.
  ASSERT_TRUE(IsOk((*a)->revoke(first->token_id, kNow, "test")));
  const auto denied = conformance::wait_until(
      [&] {
        const Verdict verdict = verifying.verify(credential_for(*first), target, kNow);
        return !verdict.granted() && verdict.denial().code == DenialCode::kRevoked;
      },
      std::chrono::seconds(1));
  EXPECT_TRUE(denied.has_value());

  // Rotated on A: B mints nothing new with the old key but still verifies its tokens.
  const auto rotated = (*a)->rotate_key();
  ASSERT_TRUE(IsOk(rotated));
  ASSERT_TRUE(conformance::wait_until([&] { return (*b)->current()->active()->id == *rotated; },
                                      std::chrono::seconds(1))
                  .has_value());
  EXPECT_TRUE(verifying.verify(credential_for(*second), target, kNow).granted());
  const auto newer = verifying.mint(offer, Msat(1000), kNow);
  ASSERT_TRUE(IsOk(newer));
  EXPECT_EQ(newer->key_id, *rotated);
  EXPECT_TRUE(minting.verify(credential_for(*newer), target, kNow).granted());
}

TYPED_TEST_P(StoreConformance, SharedStateStopsPromptly) {
  auto shared = SharedState::start(this->store(), system_random(), std::chrono::seconds(60));
  ASSERT_TRUE(IsOk(shared));
  std::this_thread::sleep_for(conformance::milliseconds(100));
  const auto start = conformance::Clock::now();
  shared->reset();
  EXPECT_LT(conformance::Clock::now() - start, std::chrono::seconds(2));
}

REGISTER_TYPED_TEST_SUITE_P(
    StoreConformance,
    // keyring
    EnsureActiveKeyCreatesOneActiveKeyOnce,
    EnsureActiveKeyFromManyThreadsAndTwoInstancesYieldsOneKey,
    RotateKeyAddsAnActiveKeyAndDemotesThePreviousOne, RotateKeyOnAnEmptyKeyringCreatesTheActiveKey,
    SetKeyStateFollowsTheOneActiveKeyRule, KeysSurviveARestart,
    // revocations
    RevokeIsIdempotentAndKeepsTheFirstEntry, LoadRevocationsReturnsEntriesAfterASequenceInOrder,
    // ledger
    SummaryOfAnEmptyStoreIsZero, RecordChallengeRefusesADuplicateTokenId,
    ABatchOfChallengesIsRecordedAndCounted, ABatchOfChallengesSkipsTokenIdsRecordedBefore,
    ABatchOfChallengesWithABadAmountRecordsNothing, AmountsAboveInt64MaxAreRefused,
    PaidRequestsAreCountedAndRevenueOnce, ABatchOfPaidRequestsCountsLikeSingleCalls,
    ARowWithACountAddsThatManyRequests, ABatchWithABadAmountRecordsNothing,
    ListPaidTokensIsMostRecentlyUsedFirstAndFiltersByService, ListPaidTokensStopsAtTheLimit,
    ServiceStatsMatchWhatWasRecordedPerService, ServiceStatsAreOrderedByNameInByteOrder,
    ConcurrentPaidRequestsFromTwoInstancesAreAllCounted, SettlementsAreIdempotentPerPaymentHash,
    NodeSettlementsCountOnlyTheGatewaysOwnInvoices,
    SettlementCursorIsPerNodeOnlyMovesForwardAndIsShared,
    PruneRemovesExpiredChallengesThatWereNeverUsed, PruneKeepsAtMostMaxRowsDroppingTheOldest,
    LedgerSurvivesARestart,
    // counters
    AddToCounterReturnsTheNewTotalPerKey, CountersAreAtomicAcrossThreadsAndInstances,
    PruneCountersDeletesWindowsThatStartedBefore,
    // changes
    WaitForChangeTimesOutWhenNothingChanges, WaitForChangeReportsAChangeMadeBeforeIt,
    WaitForChangeWakesSoonAfterAnotherInstanceRevokes,
    WaitForChangeSeesAChangeThroughTheSameInstance, InterruptWakesAWaiter,
    // SharedState
    SharedStateStartsWithAnActiveKeyAndTheRevocations,
    SharedStateReflectsItsOwnChangesBeforeReturning,
    RevocationOnOneInstanceReachesAnotherWithinASecond,
    RotationOnOneInstanceReachesAnotherWithinASecond, TokensMintedOnOneInstanceVerifyOnAnother,
    SharedStateStopsPromptly);

}  // namespace l402::test
