// State that survives a restart and is shared between gateways: the keyring, revocations,
// the ledger (challenges, paid tokens, settlements) and free-request counters.
//
// One interface, two backends: SQLite (the embedded default, one file in the data directory)
// and PostgreSQL (several gateways). Both keep the same schema, applied by numbered
// migrations recorded in a `schema_version` table.
//
// Every Store call blocks (disk or network) and must not run on a gateway I/O thread: run it
// on a WorkerPool (worker_pool.hpp). The Authority never calls the Store: it reads
// SharedState, which keeps the keyring and deny-list in memory and refreshes them when any
// instance changes them (PostgreSQL LISTEN/NOTIFY; SQLite: the file's data version).
//
// Times are Unix seconds; amounts are millisatoshis (stored as signed 64-bit integers, so at
// most INT64_MAX msat). Errors: kUnavailable when the database cannot be reached (fail fast;
// retrying may help), kInvalidArgument for bad arguments, kFailedPrecondition for a database
// that cannot be used (corrupt, read-only, from a newer schema), kInternal otherwise.
//
// Thread safety: a Store is safe to call from several threads at once (it holds a pool of
// connections). SharedState is safe from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "l402/amount.hpp"
#include "l402/crypto.hpp"
#include "l402/keyring.hpp"
#include "l402/result.hpp"
#include "l402/token.hpp"

namespace l402 {

struct RevocationEntry {
  std::uint64_t sequence = 0;  // increases with every revocation, in commit order
  TokenId token_id{};
  std::int64_t revoked_at = 0;
  std::string reason;
};

struct IssuedChallenge {
  TokenId token_id{};
  Hash256 payment_hash{};
  std::string service;
  Msat price;
  std::int64_t issued_at = 0;
  std::int64_t invoice_expires_at = 0;
};

struct PaidToken {
  TokenId token_id{};
  Hash256 payment_hash{};
  std::string service;
  std::int64_t first_used_at = 0;
  std::int64_t last_used_at = 0;
  std::uint64_t request_count = 0;
  Msat revenue;  // the price, counted once, at first use
};

// Paid requests of one token, for record_paid_requests(): `count` of them, the first at
// `first_at` (0: at `at`) and the last at `at`. A gateway adds up a token's requests in memory
// and writes one row for all of them.
struct PaidRequest {
  TokenId token_id{};
  Hash256 payment_hash{};
  std::string service;
  Msat price;
  std::int64_t at = 0;
  std::uint64_t count = 1;
  std::int64_t first_at = 0;
};

struct Settlement {
  Hash256 payment_hash{};
  Msat amount;
  std::int64_t settled_at = 0;
};

// Per-service totals for the admin API (challenges still held, paid tokens, paid requests,
// revenue).
struct ServiceStats {
  std::string service;
  std::uint64_t challenges = 0;
  std::uint64_t paid_tokens = 0;
  std::uint64_t paid_requests = 0;
  Msat revenue;
};

struct LedgerSummary {
  std::uint64_t challenges = 0;  // rows currently held (pruning removes unpaid expired ones)
  std::uint64_t paid_tokens = 0;
  std::uint64_t paid_requests = 0;
  Msat revenue;
  std::uint64_t settlements = 0;
  Msat settled;
};

// A free-request counter: requests from `client_network` to `service` in the window that
// starts at `window_start`.
struct CounterKey {
  std::string client_network;  // e.g. "203.0.113.0/24"
  std::string service;
  std::int64_t window_start = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // ---- Keyring
  virtual Result<std::vector<MasterKey>> load_keys() = 0;
  // Creates an active key when there is none; does nothing otherwise. Safe when several
  // instances start at once: exactly one key results.
  virtual Result<void> ensure_active_key(RandomSource& random) = 0;
  // In one transaction: a new active key with a fresh random ID; the previous active key
  // becomes verify-only. Returns the new key's ID.
  virtual Result<KeyId> rotate_key(RandomSource& random) = 0;
  // kNotFound for an unknown ID; kInvalidArgument when this would make two keys active.
  virtual Result<void> set_key_state(KeyId id, KeyState state) = 0;

  // ---- Revocations
  // True when newly revoked, false when it was revoked already (the first entry stays).
  virtual Result<bool> revoke(const TokenId& token_id, std::int64_t at,
                              std::string_view reason) = 0;
  // Entries with a sequence above `after`, in sequence order.
  virtual Result<std::vector<RevocationEntry>> load_revocations(std::uint64_t after) = 0;

