#include "store/sqlite_db.hpp"

#include <algorithm>
#include <thread>
#include <utility>

#include "store/schema.hpp"

namespace l402::sqlite {

namespace {

std::string describe(sqlite3* db, int rc) {
  // sqlite3_errmsg() holds the detail ("UNIQUE constraint failed: challenges.token_id") when
  // it belongs to this result code; otherwise the generic text of the code.
  if (db != nullptr && sqlite3_extended_errcode(db) == rc) return sqlite3_errmsg(db);
  return sqlite3_errstr(rc);
}

}  // namespace

Error error_from(sqlite3* db, int rc, std::string_view path, std::string_view context) {
  const std::string detail = describe(db, rc);
  std::string prefix = "sqlite database " + std::string(path) + ": " + std::string(context);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error(ErrorCode::kUnavailable,
                   prefix + ": locked by another writer beyond the busy timeout (" + detail + ")");
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return Error(ErrorCode::kAlreadyExists, prefix + ": " + detail);
      }
      return Error(ErrorCode::kInternal, prefix + ": " + detail);
    case SQLITE_CORRUPT:
      return Error(ErrorCode::kFailedPrecondition,
                   prefix + ": the file is corrupt (" + detail + "); restore it from a backup");
    case SQLITE_NOTADB:
      return Error(ErrorCode::kFailedPrecondition,
                   prefix + ": the file is not a SQLite database (" + detail + ")");
    case SQLITE_READONLY:
      return Error(ErrorCode::kFailedPrecondition,
                   prefix + ": the database is read-only (" + detail +
                       "); the file and its directory must be writable");
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return Error(ErrorCode::kFailedPrecondition,
                   prefix + ": cannot open the file or its journal (" + detail +
                       "); check that the directory exists and is writable");
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
    case SQLITE_INTERRUPT:
      return Error(ErrorCode::kUnavailable, prefix + ": " + detail);
    default:
      return Error(ErrorCode::kInternal, prefix + ": " + detail);
  }
}

// ---- Statement ---------------------------------------------------------------------------

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      connection_(other.connection_),
      context_(other.context_),
      bind_error_(other.bind_error_) {}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Statement& Statement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Statement& Statement::bind_text(int index, std::string_view text) {
  const int rc =
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Statement& Statement::bind_blob(int index, std::span<const std::uint8_t> bytes) {
  const int rc = sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Statement& Statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Result<bool> Statement::step() {
  if (bind_error_ != SQLITE_OK) return connection_->error(bind_error_, context_);
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return connection_->error(rc, context_);
}

Result<void> Statement::run() {
  while (true) {
    L402_ASSIGN_OR_RETURN(const bool row, step());
    if (!row) return ok_result();
  }
}

std::int64_t Statement::column_int64(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string Statement::column_text(int index) const {
  const unsigned char* text = sqlite3_column_text(stmt_, index);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)));
}

std::string_view Statement::column_blob(int index) const {
  const void* data = sqlite3_column_blob(stmt_, index);
  if (data == nullptr) return {};
  return {static_cast<const char*>(data),
          static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index))};
}

bool Statement::column_is_null(int index) const { return column_type(index) == SQLITE_NULL; }

int Statement::column_type(int index) const { return sqlite3_column_type(stmt_, index); }

// ---- Connection --------------------------------------------------------------------------

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path, bool create,
                                                     std::chrono::milliseconds busy_timeout) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (create) flags |= SQLITE_OPEN_CREATE;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error error = error_from(db, rc, path, "open");
    sqlite3_close_v2(db);  // a handle is returned even on failure
    return error;
  }
  sqlite3_extended_result_codes(db, 1);
  std::unique_ptr<Connection> connection(new Connection(db, path));
  connection->busy_timeout_ = std::max(busy_timeout, std::chrono::milliseconds(0));
  sqlite3_busy_handler(db, &Connection::on_busy, connection.get());
  return connection;
}

