// The token jar's tables (private to src/client/jar/). Schema changes are numbered
// migrations applied in order; a database from a newer build is refused, not guessed at.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace l402::client_jar::schema {

struct Migration {
  std::int64_t version;
  std::string_view sql;
};

inline constexpr std::string_view kCreateVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)";
inline constexpr std::string_view kSelectVersion =
    "SELECT COALESCE(MAX(version), 0) FROM schema_version";

// Hashes and preimages are 32-byte blobs; token IDs 64 lower-case hex digits (so that a
// prefix can be looked up); amounts msat; times Unix seconds.
inline constexpr std::string_view kVersion1 = R"sql(
CREATE TABLE pending_purchases (
  payment_hash BLOB PRIMARY KEY,
  token_id TEXT NOT NULL,
  invoice TEXT NOT NULL,
  macaroon TEXT NOT NULL,
  origin TEXT NOT NULL,
  host TEXT NOT NULL,
  service TEXT NOT NULL,
  path TEXT NOT NULL,
  amount_msat INTEGER NOT NULL,
  max_fee_msat INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  expires_at INTEGER
);
CREATE INDEX pending_by_host ON pending_purchases (host, started_at);
CREATE INDEX pending_by_time ON pending_purchases (started_at);

CREATE TABLE tokens (
  token_id TEXT PRIMARY KEY,
  origin TEXT NOT NULL,
  service TEXT NOT NULL,
  path_scope TEXT NOT NULL,
  macaroon TEXT NOT NULL,
  payment_hash BLOB NOT NULL UNIQUE,
  preimage BLOB NOT NULL,
  amount_msat INTEGER NOT NULL,
  fee_msat INTEGER NOT NULL,
  bought_at INTEGER NOT NULL,
  expires_at INTEGER,
  stale INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tokens_by_origin ON tokens (origin, bought_at);

CREATE TABLE receipts (
  payment_hash BLOB PRIMARY KEY,
  at INTEGER NOT NULL,
  host TEXT NOT NULL,
  origin TEXT NOT NULL,
  service TEXT NOT NULL,
  amount_msat INTEGER NOT NULL,
  fee_msat INTEGER NOT NULL,
  preimage BLOB NOT NULL,
  token_id TEXT NOT NULL
);
CREATE INDEX receipts_by_time ON receipts (at);
CREATE INDEX receipts_by_host ON receipts (host, at);
)sql";

inline constexpr std::array<Migration, 1> kMigrations{{{1, kVersion1}}};
inline constexpr std::int64_t kSchemaVersion = 1;

}  // namespace l402::client_jar::schema
