// The SQLite store: one database file in WAL mode, a small pool of connections, and change
// detection for wait_for_change() (in-process commits wake waiters at once; commits from
// other processes or Store objects are seen by polling PRAGMA data_version).
//
// Every write runs in a BEGIN IMMEDIATE transaction behind one in-process writer mutex (SQLite
// has one writer at a time anyway; queueing on a mutex is fairer than spinning in the busy
// handler). Across processes the busy timeout applies; past it a call fails with kUnavailable.
// synchronous=FULL makes every commit durable when the call returns.
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "l402/encoding.hpp"
#include "l402/secret.hpp"
#include "l402/store.hpp"
#include "store/schema.hpp"
#include "store/sqlite_db.hpp"

namespace l402 {

namespace {

using sqlite::Connection;
using sqlite::query_int;
using sqlite::rollback_if_open;
using sqlite::Statement;
using SteadyClock = std::chrono::steady_clock;
using store_schema::kMaxStoredAmount;
using store_schema::stored_amount;
using store_schema::stored_count;
using store_schema::stored_settle_index;

// How often wait_for_change() looks for commits made outside this Store object.
constexpr std::chrono::milliseconds kWatchInterval(100);

// The state of keys and revocations in one string: changes when either changes.
constexpr std::string_view kFingerprintSql =
    "SELECT COALESCE((SELECT MAX(sequence) FROM revocations), 0) || '/' || "
    "COALESCE((SELECT group_concat(key_id || ':' || state, ',') FROM "
    "(SELECT key_id, state FROM master_keys ORDER BY key_id)), '')";

std::span<const std::uint8_t> bytes_of(const Hash256& hash) { return hash; }

std::string hex_of(const Hash256& hash) { return hex::encode(as_view(hash)); }

std::string key_id_text(KeyId id) {
  const std::array<std::uint8_t, 4> bytes{
      static_cast<std::uint8_t>(id >> 24), static_cast<std::uint8_t>(id >> 16),
      static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id)};
  return hex::encode(bytes);
}

std::uint64_t to_unsigned(std::int64_t value) {
  return value < 0 ? 0 : static_cast<std::uint64_t>(value);
}

std::int64_t clamp_to_int64(std::uint64_t value) {
  return static_cast<std::int64_t>(std::min(value, kMaxStoredAmount));
}

Result<Hash256> hash_column(const Statement& statement, int index, const Connection& connection,
                            std::string_view what) {
  const std::string_view blob = statement.column_blob(index);
  Hash256 hash{};
  if (blob.size() != hash.size()) {
    return Error(ErrorCode::kFailedPrecondition,
                 "sqlite database " + connection.path() + ": " + std::string(what) + ": a " +
                     std::to_string(blob.size()) + "-byte value where 32 bytes belong");
  }
  std::copy(blob.begin(), blob.end(), hash.begin());
  return hash;
}

Result<std::string> fingerprint(Connection& connection) {
  L402_ASSIGN_OR_RETURN(Statement statement, connection.prepare(kFingerprintSql, "watch"));
  L402_ASSIGN_OR_RETURN(const bool row, statement.step());
  if (!row) return Error(ErrorCode::kInternal, "watch: no row");
  std::string value = statement.column_text(0);
  L402_RETURN_IF_ERROR(statement.run());
  return value;
}

// ---- Keys --------------------------------------------------------------------------------

// Inserts a fresh active key with an unused random ID. Requires: a write transaction in which
// no key is active.
Result<KeyId> insert_active_key(Connection& connection, RandomSource& random,
                                std::string_view what) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::array<std::uint8_t, kKeyIdSize> id_bytes{};
    L402_RETURN_IF_ERROR(random.fill(id_bytes));
    const KeyId id = (KeyId{id_bytes[0]} << 24) | (KeyId{id_bytes[1]} << 16) |
                     (KeyId{id_bytes[2]} << 8) | KeyId{id_bytes[3]};
    {
      L402_ASSIGN_OR_RETURN(
          Statement probe, connection.prepare("SELECT 1 FROM master_keys WHERE key_id = ?1", what));
      probe.bind(1, std::int64_t{id});
      L402_ASSIGN_OR_RETURN(const bool taken, probe.step());
      if (taken) continue;
    }
    std::array<std::uint8_t, kMasterKeySize> secret{};
    const Result<void> filled = random.fill(secret);
    Result<void> inserted = ok_result();
    if (filled.ok()) {
      Result<Statement> insert = connection.prepare(
          "INSERT INTO master_keys (key_id, secret, state, created_at) "
          "VALUES (?1, ?2, 'active', ?3)",
          what);
      if (insert.ok()) {
        insert->bind(1, std::int64_t{id}).bind_blob(2, secret).bind(3, std::time(nullptr));
        inserted = insert->run();
      } else {
        inserted = insert.error();
      }
    }
    secure_wipe(secret.data(), secret.size());
    L402_RETURN_IF_ERROR(filled);
    L402_RETURN_IF_ERROR(inserted);
    return id;
  }
  return Error(ErrorCode::kInternal, std::string(what) + ": no unused key ID in 16 draws");
}