// SQLite's own busy handler (sqlite3_busy_timeout) sleeps up to 100 ms between tries, so a
// process waiting for the write lock rarely catches the short gap between another process's
// transactions and can starve past its timeout. Trying every few hundred microseconds is
// fairer, at a negligible cost while waiting.
int Connection::on_busy(void* self, int count) {
  auto* connection = static_cast<Connection*>(self);
  const auto now = std::chrono::steady_clock::now();
  if (count == 0) connection->busy_since_ = now;
  if (now - connection->busy_since_ >= connection->busy_timeout_) return 0;
  const int step = count < 20 ? count : 20;
  std::this_thread::sleep_for(std::chrono::microseconds(100 + 20 * step + 37 * (count % 5)));
  return 1;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Result<void> Connection::exec(std::string_view sql, std::string_view context) {
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return error(rc, context);
  return ok_result();
}

Result<Statement> Connection::prepare(std::string_view sql, std::string_view context) {
  auto found = statements_.find(std::string(sql));
  if (found == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return error(rc, context);
    found = statements_.emplace(std::string(sql), stmt).first;
  }
  return Statement(found->second, *this, context);
}

std::int64_t Connection::changes() const { return sqlite3_changes64(db_); }

bool Connection::read_only() const { return sqlite3_db_readonly(db_, "main") == 1; }

Error Connection::error(int rc, std::string_view context) const {
  return error_from(db_, rc, path_, context);
}

// ---- Helpers ---------------------------------------------------------------------------

Result<std::int64_t> query_int(Connection& connection, std::string_view sql,
                               std::string_view what) {
  L402_ASSIGN_OR_RETURN(Statement statement, connection.prepare(sql, what));
  L402_ASSIGN_OR_RETURN(const bool row, statement.step());
  if (!row) return Error(ErrorCode::kInternal, std::string(what) + ": no row");
  const std::int64_t value = statement.column_int64(0);
  L402_RETURN_IF_ERROR(statement.run());
  return value;
}

void rollback_if_open(Connection& connection) {
  if (sqlite3_get_autocommit(connection.handle()) == 0) {
    (void)connection.exec("ROLLBACK", "rollback");
  }
}

// ---- Opening ---------------------------------------------------------------------------

Result<void> use_wal(Connection& connection) {
  L402_ASSIGN_OR_RETURN(Statement mode, connection.prepare("PRAGMA journal_mode=WAL", "open"));
  L402_ASSIGN_OR_RETURN(const bool row, mode.step());
  const std::string name = row ? mode.column_text(0) : std::string();
  L402_RETURN_IF_ERROR(mode.run());
  if (name != "wal") {
    return Error(ErrorCode::kFailedPrecondition,
                 "sqlite database " + connection.path() +
                     ": cannot switch to WAL mode (journal mode is \"" + name + "\")");
  }
  return ok_result();
}

Result<void> configure(Connection& connection) {
  L402_RETURN_IF_ERROR(use_wal(connection));
  return connection.exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON", "open");
}

Result<void> check_usable(Connection& connection) {
  if (connection.read_only()) {
    return Error(ErrorCode::kFailedPrecondition,
                 "sqlite database " + connection.path() +
                     ": the file is read-only (it cannot be opened for writing); make the file "
                     "and its directory writable by this user");
  }
  L402_ASSIGN_OR_RETURN(Statement check, connection.prepare("PRAGMA quick_check", "quick_check"));
  std::string problems;
  int shown = 0;
  while (true) {
    L402_ASSIGN_OR_RETURN(const bool row, check.step());
    if (!row) break;
    const std::string line = check.column_text(0);
    if (line == "ok") continue;
    if (shown++ < 3) problems += (problems.empty() ? "" : "; ") + line;
  }
  if (!problems.empty()) {
    return Error(ErrorCode::kFailedPrecondition, "sqlite database " + connection.path() +
                                                     ": the file is corrupt (quick_check: " +
                                                     problems + "); restore it from a backup");
  }
  return ok_result();
}

namespace {

Result<void> migrate_locked(Connection& connection) {
  L402_RETURN_IF_ERROR(connection.exec(store_schema::kCreateVersionTableSqlite, "migrate"));
  L402_ASSIGN_OR_RETURN(const std::int64_t version,
                        query_int(connection, store_schema::kSelectVersion, "migrate"));
  if (version > store_schema::kSchemaVersion) {
    return Error(ErrorCode::kFailedPrecondition, "sqlite database " + connection.path() +
                                                     ": schema version " + std::to_string(version) +
                                                     " is newer than this build supports (" +
                                                     std::to_string(store_schema::kSchemaVersion) +
                                                     "); run a newer l402 or use another database");
  }
  for (const store_schema::Migration& migration : store_schema::kMigrations) {
    if (migration.version <= version) continue;
    L402_RETURN_IF_ERROR(connection.exec(
        store_schema::script_for(migration, store_schema::Dialect::kSqlite), "migrate"));
    L402_ASSIGN_OR_RETURN(
        Statement record,
        connection.prepare("INSERT INTO schema_version (version) VALUES (?1)", "migrate"));
    record.bind(1, std::int64_t{migration.version});
    L402_RETURN_IF_ERROR(record.run());
  }
  return ok_result();
}

}  // namespace

Result<void> migrate(Connection& connection) {
  L402_RETURN_IF_ERROR(connection.exec("BEGIN IMMEDIATE", "migrate"));
  Result<void> migrated = migrate_locked(connection);
  if (migrated.ok()) migrated = connection.exec("COMMIT", "migrate");
  if (!migrated.ok()) rollback_if_open(connection);
  return migrated;
}

}  // namespace l402::sqlite