  // ---- Ledger
  // Durable when it returns. kAlreadyExists for a token ID recorded before.
  virtual Result<void> record_challenge(const IssuedChallenge& challenge) = 0;
  // Many challenges in one transaction: all are recorded or none. A token ID recorded before
  // (earlier, or earlier in the same batch) is skipped, not an error: a gateway batches its
  // challenges this way, as it does paid requests, since an unpaid challenge is only a ledger
  // statistic. An empty span does nothing.
  virtual Result<void> record_challenges(std::span<const IssuedChallenge> challenges) = 0;
  // Counts one paid request: creates the token's row on first use (revenue = `price`),
  // otherwise updates last use and the request count.
  Result<void> record_paid_request(const TokenId& token_id, const Hash256& payment_hash,
                                   std::string_view service, Msat price, std::int64_t at) {
    const PaidRequest request{token_id, payment_hash, std::string(service), price, at};
    return record_paid_requests(std::span<const PaidRequest>(&request, 1));
  }
  // The same for many requests in one transaction: all are counted or none. A gateway batches
  // the requests of the last moment this way, paying for one durable commit instead of one per
  // request (docs/PERFORMANCE.md).
  virtual Result<void> record_paid_requests(std::span<const PaidRequest> requests) = 0;
  virtual Result<std::optional<PaidToken>> find_paid_token(const TokenId& token_id) = 0;
  // Idempotent per payment hash.
  virtual Result<void> record_settlement(const Settlement& settlement) = 0;
  // Takes a Lightning node's settlements into the ledger, in one transaction: those of the
  // gateway's own invoices (a challenge in the ledger has the payment hash; the node's other
  // invoices are skipped), idempotent per payment hash, and moves `node`'s cursor forward to
  // `through_settle_index` (never back). `node` names the node (its public key in hex).
  virtual Result<void> record_settlements(std::string_view node,
                                          std::span<const Settlement> settlements,
                                          std::uint64_t through_settle_index) = 0;
  // The settle index `node`'s settlements were taken through (0 for a node never seen): a
  // subscription resumes after it.
  virtual Result<std::uint64_t> settlements_through(std::string_view node) = 0;
  // Deletes challenges whose invoice expired before `now` and whose token was never used,
  // then the oldest ones beyond `max_rows`. Returns how many rows went.
  virtual Result<std::uint64_t> prune_challenges(std::int64_t now, std::uint64_t max_rows) = 0;
  virtual Result<LedgerSummary> summary() = 0;
  // At most `limit` paid tokens, most recently used first (ties by token ID); only
  // `service`'s when it is not empty.
  virtual Result<std::vector<PaidToken>> list_paid_tokens(std::string_view service,
                                                          std::size_t limit) = 0;
  // One entry per service that has challenges or paid tokens, ordered by name (byte order).
  virtual Result<std::vector<ServiceStats>> service_stats() = 0;

  // ---- Counters
  // Adds `amount` and returns the new total, atomically across instances.
  virtual Result<std::uint64_t> add_to_counter(const CounterKey& key, std::uint64_t amount) = 0;
  // Deletes windows that start before `before`. Returns how many went.
  virtual Result<std::uint64_t> prune_counters(std::int64_t before) = 0;

  // ---- Changes
  // Blocks until a key or revocation may have changed (through this or another instance) or
  // `timeout` passes. Returns true for a change. Spurious wake-ups are allowed.
  virtual Result<bool> wait_for_change(std::chrono::milliseconds timeout) = 0;
  // Wakes every wait_for_change() of this object (for shutdown).
  virtual void interrupt() = 0;
};

struct SqliteOptions {
  std::string path;  // the database file; created when missing
  // How long a writer waits for another's lock before failing with kUnavailable.
  std::chrono::milliseconds busy_timeout{5000};
  // Connections kept open: one writer at a time, readers in parallel (WAL).
  std::size_t pool_size = 4;
};

// Opens (creating and migrating as needed) a SQLite database: WAL, synchronous=FULL (a
// commit is on disk when the call returns), foreign keys on. Errors: kFailedPrecondition for
// a file that is not a database, corrupt, read-only, or from a newer schema, naming the path.
Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options);

struct PostgresOptions {
  std::string dsn;  // libpq connection string, e.g. "host=127.0.0.1 port=5432 dbname=l402"
  std::size_t pool_size = 4;
  // Connecting, and each statement, give up after these (kUnavailable / kDeadlineExceeded).
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds statement_timeout{5000};
};

// Connects and migrates. Errors: kUnavailable when the server cannot be reached,
// kFailedPrecondition for a schema from a newer version.
Result<std::unique_ptr<Store>> open_postgres_store(const PostgresOptions& options);

// The keyring and deny-list the Authority reads, kept in memory and refreshed from a Store:
// at start, after every change this process makes through it, and when wait_for_change
// reports one (a background thread; at most `poll_interval` apart in any case).
class SharedState final : public Keyring, public RevocationList {
 public:
  // Loads keys (creating the first active key if there is none) and revocations, then starts
  // the refresh thread. `store` must outlive the SharedState.
  static Result<std::unique_ptr<SharedState>> start(
      Store& store, RandomSource& random,
      std::chrono::milliseconds poll_interval = std::chrono::milliseconds(1000));
  ~SharedState() override;  // stops the refresh thread

  std::shared_ptr<const KeySet> current() const override;
  bool is_revoked(const TokenId& token_id) const override;

  // Changes through the store, reflected here before returning.
  Result<bool> revoke(const TokenId& token_id, std::int64_t at, std::string_view reason);
  Result<KeyId> rotate_key();
  Result<void> set_key_state(KeyId id, KeyState state);
  // Reloads now (keys fully, revocations since the last sequence seen).
  Result<void> refresh();

  std::size_t revoked_count() const;

 private:
  struct Impl;
  explicit SharedState(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace l402
