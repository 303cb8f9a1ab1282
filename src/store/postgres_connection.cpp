// libpq with bounded waits: see postgres_connection.hpp.
#include "store/postgres_connection.hpp"

#include <poll.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include "l402/secret.hpp"

namespace l402::postgres {
namespace {

// Type OIDs from the server's catalog (pg_type.dat); fixed since PostgreSQL 7.
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;

constexpr int kBinaryFormat = 1;

// How long past the statement timeout the client waits for an answer before it treats the
// server as gone: the server cancels the statement itself at the timeout, so this only
// matters when the server or the network stopped answering.
constexpr std::chrono::milliseconds kStatementSlack{2000};

// libpq's messages on one line: line breaks and the indentation after them become one space.
std::string trimmed(std::string_view text) {
  std::string out;
  bool pending_space = false;
  for (const char c : text) {
    if (c == '\n' || c == '\t' || (c == ' ' && pending_space)) {
      pending_space = true;
      continue;
    }
    if (pending_space && !out.empty()) out += ' ';
    pending_space = false;
    out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// The error code for a statement that failed with SQLSTATE `state`.
ErrorCode code_for_sqlstate(std::string_view state) {
  // query_canceled: the statement timeout.
  if (state == "57014") return ErrorCode::kDeadlineExceeded;
  // unique_violation.
  if (state == "23505") return ErrorCode::kAlreadyExists;
  // read_only_sql_transaction, insufficient_privilege: not until someone fixes the database.
  if (state == "25006" || state == "42501") return ErrorCode::kFailedPrecondition;
  // Connection exceptions; shutdown and start-up; insufficient resources (too many
  // connections, disk full); serialization failures and deadlocks; lock_not_available:
  // retrying may help.
  for (const std::string_view retryable : {"08", "57P", "53", "40", "55P03"}) {
    if (starts_with(state, retryable)) return ErrorCode::kUnavailable;
  }
  // Data exceptions (bad encoding, out of range) and other integrity violations.
  if (starts_with(state, "22") || starts_with(state, "23")) return ErrorCode::kInvalidArgument;
  return ErrorCode::kInternal;
}

std::int64_t load_be64(const char* data) {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) {
    value = (value << 8) | static_cast<std::uint8_t>(data[i]);
  }
  return static_cast<std::int64_t>(value);
}

std::string store_be64(std::int64_t signed_value) {
  auto value = static_cast<std::uint64_t>(signed_value);
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

int remaining_ms(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return 0;
  // Round up so that a wait does not end a fraction of a millisecond early and spin.
  return left > 0x7fffffff ? 0x7fffffff : static_cast<int>(left) + 1;
}

}  // namespace

WaitOutcome wait_for_fd(int fd, short events, Clock::time_point deadline, int abort_fd) {
  for (;;) {
    std::array<pollfd, 2> fds{};
    fds[0] = pollfd{fd, events, 0};
    nfds_t count = 1;
    if (abort_fd >= 0) {
      fds[1] = pollfd{abort_fd, POLLIN, 0};
      count = 2;
    }
    const int timeout = remaining_ms(deadline);
    const int ready = ::poll(fds.data(), count, timeout);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return WaitOutcome::kFailed;
    }
    if (count == 2 && (fds[1].revents & POLLIN) != 0) return WaitOutcome::kAborted;
    if (fds[0].revents != 0) return WaitOutcome::kReady;
    if (Clock::now() >= deadline) return WaitOutcome::kTimedOut;
  }
}

// ---- Params ---------------------------------------------------------------------------------

Params::~Params() {
  for (std::string& value : values_) secure_wipe(value.data(), value.size());
}

Params& Params::int64(std::int64_t value) {
  types_.push_back(kInt8Oid);
  values_.push_back(store_be64(value));
  return *this;
}

Params& Params::bytes(std::string_view value) {
  types_.push_back(kByteaOid);
  values_.emplace_back(value);
  return *this;
}

Params& Params::text(std::string_view value) {
  types_.push_back(kTextOid);
  values_.emplace_back(value);
  return *this;
}

// ---- Rows -----------------------------------------------------------------------------------

std::uint64_t Rows::affected() const {
  const std::string_view text = PQcmdTuples(result_.get());
  std::uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

Result<std::int64_t> Rows::int64(int row, int column) const {
  if (PQgetisnull(result_.get(), row, column) != 0 ||
      PQgetlength(result_.get(), row, column) != 8 || PQftype(result_.get(), column) != kInt8Oid) {
    return Error(ErrorCode::kInternal, "postgres: column " + std::to_string(column) +
                                           " is not a BIGINT; the schema is not the expected one");
  }
  return load_be64(PQgetvalue(result_.get(), row, column));
}

std::string_view Rows::bytes(int row, int column) const {
  return {PQgetvalue(result_.get(), row, column),
          static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}

void Rows::wipe(int row, int column) {
  secure_wipe(PQgetvalue(result_.get(), row, column),
              static_cast<std::size_t>(PQgetlength(result_.get(), row, column)));
}

// ---- Connection -----------------------------------------------------------------------------

Result<std::unique_ptr<Connection>> Connection::open(const ConnectOptions& options, int abort_fd) {
  const Clock::time_point deadline = Clock::now() + options.connect_timeout;
  // The DSN comes first and is expanded; the entries after it override it.
  const std::array<const char*, 4> keywords{"dbname", "client_encoding",
                                            "fallback_application_name", nullptr};
  const std::array<const char*, 4> values{options.dsn.c_str(), "UTF8", "l402", nullptr};
  PGconn* raw = PQconnectStartParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  if (raw == nullptr) return Error(ErrorCode::kInternal, "postgres: out of memory connecting");
  std::unique_ptr<Connection> conn(new Connection(raw, options.statement_timeout));
  if (PQstatus(raw) == CONNECTION_BAD) return conn->connection_error("connecting");
  // Notices ("relation exists, skipping", a shutdown message on an idle connection) are not
  // errors and must not reach stderr.
  PQsetNoticeProcessor(
      raw, [](void*, const char*) {}, nullptr);

  PostgresPollingStatusType status = PGRES_POLLING_WRITING;
  while (status != PGRES_POLLING_OK) {
    if (status == PGRES_POLLING_FAILED) return conn->connection_error("connecting");
    const short events = status == PGRES_POLLING_READING ? POLLIN : POLLOUT;
    switch (wait_for_fd(PQsocket(raw), events, deadline, abort_fd)) {
      case WaitOutcome::kReady:
        break;
      case WaitOutcome::kTimedOut:
        return Error(ErrorCode::kUnavailable, "postgres: connecting timed out after " +
                                                  std::to_string(options.connect_timeout.count()) +
                                                  " ms");
      case WaitOutcome::kAborted:
        return Error(ErrorCode::kUnavailable, "postgres: connecting interrupted");
      case WaitOutcome::kFailed:
        return Error(ErrorCode::kUnavailable,
                     std::string("postgres: connecting: poll failed: ") + std::strerror(errno));
    }
    status = PQconnectPoll(raw);
  }
  if (PQsetnonblocking(raw, 1) != 0) return conn->connection_error("connecting");

  const Result<void> set = conn->exec_script("SET statement_timeout = " +
                                             std::to_string(options.statement_timeout.count()));
  if (!set.ok()) return set.error().with_context("setting statement_timeout");
  return conn;
}

Connection::~Connection() { PQfinish(conn_); }

std::string Connection::last_error() const {
  std::string message = trimmed(PQerrorMessage(conn_));
  return message.empty() ? "connection lost" : message;
}

Error Connection::connection_error(std::string_view what) {
  broken_ = true;
  return Error(ErrorCode::kUnavailable, "postgres: " + std::string(what) + ": " + last_error());
}

bool Connection::broken() const {
  return broken_ || PQstatus(conn_) != CONNECTION_OK || PQtransactionStatus(conn_) != PQTRANS_IDLE;
}

bool Connection::consume_input() {
  if (PQconsumeInput(conn_) == 0 || PQstatus(conn_) != CONNECTION_OK) broken_ = true;
  return !broken_;
}

bool Connection::check_idle() {
  if (broken()) return false;
  const int fd = PQsocket(conn_);
  pollfd entry{fd, POLLIN, 0};
  if (::poll(&entry, 1, 0) > 0) {
    // An idle connection receives only notices, notifications and the server's goodbye.
    if (!consume_input()) return false;
    while (PQisBusy(conn_) == 0) {
      PGresult* stray = PQgetResult(conn_);
      if (stray == nullptr) break;
      PQclear(stray);
      broken_ = true;  // a result nobody asked for: out of step with the server
    }
  }
  return !broken();
}

Result<Rows> Connection::exec(std::string_view sql, const Params& params) {
  return run(sql, &params);
}

Result<void> Connection::exec_script(std::string_view sql) {
  L402_RETURN_IF_ERROR(run(sql, nullptr));
  return ok_result();
}

void Connection::rollback_quietly() {
  if (broken_ || PQstatus(conn_) != CONNECTION_OK) {
    broken_ = true;
    return;
  }
  if (PQtransactionStatus(conn_) == PQTRANS_IDLE) return;
  if (!exec_script("ROLLBACK").ok()) broken_ = true;
}

Result<Rows> Connection::run(std::string_view sql, const Params* params) {
  if (broken_ || PQstatus(conn_) != CONNECTION_OK) {
    broken_ = true;
    return Error(ErrorCode::kUnavailable, "postgres: connection lost: " + last_error());
  }
  const std::string query(sql);
  int sent = 0;
  if (params == nullptr) {
    sent = PQsendQuery(conn_, query.c_str());
  } else {
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats(params->values().size(), kBinaryFormat);
    for (const std::string& value : params->values()) {
      values.push_back(value.data());
      lengths.push_back(static_cast<int>(value.size()));
    }
    sent = PQsendQueryParams(conn_, query.c_str(), params->size(), params->types().data(),
                             values.data(), lengths.data(), formats.data(), kBinaryFormat);
  }
  if (sent == 0) return connection_error("sending a statement");

  const Clock::time_point deadline = Clock::now() + statement_timeout_ + kStatementSlack;
  const auto wait = [&](short events) -> Result<void> {
    switch (wait_for_fd(PQsocket(conn_), events, deadline)) {
      case WaitOutcome::kReady:
        return ok_result();
      case WaitOutcome::kTimedOut:
      case WaitOutcome::kAborted:
        broken_ = true;  // the answer may still come: the connection is out of step
        return Error(ErrorCode::kDeadlineExceeded,
                     "postgres: no answer from the server within " +
                         std::to_string((statement_timeout_ + kStatementSlack).count()) + " ms");
      case WaitOutcome::kFailed:
        broken_ = true;
        return Error(ErrorCode::kUnavailable,
                     std::string("postgres: poll failed: ") + std::strerror(errno));
    }
    return ok_result();
  };

  // Send everything (a non-blocking connection may buffer), reading meanwhile so that the
  // server never blocks on a full socket.
  for (;;) {
    const int flushed = PQflush(conn_);
    if (flushed == 0) break;
    if (flushed < 0) return connection_error("sending a statement");
    L402_RETURN_IF_ERROR(wait(POLLIN | POLLOUT));
    if (!consume_input()) return connection_error("sending a statement");
  }

  // Collect every result; keep the first error, else the last result.
  PGresult* kept = nullptr;
  bool kept_is_error = false;
  for (;;) {
    while (PQisBusy(conn_) != 0) {
      const Result<void> waited = wait(POLLIN);
      if (!waited.ok()) {
        PQclear(kept);
        return waited.error();
      }
      if (!consume_input()) {
        PQclear(kept);
        return connection_error("reading an answer");
      }
    }
    PGresult* next = PQgetResult(conn_);
    if (next == nullptr) break;
    const ExecStatusType status = PQresultStatus(next);
    const bool is_error = status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE ||
                          status == PGRES_NONFATAL_ERROR;
    if (kept_is_error) {
      PQclear(next);
    } else {
      PQclear(kept);
      kept = next;
      kept_is_error = is_error;
    }
  }
  if (kept == nullptr) return connection_error("reading an answer");
  Rows rows(kept);
  if (!kept_is_error) return rows;

  const char* state = PQresultErrorField(kept, PG_DIAG_SQLSTATE);
  // The primary message only: DETAIL may quote a whole row, and rows hold master keys.
  const char* primary = PQresultErrorField(kept, PG_DIAG_MESSAGE_PRIMARY);
  std::string message =
      "postgres: " + trimmed(primary != nullptr ? primary : PQresultErrorMessage(kept));
  if (PQstatus(conn_) != CONNECTION_OK || state == nullptr) {
    broken_ = true;
    return Error(ErrorCode::kUnavailable, std::move(message));
  }
  const ErrorCode code = code_for_sqlstate(state);
  if (code == ErrorCode::kUnavailable && starts_with(state, "57P")) broken_ = true;
  return Error(code, message + " (SQLSTATE " + state + ")");
}

}  // namespace l402::postgres
