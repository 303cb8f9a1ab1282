// ClientStore over SQLite: the purchase journal, the tokens and the ledger (client_store.hpp).
// Every call holds one in-process mutex around the one connection; across processes SQLite's
// locks and the busy timeout apply, and every write is one BEGIN IMMEDIATE transaction, so a
// check and the write it guards (begin_purchase) cannot interleave with another process.
#include "l402/client_store.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "client/jar/open_database.hpp"
#include "client/jar/records.hpp"
#include "client/jar/sqlite.hpp"
#include "client/jar/token_document.hpp"
#include "l402/encoding.hpp"
#include "l402/purchase_policy.hpp"

namespace l402 {

namespace {

using client_jar::Connection;
using client_jar::kPendingColumns;
using client_jar::kReceiptColumns;
using client_jar::kTokenColumns;
using client_jar::Statement;

std::span<const std::uint8_t> bytes_of(const Hash256& hash) { return hash; }

std::string sql(std::string_view head, std::string_view columns, std::string_view tail) {
  return std::string(head) + std::string(columns) + std::string(tail);
}

Msat saturating_add(Msat a, Msat b) { return a.checked_add(b).value_or(Msat(UINT64_MAX)); }

// Every row of a statement through `read`.
template <typename T, typename Read>
Result<std::vector<T>> collect(Statement& statement, Read read) {
  std::vector<T> out;
  while (true) {
    L402_ASSIGN_OR_RETURN(const bool row, statement.step());
    if (!row) return out;
    L402_ASSIGN_OR_RETURN(T value, read(statement));
    out.push_back(std::move(value));
  }
}

// Whether a query bound to one payment hash (or text) finds a row.
Result<bool> exists(Connection& c, std::string_view query, const Hash256& hash,
                    std::string_view context) {
  L402_ASSIGN_OR_RETURN(Statement statement, c.prepare(query, context));
  statement.bind_blob(1, bytes_of(hash));
  L402_ASSIGN_OR_RETURN(const bool row, statement.step());
  return row;
}

class SqliteClientStore final : public ClientStore {
 public:
  SqliteClientStore(std::unique_ptr<Connection> connection, const ClientStoreOptions& options)
      : connection_(std::move(connection)), limits_(options.limits) {}

  // ---- The purchase journal

