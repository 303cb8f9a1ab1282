// The PostgreSQL Store: the schema of schema.hpp over a pool of libpq connections, with
// LISTEN/NOTIFY carrying key and revocation changes between instances.
//
// Concurrency between instances rests on the database: key changes lock master_keys against
// other writers for their transaction (the partial unique index master_keys_one_active backs
// the one-active-key rule in any case); revocations take an advisory lock so that sequence
// order is commit order; counters and paid requests are single-statement upserts. A key or
// revocation change sends NOTIFY in its own transaction, so listeners hear of it only once it
// is committed.
#include <algorithm>
#include <array>
#include <cstdint>
#include <ctime>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "l402/encoding.hpp"
#include "l402/secret.hpp"
#include "l402/store.hpp"
#include "store/postgres_connection.hpp"
#include "store/postgres_listener.hpp"
#include "store/postgres_pool.hpp"
#include "store/schema.hpp"

namespace l402 {
namespace {

namespace pg = postgres;
namespace schema = store_schema;
using pg::Connection;
using pg::Params;
using pg::Rows;

constexpr std::uint64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
// Attempts at drawing an unused, nonzero key ID (a healthy source needs one).
constexpr int kKeyIdAttempts = 64;

// Tells every listener (every instance) that keys or revocations changed, at commit.
constexpr std::string_view kNotify = "SELECT pg_notify('l402_changes', '')";
static_assert(kNotify.find(pg::kChannel) != std::string_view::npos);
// Key changes exclude each other (and nothing else: readers go on).
constexpr std::string_view kLockKeys = "LOCK TABLE master_keys IN SHARE ROW EXCLUSIVE MODE";

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

Error internal(std::string message) { return Error(ErrorCode::kInternal, std::move(message)); }

Result<Hash256> hash_from_sql(std::string_view bytes, std::string_view column) {
  Hash256 out{};
  if (bytes.size() != out.size()) {
    return internal("postgres: " + std::string(column) + " holds " + std::to_string(bytes.size()) +
                    " bytes instead of 32");
  }
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

Result<std::uint64_t> count_from_sql(const Rows& rows, int row, int column) {
  L402_ASSIGN_OR_RETURN(const std::int64_t value, rows.int64(row, column));
  if (value < 0) return internal("postgres: a count is negative (" + std::to_string(value) + ")");
  return static_cast<std::uint64_t>(value);
}

// A SUM(...)::text column: a non-negative decimal that may exceed 64 bits.
Result<std::uint64_t> sum_from_sql(const Rows& rows, int row, int column) {
  const std::string_view text = rows.bytes(row, column);
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9')
      return internal("postgres: unexpected sum \"" + std::string(text) + "\"");
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) {
      return Error(ErrorCode::kLimitExceeded,
                   "postgres: the ledger sum " + std::string(text) + " exceeds 64 bits");
    }
    value = value * 10 + digit;
  }
  return value;
}

// A key ID as people see it: 8 lower-case hex digits.
std::string key_id_hex(KeyId id) {
  const std::array<char, 4> bytes{static_cast<char>(id >> 24), static_cast<char>(id >> 16),
                                  static_cast<char>(id >> 8), static_cast<char>(id)};
  return hex::encode({bytes.data(), bytes.size()});
}

std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

// A new master key with a random nonzero ID (uniqueness is the database's to check).
Result<MasterKey> draw_key(RandomSource& random) {
  std::array<std::uint8_t, kMasterKeySize> bytes{};
  L402_RETURN_IF_ERROR(random.fill(bytes));
  MasterKey key{0, KeyState::kActive,
                SecretBytes({reinterpret_cast<const char*>(bytes.data()), bytes.size()})};
  secure_wipe(bytes.data(), bytes.size());
  for (int attempt = 0; attempt < kKeyIdAttempts && key.id == 0; ++attempt) {
    std::array<std::uint8_t, kKeyIdSize> id{};
    L402_RETURN_IF_ERROR(random.fill(id));
    key.id = (KeyId{id[0]} << 24) | (KeyId{id[1]} << 16) | (KeyId{id[2]} << 8) | KeyId{id[3]};
  }
  if (key.id == 0) return internal("the random source gives only zero key IDs");
  return key;
}

// Inserts `key` as active unless its ID is taken (or, outside a key lock, another key became
// active meanwhile). Returns whether it was inserted.
Result<bool> insert_active_key(Connection& conn, const MasterKey& key) {
  Params params;
  params.int64(key.id).bytes(key.key.view()).int64(unix_now());
  L402_ASSIGN_OR_RETURN(const Rows rows,
                        conn.exec("INSERT INTO master_keys (key_id, secret, state, created_at) "
                                  "VALUES ($1, $2, 'active', $3) ON CONFLICT DO NOTHING "
                                  "RETURNING key_id",
                                  params));
  return rows.count() == 1;
}

Result<bool> has_active_key(Connection& conn) {
  L402_ASSIGN_OR_RETURN(const Rows rows,
                        conn.exec("SELECT 1 FROM master_keys WHERE state = 'active'"));
  return rows.count() > 0;
}

// Inserts a fresh active key, drawing another ID while the drawn one is taken. Requires: the
// key lock is held and no key is active.
Result<KeyId> add_active_key(Connection& conn, RandomSource& random) {
  for (int attempt = 0; attempt < kKeyIdAttempts; ++attempt) {
    L402_ASSIGN_OR_RETURN(const MasterKey key, draw_key(random));
    L402_ASSIGN_OR_RETURN(const bool inserted, insert_active_key(conn, key));
    if (inserted) return key.id;
  }
  return internal("the random source gave no unused key ID in " + std::to_string(kKeyIdAttempts) +
                  " attempts");
}

// Brings the schema to kSchemaVersion (see schema.hpp for the procedure).
Result<void> migrate(Connection& conn) {
  L402_RETURN_IF_ERROR(conn.exec_script("BEGIN"));
  Result<void> migrated = [&]() -> Result<void> {
    Params lock;
    lock.int64(schema::kMigrationLockKey);
    L402_RETURN_IF_ERROR(conn.exec("SELECT pg_advisory_xact_lock($1)", lock));
    L402_RETURN_IF_ERROR(conn.exec_script(schema::kCreateVersionTablePostgres));
    L402_ASSIGN_OR_RETURN(const Rows rows, conn.exec(schema::kSelectVersion));
    L402_ASSIGN_OR_RETURN(const std::int64_t current, rows.int64(0, 0));
    if (current > schema::kSchemaVersion) {
      return Error(ErrorCode::kFailedPrecondition, "schema version " + std::to_string(current) +
                                                       " is newer than this build supports (" +
                                                       std::to_string(schema::kSchemaVersion) +
                                                       ")");
    }
    for (const schema::Migration& migration : schema::kMigrations) {
      if (migration.version <= current) continue;
      const Result<void> applied =
          conn.exec_script(schema::script_for(migration, schema::Dialect::kPostgres));
      if (!applied.ok()) {
        return applied.error().with_context("migration " + std::to_string(migration.version) +
                                            " (" + std::string(migration.description) + ")");
      }
      Params version;
      version.int64(migration.version);
      L402_RETURN_IF_ERROR(conn.exec("INSERT INTO schema_version (version) VALUES ($1)", version));
    }
    return conn.exec_script("COMMIT");
  }();
  if (!migrated.ok()) conn.rollback_quietly();
  return migrated;
}

class PostgresStore final : public Store {
 public:
  PostgresStore(pg::ConnectOptions options, std::size_t pool_size,
                std::unique_ptr<pg::Listener> listener)
      : pool_(std::move(options), pool_size), listener_(std::move(listener)) {}

