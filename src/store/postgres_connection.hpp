// One libpq connection with every wait bounded: a non-blocking connect under a deadline in
// milliseconds, statements sent asynchronously and awaited with poll(), binary parameters and
// results, and libpq failures mapped to error codes. Private to src/store/.
//
// Thread safety: a Connection is used by one thread at a time (the pool hands it out).
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "l402/result.hpp"

namespace l402::postgres {

using Clock = std::chrono::steady_clock;

struct ConnectOptions {
  std::string dsn;
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds statement_timeout{5000};
};

// What a wait on a file descriptor ended with.
enum class WaitOutcome { kReady, kTimedOut, kAborted, kFailed };

// Waits until `fd` has one of `events` or `deadline` passes; when `abort_fd` is not -1 and
// becomes readable first, kAborted. Retries on EINTR.
WaitOutcome wait_for_fd(int fd, short events, Clock::time_point deadline, int abort_fd = -1);

// Statement parameters, sent in binary format. Values are wiped when destroyed (a master
// key travels as a parameter).
class Params {
 public:
  Params() = default;
  ~Params();
  Params(const Params&) = delete;
  Params& operator=(const Params&) = delete;

  Params& int64(std::int64_t value);
  Params& bytes(std::string_view value);  // BYTEA
  Params& text(std::string_view value);   // TEXT (UTF-8)

  int size() const { return static_cast<int>(values_.size()); }
  const std::vector<Oid>& types() const { return types_; }
  const std::vector<std::string>& values() const { return values_; }

 private:
  std::vector<Oid> types_;
  std::vector<std::string> values_;
};

// A query's rows, in binary format. Accessors check the column's size; a mismatch means the
// schema is not the one this build expects (kInternal).
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result, &PQclear) {}

  int count() const { return PQntuples(result_.get()); }
  // Rows a DELETE or UPDATE affected.
  std::uint64_t affected() const;
  bool is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  Result<std::int64_t> int64(int row, int column) const;
  // BYTEA or TEXT: the raw bytes, valid while this object lives.
  std::string_view bytes(int row, int column) const;
  // Overwrites a value with zeros (after copying a secret out).
  void wipe(int row, int column);

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

class Connection {
 public:
  // Connects within options.connect_timeout, sets statement_timeout and client_encoding.
  // kUnavailable when the server cannot be reached or refuses the connection. When `abort_fd`
  // becomes readable meanwhile, kUnavailable ("interrupted") at once.
  static Result<std::unique_ptr<Connection>> open(const ConnectOptions& options, int abort_fd = -1);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement with binary parameters and results. The server cancels it after the
  // statement timeout (kDeadlineExceeded); should the server not answer at all, this gives up
  // a little later, marks the connection broken and fails with kDeadlineExceeded too. Errors
  // by SQLSTATE: unique violation kAlreadyExists, other data errors kInvalidArgument, lost
  // connection or server shutdown kUnavailable.
  Result<Rows> exec(std::string_view sql, const Params& params = {});
  // Runs several ';'-separated statements without parameters (migrations).
  Result<void> exec_script(std::string_view sql);

  // Rolls an open transaction back; a connection that cannot is marked broken.
  void rollback_quietly();

  // True when this connection cannot be used again: lost, timed out mid-statement, or left
  // inside a transaction.
  bool broken() const;
  // For an idle connection: reads whatever the server sent since (a shutdown notice, a closed
  // socket) and returns !broken().
  bool check_idle();

  // The underlying handle and socket, for LISTEN/NOTIFY.
  PGconn* handle() { return conn_; }
  int socket() const { return PQsocket(conn_); }
  // Reads pending input; false (and broken) when the connection failed.
  bool consume_input();
  // A description of the connection's last failure.
  std::string last_error() const;

 private:
  explicit Connection(PGconn* conn, std::chrono::milliseconds statement_timeout)
      : conn_(conn), statement_timeout_(statement_timeout) {}
  Result<Rows> run(std::string_view sql, const Params* params);
  Error connection_error(std::string_view what);

  PGconn* conn_;
  const std::chrono::milliseconds statement_timeout_;
  bool broken_ = false;
};

}  // namespace l402::postgres
