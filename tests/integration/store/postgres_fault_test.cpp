// PostgreSQL going away and coming back: calls fail fast with kUnavailable while the server
// is down, and the same Store objects (pool and LISTEN connection) recover once it is back.
//
// Each test runs a cluster of its own (pg_cluster.sh in a temporary directory), so stopping
// it does not disturb the shared fixture cluster; the cluster is stopped and removed however
// the test ends.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "l402/store.hpp"
#include "postgres_test_support.hpp"
#include "result_matchers.hpp"

namespace l402::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// What a client of a stopped server may take to fail: refused connections fail at once; the
// bound is generous for a loaded machine, and far below any timeout in the options.
constexpr milliseconds kFailFast{1000};

std::unique_ptr<Store> open_on(const pg::PrivateCluster& cluster) {
  PostgresOptions options;
  options.dsn = pg::dsn_for(cluster.port(), "l402");
  options.pool_size = 2;
  options.connect_timeout = milliseconds(1500);
  options.statement_timeout = milliseconds(3000);
  auto opened = open_postgres_store(options);
  if (!opened.ok()) {
    ADD_FAILURE() << describe(opened.error());
    return nullptr;
  }
  return std::move(opened).value();
}

TokenId make_id(std::uint8_t tag) {
  TokenId id{};
  id.fill(tag);
  return id;
}

IssuedChallenge make_challenge(std::uint8_t tag) {
  IssuedChallenge challenge;
  challenge.token_id = make_id(tag);
  challenge.payment_hash = make_id(tag);
  challenge.service = "svc";
  challenge.price = Msat(1000);
  challenge.issued_at = 1;
  challenge.invoice_expires_at = 2;
  return challenge;
}

// Consumes the changes already reported to `store` (bounded).
void drain_changes(Store& store) {
  for (int i = 0; i < 40; ++i) {
    const Result<bool> changed = store.wait_for_change(milliseconds(50));
    if (!changed.ok() || !changed.value()) return;
  }
}

// Polls `condition` every 10 ms for up to `limit`.
template <typename Condition>
bool eventually(Condition condition, milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return condition();
}

// Runs `call` and checks that it failed with kUnavailable within kFailFast.
template <typename Call>
void expect_fails_fast(const char* what, Call call) {
  const auto start = Clock::now();
  const auto result = call();
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  EXPECT_TRUE(HasError(result, ErrorCode::kUnavailable)) << what;
  EXPECT_LT(took, kFailFast) << what << " took " << took.count() << " ms";
}

TEST(PostgresFaults, StoppedServerFailsFastAndTheSameStoreRecovers) {
  pg::PrivateCluster cluster;
  ASSERT_TRUE(cluster.start()) << "could not start a private cluster in " << cluster.dir();
  std::unique_ptr<Store> a = open_on(cluster);
  std::unique_ptr<Store> b = open_on(cluster);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  auto shared = SharedState::start(*a, system_random(), std::chrono::seconds(30));
  ASSERT_TRUE(IsOk(shared));
  const CounterKey key{"203.0.113.0/24", "svc", 0};
  ASSERT_TRUE(IsOk(a->add_to_counter(key, 1)));
  ASSERT_TRUE(IsOk(b->add_to_counter(key, 1)));

  drain_changes(*b);  // the first key's creation

  ASSERT_TRUE(cluster.halt());
  expect_fails_fast("add_to_counter", [&] { return a->add_to_counter(key, 1); });
  expect_fails_fast("revoke", [&] { return b->revoke(make_id(1), 1, ""); });
  expect_fails_fast("load_keys", [&] { return a->load_keys(); });
  expect_fails_fast("record_challenge", [&] { return b->record_challenge(make_challenge(1)); });
  expect_fails_fast("summary", [&] { return a->summary(); });
  expect_fails_fast("rotate_key", [&] { return a->rotate_key(system_random()); });
  // Waiting for changes does not hang either: it reports the outage at its timeout.
  {
    const auto start = Clock::now();
    const auto waited = b->wait_for_change(milliseconds(300));
    EXPECT_LT(Clock::now() - start, milliseconds(300) + kFailFast);
    if (waited.ok()) {
      EXPECT_FALSE(*waited);  // the connection could not be re-opened, so nothing changed
    } else {
      EXPECT_EQ(waited.error().code(), ErrorCode::kUnavailable) << describe(waited.error());
    }
  }
  // The in-memory state goes on answering.
  EXPECT_NE((*shared)->current()->active(), nullptr);

  ASSERT_TRUE(cluster.restart());
  // The same objects work again at once: the pool opens new connections.
  const auto total = a->add_to_counter(key, 1);
  ASSERT_TRUE(IsOk(total));
  EXPECT_EQ(*total, 3u);  // the increment that failed was not counted
  EXPECT_TRUE(IsOk(b->add_to_counter(key, 1)));
  EXPECT_TRUE(IsOk(a->load_keys()));

  // The LISTEN connection is re-established: a revocation through B reaches A's cache.
  const TokenId token = make_id(2);
  ASSERT_TRUE(IsOk(b->revoke(token, 10, "after restart")));
  EXPECT_TRUE(eventually([&] { return (*shared)->is_revoked(token); }, milliseconds(3000)))
      << "A's SharedState did not see B's revocation after a restart";

  // And a direct waiter on B hears A's changes again.
  drain_changes(*b);
  std::thread rotate([&] {
    std::this_thread::sleep_for(milliseconds(100));
    EXPECT_TRUE(IsOk(a->rotate_key(system_random())));
  });
  const auto changed = b->wait_for_change(milliseconds(3000));
  rotate.join();
  ASSERT_TRUE(IsOk(changed));
  EXPECT_TRUE(*changed);
}

TEST(PostgresFaults, ServerDownAtStartFailsFastAndLaterStartsWork) {
  pg::PrivateCluster cluster;
  ASSERT_TRUE(cluster.start()) << "could not start a private cluster in " << cluster.dir();
  ASSERT_TRUE(cluster.halt());
  PostgresOptions options;
  options.dsn = pg::dsn_for(cluster.port(), "l402");
  const auto start = Clock::now();
  EXPECT_TRUE(HasError(open_postgres_store(options), ErrorCode::kUnavailable));
  EXPECT_LT(Clock::now() - start, kFailFast);

  ASSERT_TRUE(cluster.restart());
  auto opened = open_postgres_store(options);
  ASSERT_TRUE(IsOk(opened));
  EXPECT_TRUE(IsOk((*opened)->ensure_active_key(system_random())));
}

}  // namespace
}  // namespace l402::test