  Result<std::vector<MasterKey>> load_keys() override;
  Result<void> ensure_active_key(RandomSource& random) override;
  Result<KeyId> rotate_key(RandomSource& random) override;
  Result<void> set_key_state(KeyId id, KeyState state) override;
  Result<bool> revoke(const TokenId& token_id, std::int64_t at, std::string_view reason) override;
  Result<std::vector<RevocationEntry>> load_revocations(std::uint64_t after) override;
  Result<void> record_challenge(const IssuedChallenge& challenge) override;
  Result<void> record_challenges(std::span<const IssuedChallenge> challenges) override;
  Result<void> record_paid_requests(std::span<const PaidRequest> requests) override;
  Result<std::optional<PaidToken>> find_paid_token(const TokenId& token_id) override;
  Result<void> record_settlement(const Settlement& settlement) override;
  Result<void> record_settlements(std::string_view node, std::span<const Settlement> settlements,
                                  std::uint64_t through_settle_index) override;
  Result<std::uint64_t> settlements_through(std::string_view node) override;
  Result<std::uint64_t> prune_challenges(std::int64_t now, std::uint64_t max_rows) override;
  Result<LedgerSummary> summary() override;
  Result<std::vector<PaidToken>> list_paid_tokens(std::string_view service,
                                                  std::size_t limit) override;
  Result<std::vector<ServiceStats>> service_stats() override;
  Result<std::uint64_t> add_to_counter(const CounterKey& key, std::uint64_t amount) override;
  Result<std::uint64_t> prune_counters(std::int64_t before) override;
  Result<bool> wait_for_change(std::chrono::milliseconds timeout) override {
    return listener_->wait(timeout);
  }
  void interrupt() override { listener_->interrupt(); }

