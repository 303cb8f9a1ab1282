// The admin listener: a small Beast HTTP/1.1 server on one I/O thread in front of AdminApi.
//
// Sessions follow Beast's examples (do_* starts an operation, on_* completes it; a session
// lives while an operation it started holds shared_from_this). One thread runs every handler,
// so nothing here needs a strand or a lock. Answers that need the store or the Lightning
// backend run on the WorkerPool, and the worker posts the answer back to the I/O thread.
// stop() waits for that work: it uses the store and backend its owner destroys next.
#include "gateway/admin/admin_server.hpp"

#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gateway/admin/admin_api.hpp"

namespace l402::gateway {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using admin::AdminReply;
using admin::AdminRequest;

constexpr std::uint32_t kHeaderLimit = 8 * 1024;  // request line and fields; beyond: 431
constexpr std::uint64_t kBodyLimit = 4 * 1024;    // beyond: 413
// A request must arrive, and an answer leave, within this; an idle keep-alive connection is
// closed after it.
constexpr std::chrono::seconds kTimeout{10};
// After an answer that ends the connection, what the client still sends is read and dropped
// for at most this long before closing: closing with unread input sends a TCP reset, which
// can destroy the answer before the client reads it.
constexpr std::chrono::milliseconds kLingerTime{1000};
// Pause before accepting again after an accept error (e.g. out of file descriptors).
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};
// Connections open at once; more are closed at once (a local misbehaving client).
constexpr std::size_t kMaxSessions = 64;

std::string_view to_std(beast::string_view text) { return {text.data(), text.size()}; }

bool is_parse_error(const beast::error_code& ec) {
  return &ec.category() == &http::make_error_code(http::error::bad_target).category();
}

Result<net::ip::address> loopback_address(const std::string& host) {
  if (host == "localhost") return net::ip::address(net::ip::address_v4::loopback());
  std::string_view text = host;
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  beast::error_code ec;
  net::ip::address address = net::ip::make_address(std::string(text), ec);
  if (ec) {
    return Error(ErrorCode::kInvalidArgument,
                 "admin address \"" + host + "\" is not an IP address (use 127.0.0.1 or [::1])");
  }
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
  }
  if (!address.is_loopback()) {
    return Error(ErrorCode::kInvalidArgument,
                 "admin address " + host +
                     " is not a loopback address: the admin API must only be reachable from "
                     "this machine (use 127.0.0.1 or [::1])");
  }
  return address;
}

class Core;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Core& core) : stream_(std::move(socket)), core_(core) {}

  void start() { do_read(); }
  // Sends `reply`; keeps the connection for the next request when the request asked so.
  void answer(AdminReply reply) { send(std::move(reply), keep_alive_); }
  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void send(AdminReply reply, bool keep_alive);
  void on_write(bool keep_alive, beast::error_code ec, std::size_t bytes);
  void do_linger();
  void on_linger(beast::error_code ec, std::size_t bytes);

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http::response<http::string_body>> response_;  // while it is written
  bool keep_alive_ = false;
  std::array<char, 1024> drain_{};
  Core& core_;  // outlives the session: it owns the io_context that runs it
};

// Everything the server's handlers and the workers' jobs share. Jobs hold it by shared_ptr,
// so that a late job posts into an io_context that still exists.
class Core : public std::enable_shared_from_this<Core> {
 public:
  Core(std::string credential, AdminDeps deps)
      : workers_(deps.workers),
        logger_(deps.logger),
        api_(std::move(credential), std::move(deps)) {}

  net::io_context& io() { return io_; }
  tcp::acceptor& acceptor() { return acceptor_; }
  const admin::AdminApi& api() const { return api_; }

  void do_accept() {
    // Handlers on the I/O thread hold `this` plainly: the io_context they wait in is a
    // member, so they never outlive the Core (a shared_ptr here would be a cycle).
    acceptor_.async_accept(
        [this](beast::error_code ec, tcp::socket socket) { on_accept(ec, std::move(socket)); });
  }

  // Runs `work` on the pool, then hands its answer to `session` on the I/O thread.
  void submit(std::shared_ptr<Session> session, std::function<AdminReply()> work) {
    {
      std::lock_guard lock(jobs_mutex_);
      ++jobs_;
    }
    const bool queued =
        workers_.try_submit([self = shared_from_this(), session, work = std::move(work)]() mutable {
          AdminReply reply = self->stopping_ ? admin::busy_reply() : work();
          net::post(self->io_, [session, reply = std::move(reply)]() mutable {
            session->answer(std::move(reply));
          });
          session.reset();
          self->job_finished();
        });
    if (!queued) {
      job_finished();
      session->answer(admin::busy_reply());
    }
  }

  // From the controlling thread: no new work, and the work in flight done (each job is
  // bounded by the store's and the backend's own timeouts).
  void drain() {
    stopping_ = true;
    net::post(io_, [this] { close_all(); });
    std::unique_lock lock(jobs_mutex_);
    jobs_done_.wait(lock, [&] { return jobs_ == 0; });
  }

  // Closes the listener and every connection. On the I/O thread, or once it has ended.
  void close_all() {
    beast::error_code ignored;
    acceptor_.close(ignored);
    for (const std::weak_ptr<Session>& weak : sessions_) {
      if (const std::shared_ptr<Session> session = weak.lock()) session->close();
    }
    sessions_.clear();
  }

  Logger& logger() { return logger_; }

