// The store's hot operations on both backends: the revocation check a verify makes (in
// memory, SharedState), a free-request counter increment, and ledger appends (a challenge
// recorded, a paid request counted). See docs/PERFORMANCE.md.
//
// SQLite runs in a temporary directory. PostgreSQL needs a server: pass its libpq connection
// string in L402_BENCH_POSTGRES_DSN (scripts/bench starts a throw-away cluster on loopback and
// sets it); without it the PostgreSQL rows are skipped with a message saying so.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "l402/crypto.hpp"
#include "l402/store.hpp"

namespace {

constexpr std::int64_t kNow = 1'800'000'000;

l402::TokenId random_token_id() {
  l402::TokenId id{};
  (void)l402::system_random().fill(id);
  return id;
}

// A temporary directory removed when the program ends.
class TempDir {
 public:
  TempDir() : path_((std::filesystem::temp_directory_path() / "l402_store_bench_XXXXXX").string()) {
    if (mkdtemp(path_.data()) == nullptr) std::abort();
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string temp_database_path() {
  static const TempDir dir;
  return dir.path() + "/bench.db";
}

struct OpenedStore {
  std::unique_ptr<l402::Store> store;
  std::string error;
};

OpenedStore open_backend(std::int64_t backend) {
  if (backend == 0) {
    auto store = l402::open_sqlite_store({.path = temp_database_path()});
    if (!store.ok()) return {nullptr, store.error().message()};
    return {std::move(store).value(), {}};
  }
  const char* dsn = std::getenv("L402_BENCH_POSTGRES_DSN");
  if (dsn == nullptr) {
    return {nullptr, "set L402_BENCH_POSTGRES_DSN (scripts/bench does) to measure PostgreSQL"};
  }
  auto store = l402::open_postgres_store({.dsn = dsn});
  if (!store.ok()) return {nullptr, store.error().message()};
  return {std::move(store).value(), {}};
}

// The store of the backend the benchmark's argument selects (0 SQLite, 1 PostgreSQL), opened
// once for the whole run and shared by every thread; nullptr (and the run marked skipped, with
// the reason) when it cannot be opened.
l402::Store* store_for(benchmark::State& state) {
  static const std::array<OpenedStore, 2> stores = {open_backend(0), open_backend(1)};
  const OpenedStore& opened = stores[static_cast<std::size_t>(state.range(0))];
  if (!opened.store) state.SkipWithError(opened.error.c_str());
  return opened.store.get();
}

void label(benchmark::State& state) { state.SetLabel(state.range(0) == 0 ? "sqlite" : "postgres"); }

// The deny-list lookup verify() makes, with 1,000 tokens revoked (each revocation is a durable
// commit, so more would only slow the setup; a hash set lookup hardly depends on the size).
void BM_IsRevoked(benchmark::State& state) {
  l402::Store* store = store_for(state);
  if (store == nullptr) return;
  label(state);
  auto shared = l402::SharedState::start(*store, l402::system_random());
  if (!shared.ok()) {
    state.SkipWithError(shared.error().message().c_str());
    return;
  }
  while ((*shared)->revoked_count() < 1'000) {
    if (!(*shared)->revoke(random_token_id(), kNow, "bench").ok()) {
      state.SkipWithError("revoke failed");
      return;
    }
  }
  const l402::TokenId probe = random_token_id();
  for (auto _ : state) {
    bool revoked = (*shared)->is_revoked(probe);
    benchmark::DoNotOptimize(revoked);
  }
}
BENCHMARK(BM_IsRevoked)->Arg(0)->Arg(1)->Iterations(2'000'000);

// One free-request counter increment (an UPSERT that returns the total), durable on return.
// Threads: several gateway workers at once.
void BM_CounterIncrement(benchmark::State& state) {
  l402::Store* store = store_for(state);
  if (store == nullptr) return;
  label(state);
  const l402::CounterKey key{"203.0.113.0/24", "bench", kNow};
  for (auto _ : state) {
    auto total = store->add_to_counter(key, 1);
    if (!total.ok()) state.SkipWithError(total.error().message().c_str());
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CounterIncrement)->Arg(0)->Arg(1)->Threads(1)->Threads(4)->UseRealTime();

// A challenge recorded in the ledger, durable on return.
void BM_RecordChallenge(benchmark::State& state) {
  l402::Store* store = store_for(state);
  if (store == nullptr) return;
  label(state);
  l402::IssuedChallenge challenge;
  challenge.service = "bench";
  challenge.price = l402::Msat(10'000);
  challenge.issued_at = kNow;
  challenge.invoice_expires_at = kNow + 3600;
  for (auto _ : state) {
    challenge.token_id = random_token_id();
    auto recorded = store->record_challenge(challenge);
    if (!recorded.ok()) state.SkipWithError(recorded.error().message().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RecordChallenge)->Arg(0)->Arg(1)->Threads(1)->Threads(4)->UseRealTime();

// A paid request counted against a token already seen (the common case after the first).
void BM_RecordPaidRequest(benchmark::State& state) {
  l402::Store* store = store_for(state);
  if (store == nullptr) return;
  label(state);
  const l402::TokenId token = random_token_id();
  const l402::Hash256 payment_hash = l402::sha256("bench");
  for (auto _ : state) {
    auto recorded =
        store->record_paid_request(token, payment_hash, "bench", l402::Msat(10'000), kNow);
    if (!recorded.ok()) state.SkipWithError(recorded.error().message().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RecordPaidRequest)->Arg(0)->Arg(1)->Threads(1)->Threads(4)->UseRealTime();

// The same, 100 requests a transaction (record_paid_requests): what batching buys.
void BM_RecordPaidRequestsBatch(benchmark::State& state) {
  l402::Store* store = store_for(state);
  if (store == nullptr) return;
  label(state);
  std::vector<l402::PaidRequest> batch(100);
  for (l402::PaidRequest& request : batch) {
    request = {random_token_id(), l402::sha256("bench"), "bench", l402::Msat(10'000), kNow};
  }
  for (auto _ : state) {
    auto recorded = store->record_paid_requests(batch);
    if (!recorded.ok()) state.SkipWithError(recorded.error().message().c_str());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch.size()));
}
BENCHMARK(BM_RecordPaidRequestsBatch)->Arg(0)->Arg(1)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
