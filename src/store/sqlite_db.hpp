// A thin layer over the sqlite3 C API for the SQLite store: one connection with its cache of
// prepared statements, statements that reset themselves, and SQLite result codes mapped to
// l402 errors (private to src/store/).
//
// Thread safety: a Connection (and its statements) is used by one thread at a time; the store
// hands connections out from a pool.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "l402/result.hpp"

namespace l402::sqlite {

// What went wrong, as an l402 error: kUnavailable for busy/locked/I-O trouble,
// kFailedPrecondition for a file that is corrupt, not a database or read-only, kAlreadyExists
// for a unique or primary-key violation, kInternal otherwise. `context` names the operation.
Error error_from(sqlite3* db, int rc, std::string_view path, std::string_view context);

class Connection;

// A prepared statement borrowed from a connection's cache; reset and unbound when it goes.
class Statement {
 public:
  Statement(sqlite3_stmt* stmt, Connection& connection, std::string_view context)
      : stmt_(stmt), connection_(&connection), context_(context) {}
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are numbered from 1. A failed bind is reported by the next step().
  Statement& bind(int index, std::int64_t value);
  Statement& bind_text(int index, std::string_view text);
  Statement& bind_blob(int index, std::span<const std::uint8_t> bytes);
  Statement& bind_null(int index);

  // True when a row is ready, false when the statement is done.
  Result<bool> step();
  // Steps to the end, ignoring rows.
  Result<void> run();

  std::int64_t column_int64(int index) const;
  std::string column_text(int index) const;
  std::string_view column_blob(int index) const;
  bool column_is_null(int index) const;
  // SQLITE_INTEGER, SQLITE_TEXT, ...: what the row really holds.
  int column_type(int index) const;

 private:
  sqlite3_stmt* stmt_;  // null when moved from
  Connection* connection_;
  std::string_view context_;
  int bind_error_ = SQLITE_OK;
};

class Connection {
 public:
  // Opens `path` read-write (creating it when `create`), with extended result codes and the
  // busy timeout. Does not configure journal mode or pragmas.
  static Result<std::unique_ptr<Connection>> open(const std::string& path, bool create,
                                                  std::chrono::milliseconds busy_timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements that return no rows needed by the caller.
  Result<void> exec(std::string_view sql, std::string_view context);
  // A cached prepared statement for `sql`.
  Result<Statement> prepare(std::string_view sql, std::string_view context);

  // Rows changed by the last INSERT/UPDATE/DELETE on this connection.
  std::int64_t changes() const;
  bool read_only() const;

  Error error(int rc, std::string_view context) const;
  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  static int on_busy(void* self, int count);

  sqlite3* db_;
  std::string path_;
  std::chrono::milliseconds busy_timeout_{0};
  std::chrono::steady_clock::time_point busy_since_{};  // of the current wait for a lock
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// ---- Helpers on a connection

// Runs a statement that returns one integer row; returns its first column.
Result<std::int64_t> query_int(Connection& connection, std::string_view sql, std::string_view what);
// Rolls back the transaction in progress, if any.
void rollback_if_open(Connection& connection);

// Runs `body` (returning a Result) between BEGIN (BEGIN IMMEDIATE when `write`) and COMMIT;
// rolls back when it or the commit fails.
template <typename F>
auto in_transaction(Connection& connection, bool write, std::string_view context, F&& body)
    -> decltype(body()) {
  L402_RETURN_IF_ERROR(connection.exec(write ? "BEGIN IMMEDIATE" : "BEGIN", context));
  auto result = body();
  if (result.ok()) {
    const Result<void> committed = connection.exec("COMMIT", context);
    if (committed.ok()) return result;
    rollback_if_open(connection);
    return committed.error();
  }
  rollback_if_open(connection);
  return result;
}

// Switches the file to journal_mode=WAL (persistent in the file). Errors: kFailedPrecondition
// naming the path and the journal mode SQLite kept.
Result<void> use_wal(Connection& connection);
// Per-connection settings: use_wal(), synchronous=FULL, foreign_keys=ON.
Result<void> configure(Connection& connection);
// Start-up checks on the first connection: opened read-write, a database, PRAGMA quick_check
// passes (it reads every page: O(size of the file)). Errors: kFailedPrecondition naming the
// path and what is wrong.
Result<void> check_usable(Connection& connection);
// Applies the migrations of store/schema.hpp in one BEGIN IMMEDIATE transaction. Errors:
// kFailedPrecondition for a schema newer than this build.
Result<void> migrate(Connection& connection);

}  // namespace l402::sqlite
