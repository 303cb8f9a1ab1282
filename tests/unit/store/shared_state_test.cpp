// SharedState beyond the conformance suite: a store that goes down, a store that never
// reports changes (the poll interval still refreshes), readers racing refreshes.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "l402/store.hpp"
#include "result_matchers.hpp"
#include "temp_dir.hpp"

namespace l402 {
namespace {

using std::chrono::milliseconds;
using test::HasError;
using test::IsOk;

// Forwards to a real store, or fails every call with kUnavailable while `down` is set. When
// `deaf` is set, wait_for_change() never reports a change: it sleeps out its timeout.
class FaultyStore final : public Store {
 public:
  explicit FaultyStore(Store& inner) : inner_(inner) {}

  std::atomic<bool> down{false};
  std::atomic<bool> deaf{false};

  Result<std::vector<MasterKey>> load_keys() override {
    if (down) return unavailable();
    return inner_.load_keys();
  }
  Result<void> ensure_active_key(RandomSource& random) override {
    if (down) return unavailable();
    return inner_.ensure_active_key(random);
  }
  Result<KeyId> rotate_key(RandomSource& random) override {
    if (down) return unavailable();
    return inner_.rotate_key(random);
  }
  Result<void> set_key_state(KeyId id, KeyState state) override {
    if (down) return unavailable();
    return inner_.set_key_state(id, state);
  }
  Result<bool> revoke(const TokenId& token_id, std::int64_t at, std::string_view reason) override {
    if (down) return unavailable();
    return inner_.revoke(token_id, at, reason);
  }
  Result<std::vector<RevocationEntry>> load_revocations(std::uint64_t after) override {
    if (down) return unavailable();
    return inner_.load_revocations(after);
  }
  Result<void> record_challenge(const IssuedChallenge& challenge) override {
    return inner_.record_challenge(challenge);
  }
  Result<void> record_challenges(std::span<const IssuedChallenge> challenges) override {
    return inner_.record_challenges(challenges);
  }
  Result<void> record_paid_requests(std::span<const PaidRequest> requests) override {
    return inner_.record_paid_requests(requests);
  }
  Result<std::optional<PaidToken>> find_paid_token(const TokenId& token_id) override {
    return inner_.find_paid_token(token_id);
  }
  Result<void> record_settlement(const Settlement& settlement) override {
    return inner_.record_settlement(settlement);
  }
  Result<void> record_settlements(std::string_view node, std::span<const Settlement> settlements,
                                  std::uint64_t through_settle_index) override {
    return inner_.record_settlements(node, settlements, through_settle_index);
  }
  Result<std::uint64_t> settlements_through(std::string_view node) override {
    return inner_.settlements_through(node);
  }
  Result<std::uint64_t> prune_challenges(std::int64_t now, std::uint64_t max_rows) override {
    return inner_.prune_challenges(now, max_rows);
  }
  Result<LedgerSummary> summary() override { return inner_.summary(); }
  Result<std::vector<PaidToken>> list_paid_tokens(std::string_view service,
                                                  std::size_t limit) override {
    return inner_.list_paid_tokens(service, limit);
  }
  Result<std::vector<ServiceStats>> service_stats() override { return inner_.service_stats(); }
  Result<std::uint64_t> add_to_counter(const CounterKey& key, std::uint64_t amount) override {
    return inner_.add_to_counter(key, amount);
  }
  Result<std::uint64_t> prune_counters(std::int64_t before) override {
    return inner_.prune_counters(before);
  }
  Result<bool> wait_for_change(milliseconds timeout) override {
    if (down) {
      sleep_for(std::min(timeout, milliseconds(20)));
      return unavailable();
    }
    if (deaf) {
      sleep_for(timeout);
      return false;
    }
    return inner_.wait_for_change(timeout);
  }
  void interrupt() override {
    {
      std::lock_guard lock(mutex_);
      ++interrupts_;
    }
    wake_.notify_all();
    inner_.interrupt();
  }

 private:
  static Error unavailable() { return Error(ErrorCode::kUnavailable, "test: the store is down"); }

  void sleep_for(milliseconds duration) {
    std::unique_lock lock(mutex_);
    const std::uint64_t seen = interrupts_;
    wake_.wait_for(lock, duration, [&] { return interrupts_ != seen; });
  }

  Store& inner_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::uint64_t interrupts_ = 0;
};

TokenId token(std::uint8_t n) {
  TokenId id{};
  id.fill(n);
  return id;
}

template <typename Condition>
bool eventually(Condition condition, milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return condition();
}

class SharedStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    store_ = open();
    ASSERT_NE(store_, nullptr);
    faulty_ = std::make_unique<FaultyStore>(*store_);
  }

  std::unique_ptr<Store> open() {
    SqliteOptions options;
    options.path = dir_.file("state.db");
    auto store = open_sqlite_store(options);
    EXPECT_TRUE(IsOk(store));
    return store.ok() ? std::move(store).value() : nullptr;
  }

