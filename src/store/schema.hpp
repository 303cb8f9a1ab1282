// The store's schema, shared by the SQLite and PostgreSQL backends (private to src/store/).
//
// Both backends keep the same tables and column names; only column types differ (BLOB/BYTEA,
// AUTOINCREMENT/BIGSERIAL). The schema evolves through numbered migrations: kMigrations[i]
// takes the database from version i to version i + 1 (kMigrations[i].version == i + 1).
// Applied versions are rows of `schema_version`; the current version is MAX(version) (0 when
// the table is empty).
//
// Applying migrations (both backends), in ONE transaction:
//   1. serialise migrators: SQLite BEGIN IMMEDIATE; PostgreSQL BEGIN, then
//      SELECT pg_advisory_xact_lock(kMigrationLockKey) (CREATE TABLE IF NOT EXISTS races
//      otherwise);
//   2. run kCreateVersionTable for the dialect;
//   3. read kSelectVersion; a version above kSchemaVersion is refused with
//      kFailedPrecondition ("schema version N is newer than this build supports (M)");
//   4. for every migration above the current version: run its script (several statements,
//      separated by ';' — sqlite3_exec and PQexec both accept that), then
//      INSERT INTO schema_version (version) VALUES (<version>);
//   5. COMMIT.
//
// Values: key IDs are uint32 in BIGINT; times are Unix seconds; amounts are msat in BIGINT
// (at most INT64_MAX: larger amounts are refused with kInvalidArgument before they reach SQL);
// token IDs and hashes are 32-byte BLOB/BYTEA; master_keys.state is key_state_name(state).
//
// Invariants the schema itself enforces:
//   - at most one active key: the partial unique index master_keys_one_active, so concurrent
//     ensure_active_key() calls from several instances yield exactly one (the loser's INSERT
//     fails with a unique violation, or does nothing with ON CONFLICT DO NOTHING);
//   - a token is revoked once: revocations.token_id is UNIQUE (the first entry stays);
//   - counters are one row per (client_network, service, window_start), incremented by a
//     single-statement UPSERT ... RETURNING count.
//
// Note for PostgreSQL: a BIGSERIAL is assigned at INSERT, not at COMMIT, so two concurrent
// revocations could commit out of sequence order and a reader polling "sequence > N" could
// skip one. Serialise revocation inserts (e.g. pg_advisory_xact_lock(kRevocationLockKey) in
// the revoking transaction) so that sequence order is commit order. SQLite has one writer at
// a time, so AUTOINCREMENT is already in commit order.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "l402/amount.hpp"
#include "l402/keyring.hpp"
#include "l402/result.hpp"

