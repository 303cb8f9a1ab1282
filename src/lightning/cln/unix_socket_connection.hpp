// One stream connection to a unix socket, with every operation bounded by a deadline.
//
// The socket is non-blocking; each read, write and connect waits in poll() for at most the
// time left until its deadline, so a stalled peer costs the caller its timeout and never
// more. Errors are values: kUnavailable when the socket is missing, refuses, or the peer
// closes or resets the connection; kDeadlineExceeded when the deadline passes first.
//
// Thread safety: one thread uses a connection at a time, except shutdown(), which any thread
// may call to wake a thread blocked in read_some() or write_all() (they then fail with
// kUnavailable).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "l402/result.hpp"

namespace l402::cln {

using Clock = std::chrono::steady_clock;

class UnixSocketConnection {
 public:
  // Connects to the unix socket at `path` (at most 107 bytes). Errors: kInvalidArgument for
  // an overlong path, kUnavailable for a missing socket or a refused connection,
  // kDeadlineExceeded when the connection is still pending at `deadline`.
  static Result<std::unique_ptr<UnixSocketConnection>> connect(const std::string& path,
                                                               Clock::time_point deadline);

  ~UnixSocketConnection();
  UnixSocketConnection(const UnixSocketConnection&) = delete;
  UnixSocketConnection& operator=(const UnixSocketConnection&) = delete;

  // Writes all of `bytes`. Errors: kUnavailable (the peer went away), kDeadlineExceeded.
  Result<void> write_all(std::string_view bytes, Clock::time_point deadline);

  // Reads what is available (at least one byte) into `buffer`, returning the count.
  // Errors: kUnavailable for end of stream or a reset, kDeadlineExceeded.
  Result<std::size_t> read_some(char* buffer, std::size_t capacity, Clock::time_point deadline);

  // True when the connection can be reused: no unread bytes and no end of stream pending. A
  // pooled connection whose peer restarted reads as end of stream here.
  bool idle_and_open() const;

  // Shuts both directions down, waking any thread blocked on this connection.
  void shutdown();

 private:
  explicit UnixSocketConnection(int fd) : fd_(fd) {}

  // Waits until `events` are ready or the deadline passes.
  Result<void> wait_for(short events, Clock::time_point deadline);

  const int fd_;
};

}  // namespace l402::cln
