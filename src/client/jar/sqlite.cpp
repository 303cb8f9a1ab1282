#include "client/jar/sqlite.hpp"

#include <algorithm>
#include <thread>
#include <utility>

namespace l402::client_jar {

namespace {

std::string describe(sqlite3* db, int rc) {
  // sqlite3_errmsg() has the detail when it belongs to this code; else the code's text.
  if (db != nullptr && sqlite3_extended_errcode(db) == rc) return sqlite3_errmsg(db);
  return sqlite3_errstr(rc);
}

}  // namespace

Error sqlite_error(sqlite3* db, int rc, std::string_view path, std::string_view context) {
  const std::string detail = describe(db, rc);
  const std::string prefix = "token store " + std::string(path) + ": " + std::string(context);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error(ErrorCode::kUnavailable, prefix +
                                                ": locked by another l402 process beyond the "
                                                "busy timeout (" +
                                                detail + ")");
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
                   prefix + ": cannot open the file or its journal (" + detail + ")");
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

Statement& Statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
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

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path,
                                                     std::chrono::milliseconds busy_timeout) {
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error error = sqlite_error(db, rc, path, "open");
    sqlite3_close_v2(db);  // a handle is returned even on failure
    return error;
  }
  sqlite3_extended_result_codes(db, 1);
  std::unique_ptr<Connection> connection(new Connection(db, path));
  connection->busy_timeout_ = std::max(busy_timeout, std::chrono::milliseconds(0));
  sqlite3_busy_handler(db, &Connection::on_busy, connection.get());
  return connection;
}

// SQLite's own busy timeout sleeps up to 100 ms between tries, so a waiting process rarely
// catches the short gap between another process's transactions; polling every few hundred
// microseconds is fairer, at a negligible cost while waiting.
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
  return sqlite_error(db_, rc, path_, context);
}

void Connection::rollback_if_open() {
  if (sqlite3_get_autocommit(db_) == 0) (void)exec("ROLLBACK", "rollback");
}

Result<std::int64_t> query_int(Connection& connection, std::string_view sql,
                               std::string_view context) {
  L402_ASSIGN_OR_RETURN(Statement statement, connection.prepare(sql, context));
  L402_ASSIGN_OR_RETURN(const bool row, statement.step());
  if (!row) return Error(ErrorCode::kInternal, std::string(context) + ": no row");
  const std::int64_t value = statement.column_int64(0);
  L402_RETURN_IF_ERROR(statement.run());
  return value;
}

}  // namespace l402::client_jar
