#include "cln/unix_socket_connection.hpp"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace l402::cln {
namespace {

Error unavailable(std::string_view what, int error_number) {
  return Error(ErrorCode::kUnavailable,
               "cln: " + std::string(what) + ": " + std::strerror(error_number));
}

Error deadline_exceeded(std::string_view what) {
  return Error(ErrorCode::kDeadlineExceeded, "cln: no answer in time (" + std::string(what) + ")");
}

// Milliseconds until `deadline`, rounded up so that poll() never wakes just before it.
int remaining_ms(Clock::time_point deadline) {
  const auto left = deadline - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return ms > 1'000'000'000 ? 1'000'000'000 : static_cast<int>(ms);
}

}  // namespace

Result<std::unique_ptr<UnixSocketConnection>> UnixSocketConnection::connect(
    const std::string& path, Clock::time_point deadline) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(address.sun_path)) {
    return Error(ErrorCode::kInvalidArgument, "cln: socket path must be 1 to " +
                                                  std::to_string(sizeof(address.sun_path) - 1) +
                                                  " bytes: '" + path + "'");
  }
  std::memcpy(address.sun_path, path.data(), path.size());

  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return unavailable("socket", errno);
  std::unique_ptr<UnixSocketConnection> connection(new UnixSocketConnection(fd));

  // A unix socket connects at once or fails at once; EAGAIN means the listener's backlog is
  // full, so (unlike TCP's EINPROGRESS) nothing is pending and we try again shortly.
  for (;;) {
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0) break;
    const int error_number = errno;
    if (error_number == EINTR) continue;
    if (error_number == EINPROGRESS) {
      L402_RETURN_IF_ERROR(connection->wait_for(POLLOUT, deadline));
      int socket_error = 0;
      socklen_t length = sizeof(socket_error);
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &socket_error, &length) != 0) {
        return unavailable("connect " + path, errno);
      }
      if (socket_error != 0) return unavailable("connect " + path, socket_error);
      break;
    }
    if (error_number != EAGAIN) return unavailable("connect " + path, error_number);
    if (remaining_ms(deadline) == 0) return deadline_exceeded("connect " + path);
    ::poll(nullptr, 0, 5);
  }
  return connection;
}

UnixSocketConnection::~UnixSocketConnection() { ::close(fd_); }

Result<void> UnixSocketConnection::wait_for(short events, Clock::time_point deadline) {
  for (;;) {
    const int timeout = remaining_ms(deadline);
    if (timeout == 0) return deadline_exceeded(events == POLLIN ? "read" : "write");
    pollfd entry{fd_, events, 0};
    const int ready = ::poll(&entry, 1, timeout);
    if (ready > 0) return ok_result();  // readiness, hang-up or error: the next call tells
    if (ready < 0 && errno != EINTR) return unavailable("poll", errno);
  }
}

Result<void> UnixSocketConnection::write_all(std::string_view bytes, Clock::time_point deadline) {
  while (!bytes.empty()) {
    // MSG_NOSIGNAL: a peer that went away is an error value, not a SIGPIPE.
    const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(sent));
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      L402_RETURN_IF_ERROR(wait_for(POLLOUT, deadline));
      continue;
    }
    return unavailable("write", sent < 0 ? errno : EPIPE);
  }
  return ok_result();
}

Result<std::size_t> UnixSocketConnection::read_some(char* buffer, std::size_t capacity,
                                                    Clock::time_point deadline) {
  for (;;) {
    const ssize_t received = ::recv(fd_, buffer, capacity, 0);
    if (received > 0) return static_cast<std::size_t>(received);
    if (received == 0) {
      return Error(ErrorCode::kUnavailable, "cln: connection closed by lightningd");
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return unavailable("read", errno);
    L402_RETURN_IF_ERROR(wait_for(POLLIN, deadline));
  }
}

bool UnixSocketConnection::idle_and_open() const {
  pollfd entry{fd_, POLLIN, 0};
  const int ready = ::poll(&entry, 1, 0);
  return ready == 0;
}

void UnixSocketConnection::shutdown() { ::shutdown(fd_, SHUT_RDWR); }

}  // namespace l402::cln
