// A scriptable HTTP/1.1 server on 127.0.0.1 for driving the LND client into faults: each
// connection runs the test's handler on a thread of its own, which writes whatever bytes it
// likes (a half line, a status without a body, nothing at all). One request per connection.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace l402::test {

struct FakeRequest {
  std::string method;
  std::string path;                            // without the query
  std::string query;                           // after '?', or empty
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

class FakeConnection {
 public:
  FakeConnection(int fd, const std::atomic<bool>& stopping) : fd_(fd), stopping_(stopping) {}

  void write(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0) return;
      bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
  }
  void reply(int status, std::string_view body) {
    write("HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n" +
          "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n");
    write(body);
  }
  void start_chunked(int status = 200) {
    write("HTTP/1.1 " + std::to_string(status) +
          " X\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
  }
  void chunk(std::string_view data) {
    char size[32];
    std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
    write(size);
    write(data);
    write("\r\n");
  }
  void end_chunked() { write("0\r\n\r\n"); }
  // Sleeps until the server stops or `limit` passes; for handlers that must hang.
  void hang(std::chrono::milliseconds limit = std::chrono::milliseconds(20'000)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!stopping_.load() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

 private:
  int fd_;
  const std::atomic<bool>& stopping_;
};

class FakeLndServer {
 public:
  using Handler = std::function<void(FakeConnection&, const FakeRequest&)>;

  // `port` 0: one the system picks.
  explicit FakeLndServer(Handler handler, std::uint16_t port = 0) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    ::listen(listen_fd_, 64);
    socklen_t length = sizeof(address);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~FakeLndServer() {
    stopping_.store(true);
    ::shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (std::thread& worker : workers_) worker.join();
    ::close(listen_fd_);
  }

  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::vector<FakeRequest> requests() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  std::size_t count(std::string_view path) const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<std::size_t>(std::count_if(
        requests_.begin(), requests_.end(), [&](const FakeRequest& r) { return r.path == path; }));
  }

 private:
  void accept_loop() {
    while (!stopping_.load()) {
      pollfd waiting{listen_fd_, POLLIN, 0};
      if (::poll(&waiting, 1, 50) <= 0) continue;
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      const std::lock_guard<std::mutex> lock(mutex_);
      open_fds_.push_back(fd);
      workers_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    FakeRequest request;
    if (read_request(fd, request)) {
      {
        const std::lock_guard<std::mutex> lock(mutex_);
        requests_.push_back(request);
      }
      FakeConnection connection(fd, stopping_);
      handler_(connection, request);
    }
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd), open_fds_.end());
    }
    ::close(fd);
  }

  bool read_request(int fd, FakeRequest& request) {
    std::string data;
    std::size_t header_end = std::string::npos;
    std::size_t content_length = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      if (header_end != std::string::npos && data.size() >= header_end + 4 + content_length) {
        request.body = data.substr(header_end + 4, content_length);
        return true;
      }
      pollfd waiting{fd, POLLIN, 0};
      if (::poll(&waiting, 1, 50) <= 0) continue;
      char buffer[4096];
      const ssize_t got = ::recv(fd, buffer, sizeof(buffer), 0);
      if (got <= 0) return false;
      data.append(buffer, static_cast<std::size_t>(got));
      if (header_end == std::string::npos) {
        header_end = data.find("\r\n\r\n");
        if (header_end != std::string::npos) parse_head(data.substr(0, header_end), request);
        const auto length = request.headers.find("content-length");
        if (length != request.headers.end()) content_length = std::stoul(length->second);
      }
    }
    return false;
  }

  static void parse_head(const std::string& head, FakeRequest& request) {
    std::size_t line_end = head.find("\r\n");
    const std::string first = head.substr(0, line_end);
    const std::size_t space1 = first.find(' ');
    const std::size_t space2 = first.find(' ', space1 + 1);
    request.method = first.substr(0, space1);
    const std::string target = first.substr(space1 + 1, space2 - space1 - 1);
    const std::size_t question = target.find('?');
    request.path = target.substr(0, question);
    if (question != std::string::npos) request.query = target.substr(question + 1);
    while (line_end != std::string::npos && line_end < head.size()) {
      const std::size_t next = head.find("\r\n", line_end + 2);
      const std::string line = head.substr(line_end + 2, next - line_end - 2);
      const std::size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        request.headers[name] = value;
      }
      line_end = next;
    }
  }

  Handler handler_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::vector<std::thread> workers_;   // guarded by mutex_
  std::vector<int> open_fds_;          // guarded by mutex_
  std::vector<FakeRequest> requests_;  // guarded by mutex_
};

}  // namespace l402::test