 private:
  // One statement on a pooled connection.
  Result<Rows> exec(std::string_view sql, const Params& params = {}) {
    L402_ASSIGN_OR_RETURN(pg::Pool::Lease lease, pool_.borrow());
    return lease->exec(sql, params);
  }

  // Runs `body(Connection&)` (returning Result<T>) between BEGIN and COMMIT; rolls back when
  // it fails.
  template <typename T, typename Body>
  Result<T> in_transaction(Body&& body) {
    L402_ASSIGN_OR_RETURN(pg::Pool::Lease lease, pool_.borrow());
    L402_RETURN_IF_ERROR(lease->exec_script("BEGIN"));
    Result<T> result = body(*lease);
    if (!result.ok()) {
      lease->rollback_quietly();
      return result;
    }
    const Result<void> committed = lease->exec_script("COMMIT");
    if (!committed.ok()) {
      lease->rollback_quietly();
      return committed.error();
    }
    return result;
  }

  pg::Pool pool_;
  const std::unique_ptr<pg::Listener> listener_;
};

// ---- Keyring --------------------------------------------------------------------------------

Result<std::vector<MasterKey>> PostgresStore::load_keys() {
  L402_ASSIGN_OR_RETURN(Rows rows,
                        exec("SELECT key_id, secret, state FROM master_keys ORDER BY key_id"));
  std::vector<MasterKey> keys;
  keys.reserve(static_cast<std::size_t>(rows.count()));
  for (int row = 0; row < rows.count(); ++row) {
    L402_ASSIGN_OR_RETURN(const std::int64_t id, rows.int64(row, 0));
    const std::optional<KeyState> state = schema::parse_key_state(rows.bytes(row, 2));
    if (id < 0 || id > std::int64_t{UINT32_MAX} || !state.has_value()) {
      return internal("postgres: master_keys row " + std::to_string(id) + " is malformed");
    }
    keys.push_back(MasterKey{static_cast<KeyId>(id), *state, SecretBytes(rows.bytes(row, 1))});
    rows.wipe(row, 1);
  }
  return keys;
}

Result<void> PostgresStore::ensure_active_key(RandomSource& random) {
  {  // The common case, without a lock: a key exists.
    L402_ASSIGN_OR_RETURN(pg::Pool::Lease lease, pool_.borrow());
    L402_ASSIGN_OR_RETURN(const bool exists, has_active_key(*lease));
    if (exists) return ok_result();
  }
  const Result<bool> created = in_transaction<bool>([&](Connection& conn) -> Result<bool> {
    L402_RETURN_IF_ERROR(conn.exec_script(kLockKeys));
    L402_ASSIGN_OR_RETURN(const bool exists, has_active_key(conn));
    if (exists) return false;  // another instance was first
    L402_RETURN_IF_ERROR(add_active_key(conn, random));
    L402_RETURN_IF_ERROR(conn.exec(kNotify));
    return true;
  });
  if (!created.ok()) return created.error().with_context("creating the first master key");
  return ok_result();
}

Result<KeyId> PostgresStore::rotate_key(RandomSource& random) {
  const Result<KeyId> rotated = in_transaction<KeyId>([&](Connection& conn) -> Result<KeyId> {
    L402_RETURN_IF_ERROR(conn.exec_script(kLockKeys));
    L402_RETURN_IF_ERROR(
        conn.exec("UPDATE master_keys SET state = 'verify-only' WHERE state = 'active'"));
    L402_ASSIGN_OR_RETURN(const KeyId id, add_active_key(conn, random));
    L402_RETURN_IF_ERROR(conn.exec(kNotify));
    return id;
  });
  if (!rotated.ok()) return rotated.error().with_context("rotating the master key");
  return rotated;
}

Result<void> PostgresStore::set_key_state(KeyId id, KeyState state) {
  const std::string id_hex = key_id_hex(id);
  const Result<bool> changed = in_transaction<bool>([&](Connection& conn) -> Result<bool> {
    L402_RETURN_IF_ERROR(conn.exec_script(kLockKeys));
    Params key;
    key.int64(id);
    L402_ASSIGN_OR_RETURN(const Rows current,
                          conn.exec("SELECT state FROM master_keys WHERE key_id = $1", key));
    if (current.count() == 0) {
      return Error(ErrorCode::kNotFound, "no master key " + id_hex);
    }
    const std::string_view wanted = key_state_name(state);
    if (current.bytes(0, 0) == wanted) return false;
    if (state == KeyState::kActive) {
      L402_ASSIGN_OR_RETURN(const bool exists, has_active_key(conn));
      if (exists) {
        return invalid("master key " + id_hex +
                       " cannot become active while another key is active");
      }
    }
    Params update;
    update.text(wanted).int64(id);
    L402_RETURN_IF_ERROR(conn.exec("UPDATE master_keys SET state = $1 WHERE key_id = $2", update));
    L402_RETURN_IF_ERROR(conn.exec(kNotify));
    return true;
  });
  if (!changed.ok()) return changed.error();
  return ok_result();
}

// ---- Revocations ----------------------------------------------------------------------------

Result<bool> PostgresStore::revoke(const TokenId& token_id, std::int64_t at,
                                   std::string_view reason) {
  return in_transaction<bool>([&](Connection& conn) -> Result<bool> {
    // Sequence numbers are drawn at INSERT: serialise revocations so that they commit in
    // sequence order and a reader of "sequence > N" never skips one (schema.hpp).
    Params lock;
    lock.int64(schema::kRevocationLockKey);
    L402_RETURN_IF_ERROR(conn.exec("SELECT pg_advisory_xact_lock($1)", lock));
    Params row;
    row.bytes(as_view(token_id)).int64(at).text(reason);
    L402_ASSIGN_OR_RETURN(const Rows inserted,
                          conn.exec("INSERT INTO revocations (token_id, revoked_at, reason) "
                                    "VALUES ($1, $2, $3) ON CONFLICT (token_id) DO NOTHING "
                                    "RETURNING sequence",
                                    row));
    if (inserted.count() == 0) return false;
    L402_RETURN_IF_ERROR(conn.exec(kNotify));
    return true;
  });
}

Result<std::vector<RevocationEntry>> PostgresStore::load_revocations(std::uint64_t after) {
  std::vector<RevocationEntry> entries;
  if (after >= kInt64Max) return entries;  // no sequence is larger
  Params params;
  params.int64(static_cast<std::int64_t>(after));
  L402_ASSIGN_OR_RETURN(const Rows rows,
                        exec("SELECT sequence, token_id, revoked_at, reason FROM revocations "
                             "WHERE sequence > $1 ORDER BY sequence",
                             params));
  entries.reserve(static_cast<std::size_t>(rows.count()));
  for (int row = 0; row < rows.count(); ++row) {
    RevocationEntry entry;
    L402_ASSIGN_OR_RETURN(entry.sequence, count_from_sql(rows, row, 0));
    L402_ASSIGN_OR_RETURN(entry.token_id,
                          hash_from_sql(rows.bytes(row, 1), "revocations.token_id"));
    L402_ASSIGN_OR_RETURN(entry.revoked_at, rows.int64(row, 2));
    entry.reason = std::string(rows.bytes(row, 3));
    entries.push_back(std::move(entry));
  }
  return entries;
}

// ---- Ledger ---------------------------------------------------------------------------------

Result<void> PostgresStore::record_challenge(const IssuedChallenge& challenge) {
  L402_ASSIGN_OR_RETURN(const std::int64_t price,
                        schema::stored_amount(challenge.price, "record_challenge"));
  Params params;
  params.bytes(as_view(challenge.token_id))
      .bytes(as_view(challenge.payment_hash))
      .text(challenge.service)
      .int64(price)
      .int64(challenge.issued_at)
      .int64(challenge.invoice_expires_at);
  const Result<Rows> inserted = exec(
      "INSERT INTO challenges (token_id, payment_hash, service, price_msat, issued_at, "
      "invoice_expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
      params);
  if (!inserted.ok()) {
    if (inserted.error().code() == ErrorCode::kAlreadyExists) {
      return Error(ErrorCode::kAlreadyExists, "a challenge for token ID " +
                                                  hex::encode(as_view(challenge.token_id)) +
                                                  " was recorded before");
    }
    return inserted.error().with_context("recording a challenge");
  }
  return ok_result();
}

Result<void> PostgresStore::record_challenges(std::span<const IssuedChallenge> challenges) {
  std::vector<std::int64_t> prices;
  prices.reserve(challenges.size());
  for (const IssuedChallenge& challenge : challenges) {
    L402_ASSIGN_OR_RETURN(const std::int64_t price,
                          schema::stored_amount(challenge.price, "record_challenges"));
    prices.push_back(price);
  }
  if (challenges.empty()) return ok_result();
  return in_transaction<void>([&](Connection& conn) -> Result<void> {
    for (std::size_t i = 0; i < challenges.size(); ++i) {
      // Params point into what they were given, so each row gets its own.
      Params params;
      params.bytes(as_view(challenges[i].token_id))
          .bytes(as_view(challenges[i].payment_hash))
          .text(challenges[i].service)
          .int64(prices[i])
          .int64(challenges[i].issued_at)
          .int64(challenges[i].invoice_expires_at);
      L402_RETURN_IF_ERROR(
          conn.exec("INSERT INTO challenges (token_id, payment_hash, service, price_msat, "
                    "issued_at, invoice_expires_at) VALUES ($1, $2, $3, $4, $5, $6) "
                    "ON CONFLICT (token_id) DO NOTHING",
                    params));
    }
    return ok_result();
  });
}

Result<void> PostgresStore::record_paid_requests(std::span<const PaidRequest> requests) {
  std::vector<std::int64_t> revenues;
  std::vector<std::int64_t> counts;
  revenues.reserve(requests.size());
  counts.reserve(requests.size());
  for (const PaidRequest& request : requests) {
    L402_ASSIGN_OR_RETURN(const std::int64_t revenue,
                          schema::stored_amount(request.price, "record_paid_requests"));
    revenues.push_back(revenue);
    L402_ASSIGN_OR_RETURN(const std::int64_t count,
                          schema::stored_count(request.count, "record_paid_requests"));
    counts.push_back(count);
  }
  if (requests.empty()) return ok_result();
  return in_transaction<void>([&](Connection& conn) -> Result<void> {
    for (std::size_t i = 0; i < requests.size(); ++i) {
      // Params point into what they were given, so each row gets its own.
      Params params;
      params.bytes(as_view(requests[i].token_id))
          .bytes(as_view(requests[i].payment_hash))
          .text(requests[i].service)
          .int64(requests[i].at)
          .int64(revenues[i])
          .int64(requests[i].first_at != 0 ? requests[i].first_at : requests[i].at)
          .int64(counts[i]);
      L402_RETURN_IF_ERROR(conn.exec(
          "INSERT INTO paid_tokens (token_id, payment_hash, service, first_used_at, "
          "last_used_at, request_count, revenue_msat) VALUES ($1, $2, $3, $6, $4, $7, $5) "
          "ON CONFLICT (token_id) DO UPDATE SET "
          "last_used_at = GREATEST(paid_tokens.last_used_at, EXCLUDED.last_used_at), "
          "request_count = paid_tokens.request_count + EXCLUDED.request_count",
          params));
    }
    return ok_result();
  });
}

Result<std::optional<PaidToken>> PostgresStore::find_paid_token(const TokenId& token_id) {
  Params params;
  params.bytes(as_view(token_id));
  L402_ASSIGN_OR_RETURN(const Rows rows,
                        exec("SELECT payment_hash, service, first_used_at, last_used_at, "
                             "request_count, revenue_msat FROM paid_tokens WHERE token_id = $1",
                             params));
  if (rows.count() == 0) return std::optional<PaidToken>();
  PaidToken paid;
  paid.token_id = token_id;
  L402_ASSIGN_OR_RETURN(paid.payment_hash,
                        hash_from_sql(rows.bytes(0, 0), "paid_tokens.payment_hash"));
  paid.service = std::string(rows.bytes(0, 1));
  L402_ASSIGN_OR_RETURN(paid.first_used_at, rows.int64(0, 2));
  L402_ASSIGN_OR_RETURN(paid.last_used_at, rows.int64(0, 3));
  L402_ASSIGN_OR_RETURN(paid.request_count, count_from_sql(rows, 0, 4));
  L402_ASSIGN_OR_RETURN(const std::uint64_t revenue, count_from_sql(rows, 0, 5));
  paid.revenue = Msat(revenue);
  return std::optional<PaidToken>(std::move(paid));
}

Result<void> PostgresStore::record_settlement(const Settlement& settlement) {
  L402_ASSIGN_OR_RETURN(const std::int64_t amount,
                        schema::stored_amount(settlement.amount, "record_settlement"));
  Params params;
  params.bytes(as_view(settlement.payment_hash)).int64(amount).int64(settlement.settled_at);
  L402_RETURN_IF_ERROR(
      exec("INSERT INTO settlements (payment_hash, amount_msat, settled_at) "
           "VALUES ($1, $2, $3) ON CONFLICT (payment_hash) DO NOTHING",
           params));
  return ok_result();
}

Result<void> PostgresStore::record_settlements(std::string_view node,
                                               std::span<const Settlement> settlements,
                                               std::uint64_t through_settle_index) {
  std::vector<std::int64_t> amounts;
  amounts.reserve(settlements.size());
  for (const Settlement& settlement : settlements) {
    L402_ASSIGN_OR_RETURN(const std::int64_t amount,
                          schema::stored_amount(settlement.amount, "record_settlements"));
    amounts.push_back(amount);
  }
  L402_ASSIGN_OR_RETURN(const std::int64_t through,
                        schema::stored_settle_index(through_settle_index, "record_settlements"));
  return in_transaction<void>([&](Connection& conn) -> Result<void> {
    for (std::size_t i = 0; i < settlements.size(); ++i) {
      Params params;
      params.bytes(as_view(settlements[i].payment_hash))
          .int64(amounts[i])
          .int64(settlements[i].settled_at);
      L402_RETURN_IF_ERROR(
          conn.exec("INSERT INTO settlements (payment_hash, amount_msat, settled_at) "
                    "SELECT $1, $2, $3 WHERE EXISTS "
                    "(SELECT 1 FROM challenges WHERE payment_hash = $1) "
                    "ON CONFLICT (payment_hash) DO NOTHING",
                    params));
    }
    Params cursor;
    cursor.text(node).int64(through);
    L402_RETURN_IF_ERROR(
        conn.exec("INSERT INTO settlement_cursors (node, settle_index) VALUES ($1, $2) "
                  "ON CONFLICT (node) DO UPDATE SET "
                  "settle_index = GREATEST(settlement_cursors.settle_index, EXCLUDED.settle_index)",
                  cursor));
    return ok_result();
  });
}

Result<std::uint64_t> PostgresStore::settlements_through(std::string_view node) {
  Params params;
  params.text(node);
  L402_ASSIGN_OR_RETURN(
      const Rows rows, exec("SELECT settle_index FROM settlement_cursors WHERE node = $1", params));
  if (rows.count() == 0) return std::uint64_t{0};
  return count_from_sql(rows, 0, 0);
}

Result<std::uint64_t> PostgresStore::prune_challenges(std::int64_t now, std::uint64_t max_rows) {
  return in_transaction<std::uint64_t>([&](Connection& conn) -> Result<std::uint64_t> {
    Params expired;
    expired.int64(now);
    L402_ASSIGN_OR_RETURN(
        const Rows unpaid,
        conn.exec("DELETE FROM challenges c WHERE c.invoice_expires_at < $1 AND NOT EXISTS "
                  "(SELECT 1 FROM paid_tokens p WHERE p.token_id = c.token_id)",
                  expired));
    Params keep;
    keep.int64(static_cast<std::int64_t>(std::min(max_rows, kInt64Max)));
    L402_ASSIGN_OR_RETURN(
        const Rows oldest,
        conn.exec("DELETE FROM challenges WHERE token_id IN (SELECT token_id FROM challenges "
                  "ORDER BY issued_at DESC, token_id DESC OFFSET $1)",
                  keep));
    return unpaid.affected() + oldest.affected();
  });
}

Result<LedgerSummary> PostgresStore::summary() {
  // One statement: one snapshot.
  L402_ASSIGN_OR_RETURN(const Rows rows,
                        exec("SELECT (SELECT count(*) FROM challenges), "
                             "(SELECT count(*) FROM paid_tokens), "
                             "(SELECT COALESCE(SUM(request_count), 0) FROM paid_tokens)::text, "
                             "(SELECT COALESCE(SUM(revenue_msat), 0) FROM paid_tokens)::text, "
                             "(SELECT count(*) FROM settlements), "
                             "(SELECT COALESCE(SUM(amount_msat), 0) FROM settlements)::text"));
  LedgerSummary summary;
  L402_ASSIGN_OR_RETURN(summary.challenges, count_from_sql(rows, 0, 0));
  L402_ASSIGN_OR_RETURN(summary.paid_tokens, count_from_sql(rows, 0, 1));
  L402_ASSIGN_OR_RETURN(summary.paid_requests, sum_from_sql(rows, 0, 2));
  L402_ASSIGN_OR_RETURN(const std::uint64_t revenue, sum_from_sql(rows, 0, 3));
  summary.revenue = Msat(revenue);
  L402_ASSIGN_OR_RETURN(summary.settlements, count_from_sql(rows, 0, 4));
  L402_ASSIGN_OR_RETURN(const std::uint64_t settled, sum_from_sql(rows, 0, 5));
  summary.settled = Msat(settled);
  return summary;
}

Result<std::vector<PaidToken>> PostgresStore::list_paid_tokens(std::string_view service,
                                                               std::size_t limit) {
  // No index on last_used_at on purpose: every paid request moves it, and the admin listing is
  // rare; one scan with a bounded top-N sort is cheap enough for it.
  Params params;
  params.text(service).int64(static_cast<std::int64_t>(std::min<std::uint64_t>(limit, kInt64Max)));
  L402_ASSIGN_OR_RETURN(
      const Rows rows,
      exec("SELECT token_id, payment_hash, service, first_used_at, last_used_at, request_count, "
           "revenue_msat FROM paid_tokens WHERE $1 = '' OR service = $1 "
           "ORDER BY last_used_at DESC, token_id LIMIT $2",
           params));
  std::vector<PaidToken> tokens;
  tokens.reserve(static_cast<std::size_t>(rows.count()));
  for (int row = 0; row < rows.count(); ++row) {
    PaidToken paid;
    L402_ASSIGN_OR_RETURN(paid.token_id, hash_from_sql(rows.bytes(row, 0), "paid_tokens.token_id"));
    L402_ASSIGN_OR_RETURN(paid.payment_hash,
                          hash_from_sql(rows.bytes(row, 1), "paid_tokens.payment_hash"));
    paid.service = std::string(rows.bytes(row, 2));
    L402_ASSIGN_OR_RETURN(paid.first_used_at, rows.int64(row, 3));
    L402_ASSIGN_OR_RETURN(paid.last_used_at, rows.int64(row, 4));
    L402_ASSIGN_OR_RETURN(paid.request_count, count_from_sql(rows, row, 5));
    L402_ASSIGN_OR_RETURN(const std::uint64_t revenue, count_from_sql(rows, row, 6));
    paid.revenue = Msat(revenue);
    tokens.push_back(std::move(paid));
  }
  return tokens;
}

Result<std::vector<ServiceStats>> PostgresStore::service_stats() {
  // COLLATE "C": names in byte order, as SQLite orders them.
  L402_ASSIGN_OR_RETURN(
      const Rows rows,
      exec("SELECT service, SUM(challenges)::text, SUM(tokens)::text, SUM(requests)::text, "
           "SUM(revenue)::text FROM (SELECT service, count(*) AS challenges, 0 AS tokens, "
           "0 AS requests, 0 AS revenue FROM challenges GROUP BY service "
           "UNION ALL SELECT service, 0, count(*), SUM(request_count), SUM(revenue_msat) "
           "FROM paid_tokens GROUP BY service) AS per_table "
           "GROUP BY service ORDER BY service COLLATE \"C\""));
  std::vector<ServiceStats> stats;
  stats.reserve(static_cast<std::size_t>(rows.count()));
  for (int row = 0; row < rows.count(); ++row) {
    ServiceStats entry;
    entry.service = std::string(rows.bytes(row, 0));
    L402_ASSIGN_OR_RETURN(entry.challenges, sum_from_sql(rows, row, 1));
    L402_ASSIGN_OR_RETURN(entry.paid_tokens, sum_from_sql(rows, row, 2));
    L402_ASSIGN_OR_RETURN(entry.paid_requests, sum_from_sql(rows, row, 3));
    L402_ASSIGN_OR_RETURN(const std::uint64_t revenue, sum_from_sql(rows, row, 4));
    entry.revenue = Msat(revenue);
    stats.push_back(std::move(entry));
  }
  return stats;
}

// ---- Counters -------------------------------------------------------------------------------

Result<std::uint64_t> PostgresStore::add_to_counter(const CounterKey& key, std::uint64_t amount) {
  if (amount > kInt64Max) {
    return invalid("a counter increment of " + std::to_string(amount) + " is above " +
                   std::to_string(kInt64Max));
  }
  Params params;
  params.text(key.client_network)
      .text(key.service)
      .int64(key.window_start)
      .int64(static_cast<std::int64_t>(amount));
  L402_ASSIGN_OR_RETURN(
      const Rows rows,
      exec("INSERT INTO counters (client_network, service, window_start, count) "
           "VALUES ($1, $2, $3, $4) ON CONFLICT (client_network, service, window_start) "
           "DO UPDATE SET count = counters.count + EXCLUDED.count RETURNING count",
           params));
  return count_from_sql(rows, 0, 0);
}

Result<std::uint64_t> PostgresStore::prune_counters(std::int64_t before) {
  Params params;
  params.int64(before);
  L402_ASSIGN_OR_RETURN(const Rows rows,
                        exec("DELETE FROM counters WHERE window_start < $1", params));
  return rows.affected();
}

}  // namespace

Result<std::unique_ptr<Store>> open_postgres_store(const PostgresOptions& options) {
  if (options.pool_size == 0) return invalid("postgres: pool_size must be at least 1");
  if (options.connect_timeout.count() <= 0 || options.statement_timeout.count() <= 0) {
    return invalid("postgres: connect_timeout and statement_timeout must be positive");
  }
  pg::ConnectOptions connect{options.dsn, options.connect_timeout, options.statement_timeout};
  {
    L402_ASSIGN_OR_RETURN(const std::unique_ptr<Connection> conn, Connection::open(connect));
    L402_RETURN_IF_ERROR(migrate(*conn));
  }
  L402_ASSIGN_OR_RETURN(std::unique_ptr<pg::Listener> listener, pg::Listener::start(connect));
  return std::unique_ptr<Store>(
      new PostgresStore(std::move(connect), options.pool_size, std::move(listener)));
}

}  // namespace l402
