// A thin layer over the sqlite3 C API for the token jar (private to src/client/jar/): one
// connection with its cache of prepared statements, statements that reset themselves, and
// SQLite result codes mapped to l402 errors. Modelled on src/store/sqlite_db.hpp, which
// belongs to the gateway's store library and its schema.
//
// Thread safety: a Connection (and its statements) is used by one thread at a time.
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

namespace l402::client_jar {

// kUnavailable for busy/locked/I-O trouble, kFailedPrecondition for a file that is corrupt,
// not a database, read-only or cannot be opened, kAlreadyExists for a unique or primary-key
// violation, kInternal otherwise. `context` names the operation.
Error sqlite_error(sqlite3* db, int rc, std::string_view path, std::string_view context);

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
  Statement& bind_null(int index);
  Statement& bind_text(int index, std::string_view text);
  Statement& bind_blob(int index, std::span<const std::uint8_t> bytes);

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
  // Opens an existing file read-write with extended result codes and a busy handler that
  // waits up to `busy_timeout` for another writer.
  static Result<std::unique_ptr<Connection>> open(const std::string& path,
                                                  std::chrono::milliseconds busy_timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs statements whose rows are not needed.
  Result<void> exec(std::string_view sql, std::string_view context);
  // A cached prepared statement for `sql`.
  Result<Statement> prepare(std::string_view sql, std::string_view context);

  // Rows changed by the last INSERT/UPDATE/DELETE.
  std::int64_t changes() const;
  bool read_only() const;
  Error error(int rc, std::string_view context) const;
  const std::string& path() const { return path_; }

  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT (a write) or BEGIN ... COMMIT (a consistent
  // read), rolling back when it fails.
  template <typename F>
  auto transaction(bool write, std::string_view context, F&& body) -> decltype(body());

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  static int on_busy(void* self, int count);
  void rollback_if_open();

  sqlite3* db_;
  std::string path_;
  std::chrono::milliseconds busy_timeout_{0};
  std::chrono::steady_clock::time_point busy_since_{};
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

template <typename F>
auto Connection::transaction(bool write, std::string_view context, F&& body) -> decltype(body()) {
  L402_RETURN_IF_ERROR(exec(write ? "BEGIN IMMEDIATE" : "BEGIN", context));
  auto result = body();
  if (result.ok()) {
    const Result<void> committed = exec("COMMIT", context);
    if (committed.ok()) return result;
    rollback_if_open();
    return committed.error();
  }
  rollback_if_open();
  return result;
}

// Runs a statement that returns one integer row; returns its first column.
Result<std::int64_t> query_int(Connection& connection, std::string_view sql,
                               std::string_view context);

}  // namespace l402::client_jar
