#include "delaying_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace l402::test {
namespace {

int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    return fd;
  }
  if (fd >= 0) ::close(fd);
  return -1;
}

bool send_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t sent = ::send(fd, data, size, MSG_NOSIGNAL);
    if (sent <= 0) return false;
    data += sent;
    size -= static_cast<std::size_t>(sent);
  }
  return true;
}

}  // namespace

DelayingProxy::DelayingProxy(std::uint16_t target_port, std::chrono::milliseconds delay)
    : target_port_(target_port), delay_(delay) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::listen(listener_, 16) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return;
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

DelayingProxy::~DelayingProxy() {
  stopping_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> relays;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    relays.swap(relays_);
  }
  for (std::thread& relay : relays) relay.join();
  if (listener_ >= 0) ::close(listener_);
}

void DelayingProxy::accept_loop() {
  while (!stopping_) {
    pollfd ready{listener_, POLLIN, 0};
    if (::poll(&ready, 1, 100) <= 0) continue;
    const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    const int server = connect_loopback(target_port_);
    if (server < 0) {
      ::close(client);
      continue;
    }
    const std::lock_guard<std::mutex> lock(mutex_);
    relays_.emplace_back([this, client, server] { relay(client, server); });
  }
}

void DelayingProxy::relay(int client, int server) {
  char buffer[16 * 1024];
  bool open = true;
  while (open && !stopping_) {
    pollfd ends[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    if (::poll(ends, 2, 100) <= 0) continue;
    if (ends[0].revents != 0) {
      const ssize_t got = ::recv(client, buffer, sizeof buffer, 0);
      open = got > 0 && send_all(server, buffer, static_cast<std::size_t>(got));
    }
    if (open && ends[1].revents != 0) {
      const ssize_t got = ::recv(server, buffer, sizeof buffer, 0);
      // Held in steps, so that the proxy still stops promptly when asked.
      for (auto waited = std::chrono::milliseconds(0); got > 0 && waited < delay_ && !stopping_;
           waited += std::chrono::milliseconds(20)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      open = got > 0 && send_all(client, buffer, static_cast<std::size_t>(got));
    }
  }
  ::close(client);
  ::close(server);
}

}  // namespace l402::test
