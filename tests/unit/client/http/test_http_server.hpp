// A small blocking HTTP/1.1 server on 127.0.0.1:<ephemeral> for the client's tests, plain or
// TLS (the certificate devnet makes for 127.0.0.1). One thread per connection; the handler
// runs per request and answers through the Connection (a whole response, or raw bytes to
// script broken servers), returning whether to keep the connection. Every socket has a
// receive and send timeout, so no test can hang; the destructor stops everything.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace l402::client_test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

using StringRequest = http::request<http::string_body>;
using StringResponse = http::response<http::string_body>;
using Fields = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::chrono::seconds kSocketTimeout{10};

// One accepted connection, plain or TLS.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual bool read(beast::flat_buffer& buffer,
                    http::request_parser<http::string_body>& parser) = 0;
  // Bytes exactly as given (to script malformed or cut answers).
  virtual bool write_raw(std::string_view bytes) = 0;
  virtual bool write(StringResponse& response) = 0;
  virtual void close() = 0;

  // A complete response with a Content-Length body. Returns whether the connection stays.
  bool respond(const StringRequest& request, unsigned status, std::string body,
               const Fields& fields = {}) {
    StringResponse response(static_cast<http::status>(status), 11);
    for (const auto& [name, value] : fields) response.insert(name, value);
    response.body() = std::move(body);
    response.prepare_payload();
    response.keep_alive(request.keep_alive());
    return write(response) && request.keep_alive();
  }
};

class TestHttpServer {
 public:
  using Handler = std::function<bool(Connection&, const StringRequest&)>;

  // `cert_pem`/`key_pem` non-empty: serve TLS with them.
  explicit TestHttpServer(Handler handler, std::string cert_pem = {}, std::string key_pem = {})
      : handler_(std::move(handler)), acceptor_(ioc_) {
    if (!cert_pem.empty()) {
      tls_ = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
      tls_->use_certificate_chain(net::buffer(cert_pem));
      tls_->use_private_key(net::buffer(key_pem), net::ssl::context::pem);
    }
    acceptor_.open(tcp::v4());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(tcp::endpoint(net::ip::address_v4::loopback(), 0));
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { accept_loop(); });
  }

  ~TestHttpServer() { stop(); }
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  void stop() {
    if (stopped_.exchange(true)) return;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    accept_thread_.join();
    {
      const std::lock_guard<std::mutex> lock(mu_);
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (std::thread& thread : threads_) thread.join();
  }

  std::uint16_t port() const { return port_; }
  std::string url(std::string_view path = "/") const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) +
           std::string(path);
  }
  int accepts() const { return accepts_.load(); }
  std::vector<StringRequest> requests() {
    const std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  class PlainConnection final : public Connection {
   public:
    explicit PlainConnection(tcp::socket socket) : socket_(std::move(socket)) {}
    bool read(beast::flat_buffer& buffer,
              http::request_parser<http::string_body>& parser) override {
      beast::error_code ec;
      http::read(socket_, buffer, parser, ec);
      return !ec;
    }
    bool write_raw(std::string_view bytes) override {
      beast::error_code ec;
      net::write(socket_, net::buffer(bytes.data(), bytes.size()), ec);
      return !ec;
    }
    bool write(StringResponse& response) override {
      beast::error_code ec;
      http::write(socket_, response, ec);
      return !ec;
    }
    void close() override {
      beast::error_code ignored;
      socket_.shutdown(tcp::socket::shutdown_send, ignored);
    }

   private:
    tcp::socket socket_;
  };

  class TlsConnection final : public Connection {
   public:
    TlsConnection(tcp::socket socket, net::ssl::context& context)
        : stream_(std::move(socket), context) {}
    bool handshake() {
      beast::error_code ec;
      stream_.handshake(net::ssl::stream_base::server, ec);
      return !ec;
    }
    bool read(beast::flat_buffer& buffer,
              http::request_parser<http::string_body>& parser) override {
      beast::error_code ec;
      http::read(stream_, buffer, parser, ec);
      return !ec;
    }
    bool write_raw(std::string_view bytes) override {
      beast::error_code ec;
      net::write(stream_, net::buffer(bytes.data(), bytes.size()), ec);
      return !ec;
    }
    bool write(StringResponse& response) override {
      beast::error_code ec;
      http::write(stream_, response, ec);
      return !ec;
    }
    // No close_notify exchange: a client that does not answer it would hold us here.
    void close() override {
      beast::error_code ignored;
      stream_.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
    }

   private:
    beast::ssl_stream<tcp::socket> stream_;
  };

  static void set_timeouts(int fd) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(kSocketTimeout.count());
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }

  void accept_loop() {
    while (!stopped_.load()) {
      beast::error_code ec;
      tcp::socket socket(ioc_);
      acceptor_.accept(socket, ec);
      if (ec) return;
      accepts_.fetch_add(1);
      set_timeouts(socket.native_handle());
      const std::lock_guard<std::mutex> lock(mu_);
      open_fds_.push_back(socket.native_handle());
      threads_.emplace_back(
          [this, s = std::make_shared<tcp::socket>(std::move(socket))] { serve(std::move(*s)); });
    }
  }

  void serve(tcp::socket socket) {
    const int fd = socket.native_handle();
    std::unique_ptr<Connection> connection;
    if (tls_) {
      auto tls = std::make_unique<TlsConnection>(std::move(socket), *tls_);
      const bool ready = tls->handshake();
      connection = std::move(tls);
      if (!ready) return forget(fd, std::move(connection));
    } else {
      connection = std::make_unique<PlainConnection>(std::move(socket));
    }
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      parser.header_limit(1024 * 1024);
      if (!connection->read(buffer, parser)) break;
      StringRequest request = parser.release();
      {
        const std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(request);
      }
      if (!handler_(*connection, request)) break;
    }
    connection->close();
    forget(fd, std::move(connection));
  }

  // Drops the descriptor from those stop() shuts down before closing it, so that stop() never
  // touches a number the system has given to another socket since.
  void forget(int fd, std::unique_ptr<Connection> connection) {
    {
      const std::lock_guard<std::mutex> lock(mu_);
      std::erase(open_fds_, fd);
    }
    connection.reset();
  }

  Handler handler_;
  net::io_context ioc_;
  std::unique_ptr<net::ssl::context> tls_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
  std::atomic<int> accepts_{0};
  std::thread accept_thread_;
  std::mutex mu_;
  std::vector<int> open_fds_;
  std::vector<std::thread> threads_;
  std::vector<StringRequest> requests_;
};

}  // namespace l402::client_test
