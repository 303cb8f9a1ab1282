// A bounded pool of PostgreSQL connections. Private to src/store/.
//
// borrow() hands out an idle connection after checking that the server has not closed it
// meanwhile (a restart closes every connection), or opens a new one while fewer than `size`
// exist; when all are in use it waits, bounded, for one to come back. A connection returned
// broken (lost, timed out mid-statement, left in a transaction) is closed, so the next
// borrow() connects afresh: the pool recovers by itself once the server is back.
//
// Thread safety: borrow() from any thread; a Lease belongs to one thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "l402/result.hpp"
#include "store/postgres_connection.hpp"

namespace l402::postgres {

class Pool {
 public:
  // Requires: size >= 1.
  Pool(ConnectOptions options, std::size_t size);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // A borrowed connection, given back when destroyed.
  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    Connection& operator*() { return *conn_; }
    Connection* operator->() { return conn_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  // Errors: kUnavailable when no connection can be opened, or none comes back within the
  // connect and statement timeouts together.
  Result<Lease> borrow();

  const ConnectOptions& options() const { return options_; }

 private:
  void give_back(std::unique_ptr<Connection> conn);

  const ConnectOptions options_;
  const std::size_t size_;

  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mutex_
  std::size_t open_ = 0;  // connections idle, lent or being opened; guarded by mutex_
};

}  // namespace l402::postgres
