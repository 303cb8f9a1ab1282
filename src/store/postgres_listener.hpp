// Change notifications between instances sharing one PostgreSQL database: a dedicated
// connection LISTENs on kChannel, and wait() polls its socket together with an eventfd that
// interrupt() writes. Private to src/store/.
//
// One waiter at a time owns the connection and polls it; concurrent waiters sleep on a
// condition variable and see the same changes and interrupts. A connection that breaks is
// reopened (and LISTENs again) by the next wait(), which then reports a change, since
// notifications sent meanwhile were lost.
//
// Thread safety: wait() and interrupt() from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>

#include "l402/result.hpp"
#include "store/postgres_connection.hpp"

namespace l402::postgres {

// The NOTIFY channel of key and revocation changes.
inline constexpr std::string_view kChannel = "l402_changes";

class Listener {
 public:
  // Connects and LISTENs. Errors: as Connection::open, kInternal when no eventfd is left.
  static Result<std::unique_ptr<Listener>> start(const ConnectOptions& options);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // True when a notification arrived (or the connection was re-established) while waiting,
  // false after `timeout` or an interrupt(). kUnavailable when the connection is down and
  // could not be reopened before the timeout.
  Result<bool> wait(std::chrono::milliseconds timeout);
  // Ends every wait() in progress (not those that begin later).
  void interrupt();

 private:
  Listener(ConnectOptions options, int event_fd, std::unique_ptr<Connection> conn);
  // One poll of the connection by the thread that owns it, until `deadline` at most.
  // Returns an error only when the connection is down and could not be reopened.
  Result<void> poll_once(Clock::time_point deadline);
  Result<void> reconnect();
  void drain_event_fd();

  const ConnectOptions options_;
  const int event_fd_;

  // Touched only by the waiter whose turn it is to poll (polling_ == true).
  std::unique_ptr<Connection> conn_;

  std::mutex mutex_;
  std::condition_variable turn_;
  bool polling_ = false;          // guarded by mutex_
  std::uint64_t changes_ = 0;     // guarded by mutex_
  std::uint64_t interrupts_ = 0;  // guarded by mutex_
};

}  // namespace l402::postgres