Result<bool> has_active_key(Connection& connection, std::string_view what) {
  L402_ASSIGN_OR_RETURN(
      Statement statement,
      connection.prepare("SELECT 1 FROM master_keys WHERE state = 'active' LIMIT 1", what));
  L402_ASSIGN_OR_RETURN(const bool row, statement.step());
  return row;
}

// ---- The store ---------------------------------------------------------------------------

class SqliteStore final : public Store {
 public:
  SqliteStore(const SqliteOptions& options, std::vector<std::unique_ptr<Connection>> pool,
              std::unique_ptr<Connection> watcher, std::int64_t data_version,
              std::string fingerprint)
      : options_(options),
        idle_(std::move(pool)),
        watcher_(std::move(watcher)),
        data_version_(data_version),
        fingerprint_(std::move(fingerprint)) {}

  // ---- Keyring
  Result<std::vector<MasterKey>> load_keys() override {
    return read("load_keys", [](Connection& c) -> Result<std::vector<MasterKey>> {
      L402_ASSIGN_OR_RETURN(
          Statement select,
          c.prepare("SELECT key_id, secret, state FROM master_keys ORDER BY key_id", "load_keys"));
      std::vector<MasterKey> keys;
      while (true) {
        L402_ASSIGN_OR_RETURN(const bool row, select.step());
        if (!row) return keys;
        const std::string state = select.column_text(2);
        const std::optional<KeyState> parsed = store_schema::parse_key_state(state);
        if (!parsed) {
          return Error(
              ErrorCode::kFailedPrecondition,
              "sqlite database " + c.path() + ": load_keys: unknown key state \"" + state + "\"");
        }
        keys.push_back(MasterKey{static_cast<KeyId>(select.column_int64(0)), *parsed,
                                 SecretBytes(select.column_blob(1))});
      }
    });
  }

  Result<void> ensure_active_key(RandomSource& random) override {
    L402_ASSIGN_OR_RETURN(
        const bool created, write("ensure_active_key", [&](Connection& c) -> Result<bool> {
          L402_ASSIGN_OR_RETURN(const bool has, has_active_key(c, "ensure_active_key"));
          if (has) return false;
          L402_RETURN_IF_ERROR(insert_active_key(c, random, "ensure_active_key"));
          return true;
        }));
    if (created) note_change();
    return ok_result();
  }

  Result<KeyId> rotate_key(RandomSource& random) override {
    L402_ASSIGN_OR_RETURN(const KeyId id, write("rotate_key", [&](Connection& c) -> Result<KeyId> {
                            L402_RETURN_IF_ERROR(
                                c.exec("UPDATE master_keys SET state = 'verify-only' "
                                       "WHERE state = 'active'",
                                       "rotate_key"));
                            return insert_active_key(c, random, "rotate_key");
                          }));
    note_change();
    return id;
  }

  Result<void> set_key_state(KeyId id, KeyState state) override {
    L402_RETURN_IF_ERROR(write("set_key_state", [&](Connection& c) -> Result<void> {
      return set_key_state_locked(c, id, state);
    }));
    note_change();
    return ok_result();
  }

  // ---- Revocations
  Result<bool> revoke(const TokenId& token_id, std::int64_t at, std::string_view reason) override {
    L402_ASSIGN_OR_RETURN(
        const bool added, write("revoke", [&](Connection& c) -> Result<bool> {
          L402_ASSIGN_OR_RETURN(Statement insert,
                                c.prepare("INSERT INTO revocations (token_id, revoked_at, reason) "
                                          "VALUES (?1, ?2, ?3) ON CONFLICT (token_id) DO NOTHING",
                                          "revoke"));
          insert.bind_blob(1, bytes_of(token_id)).bind(2, at).bind_text(3, reason);
          L402_RETURN_IF_ERROR(insert.run());
          return c.changes() == 1;
        }));
    if (added) note_change();
    return added;
  }