  test::TempDir dir_{"l402-shared-state"};
  std::unique_ptr<Store> store_;
  std::unique_ptr<FaultyStore> faulty_;
};

TEST_F(SharedStateTest, StartFailsWhenTheStoreIsDown) {
  faulty_->down = true;
  EXPECT_TRUE(HasError(SharedState::start(*faulty_, system_random()), ErrorCode::kUnavailable));
}

TEST_F(SharedStateTest, KeepsServingTheLastSnapshotWhileTheStoreIsDown) {
  ASSERT_TRUE(IsOk(store_->revoke(token(1), 1, "")));
  auto shared = SharedState::start(*faulty_, system_random(), milliseconds(30));
  ASSERT_TRUE(IsOk(shared));
  const KeyId active = (*shared)->current()->active()->id;

  faulty_->down = true;
  std::this_thread::sleep_for(milliseconds(200));  // several failed rounds
  ASSERT_NE((*shared)->current()->active(), nullptr);
  EXPECT_EQ((*shared)->current()->active()->id, active);
  EXPECT_TRUE((*shared)->is_revoked(token(1)));
  EXPECT_TRUE(HasError((*shared)->refresh(), ErrorCode::kUnavailable));
  EXPECT_TRUE(HasError((*shared)->revoke(token(2), 2, ""), ErrorCode::kUnavailable));
  EXPECT_FALSE((*shared)->is_revoked(token(2)));
  EXPECT_TRUE(HasError((*shared)->rotate_key(), ErrorCode::kUnavailable));

  // Back up: a change made meanwhile through another instance arrives.
  auto other = open();
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(IsOk(other->revoke(token(3), 3, "")));
  faulty_->down = false;
  EXPECT_TRUE(eventually([&] { return (*shared)->is_revoked(token(3)); }, milliseconds(2000)));
}

TEST_F(SharedStateTest, RefreshesEveryPollIntervalWithoutNotifications) {
  faulty_->deaf = true;
  auto shared = SharedState::start(*faulty_, system_random(), milliseconds(100));
  ASSERT_TRUE(IsOk(shared));
  auto other = open();
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(IsOk(other->revoke(token(4), 4, "")));
  const auto rotated = other->rotate_key(system_random());
  ASSERT_TRUE(IsOk(rotated));
  EXPECT_TRUE(eventually([&] { return (*shared)->is_revoked(token(4)); }, milliseconds(1500)));
  EXPECT_TRUE(eventually([&] { return (*shared)->current()->active()->id == *rotated; },
                         milliseconds(1500)));
}

TEST_F(SharedStateTest, StopsPromptlyWhileTheStoreIsDeaf) {
  faulty_->deaf = true;
  auto shared = SharedState::start(*faulty_, system_random(), std::chrono::seconds(60));
  ASSERT_TRUE(IsOk(shared));
  std::this_thread::sleep_for(milliseconds(50));
  const auto start = std::chrono::steady_clock::now();
  shared->reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST_F(SharedStateTest, ReadersRaceRefreshesSafely) {
  auto started = SharedState::start(*store_, system_random(), milliseconds(10));
  ASSERT_TRUE(IsOk(started));
  SharedState& shared = **started;
  std::atomic<bool> stop{false};
  std::atomic<int> missing_key{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        const auto keys = shared.current();
        if (keys == nullptr || keys->active() == nullptr) ++missing_key;
        (void)shared.is_revoked(token(9));
        (void)shared.revoked_count();
      }
    });
  }
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(IsOk(shared.revoke(token(static_cast<std::uint8_t>(i + 10)), i, "")));
    if (i % 25 == 0) {
      ASSERT_TRUE(IsOk(shared.rotate_key()));
    }
  }
  stop = true;
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(missing_key.load(), 0);
  EXPECT_EQ(shared.revoked_count(), 100u);
  for (int i = 0; i < 100; ++i)
    EXPECT_TRUE(shared.is_revoked(token(static_cast<std::uint8_t>(i + 10))));
}

TEST_F(SharedStateTest, RevokedCountGrowsOnlyWithNewTokens) {
  auto started = SharedState::start(*store_, system_random());
  ASSERT_TRUE(IsOk(started));
  SharedState& shared = **started;
  EXPECT_EQ(shared.revoked_count(), 0u);
  EXPECT_TRUE(shared.revoke(token(1), 1, "").value());
  EXPECT_FALSE(shared.revoke(token(1), 2, "").value());
  EXPECT_TRUE(shared.revoke(token(2), 3, "").value());
  EXPECT_EQ(shared.revoked_count(), 2u);
  ASSERT_TRUE(IsOk(shared.refresh()));
  EXPECT_EQ(shared.revoked_count(), 2u);
}

}  // namespace
}  // namespace l402
