// DevnetRestServer: Beast sessions (HTTPS or HTTP) in front of RestRoutes.
//
// One strand per connection: the acceptor hands each socket a strand of its own and every
// handler of a session runs there, so a session needs no lock. A session owns itself through
// the handlers it has pending (shared_from_this); the server keeps weak references only, to
// close every connection when it stops. Function names follow Beast's examples:
// do_* starts an operation, on_* completes it.
#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "l402/devnet.hpp"
#include "rest/invoice_feed.hpp"
#include "rest/lnd_json.hpp"
#include "rest/routes.hpp"
#include "rest/tls_certificate.hpp"

namespace l402 {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using devnet_rest::GrpcCode;

// Request headers larger than this are refused (431).
constexpr std::uint32_t kHeaderLimit = 8 * 1024;
// A subscriber that lets this much output pile up unread is disconnected.
constexpr std::size_t kMaxStreamBacklogBytes = 4 * 1024 * 1024;
// After refusing a request we stop sending and read what the client still sends for at most
// this long before closing, so that closing with unread input (a TCP reset) does not destroy
// the answer before the client reads it.
constexpr std::chrono::milliseconds kLingerTime{1000};
// Pause before accepting again after an accept error (e.g. out of file descriptors).
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};

std::string_view to_std(beast::string_view text) { return {text.data(), text.size()}; }

// The start of an HTTP/1.1 response with a JSON body.
std::string response_head(unsigned status, bool keep_alive, std::optional<std::size_t> length) {
  beast::string_view reason = http::obsolete_reason(static_cast<http::status>(status));
  std::string head =
      "HTTP/1.1 " + std::to_string(status) + " " +
      std::string(reason.empty() || reason == "<unknown-status>" ? std::string_view("Unknown")
                                                                 : to_std(reason)) +
      "\r\nContent-Type: application/json\r\n";
  if (length) {
    head += "Content-Length: " + std::to_string(*length) + "\r\n";
  } else {
    head += "Transfer-Encoding: chunked\r\n";
  }
  if (!keep_alive) head += "Connection: close\r\n";
  head += "\r\n";
  return head;
}

std::string chunk(std::string_view data) {
  char size[20];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string out(size);
  out += data;
  out += "\r\n";
  return out;
}

constexpr std::string_view kLastChunk = "0\r\n\r\n";

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Closes the connection from any thread (on the session's strand, later).
  virtual void stop() = 0;
};

// Everything the acceptor and the sessions share. Lives until every thread is joined.
struct ServerState {
  ServerState(DevnetNode& node_ref, DevnetServerOptions server_options)
      : node(node_ref),
        options(std::move(server_options)),
        routes(node_ref, options.reported_version) {}

  // Constant after construction.
  DevnetNode& node;
  const DevnetServerOptions options;
  const devnet_rest::RestRoutes routes;
  std::optional<ssl::context> tls;  // none in plain_http mode; outlives every TLS stream

  std::atomic<std::size_t> connections{0};

  std::mutex mu;
  bool stopping = false;                                         // guarded by mu
  std::uint64_t next_session_id = 1;                             // guarded by mu
  std::map<std::uint64_t, std::weak_ptr<SessionBase>> sessions;  // guarded by mu

  // Last, so destroyed first: handlers it still holds own sessions, whose destructors use
  // the members above.
  net::io_context ioc;
};

