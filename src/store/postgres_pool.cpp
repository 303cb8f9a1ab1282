// The PostgreSQL connection pool: see postgres_pool.hpp.
#include "store/postgres_pool.hpp"

#include <utility>

namespace l402::postgres {

Pool::Pool(ConnectOptions options, std::size_t size) : options_(std::move(options)), size_(size) {}

Pool::~Pool() {
  std::lock_guard lock(mutex_);
  idle_.clear();
}

Pool::Lease::~Lease() {
  if (conn_ != nullptr) pool_->give_back(std::move(conn_));
}

Result<Pool::Lease> Pool::borrow() {
  const Clock::time_point deadline =
      Clock::now() + options_.connect_timeout + options_.statement_timeout;
  std::unique_lock lock(mutex_);
  for (;;) {
    while (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      if (conn->check_idle()) return Lease(this, std::move(conn));
      // Closed by the server meanwhile (e.g. it restarted): drop it and open another below.
      --open_;
      lock.unlock();
      conn.reset();
      lock.lock();
    }
    if (open_ < size_) break;
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= size_) {
      return Error(ErrorCode::kUnavailable,
                   "postgres: all " + std::to_string(size_) + " pooled connections stayed busy");
    }
  }
  ++open_;
  lock.unlock();
  Result<std::unique_ptr<Connection>> opened = Connection::open(options_);
  if (!opened.ok()) {
    lock.lock();
    --open_;
    returned_.notify_one();
    return std::move(opened).error();
  }
  return Lease(this, std::move(opened).value());
}

void Pool::give_back(std::unique_ptr<Connection> conn) {
  if (conn->broken()) {
    conn.reset();  // closes the socket outside the lock
    std::lock_guard lock(mutex_);
    --open_;
  } else {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(conn));
  }
  returned_.notify_one();
}

}  // namespace l402::postgres
