// The PostgreSQL store against a real server: the conformance suite shared with SQLite, then
// what only PostgreSQL has (migrations racing, timeouts, the pool, binary data).
//
// Needs the throw-away cluster of the CTest fixture postgres_cluster; fails without it.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "l402/store.hpp"
#include "postgres_test_support.hpp"
#include "result_matchers.hpp"
#include "store_conformance.hpp"

namespace l402::test {

// Each open_fresh() drops the database of the test before (whose stores are closed by then)
// and creates a new one.
struct PostgresFactory {
  static std::unique_ptr<Store> open_fresh() {
    current().reset();
    current() = pg::fresh_shared_database();
    if (current() == nullptr) return nullptr;
    return pg::open_store(current()->dsn());
  }
  static std::unique_ptr<Store> reopen_same() {
    if (current() == nullptr) return nullptr;
    return pg::open_store(current()->dsn());
  }

 private:
  // Never destroyed: the last database is dropped with the leftovers when the program ends.
  static std::unique_ptr<pg::TestDatabase>& current() {
    static auto* database = new std::unique_ptr<pg::TestDatabase>();
    return *database;
  }
};

using PostgresBackends = ::testing::Types<PostgresFactory>;
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, StoreConformance, PostgresBackends);

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A fresh database, or the test fails.
class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    const std::optional<std::string> port = pg::shared_port(why);
    ASSERT_TRUE(port.has_value()) << why;
    port_ = *port;
    database_ = std::make_unique<pg::TestDatabase>(port_);
    ASSERT_TRUE(database_->ok()) << "CREATE DATABASE failed: " << database_->error();
    dsn_ = database_->dsn();
  }
  void TearDown() override { database_.reset(); }

  // Runs SQL directly (outside the store); the test fails when it does.
  std::string sql(const std::string& statement) {
    std::string why;
    const std::optional<std::string> value = pg::run_sql(dsn_, statement, why);
    EXPECT_TRUE(value.has_value()) << statement << ": " << why;
    return value.value_or("");
  }

  std::unique_ptr<pg::TestDatabase> database_;
  std::string port_;
  std::string dsn_;
};

TEST_F(PostgresStoreTest, CreatesTheSchemaAndRecordsItsVersion) {
  auto store = pg::open_store(dsn_);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(sql("SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_version"),
            "1,2");
  EXPECT_EQ(sql("SELECT count(*) FROM pg_indexes WHERE indexname = 'master_keys_one_active'"), "1");
  EXPECT_EQ(sql("SELECT count(*) FROM pg_indexes WHERE indexname = 'challenges_by_payment_hash'"),
            "1");
  // Opening again applies nothing twice.
  auto again = pg::open_store(dsn_);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(sql("SELECT count(*) FROM schema_version"), "2");
}

TEST_F(PostgresStoreTest, InstancesStartingAtOnceMigrateExactlyOnce) {
  constexpr int kInstances = 6;
  std::atomic<bool> go{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kInstances; ++i) {
    threads.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      PostgresOptions options;
      options.dsn = dsn_;
      auto store = open_postgres_store(options);
      if (!store.ok()) {
        ADD_FAILURE() << describe(store.error());
        ++failures;
        return;
      }
      if (!(*store)->ensure_active_key(system_random()).ok()) ++failures;
    });
  }
  go = true;
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(sql("SELECT count(*) FROM schema_version"), "2");
  EXPECT_EQ(sql("SELECT count(*) FROM master_keys"), "1");
}

TEST_F(PostgresStoreTest, RefusesASchemaFromANewerVersion) {
  ASSERT_NE(pg::open_store(dsn_), nullptr);
  sql("INSERT INTO schema_version (version) VALUES (99)");
  PostgresOptions options;
  options.dsn = dsn_;
  EXPECT_TRUE(HasErrorMentioning(open_postgres_store(options), ErrorCode::kFailedPrecondition,
                                 "schema version 99"));
}

TEST_F(PostgresStoreTest, UnreachableServerFailsFastWithUnavailable) {
  // A port with no server: the connection is refused at once.
  PostgresOptions refused;
  refused.dsn = "host=127.0.0.1 port=1 dbname=l402 user=postgres";
  auto start = Clock::now();
  EXPECT_TRUE(HasError(open_postgres_store(refused), ErrorCode::kUnavailable));
  EXPECT_LT(Clock::now() - start, milliseconds(1000));

  // An address that never answers (TEST-NET-1): the connect timeout, in milliseconds, ends it.
  PostgresOptions silent;
  silent.dsn = "host=192.0.2.1 port=5432 dbname=l402 user=postgres";
  silent.connect_timeout = milliseconds(300);
  start = Clock::now();
  EXPECT_TRUE(HasError(open_postgres_store(silent), ErrorCode::kUnavailable));
  EXPECT_LT(Clock::now() - start, milliseconds(1500));

  // A database that does not exist: the server refuses the connection.
  PostgresOptions missing;
  missing.dsn = pg::dsn_for(port_, "no_such_database");
  EXPECT_TRUE(HasErrorMentioning(open_postgres_store(missing), ErrorCode::kUnavailable,
                                 "no_such_database"));
}

TEST_F(PostgresStoreTest, RejectsBadOptions) {
  PostgresOptions options;
  options.dsn = dsn_;
  options.pool_size = 0;
  EXPECT_TRUE(HasError(open_postgres_store(options), ErrorCode::kInvalidArgument));
  options.pool_size = 1;
  options.statement_timeout = milliseconds(0);
  EXPECT_TRUE(HasError(open_postgres_store(options), ErrorCode::kInvalidArgument));
}