template <typename Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  Session(ServerState& server, Stream&& stream) : server_(server), stream_(std::move(stream)) {}

  ~Session() override {
    feed_.reset();  // unsubscribes before the strand can go away
    server_.connections.fetch_sub(1);
    const std::lock_guard<std::mutex> lock(server_.mu);
    server_.sessions.erase(id_);
  }

  void run() {
    {
      const std::lock_guard<std::mutex> lock(server_.mu);
      if (server_.stopping) return;  // dropping the last reference closes the socket
      id_ = server_.next_session_id++;
      server_.sessions.emplace(id_, this->weak_from_this());
    }
    // Onto the session's strand before touching the stream (the acceptor runs elsewhere).
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::on_run, this->shared_from_this()));
  }

  void stop() override {
    net::post(stream_.get_executor(),
              beast::bind_front_handler(&Session::close_now, this->shared_from_this()));
  }

 private:
  // What to do once everything queued has been written.
  enum class AfterWrite { kReadRequest, kReadBody, kLingerAndClose, kKeepStreaming };

  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  void on_run() {
    if constexpr (kTls) {
      tcp().expires_after(server_.options.idle_timeout);
      stream_.async_handshake(
          ssl::stream_base::server,
          beast::bind_front_handler(&Session::on_handshake, this->shared_from_this()));
    } else {
      do_read_request();
    }
  }

  void on_handshake(beast::error_code ec) {
    if (ec) return close_now();
    do_read_request();
  }

  void do_read_request() {
    if (closed_) return;
    // A fresh parser per request, with its limits.
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(server_.options.max_body_bytes);
    tcp().expires_after(server_.options.idle_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session::on_read_header, this->shared_from_this()));
  }

  void on_read_header(beast::error_code ec, std::size_t /*bytes*/) {
    if (closed_) return;
    if (ec) return on_read_error(ec);
    auto& request = parser_->get();
    const auto expect = request.find(http::field::expect);
    if (expect != request.end() && beast::iequals(expect->value(), "100-continue")) {
      // Refuse an announced oversized body before the client sends it.
      const boost::optional<std::uint64_t> length = parser_->content_length();
      if (length && *length > server_.options.max_body_bytes) return refuse_body_too_large();
      queue_write("HTTP/1.1 100 Continue\r\n\r\n", AfterWrite::kReadBody);
      return;
    }
    do_read_body();
  }

  void do_read_body() {
    if (closed_) return;
    tcp().expires_after(server_.options.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, this->shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t /*bytes*/) {
    if (closed_) return;
    if (ec) return on_read_error(ec);
    handle(parser_->release());
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::body_limit) return refuse_body_too_large();
    if (ec == http::error::header_limit) {
      return refuse(431, GrpcCode::kResourceExhausted,
                    "request headers larger than " + std::to_string(kHeaderLimit) + " bytes");
    }
    // A malformed request (as opposed to the connection ending or timing out).
    if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return refuse(400, GrpcCode::kInvalidArgument, "malformed HTTP request: " + ec.message());
    }
    close_now();
  }

  void refuse_body_too_large() {
    refuse(413, GrpcCode::kResourceExhausted,
           "request body larger than " + std::to_string(server_.options.max_body_bytes) + " bytes");
  }

  // Answers an unreadable request and closes: its remaining bytes cannot be told from the
  // next request's.
  void refuse(unsigned status, GrpcCode code, std::string_view message) {
    const std::string body = devnet_rest::json_text(devnet_rest::error_json(code, message));
    queue_write(response_head(status, /*keep_alive=*/false, body.size()) + body,
                AfterWrite::kLingerAndClose);
  }

  void handle(http::request<http::string_body> request) {
    if (request.version() != 10 && request.version() != 11) {
      return refuse(400, GrpcCode::kInvalidArgument, "unsupported HTTP version");
    }
    const bool keep_alive = request.keep_alive();
    const auto macaroon = request.find("Grpc-Metadata-macaroon");
    devnet_rest::RestRequest rest_request{
        to_std(request.method_string()),
        to_std(request.target()),
        macaroon == request.end() ? std::nullopt
                                  : std::optional<std::string_view>(to_std(macaroon->value())),
        request.body(),
    };
    // Runs the endpoint on this I/O thread. The slowest, paying, takes devnet a few
    // milliseconds (one SQLite transaction), so it is not worth a thread pool here.
    devnet_rest::RestOutcome outcome = server_.routes.handle(rest_request);
    const AfterWrite next = keep_alive ? AfterWrite::kReadRequest : AfterWrite::kLingerAndClose;
    if (auto* reply = std::get_if<devnet_rest::RestReply>(&outcome)) {
      queue_write(response_head(reply->status, keep_alive, reply->body.size()) + reply->body, next);
    } else if (auto* stream = std::get_if<devnet_rest::RestStream>(&outcome)) {
      queue_write(response_head(200, keep_alive, std::nullopt) + chunk(stream->lines) +
                      std::string(kLastChunk),
                  next);
    } else {
      start_subscription(std::get<devnet_rest::RestSubscription>(std::move(outcome)));
    }
  }

  void start_subscription(devnet_rest::RestSubscription subscription) {
    // The listener runs on the node's thread: it only posts the invoice to this strand.
    auto sink = [weak = this->weak_from_this(),
                 executor = stream_.get_executor()](const DevnetInvoice& invoice) {
      net::post(executor, [weak, invoice] {
        if (auto self = weak.lock()) self->on_invoice(invoice);
      });
    };
    Result<std::unique_ptr<devnet_rest::InvoiceFeed>> feed = devnet_rest::InvoiceFeed::start(
        server_.node, std::move(subscription.account), subscription.add_index,
        subscription.settle_index, std::move(sink));
    if (!feed.ok()) {
      const devnet_rest::RestReply reply =
          devnet_rest::RestRoutes::error_reply(GrpcCode::kUnknown, feed.error().message());
      queue_write(response_head(reply.status, true, reply.body.size()) + reply.body,
                  AfterWrite::kReadRequest);
      return;
    }
    feed_ = std::move(*feed);
    streaming_ = true;
    // The stream lives until the client goes away or the server stops: no idle limit on
    // reading; each write still has one (set while the read is pending, so it only affects
    // the write).
    tcp().expires_never();
    do_watch_for_close();
    // Replayed invoices were posted behind this handler, so the head goes out first.
    queue_write(response_head(200, /*keep_alive=*/true, std::nullopt), AfterWrite::kKeepStreaming);
  }

  // A stream's client sends nothing more; a completed read means it closed (or misbehaves).
  void do_watch_for_close() {
    stream_.async_read_some(
        net::buffer(watch_buffer_),
        beast::bind_front_handler(&Session::on_watch_for_close, this->shared_from_this()));
  }

  void on_watch_for_close(beast::error_code ec, std::size_t /*bytes*/) {
    if (closed_) return;
    if (ec) return close_now();
    do_watch_for_close();  // ignore stray bytes
  }

  void on_invoice(const DevnetInvoice& invoice) {
    if (closed_ || !streaming_) return;
    queue_write(chunk(devnet_rest::stream_result_line(devnet_rest::invoice_json(invoice))),
                AfterWrite::kKeepStreaming);
  }

  void queue_write(std::string bytes, AfterWrite after) {
    if (closed_) return;
    after_write_ = after;
    queued_bytes_ += bytes.size();
    outbox_.push_back(std::move(bytes));
    if (streaming_ && queued_bytes_ > kMaxStreamBacklogBytes) return close_now();
    if (!writing_) do_write();
  }

  void do_write() {
    writing_ = true;
    tcp().expires_after(server_.options.idle_timeout);
    net::async_write(stream_, net::buffer(outbox_.front()),
                     beast::bind_front_handler(&Session::on_write, this->shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t /*bytes*/) {
    writing_ = false;
    if (closed_) return;
    if (ec) return close_now();
    queued_bytes_ -= outbox_.front().size();
    outbox_.pop_front();
    if (!outbox_.empty()) return do_write();
    switch (after_write_) {
      case AfterWrite::kReadRequest:
        return do_read_request();
      case AfterWrite::kReadBody:
        return do_read_body();
      case AfterWrite::kLingerAndClose:
        return do_linger();
      case AfterWrite::kKeepStreaming:
        return;
    }
  }

  void do_linger() {
    beast::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    tcp().expires_after(kLingerTime);
    tcp().async_read_some(net::buffer(watch_buffer_),
                          beast::bind_front_handler(&Session::on_linger, this->shared_from_this()));
  }

  void on_linger(beast::error_code ec, std::size_t /*bytes*/) {
    if (closed_) return;
    if (ec) return close_now();
    tcp().async_read_some(net::buffer(watch_buffer_),
                          beast::bind_front_handler(&Session::on_linger, this->shared_from_this()));
  }

  // Ends the connection at once; pending operations complete with an error and drop their
  // references, so the session is destroyed when the last one has run.
  void close_now() {
    if (closed_) return;
    closed_ = true;
    feed_.reset();
    outbox_.clear();
    tcp().close();
  }

  ServerState& server_;
  Stream stream_;
  std::uint64_t id_ = 0;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::array<char, 512> watch_buffer_{};
  std::deque<std::string> outbox_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool streaming_ = false;
  bool closed_ = false;
  AfterWrite after_write_ = AfterWrite::kReadRequest;
  std::unique_ptr<devnet_rest::InvoiceFeed> feed_;
};

class RestServer final : public DevnetRestServer {
 public:
  RestServer(DevnetNode& node, const DevnetServerOptions& options)
      : state_(std::make_unique<ServerState>(node, options)),
        acceptor_(net::make_strand(state_->ioc)),
        retry_timer_(acceptor_.get_executor()) {}

  ~RestServer() override {
    std::vector<std::shared_ptr<SessionBase>> sessions;
    {
      const std::lock_guard<std::mutex> lock(state_->mu);
      state_->stopping = true;
      for (auto& [id, weak] : state_->sessions) {
        if (auto session = weak.lock()) sessions.push_back(std::move(session));
      }
    }
    net::post(acceptor_.get_executor(), [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
      retry_timer_.cancel();
    });
    for (const auto& session : sessions) session->stop();
    sessions.clear();
    // With the acceptor and every connection closed, each thread's run() returns once the
    // handlers still queued have completed with errors.
    for (std::thread& thread : threads_) thread.join();
    // A stop() posted after the threads ran out of work is still queued: run it here, so
    // that no session outlives this destructor inside the io_context's queue.
    state_->ioc.restart();
    state_->ioc.run();
  }

  Result<void> start(const tcp::endpoint& endpoint, std::size_t threads) {
    beast::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return Error(ErrorCode::kUnavailable,
                   "devnet REST server: cannot listen on " + endpoint.address().to_string() + ":" +
                       std::to_string(endpoint.port()) + ": " + ec.message());
    }
    const tcp::endpoint bound = acceptor_.local_endpoint(ec);
    port_ = bound.port();
    const std::string address = bound.address().to_string();
    url_ = std::string(state_->tls ? "https://" : "http://") +
           (bound.address().is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(port_);
    do_accept();
    for (std::size_t i = 0; i < std::max<std::size_t>(threads, 1); ++i) {
      threads_.emplace_back([this] { state_->ioc.run(); });
    }
    return ok_result();
  }

  ServerState& state() { return *state_; }
  void set_tls_cert_path(std::filesystem::path path) { tls_cert_path_ = std::move(path); }

  std::uint16_t port() const override { return port_; }
  std::string url() const override { return url_; }
  std::filesystem::path tls_cert_path() const override { return tls_cert_path_; }

 private:
  void do_accept() {
    acceptor_.async_accept(net::make_strand(state_->ioc),
                           beast::bind_front_handler(&RestServer::on_accept, this));
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (!acceptor_.is_open()) return;
    if (ec) {
      retry_timer_.expires_after(kAcceptRetryDelay);
      retry_timer_.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec && acceptor_.is_open()) do_accept();
      });
      return;
    }
    // Beyond the limit the connection is closed unanswered, as a full listen queue would.
    if (state_->connections.load() >= state_->options.max_connections) {
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      state_->connections.fetch_add(1);
      // Streams are written as several small writes (headers, then one chunk per message):
      // with Nagle's algorithm each waits for the client's delayed ACK, 40 ms a message.
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      if (state_->tls) {
        using TlsStream = beast::ssl_stream<beast::tcp_stream>;
        std::make_shared<Session<TlsStream>>(
            *state_, TlsStream(beast::tcp_stream(std::move(socket)), *state_->tls))
            ->run();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(*state_, beast::tcp_stream(std::move(socket)))
            ->run();
      }
    }
    do_accept();
  }

  // Declared first: destroyed last, after the acceptor and timer that use its io_context.
  std::unique_ptr<ServerState> state_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_timer_;
  std::vector<std::thread> threads_;
  std::uint16_t port_ = 0;
  std::string url_;
  std::filesystem::path tls_cert_path_;
};