  Result<std::vector<RevocationEntry>> load_revocations(std::uint64_t after) override {
    return read("load_revocations", [&](Connection& c) -> Result<std::vector<RevocationEntry>> {
      L402_ASSIGN_OR_RETURN(Statement select,
                            c.prepare("SELECT sequence, token_id, revoked_at, reason "
                                      "FROM revocations WHERE sequence > ?1 ORDER BY sequence",
                                      "load_revocations"));
      select.bind(1, clamp_to_int64(after));
      std::vector<RevocationEntry> entries;
      while (true) {
        L402_ASSIGN_OR_RETURN(const bool row, select.step());
        if (!row) return entries;
        RevocationEntry entry;
        entry.sequence = to_unsigned(select.column_int64(0));
        L402_ASSIGN_OR_RETURN(entry.token_id, hash_column(select, 1, c, "load_revocations"));
        entry.revoked_at = select.column_int64(2);
        entry.reason = select.column_text(3);
        entries.push_back(std::move(entry));
      }
    });
  }

  // ---- Ledger
  Result<void> record_challenge(const IssuedChallenge& challenge) override {
    L402_ASSIGN_OR_RETURN(const std::int64_t price,
                          stored_amount(challenge.price, "record_challenge"));
    Result<void> recorded = write("record_challenge", [&](Connection& c) -> Result<void> {
      L402_ASSIGN_OR_RETURN(
          Statement insert,
          c.prepare("INSERT INTO challenges (token_id, payment_hash, service, price_msat, "
                    "issued_at, invoice_expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    "record_challenge"));
      insert.bind_blob(1, bytes_of(challenge.token_id))
          .bind_blob(2, bytes_of(challenge.payment_hash))
          .bind_text(3, challenge.service)
          .bind(4, price)
          .bind(5, challenge.issued_at)
          .bind(6, challenge.invoice_expires_at);
      return insert.run();
    });
    if (!recorded.ok() && recorded.error().code() == ErrorCode::kAlreadyExists) {
      return Error(
          ErrorCode::kAlreadyExists,
          "record_challenge: token ID " + hex_of(challenge.token_id) + " was recorded before");
    }
    return recorded;
  }

  Result<void> record_challenges(std::span<const IssuedChallenge> challenges) override {
    std::vector<std::int64_t> prices;
    prices.reserve(challenges.size());
    for (const IssuedChallenge& challenge : challenges) {
      L402_ASSIGN_OR_RETURN(const std::int64_t price,
                            stored_amount(challenge.price, "record_challenges"));
      prices.push_back(price);
    }
    if (challenges.empty()) return ok_result();
    return write("record_challenges", [&](Connection& c) -> Result<void> {
      for (std::size_t i = 0; i < challenges.size(); ++i) {
        const IssuedChallenge& challenge = challenges[i];
        // Borrowed from the connection's statement cache: prepared once, reused per row.
        L402_ASSIGN_OR_RETURN(
            Statement insert,
            c.prepare("INSERT INTO challenges (token_id, payment_hash, service, price_msat, "
                      "issued_at, invoice_expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                      "ON CONFLICT (token_id) DO NOTHING",
                      "record_challenges"));
        insert.bind_blob(1, bytes_of(challenge.token_id))
            .bind_blob(2, bytes_of(challenge.payment_hash))
            .bind_text(3, challenge.service)
            .bind(4, prices[i])
            .bind(5, challenge.issued_at)
            .bind(6, challenge.invoice_expires_at);
        L402_RETURN_IF_ERROR(insert.run());
      }
      return ok_result();
    });
  }

  Result<void> record_paid_requests(std::span<const PaidRequest> requests) override {
    std::vector<std::int64_t> revenues;
    std::vector<std::int64_t> counts;
    revenues.reserve(requests.size());
    counts.reserve(requests.size());
    for (const PaidRequest& request : requests) {
      L402_ASSIGN_OR_RETURN(const std::int64_t revenue,
                            stored_amount(request.price, "record_paid_requests"));
      revenues.push_back(revenue);
      L402_ASSIGN_OR_RETURN(const std::int64_t count,
                            stored_count(request.count, "record_paid_requests"));
      counts.push_back(count);
    }
    if (requests.empty()) return ok_result();
    return write("record_paid_requests", [&](Connection& c) -> Result<void> {
      for (std::size_t i = 0; i < requests.size(); ++i) {
        const PaidRequest& request = requests[i];
        L402_ASSIGN_OR_RETURN(
            Statement upsert,
            c.prepare("INSERT INTO paid_tokens (token_id, payment_hash, service, first_used_at, "
                      "last_used_at, request_count, revenue_msat) "
                      "VALUES (?1, ?2, ?3, ?6, ?4, ?7, ?5) ON CONFLICT (token_id) DO UPDATE SET "
                      "last_used_at = MAX(last_used_at, excluded.last_used_at), "
                      "request_count = request_count + excluded.request_count",
                      "record_paid_requests"));
        upsert.bind_blob(1, bytes_of(request.token_id))
            .bind_blob(2, bytes_of(request.payment_hash))
            .bind_text(3, request.service)
            .bind(4, request.at)
            .bind(5, revenues[i])
            .bind(6, request.first_at != 0 ? request.first_at : request.at)
            .bind(7, counts[i]);
        L402_RETURN_IF_ERROR(upsert.run());
      }
      return ok_result();
    });
  }

  Result<std::optional<PaidToken>> find_paid_token(const TokenId& token_id) override {
    return read("find_paid_token", [&](Connection& c) -> Result<std::optional<PaidToken>> {
      L402_ASSIGN_OR_RETURN(
          Statement select,
          c.prepare("SELECT payment_hash, service, first_used_at, last_used_at, request_count, "
                    "revenue_msat FROM paid_tokens WHERE token_id = ?1",
                    "find_paid_token"));
      select.bind_blob(1, bytes_of(token_id));
      L402_ASSIGN_OR_RETURN(const bool row, select.step());
      if (!row) return std::optional<PaidToken>();
      PaidToken paid;
      paid.token_id = token_id;
      L402_ASSIGN_OR_RETURN(paid.payment_hash, hash_column(select, 0, c, "find_paid_token"));
      paid.service = select.column_text(1);
      paid.first_used_at = select.column_int64(2);
      paid.last_used_at = select.column_int64(3);
      paid.request_count = to_unsigned(select.column_int64(4));
      paid.revenue = Msat(to_unsigned(select.column_int64(5)));
      return std::optional<PaidToken>(std::move(paid));
    });
  }

  Result<void> record_settlement(const Settlement& settlement) override {
    L402_ASSIGN_OR_RETURN(const std::int64_t amount,
                          stored_amount(settlement.amount, "record_settlement"));
    return write("record_settlement", [&](Connection& c) -> Result<void> {
      L402_ASSIGN_OR_RETURN(
          Statement insert,
          c.prepare("INSERT INTO settlements (payment_hash, amount_msat, settled_at) "
                    "VALUES (?1, ?2, ?3) ON CONFLICT (payment_hash) DO NOTHING",
                    "record_settlement"));
      insert.bind_blob(1, bytes_of(settlement.payment_hash))
          .bind(2, amount)
          .bind(3, settlement.settled_at);
      return insert.run();
    });
  }

  Result<void> record_settlements(std::string_view node, std::span<const Settlement> settlements,
                                  std::uint64_t through_settle_index) override {
    std::vector<std::int64_t> amounts;
    amounts.reserve(settlements.size());
    for (const Settlement& settlement : settlements) {
      L402_ASSIGN_OR_RETURN(const std::int64_t amount,
                            stored_amount(settlement.amount, "record_settlements"));
      amounts.push_back(amount);
    }
    L402_ASSIGN_OR_RETURN(const std::int64_t through,
                          stored_settle_index(through_settle_index, "record_settlements"));
    return write("record_settlements", [&](Connection& c) -> Result<void> {
      for (std::size_t i = 0; i < settlements.size(); ++i) {
        L402_ASSIGN_OR_RETURN(
            Statement insert,
            c.prepare("INSERT INTO settlements (payment_hash, amount_msat, settled_at) "
                      "SELECT ?1, ?2, ?3 WHERE EXISTS "
                      "(SELECT 1 FROM challenges WHERE payment_hash = ?1) "
                      "ON CONFLICT (payment_hash) DO NOTHING",
                      "record_settlements"));
        insert.bind_blob(1, bytes_of(settlements[i].payment_hash))
            .bind(2, amounts[i])
            .bind(3, settlements[i].settled_at);
        L402_RETURN_IF_ERROR(insert.run());
      }
      L402_ASSIGN_OR_RETURN(
          Statement cursor,
          c.prepare("INSERT INTO settlement_cursors (node, settle_index) VALUES (?1, ?2) "
                    "ON CONFLICT (node) DO UPDATE SET "
                    "settle_index = MAX(settle_index, excluded.settle_index)",
                    "record_settlements"));
      cursor.bind_text(1, node).bind(2, through);
      return cursor.run();
    });
  }

  Result<std::uint64_t> settlements_through(std::string_view node) override {
    return read("settlements_through", [&](Connection& c) -> Result<std::uint64_t> {
      L402_ASSIGN_OR_RETURN(Statement select,
                            c.prepare("SELECT settle_index FROM settlement_cursors WHERE node = ?1",
                                      "settlements_through"));
      select.bind_text(1, node);
      L402_ASSIGN_OR_RETURN(const bool row, select.step());
      if (!row) return std::uint64_t{0};
      return to_unsigned(select.column_int64(0));
    });
  }

  Result<std::uint64_t> prune_challenges(std::int64_t now, std::uint64_t max_rows) override {
    return write("prune_challenges", [&](Connection& c) -> Result<std::uint64_t> {
      std::uint64_t removed = 0;
      {
        L402_ASSIGN_OR_RETURN(
            Statement expired,
            c.prepare("DELETE FROM challenges WHERE invoice_expires_at < ?1 AND NOT EXISTS "
                      "(SELECT 1 FROM paid_tokens p WHERE p.token_id = challenges.token_id)",
                      "prune_challenges"));
        expired.bind(1, now);
        L402_RETURN_IF_ERROR(expired.run());
        removed += to_unsigned(c.changes());
      }
      L402_ASSIGN_OR_RETURN(
          Statement oldest,
          c.prepare("DELETE FROM challenges WHERE token_id IN (SELECT token_id FROM challenges "
                    "ORDER BY issued_at DESC, token_id DESC LIMIT -1 OFFSET ?1)",
                    "prune_challenges"));
      oldest.bind(1, clamp_to_int64(max_rows));
      L402_RETURN_IF_ERROR(oldest.run());
      removed += to_unsigned(c.changes());
      return removed;
    });
  }

  Result<LedgerSummary> summary() override {
    return read("summary", [](Connection& c) -> Result<LedgerSummary> {
      L402_ASSIGN_OR_RETURN(Statement select,
                            c.prepare("SELECT (SELECT COUNT(*) FROM challenges), "
                                      "(SELECT COUNT(*) FROM paid_tokens), "
                                      "(SELECT COALESCE(SUM(request_count), 0) FROM paid_tokens), "
                                      "(SELECT COALESCE(SUM(revenue_msat), 0) FROM paid_tokens), "
                                      "(SELECT COUNT(*) FROM settlements), "
                                      "(SELECT COALESCE(SUM(amount_msat), 0) FROM settlements)",
                                      "summary"));
      L402_ASSIGN_OR_RETURN(const bool row, select.step());
      if (!row) return Error(ErrorCode::kInternal, "summary: no row");
      LedgerSummary summary;
      summary.challenges = to_unsigned(select.column_int64(0));
      summary.paid_tokens = to_unsigned(select.column_int64(1));
      summary.paid_requests = to_unsigned(select.column_int64(2));
      summary.revenue = Msat(to_unsigned(select.column_int64(3)));
      summary.settlements = to_unsigned(select.column_int64(4));
      summary.settled = Msat(to_unsigned(select.column_int64(5)));
      return summary;
    });
  }

  Result<std::vector<PaidToken>> list_paid_tokens(std::string_view service,
                                                  std::size_t limit) override {
    return read("list_paid_tokens", [&](Connection& c) -> Result<std::vector<PaidToken>> {
      // No index on last_used_at on purpose: every paid request moves it, and the admin
      // listing is rare; one scan with a bounded top-N sort is cheap enough for it.
      L402_ASSIGN_OR_RETURN(
          Statement select,
          c.prepare("SELECT token_id, payment_hash, service, first_used_at, last_used_at, "
                    "request_count, revenue_msat FROM paid_tokens "
                    "WHERE ?1 = '' OR service = ?1 "
                    "ORDER BY last_used_at DESC, token_id LIMIT ?2",
                    "list_paid_tokens"));
      select.bind_text(1, service).bind(2, clamp_to_int64(limit));
      std::vector<PaidToken> tokens;
      while (true) {
        L402_ASSIGN_OR_RETURN(const bool row, select.step());
        if (!row) break;
        PaidToken paid;
        L402_ASSIGN_OR_RETURN(paid.token_id, hash_column(select, 0, c, "list_paid_tokens"));
        L402_ASSIGN_OR_RETURN(paid.payment_hash, hash_column(select, 1, c, "list_paid_tokens"));
        paid.service = select.column_text(2);
        paid.first_used_at = select.column_int64(3);
        paid.last_used_at = select.column_int64(4);
        paid.request_count = to_unsigned(select.column_int64(5));
        paid.revenue = Msat(to_unsigned(select.column_int64(6)));
        tokens.push_back(std::move(paid));
      }
      return tokens;
    });
  }

  Result<std::vector<ServiceStats>> service_stats() override {
    return read("service_stats", [](Connection& c) -> Result<std::vector<ServiceStats>> {
      L402_ASSIGN_OR_RETURN(
          Statement select,
          c.prepare("SELECT service, SUM(challenges), SUM(tokens), SUM(requests), SUM(revenue) "
                    "FROM (SELECT service, COUNT(*) AS challenges, 0 AS tokens, 0 AS requests, "
                    "0 AS revenue FROM challenges GROUP BY service "
                    "UNION ALL SELECT service, 0, COUNT(*), SUM(request_count), "
                    "SUM(revenue_msat) FROM paid_tokens GROUP BY service) "
                    "GROUP BY service ORDER BY service",
                    "service_stats"));
      std::vector<ServiceStats> stats;
      while (true) {
        L402_ASSIGN_OR_RETURN(const bool row, select.step());
        if (!row) break;
        ServiceStats entry;
        entry.service = select.column_text(0);
        entry.challenges = to_unsigned(select.column_int64(1));
        entry.paid_tokens = to_unsigned(select.column_int64(2));
        entry.paid_requests = to_unsigned(select.column_int64(3));
        entry.revenue = Msat(to_unsigned(select.column_int64(4)));
        stats.push_back(std::move(entry));
      }
      return stats;
    });
  }

  // ---- Counters
  Result<std::uint64_t> add_to_counter(const CounterKey& key, std::uint64_t amount) override {
    L402_ASSIGN_OR_RETURN(const std::int64_t delta, stored_amount(Msat(amount), "add_to_counter"));
    return write("add_to_counter", [&](Connection& c) -> Result<std::uint64_t> {
      L402_ASSIGN_OR_RETURN(
          Statement upsert,
          c.prepare("INSERT INTO counters (client_network, service, window_start, count) "
                    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (client_network, service, window_start) "
                    "DO UPDATE SET count = count + excluded.count RETURNING count",
                    "add_to_counter"));
      upsert.bind_text(1, key.client_network)
          .bind_text(2, key.service)
          .bind(3, key.window_start)
          .bind(4, delta);
      L402_ASSIGN_OR_RETURN(const bool row, upsert.step());
      if (!row) return Error(ErrorCode::kInternal, "add_to_counter: no row returned");
      const std::uint64_t total = to_unsigned(upsert.column_int64(0));
      L402_RETURN_IF_ERROR(upsert.run());
      return total;
    });
  }

  Result<std::uint64_t> prune_counters(std::int64_t before) override {
    return write("prune_counters", [&](Connection& c) -> Result<std::uint64_t> {
      L402_ASSIGN_OR_RETURN(
          Statement remove,
          c.prepare("DELETE FROM counters WHERE window_start < ?1", "prune_counters"));
      remove.bind(1, before);
      L402_RETURN_IF_ERROR(remove.run());
      return to_unsigned(c.changes());
    });
  }

  // ---- Changes
  Result<bool> wait_for_change(std::chrono::milliseconds timeout) override {
    const auto deadline = SteadyClock::now() + timeout;
    std::unique_lock lock(change_mutex_);
    const std::uint64_t interrupts = interrupts_;
    while (true) {
      if (generation_ != reported_) break;
      if (interrupts_ != interrupts) return false;
      lock.unlock();
      const Result<bool> external = check_external();
      lock.lock();
      if (!external.ok()) return external.error();
      if (*external) ++generation_;
      if (generation_ != reported_) break;
      if (interrupts_ != interrupts) return false;
      const auto now = SteadyClock::now();
      if (now >= deadline) return false;
      changed_.wait_until(lock, std::min(deadline, now + kWatchInterval));
    }
    reported_ = generation_;
    return true;
  }

  void interrupt() override {
    {
      std::lock_guard lock(change_mutex_);
      ++interrupts_;
    }
    changed_.notify_all();
  }

 private:
  // A connection borrowed from the pool, given back on destruction.
  class Lease {
   public:
    Lease(SqliteStore& store, std::unique_ptr<Connection> connection)
        : store_(&store), connection_(std::move(connection)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (connection_ == nullptr) return;
      rollback_if_open(*connection_);
      store_->give_back(std::move(connection_));
    }
    Connection& connection() { return *connection_; }

   private:
    SqliteStore* store_;
    std::unique_ptr<Connection> connection_;
  };

  Result<Lease> acquire(std::string_view what) {
    std::unique_lock lock(pool_mutex_);
    if (!pool_ready_.wait_for(lock, options_.busy_timeout, [&] { return !idle_.empty(); })) {
      return Error(ErrorCode::kUnavailable,
                   "sqlite database " + options_.path + ": " + std::string(what) + ": all " +
                       std::to_string(options_.pool_size) + " connections stayed busy");
    }
    std::unique_ptr<Connection> connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(connection));
  }

  void give_back(std::unique_ptr<Connection> connection) {
    {
      std::lock_guard lock(pool_mutex_);
      idle_.push_back(std::move(connection));
    }
    pool_ready_.notify_one();
  }

  template <typename Body>
  std::invoke_result_t<Body&, Connection&> read(std::string_view what, Body&& body) {
    L402_ASSIGN_OR_RETURN(Lease lease, acquire(what));
    return body(lease.connection());
  }

  // Runs `body` in a BEGIN IMMEDIATE transaction; commits when it succeeds.
  template <typename Body>
  std::invoke_result_t<Body&, Connection&> write(std::string_view what, Body&& body) {
    std::unique_lock writer(write_mutex_, std::defer_lock);
    if (!writer.try_lock_for(options_.busy_timeout)) {
      return Error(ErrorCode::kUnavailable, "sqlite database " + options_.path + ": " +
                                                std::string(what) +
                                                ": another writer held the lock too long");
    }
    L402_ASSIGN_OR_RETURN(Lease lease, acquire(what));
    Connection& connection = lease.connection();
    {
      L402_ASSIGN_OR_RETURN(Statement begin, connection.prepare("BEGIN IMMEDIATE", what));
      L402_RETURN_IF_ERROR(begin.run());
    }
    auto result = body(connection);
    if (!result.ok()) {
      rollback_if_open(connection);
      return result;
    }
    Result<void> committed = ok_result();
    {
      Result<Statement> commit = connection.prepare("COMMIT", what);
      committed = commit.ok() ? commit->run() : Result<void>(commit.error());
    }
    if (!committed.ok()) {
      rollback_if_open(connection);
      return std::move(committed).error();
    }
    return result;
  }

  Result<void> set_key_state_locked(Connection& c, KeyId id, KeyState state) {
    {
      L402_ASSIGN_OR_RETURN(Statement find, c.prepare("SELECT 1 FROM master_keys WHERE key_id = ?1",
                                                      "set_key_state"));
      find.bind(1, std::int64_t{id});
      L402_ASSIGN_OR_RETURN(const bool found, find.step());
      if (!found) {
        return Error(ErrorCode::kNotFound,
                     "set_key_state: no master key with ID " + key_id_text(id));
      }
    }
    if (state == KeyState::kActive) {
      L402_ASSIGN_OR_RETURN(
          Statement other,
          c.prepare("SELECT key_id FROM master_keys WHERE state = 'active' AND key_id <> ?1",
                    "set_key_state"));
      other.bind(1, std::int64_t{id});
      L402_ASSIGN_OR_RETURN(const bool active, other.step());
      if (active) {
        return Error(ErrorCode::kInvalidArgument,
                     "set_key_state: master key " +
                         key_id_text(static_cast<KeyId>(other.column_int64(0))) +
                         " is active; demote it before activating " + key_id_text(id));
      }
    }
    L402_ASSIGN_OR_RETURN(
        Statement update,
        c.prepare("UPDATE master_keys SET state = ?2 WHERE key_id = ?1", "set_key_state"));
    update.bind(1, std::int64_t{id}).bind_text(2, key_state_name(state));
    return update.run();
  }

  // True when keys or revocations changed since the last look (through any connection).
  Result<bool> check_external() {
    std::lock_guard lock(watch_mutex_);
    L402_ASSIGN_OR_RETURN(const std::int64_t version,
                          query_int(*watcher_, "PRAGMA data_version", "watch"));
    if (version == data_version_) return false;
    data_version_ = version;
    L402_ASSIGN_OR_RETURN(std::string now, fingerprint(*watcher_));
    if (now == fingerprint_) return false;
    fingerprint_ = std::move(now);
    return true;
  }

  // After this object committed a change to keys or revocations: wake the waiters, and take
  // the commit into the watcher's view so that it is not reported a second time.
  void note_change() {
    (void)check_external();
    {
      std::lock_guard lock(change_mutex_);
      ++generation_;
    }
    changed_.notify_all();
  }

  // Constant after construction.
  const SqliteOptions options_;

  std::mutex pool_mutex_;
  std::condition_variable pool_ready_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by pool_mutex_

  std::timed_mutex write_mutex_;  // one writing transaction at a time in this process

  std::mutex watch_mutex_;
  std::unique_ptr<Connection> watcher_;  // guarded by watch_mutex_
  std::int64_t data_version_;            // guarded by watch_mutex_
  std::string fingerprint_;              // guarded by watch_mutex_

  std::mutex change_mutex_;
  std::condition_variable changed_;
  std::uint64_t generation_ = 0;  // guarded by change_mutex_: bumped on every change seen
  std::uint64_t reported_ = 0;    // guarded by change_mutex_: generation last reported
  std::uint64_t interrupts_ = 0;  // guarded by change_mutex_
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options) {
  if (options.path.empty()) {
    return Error(ErrorCode::kInvalidArgument, "sqlite store: no database path given");
  }
  if (options.pool_size == 0) {
    return Error(ErrorCode::kInvalidArgument, "sqlite store: pool_size must be at least 1");
  }
  std::error_code ec;
  if (std::filesystem::is_directory(options.path, ec)) {
    return Error(ErrorCode::kFailedPrecondition,
                 "sqlite database " + options.path + ": is a directory, not a database file");
  }

  // The database holds the master keys: a new file is readable by its owner only (SQLite would
  // create it 0644, and its -wal and -shm files copy the database file's mode).
  const int fd = ::open(options.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd);

  L402_ASSIGN_OR_RETURN(std::unique_ptr<Connection> first,
                        Connection::open(options.path, /*create=*/true, options.busy_timeout));
  L402_RETURN_IF_ERROR(sqlite::check_usable(*first));
  L402_RETURN_IF_ERROR(sqlite::configure(*first));
  L402_RETURN_IF_ERROR(sqlite::migrate(*first));

  std::vector<std::unique_ptr<Connection>> pool;
  pool.push_back(std::move(first));
  while (pool.size() < options.pool_size) {
    L402_ASSIGN_OR_RETURN(std::unique_ptr<Connection> more,
                          Connection::open(options.path, /*create=*/false, options.busy_timeout));
    L402_RETURN_IF_ERROR(sqlite::configure(*more));
    pool.push_back(std::move(more));
  }
  L402_ASSIGN_OR_RETURN(std::unique_ptr<Connection> watcher,
                        Connection::open(options.path, /*create=*/false, options.busy_timeout));
  L402_RETURN_IF_ERROR(sqlite::configure(*watcher));
  L402_ASSIGN_OR_RETURN(const std::int64_t data_version,
                        query_int(*watcher, "PRAGMA data_version", "open"));
  L402_ASSIGN_OR_RETURN(std::string state, fingerprint(*watcher));
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(
      options, std::move(pool), std::move(watcher), data_version, std::move(state)));
}

}  // namespace l402