TEST_F(PostgresStoreTest, AStatementBlockedPastTheTimeoutFailsWithDeadlineExceeded) {
  PostgresOptions options;
  options.dsn = dsn_;
  options.pool_size = 1;
  options.statement_timeout = milliseconds(300);
  auto opened = open_postgres_store(options);
  ASSERT_TRUE(IsOk(opened));
  Store& store = **opened;
  const CounterKey key{"198.51.100.0/24", "svc", 60};
  ASSERT_TRUE(IsOk(store.add_to_counter(key, 1)));

  // Another session holds the counters table locked for a while.
  std::string why;
  std::thread locker([&] {
    pg::run_sql(dsn_, "BEGIN; LOCK TABLE counters IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(1.5);",
                why);
  });
  std::this_thread::sleep_for(milliseconds(300));
  const auto start = Clock::now();
  EXPECT_TRUE(HasError(store.add_to_counter(key, 1), ErrorCode::kDeadlineExceeded));
  EXPECT_LT(Clock::now() - start, milliseconds(1200));
  locker.join();

  // The same (single) pooled connection goes on working, and the cancelled increment is lost.
  const auto total = store.add_to_counter(key, 1);
  ASSERT_TRUE(IsOk(total));
  EXPECT_EQ(*total, 2u);
}

TEST_F(PostgresStoreTest, ThePoolNeverOpensMoreThanPoolSizeConnections) {
  auto store = pg::open_store(dsn_, /*pool_size=*/3);
  ASSERT_NE(store, nullptr);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (!store->add_to_counter(CounterKey{"a", "svc", i}, 1).ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  // Three pooled connections and the LISTEN connection; ours is the one counting.
  const std::string open =
      sql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> "
          "pg_backend_pid()");
  EXPECT_LE(std::stoi(open), 4) << open;
  EXPECT_EQ(sql("SELECT sum(count) FROM counters"), "400");
}

TEST_F(PostgresStoreTest, BinaryValuesAndTextRoundTripExactly) {
  auto store = pg::open_store(dsn_);
  ASSERT_NE(store, nullptr);
  TokenId zeros{};
  TokenId mixed{};
  for (std::size_t i = 0; i < mixed.size(); ++i) mixed[i] = static_cast<std::uint8_t>(i * 37);
  mixed[0] = 0;
  mixed[31] = 0xff;
  const std::string reason =
      "quote ' backslash \\ \\x00 dollar $1 ; DROP TABLE revocations; -- \xe2\x82\xac";
  ASSERT_TRUE(IsOk(store->revoke(zeros, -5, "")));
  ASSERT_TRUE(IsOk(store->revoke(mixed, INT64_MAX, reason)));
  const auto entries = store->load_revocations(0);
  ASSERT_TRUE(IsOk(entries));
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].token_id, zeros);
  EXPECT_EQ((*entries)[0].revoked_at, -5);
  EXPECT_EQ((*entries)[1].token_id, mixed);
  EXPECT_EQ((*entries)[1].revoked_at, INT64_MAX);
  EXPECT_EQ((*entries)[1].reason, reason);
  EXPECT_EQ(sql("SELECT count(*) FROM revocations"), "2");  // the table is still there

  // Text PostgreSQL cannot hold (NUL, invalid UTF-8) is refused, not truncated.
  EXPECT_TRUE(HasError(store->revoke(conformance::make_id(1, 1), 0, std::string("a\0b", 3)),
                       ErrorCode::kInvalidArgument));
  EXPECT_TRUE(HasError(store->add_to_counter(CounterKey{"\xff\xfe", "svc", 0}, 1),
                       ErrorCode::kInvalidArgument));
  // The store goes on working after refused statements.
  EXPECT_TRUE(IsOk(store->add_to_counter(CounterKey{"ok", "svc", 0}, 1)));
}

TEST_F(PostgresStoreTest, LoadRevocationsAfterTheLargestSequenceIsEmpty) {
  auto store = pg::open_store(dsn_);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(IsOk(store->revoke(conformance::make_id(2, 1), 1, "")));
  const auto none = store->load_revocations(UINT64_MAX);
  ASSERT_TRUE(IsOk(none));
  EXPECT_TRUE(none->empty());
}

TEST_F(PostgresStoreTest, ChangesAreNotifiedOnlyWhenSomethingChanged) {
  auto store = pg::open_store(dsn_);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(IsOk(store->revoke(conformance::make_id(3, 1), 1, "")));
  ASSERT_TRUE(IsOk(store->ensure_active_key(system_random())));
  conformance::drain_changes(*store);
  // Nothing new: a repeated revocation, an existing key, a state already set.
  ASSERT_TRUE(IsOk(store->revoke(conformance::make_id(3, 1), 2, "")));
  ASSERT_TRUE(IsOk(store->ensure_active_key(system_random())));
  const KeyId id = store->load_keys().value().at(0).id;
  ASSERT_TRUE(IsOk(store->set_key_state(id, KeyState::kActive)));
  const auto changed = store->wait_for_change(milliseconds(300));
  ASSERT_TRUE(IsOk(changed));
  EXPECT_FALSE(*changed);
}

TEST_F(PostgresStoreTest, ConcurrentRotationsLeaveExactlyOneActiveKey) {
  auto a = pg::open_store(dsn_);
  auto b = pg::open_store(dsn_);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Store& store = t % 2 == 0 ? *a : *b;
      for (int i = 0; i < 5; ++i) {
        if (!store.rotate_key(system_random()).ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  const auto keys = a->load_keys();
  ASSERT_TRUE(IsOk(keys));
  EXPECT_EQ(keys->size(), 20u);
  EXPECT_EQ(conformance::count_active(*keys), 1u);
}

}  // namespace
}  // namespace l402::test
