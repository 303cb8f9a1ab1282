// LISTEN/NOTIFY with a poll() that interrupt() can end: see postgres_listener.hpp.
#include "store/postgres_listener.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

namespace l402::postgres {
namespace {

// After a failed reconnect, how long to wait before the next attempt (or the timeout).
constexpr std::chrono::milliseconds kReconnectPause{250};

std::string listen_statement() { return "LISTEN " + std::string(kChannel); }

}  // namespace

Result<std::unique_ptr<Listener>> Listener::start(const ConnectOptions& options) {
  const int event_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (event_fd < 0) {
    return Error(ErrorCode::kInternal,
                 std::string("postgres: listener: eventfd failed: ") + std::strerror(errno));
  }
  Result<std::unique_ptr<Connection>> conn = Connection::open(options);
  if (conn.ok()) {
    const Result<void> listening = conn.value()->exec_script(listen_statement());
    if (!listening.ok()) conn = listening.error();
  }
  if (!conn.ok()) {
    ::close(event_fd);
    return conn.error().with_context("listening for changes");
  }
  return std::unique_ptr<Listener>(new Listener(options, event_fd, std::move(conn).value()));
}

Listener::Listener(ConnectOptions options, int event_fd, std::unique_ptr<Connection> conn)
    : options_(std::move(options)), event_fd_(event_fd), conn_(std::move(conn)) {}

Listener::~Listener() {
  conn_.reset();
  ::close(event_fd_);
}

void Listener::interrupt() {
  {
    std::lock_guard lock(mutex_);
    ++interrupts_;
  }
  const std::uint64_t one = 1;
  // Only fails when the counter would overflow, i.e. it is readable already.
  [[maybe_unused]] const ssize_t written = ::write(event_fd_, &one, sizeof one);
  turn_.notify_all();
}

void Listener::drain_event_fd() {
  std::uint64_t count = 0;
  [[maybe_unused]] const ssize_t read = ::read(event_fd_, &count, sizeof count);
}

Result<bool> Listener::wait(std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  std::unique_lock lock(mutex_);
  const std::uint64_t changes_at_start = changes_;
  const std::uint64_t interrupts_at_start = interrupts_;
  Result<void> last_poll = ok_result();
  for (;;) {
    if (changes_ != changes_at_start) return true;
    if (interrupts_ != interrupts_at_start) return false;
    if (Clock::now() >= deadline) {
      if (!last_poll.ok()) return last_poll.error();
      return false;
    }
    if (polling_) {
      turn_.wait_until(lock, deadline);
      continue;
    }
    polling_ = true;
    lock.unlock();
    last_poll = poll_once(deadline);
    lock.lock();
    polling_ = false;
    turn_.notify_all();
  }
}

Result<void> Listener::reconnect() {
  conn_.reset();
  Result<std::unique_ptr<Connection>> conn = Connection::open(options_, event_fd_);
  if (!conn.ok()) return conn.error().with_context("listening for changes");
  L402_RETURN_IF_ERROR(conn.value()->exec_script(listen_statement()));
  conn_ = std::move(conn).value();
  return ok_result();
}

Result<void> Listener::poll_once(Clock::time_point deadline) {
  if (conn_ == nullptr || conn_->broken()) {
    const Result<void> reconnected = reconnect();
    if (!reconnected.ok()) {
      // Pause before the next attempt, but let interrupt() end the pause.
      const Clock::time_point pause = std::min(deadline, Clock::now() + kReconnectPause);
      pollfd entry{event_fd_, POLLIN, 0};
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(pause - Clock::now());
      if (ms.count() > 0) ::poll(&entry, 1, static_cast<int>(ms.count()));
      if ((entry.revents & POLLIN) != 0) drain_event_fd();
      return reconnected;
    }
    // Notifications sent while the connection was down are lost: report a change.
    std::lock_guard lock(mutex_);
    ++changes_;
    return ok_result();
  }

  bool notified = false;
  const auto take_notifications = [&] {
    while (PGnotify* notify = PQnotifies(conn_->handle())) {
      notified = true;
      PQfreemem(notify);
    }
  };
  take_notifications();  // buffered by an earlier read
  if (!notified) {
    const WaitOutcome outcome = wait_for_fd(conn_->socket(), POLLIN, deadline, event_fd_);
    if (outcome == WaitOutcome::kAborted) drain_event_fd();
    if (outcome == WaitOutcome::kReady) {
      // A failed read leaves the connection broken; the next poll reconnects.
      if (conn_->consume_input()) take_notifications();
    }
  }
  if (notified) {
    std::lock_guard lock(mutex_);
    ++changes_;
  }
  return ok_result();
}

}  // namespace l402::postgres