 private:
  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      auto timer = std::make_shared<net::steady_timer>(io_, kAcceptRetryDelay);
      timer->async_wait([this, timer](beast::error_code) {
        if (acceptor_.is_open()) do_accept();
      });
      return;
    }
    std::erase_if(sessions_, [](const std::weak_ptr<Session>& s) { return s.expired(); });
    if (sessions_.size() < kMaxSessions) {
      auto session = std::make_shared<Session>(std::move(socket), *this);
      sessions_.push_back(session);
      session->start();
    }
    do_accept();
  }

  void job_finished() {
    {
      std::lock_guard lock(jobs_mutex_);
      --jobs_;
    }
    jobs_done_.notify_all();
  }

  WorkerPool& workers_;
  Logger& logger_;
  const admin::AdminApi api_;
  std::atomic<bool> stopping_{false};

  std::mutex jobs_mutex_;
  std::condition_variable jobs_done_;
  std::size_t jobs_ = 0;  // guarded by jobs_mutex_: submitted and not finished

  // The I/O thread's. Declared last: destroyed first, with the handlers it still holds.
  net::io_context io_{1};
  tcp::acceptor acceptor_{io_};
  std::vector<std::weak_ptr<Session>> sessions_;
};

void Session::do_read() {
  parser_.emplace();
  parser_->header_limit(kHeaderLimit);
  parser_->body_limit(kBodyLimit);
  stream_.expires_after(kTimeout);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&Session::on_read, shared_from_this()));
}

void Session::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::header_limit) {
    return send(AdminReply::error(431, "request head larger than 8 KiB"), false);
  }
  if (ec == http::error::body_limit) {
    return send(AdminReply::error(413, "request body larger than 4 KiB"), false);
  }
  if (ec == http::error::end_of_stream || (ec && !is_parse_error(ec))) return close();
  if (ec) return send(AdminReply::error(400, "malformed request"), false);

  http::request<http::string_body> request = parser_->release();
  keep_alive_ = request.keep_alive();
  AdminRequest admin_request;
  admin_request.method = std::string(to_std(request.method_string()));
  admin_request.target = std::string(to_std(request.target()));
  admin_request.authorization = std::string(to_std(request[http::field::authorization]));
  admin_request.body = std::move(request.body());
  admin::AdminRoute route = core_.api().route(admin_request);
  if (route.reply) return answer(std::move(*route.reply));
  core_.submit(shared_from_this(), std::move(route.work));
}

void Session::send(AdminReply reply, bool keep_alive) {
  auto response = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(reply.status), 11);
  response->set(http::field::server, "l402d-admin");
  response->set(http::field::content_type, reply.content_type);
  response->set(http::field::cache_control, "no-store");
  for (const auto& [name, value] : reply.fields) response->set(name, value);
  response->body() = std::move(reply.body);
  response->keep_alive(keep_alive);
  response->prepare_payload();
  response_ = response;
  stream_.expires_after(kTimeout);
  http::async_write(stream_, *response_,
                    beast::bind_front_handler(&Session::on_write, shared_from_this(), keep_alive));
}

void Session::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  response_.reset();
  if (ec) return close();
  if (keep_alive) return do_read();
  do_linger();
}

void Session::do_linger() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.expires_after(kLingerTime);
  stream_.async_read_some(net::buffer(drain_),
                          beast::bind_front_handler(&Session::on_linger, shared_from_this()));
}

void Session::on_linger(beast::error_code ec, std::size_t) {
  if (ec) return close();
  stream_.async_read_some(net::buffer(drain_),
                          beast::bind_front_handler(&Session::on_linger, shared_from_this()));
}

class BeastAdminServer final : public AdminServer {
 public:
  BeastAdminServer(std::shared_ptr<Core> core, std::uint16_t port)
      : core_(std::move(core)), port_(port) {
    thread_ = std::thread([core = core_.get()] {
      while (true) {
        try {
          core->io().run();
          return;
        } catch (const std::exception& e) {
          // A handler threw (bad_alloc): log it and go on serving.
          core->logger().error("admin server: unexpected exception", {{"what", e.what()}});
        }
      }
    });
  }
  ~BeastAdminServer() override { stop(); }

  std::uint16_t port() const override { return port_; }

  void stop() override {
    if (!thread_.joinable()) return;
    core_->drain();
    core_->io().stop();
    thread_.join();
    core_->close_all();  // in case the I/O thread stopped before it ran the posted one
  }

 private:
  std::shared_ptr<Core> core_;
  const std::uint16_t port_;
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<AdminServer>> AdminServer::start(const AdminConfig& config,
                                                        std::string credential, AdminDeps deps) {
  L402_ASSIGN_OR_RETURN(const net::ip::address address, loopback_address(config.host));
  if (credential.empty()) {
    return Error(ErrorCode::kInvalidArgument, "admin server: empty credential");
  }
  auto core = std::make_shared<Core>(std::move(credential), std::move(deps));
  const tcp::endpoint endpoint(address, config.port);
  const std::string where = config.host + ":" + std::to_string(config.port);
  tcp::acceptor& acceptor = core->acceptor();
  beast::error_code ec;
  if (acceptor.open(endpoint.protocol(), ec); ec) {
    return Error(ErrorCode::kUnavailable, "admin listener " + where + ": " + ec.message());
  }
  acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (acceptor.bind(endpoint, ec); ec) {
    return Error(ErrorCode::kUnavailable,
                 "admin listener " + where + ": cannot bind: " + ec.message());
  }
  if (acceptor.listen(net::socket_base::max_listen_connections, ec); ec) {
    return Error(ErrorCode::kUnavailable,
                 "admin listener " + where + ": cannot listen: " + ec.message());
  }
  const std::uint16_t port = acceptor.local_endpoint(ec).port();
  if (ec) return Error(ErrorCode::kUnavailable, "admin listener " + where + ": " + ec.message());
  core->do_accept();
  return std::unique_ptr<AdminServer>(std::make_unique<BeastAdminServer>(std::move(core), port));
}

}  // namespace l402::gateway