namespace l402::store_schema {

enum class Dialect { kSqlite, kPostgres };

struct Migration {
  int version;                   // the version this step produces
  std::string_view description;  // for logs and errors
  std::string_view sqlite;       // statements for SQLite, ';'-separated
  std::string_view postgres;     // statements for PostgreSQL, ';'-separated
};

// Advisory-lock keys (PostgreSQL): any fixed 64-bit numbers, distinct from each other.
inline constexpr std::int64_t kMigrationLockKey = 0x6c343032'00000001;   // "l402" 1
inline constexpr std::int64_t kRevocationLockKey = 0x6c343032'00000002;  // "l402" 2

inline constexpr std::string_view kCreateVersionTableSqlite =
    "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL PRIMARY KEY)";
inline constexpr std::string_view kCreateVersionTablePostgres =
    "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL PRIMARY KEY)";
inline constexpr std::string_view kSelectVersion =
    "SELECT COALESCE(MAX(version), 0) FROM schema_version";

inline constexpr Migration kMigration1{
    1,
    "keyring, revocations, ledger, counters",
    // ---- SQLite
    R"sql(
CREATE TABLE master_keys (
  key_id     BIGINT NOT NULL PRIMARY KEY,
  secret     BLOB NOT NULL,
  state      TEXT NOT NULL CHECK (state IN ('active', 'verify-only', 'retired')),
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX master_keys_one_active ON master_keys (state) WHERE state = 'active';
CREATE TABLE revocations (
  sequence   INTEGER PRIMARY KEY AUTOINCREMENT,
  token_id   BLOB NOT NULL UNIQUE,
  revoked_at BIGINT NOT NULL,
  reason     TEXT NOT NULL DEFAULT ''
);
CREATE TABLE challenges (
  token_id           BLOB NOT NULL PRIMARY KEY,
  payment_hash       BLOB NOT NULL,
  service            TEXT NOT NULL,
  price_msat         BIGINT NOT NULL,
  issued_at          BIGINT NOT NULL,
  invoice_expires_at BIGINT NOT NULL
);
CREATE INDEX challenges_by_expiry ON challenges (invoice_expires_at);
CREATE INDEX challenges_by_issued_at ON challenges (issued_at);
CREATE TABLE paid_tokens (
  token_id      BLOB NOT NULL PRIMARY KEY,
  payment_hash  BLOB NOT NULL,
  service       TEXT NOT NULL,
  first_used_at BIGINT NOT NULL,
  last_used_at  BIGINT NOT NULL,
  request_count BIGINT NOT NULL,
  revenue_msat  BIGINT NOT NULL
);
CREATE TABLE settlements (
  payment_hash BLOB NOT NULL PRIMARY KEY,
  amount_msat  BIGINT NOT NULL,
  settled_at   BIGINT NOT NULL
);
CREATE TABLE counters (
  client_network TEXT NOT NULL,
  service        TEXT NOT NULL,
  window_start   BIGINT NOT NULL,
  count          BIGINT NOT NULL,
  PRIMARY KEY (client_network, service, window_start)
);
)sql",
    // ---- PostgreSQL
    R"sql(
CREATE TABLE master_keys (
  key_id     BIGINT NOT NULL PRIMARY KEY,
  secret     BYTEA NOT NULL,
  state      TEXT NOT NULL CHECK (state IN ('active', 'verify-only', 'retired')),
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX master_keys_one_active ON master_keys (state) WHERE state = 'active';
CREATE TABLE revocations (
  sequence   BIGSERIAL PRIMARY KEY,
  token_id   BYTEA NOT NULL UNIQUE,
  revoked_at BIGINT NOT NULL,
  reason     TEXT NOT NULL DEFAULT ''
);
CREATE TABLE challenges (
  token_id           BYTEA NOT NULL PRIMARY KEY,
  payment_hash       BYTEA NOT NULL,
  service            TEXT NOT NULL,
  price_msat         BIGINT NOT NULL,
  issued_at          BIGINT NOT NULL,
  invoice_expires_at BIGINT NOT NULL
);
CREATE INDEX challenges_by_expiry ON challenges (invoice_expires_at);
CREATE INDEX challenges_by_issued_at ON challenges (issued_at);
CREATE TABLE paid_tokens (
  token_id      BYTEA NOT NULL PRIMARY KEY,
  payment_hash  BYTEA NOT NULL,
  service       TEXT NOT NULL,
  first_used_at BIGINT NOT NULL,
  last_used_at  BIGINT NOT NULL,
  request_count BIGINT NOT NULL,
  revenue_msat  BIGINT NOT NULL
);
CREATE TABLE settlements (
  payment_hash BYTEA NOT NULL PRIMARY KEY,
  amount_msat  BIGINT NOT NULL,
  settled_at   BIGINT NOT NULL
);
CREATE TABLE counters (
  client_network TEXT NOT NULL,
  service        TEXT NOT NULL,
  window_start   BIGINT NOT NULL,
  count          BIGINT NOT NULL,
  PRIMARY KEY (client_network, service, window_start)
);
)sql",
};

// The same statements in both dialects.
inline constexpr std::string_view kMigration2Script = R"sql(
CREATE TABLE settlement_cursors (
  node         TEXT NOT NULL PRIMARY KEY,
  settle_index BIGINT NOT NULL
);
CREATE INDEX challenges_by_payment_hash ON challenges (payment_hash);
)sql";

inline constexpr Migration kMigration2{2, "settlement cursors; challenges by payment hash",
                                       kMigration2Script, kMigration2Script};

inline constexpr std::array<Migration, 2> kMigrations{kMigration1, kMigration2};

// The version this build creates and understands.
inline constexpr int kSchemaVersion = kMigrations.back().version;

inline constexpr std::string_view script_for(const Migration& migration, Dialect dialect) {
  switch (dialect) {
    case Dialect::kSqlite:
      return migration.sqlite;
    case Dialect::kPostgres:
      return migration.postgres;
  }
  return {};
}

// The inverse of key_state_name(): "active", "verify-only", "retired".
inline std::optional<KeyState> parse_key_state(std::string_view name) {
  if (name == "active") return KeyState::kActive;
  if (name == "verify-only") return KeyState::kVerifyOnly;
  if (name == "retired") return KeyState::kRetired;
  return std::nullopt;
}

// Amounts are msat in BIGINT: the largest a column holds.
inline constexpr std::uint64_t kMaxStoredAmount =
    static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

// `amount` as the signed value a column stores; kInvalidArgument above kMaxStoredAmount, with
// `what` (e.g. "record_challenge") naming the call.
inline Result<std::int64_t> stored_amount(Msat amount, std::string_view what) {
  if (amount.value() > kMaxStoredAmount) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(what) + ": " + std::to_string(amount.value()) +
                     " msat is more than the store holds (2^63-1 msat)");
  }
  return static_cast<std::int64_t>(amount.value());
}

// A node's settle index as a BIGINT; kInvalidArgument above what a column holds.
inline Result<std::int64_t> stored_settle_index(std::uint64_t index, std::string_view what) {
  if (index > kMaxStoredAmount) {
    return Error(ErrorCode::kInvalidArgument, std::string(what) + ": settle index " +
                                                  std::to_string(index) +
                                                  " is more than the store holds");
  }
  return static_cast<std::int64_t>(index);
}

// A count of requests as a BIGINT; kInvalidArgument for 0 or above what a column holds.
inline Result<std::int64_t> stored_count(std::uint64_t count, std::string_view what) {
  if (count == 0 || count > kMaxStoredAmount) {
    return Error(ErrorCode::kInvalidArgument, std::string(what) + ": a count of " +
                                                  std::to_string(count) +
                                                  " requests is not one the store records");
  }
  return static_cast<std::int64_t>(count);
}

}  // namespace l402::store_schema
