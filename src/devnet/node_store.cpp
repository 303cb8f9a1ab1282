#include "node_store.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <utility>

namespace l402::devnet {

namespace {

constexpr std::int64_t kSchemaVersion = 1;
constexpr auto kBusyTimeout = std::chrono::milliseconds(5'000);

constexpr std::string_view kCreateVersionTable =
    "CREATE TABLE IF NOT EXISTS devnet_schema_version (version INTEGER NOT NULL)";

// Version 1. Amounts in msat; times in Unix seconds; state 0 = open, 1 = settled (an open
// invoice past its expiry is reported as canceled, as LND cancels it, without a write).
// devnet_meta holds 'created_at' and 'add_index_floor' (no add_index up to it is given again:
// the largest given before the latest pruning, which may have deleted the newest invoices, or
// the end of the block reserved for queued invoices, which a crash may have lost).
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE devnet_meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
CREATE TABLE accounts (
  name TEXT PRIMARY KEY,
  balance_msat INTEGER NOT NULL CHECK (balance_msat >= 0)
);
CREATE TABLE invoices (
  add_index INTEGER PRIMARY KEY,
  payment_hash BLOB NOT NULL UNIQUE,
  account TEXT NOT NULL,
  bolt11 TEXT NOT NULL,
  preimage BLOB NOT NULL,
  payment_addr BLOB NOT NULL,
  memo TEXT NOT NULL,
  description_hash BLOB,
  amount_msat INTEGER,
  amount_paid_msat INTEGER NOT NULL DEFAULT 0,
  expiry_seconds INTEGER NOT NULL,
  cltv_expiry INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  state INTEGER NOT NULL,
  settled_at INTEGER NOT NULL DEFAULT 0,
  settle_index INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX invoices_by_settle_index ON invoices (settle_index) WHERE settle_index > 0;
CREATE INDEX open_invoices_by_expiry ON invoices (expires_at) WHERE state = 0;
CREATE TABLE payments (
  payment_index INTEGER PRIMARY KEY,
  account TEXT NOT NULL,
  payment_hash BLOB NOT NULL,
  bolt11 TEXT NOT NULL,
  succeeded INTEGER NOT NULL,
  preimage BLOB NOT NULL,
  amount_msat INTEGER NOT NULL,
  fee_msat INTEGER NOT NULL,
  failure TEXT,
  failure_message TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX payments_by_account_and_hash ON payments (account, payment_hash, payment_index);
)sql";

constexpr std::string_view kInvoiceColumns =
    "add_index, payment_hash, account, bolt11, preimage, payment_addr, memo, description_hash, "
    "amount_msat, amount_paid_msat, expiry_seconds, cltv_expiry, created_at, state, settled_at, "
    "settle_index";

constexpr std::string_view kPaymentColumns =
    "payment_index, account, payment_hash, bolt11, succeeded, preimage, amount_msat, fee_msat, "
    "failure, failure_message, created_at";

constexpr std::int64_t kStateSettled = 1;

std::string with_columns(std::string_view head, std::string_view columns, std::string_view tail) {
  std::string sql(head);
  sql += columns;
  sql += tail;
  return sql;
}

std::int64_t to_column(std::uint64_t value) { return static_cast<std::int64_t>(value); }
std::uint64_t from_column(std::int64_t value) { return static_cast<std::uint64_t>(value); }

Hash256 hash_column(const sqlite::Statement& row, int index) {
  Hash256 hash{};
  const std::string_view blob = row.column_blob(index);
  if (blob.size() == hash.size()) std::memcpy(hash.data(), blob.data(), hash.size());
  return hash;
}

DevnetInvoice read_invoice(const sqlite::Statement& row) {
  DevnetInvoice invoice;
  invoice.add_index = from_column(row.column_int64(0));
  InvoiceStatus& status = invoice.status;
  status.payment_hash = hash_column(row, 1);
  invoice.account = row.column_text(2);
  status.bolt11 = row.column_text(3);
  invoice.preimage = hash_column(row, 4);
  invoice.payment_addr = hash_column(row, 5);
  invoice.memo = row.column_text(6);
  if (!row.column_is_null(7)) invoice.description_hash = hash_column(row, 7);
  if (!row.column_is_null(8)) status.amount = Msat(from_column(row.column_int64(8)));
  status.amount_paid = Msat(from_column(row.column_int64(9)));
  invoice.expiry_seconds = from_column(row.column_int64(10));
  invoice.cltv_expiry = from_column(row.column_int64(11));
  status.created_at = from_column(row.column_int64(12));
  status.state =
      row.column_int64(13) == kStateSettled ? InvoiceState::kSettled : InvoiceState::kOpen;
  status.settled_at = from_column(row.column_int64(14));
  status.settle_index = from_column(row.column_int64(15));
  return invoice;
}

constexpr std::array<PayFailure, 8> kAllFailures{
    PayFailure::kNoRoute,        PayFailure::kInvoiceExpired,
    PayFailure::kAlreadyPaid,    PayFailure::kInsufficientBalance,
    PayFailure::kTimeout,        PayFailure::kUnavailable,
    PayFailure::kInvalidInvoice, PayFailure::kRejected};

PayFailure failure_from_name(std::string_view name) {
  for (const PayFailure failure : kAllFailures) {
    if (pay_failure_name(failure) == name) return failure;
  }
  return PayFailure::kRejected;
}

DevnetPayment read_payment(const sqlite::Statement& row) {
  DevnetPayment payment;
  payment.payment_index = from_column(row.column_int64(0));
  payment.account = row.column_text(1);
  payment.payment_hash = hash_column(row, 2);
  payment.bolt11 = row.column_text(3);
  payment.status =
      row.column_int64(4) != 0 ? DevnetPaymentStatus::kSucceeded : DevnetPaymentStatus::kFailed;
  payment.preimage = hash_column(row, 5);
  payment.amount = Msat(from_column(row.column_int64(6)));
  payment.fee = Msat(from_column(row.column_int64(7)));
  if (!row.column_is_null(8)) payment.failure = failure_from_name(row.column_text(8));
  payment.failure_message = row.column_text(9);
  payment.created_at = from_column(row.column_int64(10));
  return payment;
}

// Runs `body` inside BEGIN IMMEDIATE ... COMMIT, rolling back when anything fails.
template <typename Body>
Result<void> in_transaction(sqlite::Connection& db, std::string_view context, Body&& body) {
  L402_RETURN_IF_ERROR(db.exec("BEGIN IMMEDIATE", context));
  Result<void> done = body();
  if (done.ok()) done = db.exec("COMMIT", context);
  if (!done.ok()) sqlite::rollback_if_open(db);
  return done;
}

}  // namespace

Result<std::unique_ptr<NodeStore>> NodeStore::open(const std::filesystem::path& file,
                                                   std::uint64_t now) {
  L402_ASSIGN_OR_RETURN(std::unique_ptr<sqlite::Connection> connection,
                        sqlite::Connection::open(file.string(), /*create=*/true, kBusyTimeout));
  L402_RETURN_IF_ERROR(sqlite::check_usable(*connection));
  L402_RETURN_IF_ERROR(sqlite::use_wal(*connection));
  // NORMAL: see the header on durability.
  L402_RETURN_IF_ERROR(connection->exec("PRAGMA synchronous=NORMAL", "open"));
  std::unique_ptr<NodeStore> store(new NodeStore(std::move(connection)));
  L402_RETURN_IF_ERROR(store->create_schema(now));
  L402_RETURN_IF_ERROR(store->load_counters());
  L402_ASSIGN_OR_RETURN(store->checkpointer_, WalCheckpointer::start(*store->db_));
  return store;
}

Result<void> NodeStore::create_schema(std::uint64_t now) {
  return in_transaction(*db_, "create schema", [&]() -> Result<void> {
    L402_RETURN_IF_ERROR(db_->exec(kCreateVersionTable, "create schema"));
    L402_ASSIGN_OR_RETURN(
        const std::int64_t version,
        sqlite::query_int(*db_, "SELECT COALESCE(MAX(version), 0) FROM devnet_schema_version",
                          "read schema version"));
    if (version > kSchemaVersion) {
      return Error(ErrorCode::kFailedPrecondition,
                   "sqlite database " + db_->path() + ": devnet schema version " +
                       std::to_string(version) + " is newer than this build supports (" +
                       std::to_string(kSchemaVersion) + ")");
    }
    if (version == kSchemaVersion) return ok_result();
    L402_RETURN_IF_ERROR(db_->exec(kSchemaV1, "create schema"));
    L402_ASSIGN_OR_RETURN(
        sqlite::Statement meta,
        db_->prepare("INSERT INTO devnet_meta (key, value) VALUES ('created_at', ?1)",
                     "create schema"));
    L402_RETURN_IF_ERROR(meta.bind(1, to_column(now)).run());
    L402_ASSIGN_OR_RETURN(
        sqlite::Statement record,
        db_->prepare("INSERT INTO devnet_schema_version (version) VALUES (?1)", "create schema"));
    return record.bind(1, kSchemaVersion).run();
  });
}

Result<void> NodeStore::load_counters() {
  L402_ASSIGN_OR_RETURN(
      const std::int64_t created,
      sqlite::query_int(*db_, "SELECT value FROM devnet_meta WHERE key = 'created_at'",
                        "read creation time"));
  L402_ASSIGN_OR_RETURN(
      const std::int64_t settled,
      sqlite::query_int(*db_, "SELECT COALESCE(MAX(settle_index), 0) FROM invoices",
                        "read settle index"));
  L402_ASSIGN_OR_RETURN(
      const std::int64_t added,
      sqlite::query_int(
          *db_,
          "SELECT MAX(COALESCE((SELECT MAX(add_index) FROM invoices), 0), "
          "COALESCE((SELECT value FROM devnet_meta WHERE key = 'add_index_floor'), 0))",
          "read add index"));
  created_at_ = from_column(created);
  last_settle_index_ = from_column(settled);
  last_add_index_ = from_column(added);
  reserved_add_index_ = last_add_index_;
  return ok_result();
}

Result<void> NodeStore::ensure_account(std::string_view name, Msat initial_balance) {
  L402_ASSIGN_OR_RETURN(
      sqlite::Statement insert,
      db_->prepare("INSERT OR IGNORE INTO accounts (name, balance_msat) VALUES (?1, ?2)",
                   "create account"));
  return insert.bind_text(1, name).bind(2, to_column(initial_balance.value())).run();
}

Result<std::vector<std::string>> NodeStore::account_names() {
  L402_ASSIGN_OR_RETURN(sqlite::Statement select,
                        db_->prepare("SELECT name FROM accounts ORDER BY name", "list accounts"));
  std::vector<std::string> names;
  while (true) {
    L402_ASSIGN_OR_RETURN(const bool row, select.step());
    if (!row) return names;
    names.push_back(select.column_text(0));
  }
}

Result<std::optional<Msat>> NodeStore::balance(std::string_view account) {
  L402_ASSIGN_OR_RETURN(
      sqlite::Statement select,
      db_->prepare("SELECT balance_msat FROM accounts WHERE name = ?1", "read balance"));
  select.bind_text(1, account);
  L402_ASSIGN_OR_RETURN(const bool row, select.step());
  if (!row) return std::optional<Msat>();
  return std::optional<Msat>(Msat(from_column(select.column_int64(0))));
}

Result<void> NodeStore::set_balance(std::string_view account, Msat balance) {
  L402_ASSIGN_OR_RETURN(
      sqlite::Statement update,
      db_->prepare("UPDATE accounts SET balance_msat = ?1 WHERE name = ?2", "update balance"));
  return update.bind(1, to_column(balance.value())).bind_text(2, account).run();
}

Result<void> NodeStore::insert_row(const DevnetInvoice& invoice) {
  const InvoiceStatus& status = invoice.status;
  // expires_at has a column of its own so that an index serves the pruning query.
  const std::uint64_t expires_at =
      std::min(status.created_at + invoice.expiry_seconds, from_column(INT64_MAX));
  L402_ASSIGN_OR_RETURN(
      sqlite::Statement insert,
      db_->prepare("INSERT INTO invoices (payment_hash, account, bolt11, preimage, payment_addr, "
                   "memo, description_hash, amount_msat, expiry_seconds, cltv_expiry, "
                   "created_at, expires_at, state, add_index) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0, ?13)",
                   "add invoice"));
  insert.bind_blob(1, status.payment_hash)
      .bind_text(2, invoice.account)
      .bind_text(3, status.bolt11)
      .bind_blob(4, invoice.preimage)
      .bind_blob(5, invoice.payment_addr)
      .bind_text(6, invoice.memo);
  if (invoice.description_hash.has_value()) insert.bind_blob(7, *invoice.description_hash);
  if (status.amount.has_value()) insert.bind(8, to_column(status.amount->value()));
  insert.bind(9, to_column(invoice.expiry_seconds))
      .bind(10, to_column(invoice.cltv_expiry))
      .bind(11, to_column(status.created_at))
      .bind(12, to_column(expires_at))
      .bind(13, to_column(invoice.add_index));
  return insert.run();
}

Result<void> NodeStore::insert_invoice(DevnetInvoice& invoice) {
  L402_RETURN_IF_ERROR(write_queued_invoices());
  invoice.add_index = last_add_index_ + 1;
  Result<void> inserted = insert_row(invoice);
  if (!inserted.ok()) {
    invoice.add_index = 0;
    return inserted;
  }
  last_add_index_ = invoice.add_index;
  return ok_result();
}

Result<void> NodeStore::write_add_index_floor(std::uint64_t floor) {
  L402_ASSIGN_OR_RETURN(
      sqlite::Statement write,
      db_->prepare("INSERT OR REPLACE INTO devnet_meta (key, value) VALUES ('add_index_floor', ?1)",
                   "keep add index"));
  return write.bind(1, to_column(floor)).run();
}

Result<void> NodeStore::queue_invoice(DevnetInvoice& invoice) {
  if (queued_.size() >= kMaxQueuedInvoices) L402_RETURN_IF_ERROR(write_queued_invoices());
  if (last_add_index_ + 1 > reserved_add_index_) {
    // Queued invoices are lost in a crash; their indexes must not be given again after it.
    const std::uint64_t reserved = last_add_index_ + kAddIndexBlock;
    L402_RETURN_IF_ERROR(write_add_index_floor(reserved));
    reserved_add_index_ = reserved;
  }
  invoice.add_index = ++last_add_index_;
  queued_.push_back(invoice);
  return ok_result();
}

Result<void> NodeStore::write_queued_invoices() {
  if (queued_.empty()) return ok_result();
  Result<void> written = in_transaction(*db_, "add invoices", [&]() -> Result<void> {
    for (const DevnetInvoice& invoice : queued_) L402_RETURN_IF_ERROR(insert_row(invoice));
    return ok_result();
  });
  if (!written.ok()) return written;
  queued_.clear();
  return ok_result();
}

NodeStore::~NodeStore() {
  // Nothing to report to at this point; a failure loses only unpaid invoices (see above).
  // After a clean close the indexes continue from the last one given, not from the block
  // reserved for a crash.
  if (write_queued_invoices().ok() && reserved_add_index_ > last_add_index_) {
    (void)write_add_index_floor(last_add_index_);
  }
}

Result<std::optional<DevnetInvoice>> NodeStore::find_invoice(const Hash256& payment_hash) {
  L402_RETURN_IF_ERROR(write_queued_invoices());
  static const std::string kSelect =
      with_columns("SELECT ", kInvoiceColumns, " FROM invoices WHERE payment_hash = ?1");
  L402_ASSIGN_OR_RETURN(sqlite::Statement select, db_->prepare(kSelect, "lookup invoice"));
  select.bind_blob(1, payment_hash);
  L402_ASSIGN_OR_RETURN(const bool row, select.step());
  if (!row) return std::optional<DevnetInvoice>();
  return std::optional<DevnetInvoice>(read_invoice(select));
}

namespace {

Result<std::vector<DevnetInvoice>> read_invoices(sqlite::Statement& select) {
  std::vector<DevnetInvoice> invoices;
  while (true) {
    L402_ASSIGN_OR_RETURN(const bool row, select.step());
    if (!row) return invoices;
    invoices.push_back(read_invoice(select));
  }
}

std::int64_t limit_column(std::size_t limit) {
  return static_cast<std::int64_t>(std::min<std::size_t>(limit, 1'000'000'000));
}

}  // namespace

Result<std::vector<DevnetInvoice>> NodeStore::invoices_added_after(std::uint64_t add_index,
                                                                   std::size_t limit) {
  L402_RETURN_IF_ERROR(write_queued_invoices());
  static const std::string kSelect =
      with_columns("SELECT ", kInvoiceColumns,
                   " FROM invoices WHERE add_index > ?1 ORDER BY add_index LIMIT ?2");
  L402_ASSIGN_OR_RETURN(sqlite::Statement select, db_->prepare(kSelect, "list added invoices"));
  select.bind(1, to_column(add_index)).bind(2, limit_column(limit));
  return read_invoices(select);
}

Result<std::vector<DevnetInvoice>> NodeStore::invoices_settled_after(std::uint64_t settle_index,
                                                                     std::size_t limit) {
  static const std::string kSelect =
      with_columns("SELECT ", kInvoiceColumns,
                   " FROM invoices WHERE settle_index > ?1 ORDER BY settle_index LIMIT ?2");
  L402_ASSIGN_OR_RETURN(sqlite::Statement select, db_->prepare(kSelect, "list settled invoices"));
  select.bind(1, to_column(settle_index)).bind(2, limit_column(limit));
  return read_invoices(select);
}

Result<std::size_t> NodeStore::delete_open_invoices_expired_before(std::uint64_t cutoff,
                                                                   std::size_t limit) {
  L402_RETURN_IF_ERROR(write_queued_invoices());
  // Deleting the newest invoices must not let their add_index be given again.
  L402_RETURN_IF_ERROR(write_add_index_floor(std::max(last_add_index_, reserved_add_index_)));
  L402_ASSIGN_OR_RETURN(
      sqlite::Statement remove,
      db_->prepare("DELETE FROM invoices WHERE add_index IN (SELECT add_index FROM invoices "
                   "WHERE state = 0 AND expires_at < ?1 LIMIT ?2)",
                   "delete expired invoices"));
  L402_RETURN_IF_ERROR(remove.bind(1, to_column(cutoff)).bind(2, limit_column(limit)).run());
  return static_cast<std::size_t>(db_->changes());
}

Result<void> NodeStore::insert_payment(DevnetPayment& payment) {
  static const std::string kInsert =
      with_columns("INSERT INTO payments (", kPaymentColumns,
                   ") VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  L402_ASSIGN_OR_RETURN(sqlite::Statement insert, db_->prepare(kInsert, "record payment"));
  insert.bind_text(1, payment.account)
      .bind_blob(2, payment.payment_hash)
      .bind_text(3, payment.bolt11)
      .bind(4, payment.status == DevnetPaymentStatus::kSucceeded ? 1 : 0)
      .bind_blob(5, payment.preimage)
      .bind(6, to_column(payment.amount.value()))
      .bind(7, to_column(payment.fee.value()));
  if (payment.failure.has_value()) insert.bind_text(8, pay_failure_name(*payment.failure));
  insert.bind_text(9, payment.failure_message).bind(10, to_column(payment.created_at));
  L402_RETURN_IF_ERROR(insert.run());
  payment.payment_index = from_column(sqlite3_last_insert_rowid(db_->handle()));
  return ok_result();
}

Result<void> NodeStore::record_payment(DevnetPayment& payment) { return insert_payment(payment); }

Result<void> NodeStore::apply_settlement(const Settlement& settlement, DevnetPayment& payment) {
  L402_RETURN_IF_ERROR(write_queued_invoices());
  Result<void> applied = in_transaction(*db_, "settle invoice", [&]() -> Result<void> {
    L402_RETURN_IF_ERROR(set_balance(settlement.payer, settlement.payer_balance_after));
    if (settlement.payee != settlement.payer) {
      L402_RETURN_IF_ERROR(set_balance(settlement.payee, settlement.payee_balance_after));
    }
    L402_ASSIGN_OR_RETURN(
        sqlite::Statement settle,
        db_->prepare("UPDATE invoices SET state = 1, amount_paid_msat = ?1, settled_at = ?2, "
                     "settle_index = ?3 WHERE payment_hash = ?4 AND state = 0",
                     "settle invoice"));
    L402_RETURN_IF_ERROR(settle.bind(1, to_column(settlement.amount_paid.value()))
                             .bind(2, to_column(settlement.settled_at))
                             .bind(3, to_column(settlement.settle_index))
                             .bind_blob(4, settlement.payment_hash)
                             .run());
    if (db_->changes() != 1) {
      return Error(ErrorCode::kInternal, "settle invoice: the invoice is no longer open");
    }
    return insert_payment(payment);
  });
  if (!applied.ok()) {
    payment.payment_index = 0;
    return applied;
  }
  last_settle_index_ = settlement.settle_index;
  return ok_result();
}

Result<std::optional<DevnetPayment>> NodeStore::latest_payment(std::string_view account,
                                                               const Hash256& payment_hash) {
  static const std::string kSelect = with_columns(
      "SELECT ", kPaymentColumns,
      " FROM payments WHERE account = ?1 AND payment_hash = ?2 ORDER BY payment_index DESC "
      "LIMIT 1");
  L402_ASSIGN_OR_RETURN(sqlite::Statement select, db_->prepare(kSelect, "lookup payment"));
  select.bind_text(1, account).bind_blob(2, payment_hash);
  L402_ASSIGN_OR_RETURN(const bool row, select.step());
  if (!row) return std::optional<DevnetPayment>();
  return std::optional<DevnetPayment>(read_payment(select));
}

}  // namespace l402::devnet
