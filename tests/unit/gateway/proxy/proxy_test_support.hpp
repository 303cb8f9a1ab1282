// Test doubles around a real ProxyServer on 127.0.0.1: a small blocking upstream (one thread
// per connection, behaviour scripted per test), a RequestHandler answering with a function
// (inline or from another thread), and a blocking client with a receive timeout, so that no
// test can hang.
#pragma once

#include <fcntl.h>
#include <openssl/sha.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gateway/exchange.hpp"
#include "gateway/observe/log.hpp"
#include "gateway/observe/metrics.hpp"
#include "gateway/proxy/proxy_server.hpp"
#include "result_matchers.hpp"

namespace l402::gateway::proxy_test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

using StringRequest = http::request<http::string_body>;
using StringResponse = http::response<http::string_body>;

inline constexpr auto kIoTimeout = 10s;

inline void set_receive_timeout(int fd, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

inline std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char byte : digest) {
    out += kHex[byte >> 4];
    out += kHex[byte & 15];
  }
  return out;
}

// Deterministic bytes that are not all alike, so a misplaced chunk changes the checksum.
inline std::string pattern_bytes(std::size_t size, std::uint32_t seed) {
  std::string out(size, '\0');
  std::uint32_t x = seed | 1;
  for (std::size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    out[i] = static_cast<char>(x);
  }
  return out;
}

// An upstream on 127.0.0.1:<ephemeral>. `serve` runs per request on the connection's thread
// with the connected socket; it writes the response itself and returns whether to keep the
// connection open for another request.
class TestUpstream {
 public:
  using Serve = std::function<bool(tcp::socket&, StringRequest&)>;

  explicit TestUpstream(Serve serve) : serve_(std::move(serve)), acceptor_(ioc_) {
    acceptor_.open(tcp::v4());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(tcp::endpoint(net::ip::address_v4::loopback(), 0));
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { accept_loop(); });
  }

  ~TestUpstream() { stop(); }

  void stop() {
    if (stopped_.exchange(true)) return;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    accept_thread_.join();
    {
      const std::lock_guard<std::mutex> lock(mu_);
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (std::thread& thread : connection_threads_) thread.join();
  }

  std::uint16_t port() const { return port_; }
  int accepts() const { return accepts_.load(); }

  // The requests received so far (method, target, fields, body).
  std::vector<StringRequest> requests() {
    const std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void accept_loop() {
    while (!stopped_.load()) {
      beast::error_code ec;
      tcp::socket socket(ioc_);
      acceptor_.accept(socket, ec);
      if (ec) return;
      accepts_.fetch_add(1);
      set_receive_timeout(socket.native_handle(), std::chrono::milliseconds(kIoTimeout));
      const std::lock_guard<std::mutex> lock(mu_);
      open_fds_.push_back(socket.native_handle());
      connection_threads_.emplace_back(
          [this, s = std::make_shared<tcp::socket>(std::move(socket))] { serve_connection(*s); });
    }
  }

  void serve_connection(tcp::socket& socket) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      parser.header_limit(1024 * 1024);
      beast::error_code ec;
      http::read(socket, buffer, parser, ec);
      if (ec) break;
      StringRequest request = parser.release();
      {
        const std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(request);
      }
      if (!serve_(socket, request)) break;
    }
    beast::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
  }

  Serve serve_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
  std::atomic<int> accepts_{0};
  std::thread accept_thread_;
  std::mutex mu_;
  std::vector<int> open_fds_;
  std::vector<std::thread> connection_threads_;
  std::vector<StringRequest> requests_;
};

// Writes a complete response with a Content-Length body; keeps the connection.
inline bool respond(tcp::socket& socket, const StringRequest& request, unsigned status,
                    std::string body,
                    std::vector<std::pair<std::string, std::string>> fields = {}) {
  StringResponse response(static_cast<http::status>(status), 11);
  for (auto& [name, value] : fields) response.insert(name, value);
  response.body() = std::move(body);
  response.prepare_payload();
  response.keep_alive(request.keep_alive());
  beast::error_code ec;
  http::write(socket, response, ec);
  return !ec && request.keep_alive();
}

// Writes `bytes` as the response, framed as the test wrote them; keeps the connection when
// the request asked to.
inline bool respond_raw(tcp::socket& socket, const StringRequest& request, std::string_view bytes) {
  beast::error_code ec;
  net::write(socket, net::buffer(bytes), ec);
  return !ec && request.keep_alive();
}

// A RequestHandler answering with `decide`, inline or from a thread of its own.
class TestHandler final : public RequestHandler {
 public:
  using Decide = std::function<Decision(const RequestHead&)>;

  explicit TestHandler(Decide decide, bool from_other_thread = false)
      : decide_(std::move(decide)), from_other_thread_(from_other_thread) {}

  ~TestHandler() override {
    for (std::thread& thread : threads_) thread.join();
  }