Result<net::ip::address> loopback_address(const std::string& host) {
  if (host == "127.0.0.1" || host == "localhost")
    return net::ip::address(net::ip::address_v4::loopback());
  if (host == "::1") return net::ip::address(net::ip::address_v6::loopback());
  return Error(
      ErrorCode::kInvalidArgument,
      "devnet REST server: host must be 127.0.0.1, ::1 or localhost (loopback only), not \"" +
          host + "\"");
}

}  // namespace

Result<std::unique_ptr<DevnetRestServer>> DevnetRestServer::start(
    DevnetNode& node, const DevnetServerOptions& options) {
  L402_ASSIGN_OR_RETURN(const net::ip::address address, loopback_address(options.host));
  if (options.max_connections == 0 || options.max_body_bytes == 0 ||
      options.idle_timeout.count() <= 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "devnet REST server: max_connections, max_body_bytes and idle_timeout must be "
                 "positive");
  }
  auto server = std::make_unique<RestServer>(node, options);
  if (!options.plain_http) {
    L402_ASSIGN_OR_RETURN(devnet_rest::TlsIdentity identity,
                          devnet_rest::load_or_create_tls_identity(node.data_dir()));
    ssl::context context(ssl::context::tls_server);
    beast::error_code ec;
    context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                            ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                            ssl::context::no_tlsv1_1,
                        ec);
    if (!ec) context.use_certificate_chain(net::buffer(identity.cert_pem), ec);
    if (!ec) context.use_private_key(net::buffer(identity.key_pem), ssl::context::pem, ec);
    if (ec) {
      return Error(ErrorCode::kFailedPrecondition,
                   identity.cert_path.string() + ": unusable for TLS: " + ec.message());
    }
    server->state().tls.emplace(std::move(context));
    server->set_tls_cert_path(identity.cert_path);
  } else {
    server->set_tls_cert_path(node.data_dir() / "tls.cert");
  }
  L402_RETURN_IF_ERROR(server->start(tcp::endpoint(address, options.port), options.threads));
  return std::unique_ptr<DevnetRestServer>(std::move(server));
}

}  // namespace l402
