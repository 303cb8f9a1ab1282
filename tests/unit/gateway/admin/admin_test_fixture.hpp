// A running admin server for the admin tests: a SQLite store in a temporary directory, the
// SharedState over it, an in-process devnet node as the Lightning backend, a worker pool,
// metrics and a logger writing to a file the test can read. Plus a raw HTTP/1.1 client on
// loopback with bounded waits.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

#include "gateway/admin/admin_server.hpp"
#include "gateway/observe/log.hpp"
#include "gateway/observe/metrics.hpp"
#include "l402/devnet.hpp"
#include "l402/store.hpp"
#include "l402/worker_pool.hpp"
#include "result_matchers.hpp"
#include "temp_dir.hpp"

namespace l402::gateway::test {

using Json = nlohmann::json;
using ::l402::test::IsOk;
using ::l402::test::TempDir;

// A value no response or log may contain: an upstream header value from the environment.
inline constexpr std::string_view kSecretHeaderValue = "sk-live-do-not-print-0123456789";

struct HttpAnswer {
  int status = 0;
  std::string head;  // status line and fields, lower-cased names kept as sent
  std::string body;
  bool closed = false;  // the server closed the connection after this answer

  Json json() const { return Json::parse(body, nullptr, false); }
  // The value of a header field (case-insensitive name), or "".
  std::string field(std::string_view name) const {
    std::istringstream lines(head);
    std::string line;
    while (std::getline(lines, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const std::size_t colon = line.find(':');
      if (colon == std::string::npos || colon != name.size()) continue;
      bool same = true;
      for (std::size_t i = 0; i < colon; ++i) {
        same = same && std::tolower(static_cast<unsigned char>(line[i])) ==
                           std::tolower(static_cast<unsigned char>(name[i]));
      }
      if (!same) continue;
      std::size_t start = colon + 1;
      while (start < line.size() && line[start] == ' ') ++start;
      return line.substr(start);
    }
    return "";
  }
};

// One TCP connection to 127.0.0.1:port; every read gives up after 5 s.
class HttpConnection {
 public:
  explicit HttpConnection(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval timeout{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~HttpConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  bool connected() const { return connected_; }

  bool send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t sent = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (sent <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
  }

  // Reads one answer (its body by Content-Length). status 0 when none came.
  HttpAnswer receive() {
    HttpAnswer answer;
    std::size_t head_end = std::string::npos;
    while ((head_end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return answer;
    }
    answer.head = pending_.substr(0, head_end + 2);
    pending_.erase(0, head_end + 4);
    if (answer.head.size() > 12) answer.status = std::atoi(answer.head.substr(9, 3).c_str());
    const std::string length = answer.field("Content-Length");
    const std::size_t size = length.empty() ? 0 : std::stoul(length);
    while (pending_.size() < size) {
      if (!fill()) break;
    }
    answer.body = pending_.substr(0, size);
    pending_.erase(0, std::min(size, pending_.size()));
    answer.closed = answer.field("Connection") == "close";
    return answer;
  }

  // True when the server closes the connection (reads EOF or a reset) within 5 s.
  bool closed_by_server() {
    char buffer[256];
    while (true) {
      const ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
      if (got == 0) return true;
      if (got < 0) return errno == ECONNRESET;
    }
  }

 private:
  bool fill() {
    char buffer[4096];
    const ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
    if (got <= 0) return false;
    pending_.append(buffer, static_cast<std::size_t>(got));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string pending_;
};

class AdminServerTest : public ::testing::Test {
 protected:
  static constexpr std::int64_t kStartTime = 1'700'000'000;

  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    SqliteOptions sqlite;
    sqlite.path = dir_.file("l402d.sqlite");
    ASSERT_OK_AND_ASSIGN(store_, open_sqlite_store(sqlite));
    ASSERT_OK_AND_ASSIGN(shared_, SharedState::start(*store_, system_random()));
    DevnetOptions devnet;
    devnet.data_dir = dir_.file("devnet");
    ASSERT_OK_AND_ASSIGN(node_, DevnetNode::open(devnet));
    backend_ = open_devnet_backend(*node_);
    log_path_ = dir_.file("admin.log");
    log_fd_ = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ASSERT_GE(log_fd_, 0);
    logger_ = std::make_unique<Logger>(LogConfig{}, log_fd_);
    config_ = std::make_shared<GatewayConfig>(make_config());
    credential_ = "3f1c0d7e9a8b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d";
    start_server(*backend_);
  }

  void TearDown() override {
    if (server_) server_->stop();
    server_.reset();
    workers_.stop();
    if (log_fd_ >= 0) ::close(log_fd_);
  }

  GatewayConfig make_config() {
    GatewayConfig config;
    config.data_dir = dir_.path();
    config.listeners.front().port = 8402;
    ServiceConfig demo;
    demo.name = "demo";
    demo.host_regex = ".*";
    demo.path_regex = "/api/.*";
    demo.upstream.port = 8080;
    demo.price = Msat(1000);
    demo.free_paths = {"/api/health"};
    demo.valid_for_seconds = 3600;
    demo.capabilities = std::vector<std::string>{"read", "write"};
    demo.capability_rules = {{"/api/admin/.*", "write"}};
    demo.constraints = {{"demo_max_requests", "1000"}};
    demo.headers = {{"X-Api-Key", std::string(kSecretHeaderValue), true},
                    {"X-Plain", "literal-value-also-hidden", false}};
    ServiceConfig free;
    free.name = "free";
    free.auth = AuthMode::kFreebie;
    free.freebies = 5;
    free.upstream.scheme = "https";
    free.upstream.host = "::1";
    free.upstream.port = 8443;
    config.services = {demo, free};
    return config;
  }

  AdminDeps deps(Backend& backend) {
    return AdminDeps{*store_,
                     *shared_,
                     backend,
                     workers_,
                     metrics_,
                     *logger_,
                     [this] { return std::shared_ptr<const GatewayConfig>(config_); },
                     [this] { return now_.load(); },
                     "9.9.9-test"};
  }

  void start_server(Backend& backend) {
    AdminConfig admin;
    admin.host = "127.0.0.1";
    admin.port = 0;
    auto started = AdminServer::start(admin, credential_, deps(backend));
    ASSERT_TRUE(IsOk(started));
    server_ = std::move(started).value();
  }

  // One request on a new connection, with the credential unless `authorization` is given.
  HttpAnswer request(std::string_view method, std::string_view target, std::string body = "",
                     std::optional<std::string> authorization = std::nullopt) {
    HttpConnection connection(server_->port());
    EXPECT_TRUE(connection.connected());
    std::string text = std::string(method) + " " + std::string(target) +
                       " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    const std::string auth = authorization.value_or("Bearer " + credential_);
    if (!auth.empty()) text += "Authorization: " + auth + "\r\n";
    if (!body.empty() || method == "POST") {
      text += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
              "\r\n";
    }
    text += "\r\n" + body;
    EXPECT_TRUE(connection.send(text));
    HttpAnswer answer = connection.receive();
    bodies_seen_ += answer.head + answer.body;
    return answer;
  }

  std::string read_log() const {
    std::ifstream file(log_path_);
    std::stringstream content;
    content << file.rdbuf();
    return content.str();
  }

  TempDir dir_{"l402-admin"};
  std::unique_ptr<Store> store_;
  std::unique_ptr<SharedState> shared_;
  std::unique_ptr<DevnetNode> node_;
  std::unique_ptr<Backend> backend_;
  WorkerPool workers_{2, 16};
  Metrics metrics_;
  std::string log_path_;
  int log_fd_ = -1;
  std::unique_ptr<Logger> logger_;
  std::shared_ptr<GatewayConfig> config_;
  std::atomic<std::int64_t> now_{kStartTime};
  std::string credential_;
  std::unique_ptr<AdminServer> server_;
  std::string bodies_seen_;  // every answer so far, to look for secrets in
};

}  // namespace l402::gateway::test