  void handle(const RequestHead& head, std::function<void(Decision)> done) override {
    {
      const std::lock_guard<std::mutex> lock(mu_);
      heads_.push_back(head);
    }
    Decision decision = decide_(head);
    if (!from_other_thread_) return done(std::move(decision));
    const std::lock_guard<std::mutex> lock(mu_);
    threads_.emplace_back([done = std::move(done), decision = std::move(decision)]() mutable {
      std::this_thread::sleep_for(20ms);
      done(std::move(decision));
    });
  }

  std::vector<RequestHead> heads() {
    const std::lock_guard<std::mutex> lock(mu_);
    return heads_;
  }

 private:
  Decide decide_;
  bool from_other_thread_;
  std::mutex mu_;
  std::vector<RequestHead> heads_;
  std::vector<std::thread> threads_;
};

// Forwards to 127.0.0.1:<port> with the target unchanged.
inline Decision forward_to(std::uint16_t port, const RequestHead& head) {
  ForwardPlan plan;
  plan.upstream.scheme = "http";
  plan.upstream.host = "127.0.0.1";
  plan.upstream.port = port;
  plan.target = head.target;
  plan.set_fields = {{"Host", "127.0.0.1:" + std::to_string(port)}};
  plan.max_body_bytes = 64ull * 1024 * 1024;
  plan.upstream_timeout = 5s;
  Decision decision;
  decision.action = std::move(plan);
  decision.outcome.service = "test";
  decision.outcome.outcome = "free";
  return decision;
}

inline ListenerConfig test_listener() {
  ListenerConfig listener;
  listener.host = "127.0.0.1";
  listener.port = 0;
  listener.header_timeout = 5s;
  listener.idle_timeout = 5s;
  listener.body_timeout = 5s;
  listener.max_header_bytes = 8 * 1024;
  return listener;
}

// A proxy with its metrics and logger; the access log goes to `log_fd` (default: nowhere).
struct RunningProxy {
  RunningProxy(RequestHandler& handler, ListenerConfig listener = test_listener(),
               std::filesystem::path data_dir = {}, int log_fd = -1)
      : logger(LogConfig{}, log_fd < 0 ? null_fd() : log_fd) {
    ProxyOptions options;
    options.listeners = {std::move(listener)};
    options.data_dir = std::move(data_dir);
    options.io_threads = 2;
    Result<std::unique_ptr<ProxyServer>> started =
        ProxyServer::start(options, handler, metrics, logger);
    if (started.ok()) {
      server = std::move(*started);
    } else {
      error = started.error().message();
    }
  }
  ~RunningProxy() {
    if (server) server->drain(1s);
    if (owned_fd >= 0) ::close(owned_fd);
  }

  std::uint16_t port() const { return server->ports().at(0); }

  int null_fd() {
    owned_fd = ::open("/dev/null", O_WRONLY);
    return owned_fd;
  }

  int owned_fd = -1;
  Metrics metrics;
  Logger logger;
  std::unique_ptr<ProxyServer> server;
  std::string error;
};

// A blocking client connection to the proxy.
class TestClient {
 public:
  explicit TestClient(std::uint16_t port) : socket_(ioc_) {
    beast::error_code ec;
    socket_.connect(tcp::endpoint(net::ip::address_v4::loopback(), port), ec);
    connected_ = !ec;
    if (connected_) set_receive_timeout(socket_.native_handle(), kIoTimeout);
  }

  bool connected() const { return connected_; }
  tcp::socket& socket() { return socket_; }

  bool send_raw(std::string_view bytes) {
    beast::error_code ec;
    net::write(socket_, net::buffer(bytes), ec);
    return !ec;
  }

  // Sends `request` (Host and payload prepared) and reads the response.
  StringResponse exchange(StringRequest request, beast::error_code* error = nullptr) {
    if (request.find(http::field::host) == request.end()) request.set(http::field::host, "test");
    request.prepare_payload();
    beast::error_code ec;
    http::write(socket_, request, ec);
    if (!ec) return read_response(error);
    if (error != nullptr) *error = ec;
    return {};
  }

  StringResponse read_response(beast::error_code* error = nullptr, bool head_request = false) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (head_request) parser.skip(true);
    beast::error_code ec;
    http::read(socket_, buffer_, parser, ec);
    if (error != nullptr) *error = ec;
    if (ec) return {};
    return parser.release();
  }

  // True when the proxy closed the connection (EOF or reset) within the receive timeout.
  bool closed_by_peer() {
    char byte = 0;
    beast::error_code ec;
    for (;;) {
      socket_.read_some(net::buffer(&byte, 1), ec);
      if (ec) return ec != net::error::would_block && ec != net::error::try_again;
    }
  }

  beast::flat_buffer& buffer() { return buffer_; }

 private:
  net::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  bool connected_ = false;
};

inline StringRequest get(std::string target) {
  StringRequest request(http::verb::get, target, 11);
  request.set(http::field::host, "proxy.test");
  return request;
}

}  // namespace l402::gateway::proxy_test