  Result<void> begin_purchase(const PendingPurchase& pending) override {
    L402_RETURN_IF_ERROR(client_jar::check_pending(pending, limits_));
    std::lock_guard lock(mutex_);
    Connection& c = *connection_;
    return in_transaction(c, /*write=*/true, "begin_purchase", [&]() -> Result<void> {
      L402_RETURN_IF_ERROR(refuse_known_hash(c, pending.payment_hash));
      L402_ASSIGN_OR_RETURN(
          Statement insert,
          c.prepare(sql("INSERT INTO pending_purchases (", kPendingColumns,
                        ", host) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
                    "begin_purchase"));
      insert.bind_blob(1, bytes_of(pending.payment_hash))
          .bind_text(2, pending.token_id)
          .bind_text(3, pending.invoice)
          .bind_text(4, pending.macaroon_base64)
          .bind_text(5, pending.origin)
          .bind_text(6, pending.service)
          .bind_text(7, pending.path)
          .bind(8, static_cast<std::int64_t>(pending.amount.value()))
          .bind(9, static_cast<std::int64_t>(pending.max_fee.value()))
          .bind(10, pending.started_at)
          .bind_text(12, origin_host(pending.origin));
      if (pending.expires_at) {
        insert.bind(11, *pending.expires_at);
      } else {
        insert.bind_null(11);
      }
      return insert.run();
    });
  }

  Result<StoredToken> complete_purchase(const Hash256& payment_hash, const Payment& payment,
                                        std::int64_t now) override {
    const std::string hash_hex = hex::encode(payment_hash);
    if (payment.payment_hash != payment_hash) {
      return Error(ErrorCode::kUnauthenticated,
                   "complete_purchase: the wallet's payment is for payment hash " +
                       hex::encode(payment.payment_hash) + ", not " + hash_hex);
    }
    if (sha256(as_view(payment.preimage)) != payment_hash) {
      return Error(ErrorCode::kUnauthenticated,
                   "complete_purchase: the preimage the wallet returned does not hash to " +
                       hash_hex + "; the payment is not proven");
    }
    std::lock_guard lock(mutex_);
    Connection& c = *connection_;
    return in_transaction(c, /*write=*/true, "complete_purchase", [&]() -> Result<StoredToken> {
      L402_ASSIGN_OR_RETURN(std::optional<PendingPurchase> pending,
                            pending_by_hash(c, payment_hash));
      if (!pending) return already_completed(c, payment_hash);
      StoredToken token;
      token.token_id = pending->token_id;
      token.origin = pending->origin;
      token.service = pending->service;
      token.path_scope = pending->path;
      token.macaroon_base64 = pending->macaroon_base64;
      token.payment_hash = payment_hash;
      token.preimage = payment.preimage;
      token.amount = payment.amount;
      token.fee = payment.fee;
      token.bought_at = now;
      token.expires_at = pending->expires_at;
      L402_RETURN_IF_ERROR(client_jar::check_token(token, limits_));
      L402_RETURN_IF_ERROR(insert_token(c, token, "complete_purchase"));
      L402_RETURN_IF_ERROR(insert_receipt(c, token));
      L402_ASSIGN_OR_RETURN(
          Statement remove,
          c.prepare("DELETE FROM pending_purchases WHERE payment_hash = ?1", "complete_purchase"));
      remove.bind_blob(1, bytes_of(payment_hash));
      L402_RETURN_IF_ERROR(remove.run());
      return token;
    });
  }

  Result<void> fail_purchase(const Hash256& payment_hash) override {
    std::lock_guard lock(mutex_);
    Connection& c = *connection_;
    return in_transaction(c, /*write=*/true, "fail_purchase", [&]() -> Result<void> {
      L402_ASSIGN_OR_RETURN(
          Statement remove,
          c.prepare("DELETE FROM pending_purchases WHERE payment_hash = ?1", "fail_purchase"));
      remove.bind_blob(1, bytes_of(payment_hash));
      L402_RETURN_IF_ERROR(remove.run());
      if (c.changes() == 0) {
        return Error(ErrorCode::kNotFound, "fail_purchase: no pending purchase for payment hash " +
                                               hex::encode(payment_hash));
      }
      return ok_result();
    });
  }

  Result<std::vector<PendingPurchase>> pending_purchases() override {
    std::lock_guard lock(mutex_);
    Connection& c = *connection_;
    L402_ASSIGN_OR_RETURN(
        Statement select,
        c.prepare(sql("SELECT ", kPendingColumns,
                      " FROM pending_purchases ORDER BY started_at, payment_hash"),
                  "pending_purchases"));
    return collect<PendingPurchase>(
        select, [&](const Statement& row) { return client_jar::read_pending(row, c, limits_); });
  }

  // ---- Tokens

  Result<std::vector<StoredToken>> tokens_for_origin(std::string_view origin) override {
    std::lock_guard lock(mutex_);
    Connection& c = *connection_;
    L402_ASSIGN_OR_RETURN(
        Statement select,
        c.prepare(sql("SELECT ", kTokenColumns,
                      " FROM tokens WHERE origin = ?1 ORDER BY bought_at DESC, token_id DESC"),
                  "tokens_for_origin"));
    select.bind_text(1, origin);
    return read_tokens(c, select);
  }

  Result<StoredToken> find_token(std::string_view id_or_prefix) override {
    if (id_or_prefix.empty() || id_or_prefix.size() > 64 ||
        !std::all_of(id_or_prefix.begin(), id_or_prefix.end(),
                     [](char ch) { return std::isxdigit(static_cast<unsigned char>(ch)) != 0; })) {
      return Error(ErrorCode::kInvalidArgument,
                   "find_token: a token ID or prefix is 1 to 64 hex digits");
    }
    std::string prefix(id_or_prefix);
    for (char& ch : prefix) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    std::lock_guard lock(mutex_);
    Connection& c = *connection_;
    return in_transaction(c, /*write=*/false, "find_token", [&]() -> Result<StoredToken> {
      // Hex digits sort below 'g', so the IDs starting with `prefix` are [prefix, prefix + 'g').
      L402_ASSIGN_OR_RETURN(
          Statement select,
          c.prepare(sql("SELECT ", kTokenColumns,
                        " FROM tokens WHERE token_id >= ?1 AND token_id < ?1 || 'g' "
                        "ORDER BY token_id LIMIT 2"),
                    "find_token"));
      select.bind_text(1, prefix);
      L402_ASSIGN_OR_RETURN(std::vector<StoredToken> found, read_tokens(c, select));
      if (found.empty()) {
        return Error(ErrorCode::kNotFound, "find_token: no token ID starts with " + prefix);
      }
      if (found.size() > 1) {
        L402_ASSIGN_OR_RETURN(Statement count,
                              c.prepare("SELECT COUNT(*) FROM tokens WHERE token_id >= ?1 AND "
                                        "token_id < ?1 || 'g'",
                                        "find_token"));
        count.bind_text(1, prefix);
        L402_ASSIGN_OR_RETURN(const bool row, count.step());
        const std::int64_t n = row ? count.column_int64(0) : 2;
        return Error(ErrorCode::kInvalidArgument, "find_token: " + std::to_string(n) +
                                                      " tokens start with " + prefix +
                                                      "; give more digits");
      }
      return std::move(found.front());
    });
  }

  Result<std::vector<StoredToken>> list_tokens() override {
    std::lock_guard lock(mutex_);
    return list_tokens_locked();
  }

  Result<void> mark_stale(std::string_view token_id) override {
    return change_token(token_id, "UPDATE tokens SET stale = 1 WHERE token_id = ?1", "mark_stale");
  }

  Result<void> remove_token(std::string_view token_id) override {
    return change_token(token_id, "DELETE FROM tokens WHERE token_id = ?1", "remove_token");
  }

  // ---- The ledger

  Result<SpentToday> spent_today(std::string_view host, std::int64_t now) override {
    const UtcDay day = utc_day(now);
    std::lock_guard lock(mutex_);
    Connection& c = *connection_;
    return in_transaction(c, /*write=*/false, "spent_today", [&]() -> Result<SpentToday> {
      SpentToday spent;
      // Receipts of the day, and every purchase still in flight at its worst: it will land
      // in the ledger when it completes, most likely today.
      L402_ASSIGN_OR_RETURN(
          Statement receipts,
          c.prepare("SELECT host, amount_msat, fee_msat FROM receipts WHERE at >= ?1 AND at < ?2",
                    "spent_today"));
      receipts.bind(1, day.start).bind(2, day.end);
      L402_RETURN_IF_ERROR(add_up(receipts, host, spent));
      L402_ASSIGN_OR_RETURN(
          Statement pending,
          c.prepare("SELECT host, amount_msat, max_fee_msat FROM pending_purchases",
                    "spent_today"));
      L402_RETURN_IF_ERROR(add_up(pending, host, spent));
      return spent;
    });
  }

  Result<std::vector<Receipt>> spending(std::int64_t since, std::int64_t until) override {
    std::lock_guard lock(mutex_);
    return spending_locked(since, until);
  }

  Result<std::vector<SpendingSummary>> spending_by_host(std::int64_t since,
                                                        std::int64_t until) override {
    std::lock_guard lock(mutex_);
    L402_ASSIGN_OR_RETURN(const std::vector<Receipt> receipts, spending_locked(since, until));
    std::map<std::string, SpendingSummary> groups;
    for (const Receipt& receipt : receipts) add_to(groups[receipt.host], receipt);
    return summaries(std::move(groups), [](const std::string& host) { return host; });
  }

  Result<std::vector<SpendingSummary>> spending_by_day(std::int64_t since,
                                                       std::int64_t until) override {
    std::lock_guard lock(mutex_);
    L402_ASSIGN_OR_RETURN(const std::vector<Receipt> receipts, spending_locked(since, until));
    std::map<std::int64_t, SpendingSummary> groups;
    for (const Receipt& receipt : receipts) add_to(groups[utc_day(receipt.at).start], receipt);
    return summaries(std::move(groups), [](std::int64_t start) { return utc_date(start); });
  }

  // ---- Export and import

  Result<std::string> export_tokens() override {
    std::lock_guard lock(mutex_);
    L402_ASSIGN_OR_RETURN(const std::vector<StoredToken> tokens, list_tokens_locked());
    return client_jar::write_token_document(tokens);
  }

  Result<ImportReport> import_tokens(std::string_view json) override {
    L402_ASSIGN_OR_RETURN(const std::vector<StoredToken> tokens,
                          client_jar::read_token_document(json, limits_));
    std::lock_guard lock(mutex_);
    Connection& c = *connection_;
    return in_transaction(c, /*write=*/true, "import_tokens", [&]() -> Result<ImportReport> {
      ImportReport report;
      for (const StoredToken& token : tokens) {
        L402_ASSIGN_OR_RETURN(
            Statement held,
            c.prepare("SELECT 1 FROM tokens WHERE token_id = ?1 OR payment_hash = ?2",
                      "import_tokens"));
        held.bind_text(1, token.token_id).bind_blob(2, bytes_of(token.payment_hash));
        L402_ASSIGN_OR_RETURN(const bool duplicate, held.step());
        if (duplicate) {
          ++report.skipped;
          continue;
        }
        L402_RETURN_IF_ERROR(insert_token(c, token, "import_tokens"));
        ++report.imported;
      }
      return report;
    });
  }

 private:
  // kAlreadyExists when paying `hash` could be paying twice.
  static Result<void> refuse_known_hash(Connection& c, const Hash256& hash) {
    const std::string hash_hex = hex::encode(hash);
    L402_ASSIGN_OR_RETURN(const bool pending,
                          exists(c, "SELECT 1 FROM pending_purchases WHERE payment_hash = ?1", hash,
                                 "begin_purchase"));
    if (pending) {
      return Error(ErrorCode::kAlreadyExists,
                   "begin_purchase: a purchase of payment hash " + hash_hex +
                       " is already in progress; its outcome must be learnt from the wallet");
    }
    L402_ASSIGN_OR_RETURN(
        const bool paid,
        exists(c, "SELECT 1 FROM receipts WHERE payment_hash = ?1", hash, "begin_purchase"));
    L402_ASSIGN_OR_RETURN(const bool held, exists(c, "SELECT 1 FROM tokens WHERE payment_hash = ?1",
                                                  hash, "begin_purchase"));
    if (paid || held) {
      return Error(ErrorCode::kAlreadyExists,
                   "begin_purchase: payment hash " + hash_hex + " was paid already");
    }
    return ok_result();
  }

  Result<std::optional<PendingPurchase>> pending_by_hash(Connection& c, const Hash256& hash) {
    L402_ASSIGN_OR_RETURN(Statement select,
                          c.prepare(sql("SELECT ", kPendingColumns,
                                        " FROM pending_purchases WHERE payment_hash = ?1"),
                                    "complete_purchase"));
    select.bind_blob(1, bytes_of(hash));
    L402_ASSIGN_OR_RETURN(const bool row, select.step());
    if (!row) return std::optional<PendingPurchase>();
    L402_ASSIGN_OR_RETURN(PendingPurchase pending, client_jar::read_pending(select, c, limits_));
    return std::optional<PendingPurchase>(std::move(pending));
  }

  // complete_purchase() for a hash that is no longer pending: the token, if this purchase
  // was completed before (by another process recovering it, say).
  Result<StoredToken> already_completed(Connection& c, const Hash256& hash) {
    L402_ASSIGN_OR_RETURN(Statement select, c.prepare(sql("SELECT ", kTokenColumns,
                                                          " FROM tokens WHERE payment_hash = ?1"),
                                                      "complete_purchase"));
    select.bind_blob(1, bytes_of(hash));
    L402_ASSIGN_OR_RETURN(std::vector<StoredToken> found, read_tokens(c, select));
    if (found.empty()) {
      return Error(
          ErrorCode::kNotFound,
          "complete_purchase: no pending purchase or token for payment hash " + hex::encode(hash));
    }
    return std::move(found.front());
  }

  static Result<void> insert_token(Connection& c, const StoredToken& token,
                                   std::string_view context) {
    L402_ASSIGN_OR_RETURN(
        Statement insert,
        c.prepare(sql("INSERT INTO tokens (", kTokenColumns,
                      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
                  context));
    client_jar::bind_token(insert, token);
    return insert.run();
  }

  static Result<void> insert_receipt(Connection& c, const StoredToken& token) {
    L402_ASSIGN_OR_RETURN(Statement insert,
                          c.prepare(sql("INSERT INTO receipts (", kReceiptColumns,
                                        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
                                    "complete_purchase"));
    insert.bind(1, token.bought_at)
        .bind_text(2, origin_host(token.origin))
        .bind_text(3, token.origin)
        .bind_text(4, token.service)
        .bind(5, static_cast<std::int64_t>(token.amount.value()))
        .bind(6, static_cast<std::int64_t>(token.fee.value()))
        .bind_blob(7, bytes_of(token.payment_hash))
        .bind_blob(8, bytes_of(token.preimage))
        .bind_text(9, token.token_id);
    return insert.run();
  }

  Result<std::vector<StoredToken>> read_tokens(Connection& c, Statement& select) {
    return collect<StoredToken>(
        select, [&](const Statement& row) { return client_jar::read_token(row, c, limits_); });
  }

  Result<std::vector<StoredToken>> list_tokens_locked() {
    Connection& c = *connection_;
    L402_ASSIGN_OR_RETURN(Statement select,
                          c.prepare(sql("SELECT ", kTokenColumns,
                                        " FROM tokens ORDER BY bought_at DESC, token_id DESC"),
                                    "list_tokens"));
    return read_tokens(c, select);
  }

  Result<std::vector<Receipt>> spending_locked(std::int64_t since, std::int64_t until) {
    Connection& c = *connection_;
    L402_ASSIGN_OR_RETURN(
        Statement select,
        c.prepare(sql("SELECT ", kReceiptColumns,
                      " FROM receipts WHERE at >= ?1 AND at < ?2 ORDER BY at, payment_hash"),
                  "spending"));
    select.bind(1, since).bind(2, until);
    return collect<Receipt>(
        select, [&](const Statement& row) { return client_jar::read_receipt(row, c, limits_); });
  }

  Result<void> change_token(std::string_view token_id, std::string_view statement_sql,
                            std::string_view context) {
    L402_RETURN_IF_ERROR(client_jar::check_token_id(token_id));
    std::lock_guard lock(mutex_);
    Connection& c = *connection_;
    return in_transaction(c, /*write=*/true, context, [&]() -> Result<void> {
      L402_ASSIGN_OR_RETURN(Statement change, c.prepare(statement_sql, context));
      change.bind_text(1, token_id);
      L402_RETURN_IF_ERROR(change.run());
      if (c.changes() == 0) {
        return Error(ErrorCode::kNotFound,
                     std::string(context) + ": no token " + std::string(token_id));
      }
      return ok_result();
    });
  }

  // Adds rows of (host, amount, fee) to `spent`; sums saturate rather than wrap.
  static Result<void> add_up(Statement& rows, std::string_view host, SpentToday& spent) {
    while (true) {
      L402_ASSIGN_OR_RETURN(const bool row, rows.step());
      if (!row) return ok_result();
      const auto msat = [&](int column) {
        const std::int64_t value = rows.column_int64(column);
        return Msat(value < 0 ? 0 : static_cast<std::uint64_t>(value));
      };
      const Msat cost = saturating_add(msat(1), msat(2));
      spent.total = saturating_add(spent.total, cost);
      if (rows.column_text(0) == host) spent.host = saturating_add(spent.host, cost);
    }
  }

  static void add_to(SpendingSummary& summary, const Receipt& receipt) {
    ++summary.purchases;
    summary.amount = saturating_add(summary.amount, receipt.amount);
    summary.fee = saturating_add(summary.fee, receipt.fee);
  }

  template <typename Key, typename Name>
  static std::vector<SpendingSummary> summaries(std::map<Key, SpendingSummary> groups, Name name) {
    std::vector<SpendingSummary> out;
    out.reserve(groups.size());
    for (auto& [key, summary] : groups) {
      summary.key = name(key);
      out.push_back(std::move(summary));
    }
    return out;
  }

  std::mutex mutex_;
  const std::unique_ptr<Connection> connection_;  // used under mutex_
  const ClientStoreLimits limits_;
};

}  // namespace

Result<std::unique_ptr<ClientStore>> ClientStore::open(const std::string& directory,
                                                       const ClientStoreOptions& options) {
  L402_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection,
                        client_jar::open_database(directory, options));
  return std::unique_ptr<ClientStore>(
      std::make_unique<SqliteClientStore>(std::move(connection), options));
}

}  // namespace l402
