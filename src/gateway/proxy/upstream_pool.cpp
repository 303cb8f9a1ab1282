// UpstreamPool: opening upstream connections and parking idle ones.
//
// A connection parked for more than kPeekAfter is checked before reuse with a non-blocking
// MSG_PEEK: an upstream that closed it while idle (its own keep-alive timeout, seconds) has
// left an EOF there, which is far more common than a close racing the next request. One
// reused sooner skips the check: under load that saves one system call in five per request,
// and the retry of bodiless requests covers the rare miss. A periodic sweep closes connections idle
// for longer than kIdleTimeout so that parked sockets do not pile up.
//
// Name resolution runs getaddrinfo on Asio's resolver thread, which no cancellation reaches: a
// resolver that hangs would hold the request until getaddrinfo gives up. A timer fails the
// attempt at its deadline instead, and the late answer, when it comes, is ignored.
#include "gateway/proxy/upstream_pool.hpp"

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/error.hpp>
#include <cerrno>
#include <utility>

namespace l402::gateway::proxy {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::seconds kSweepInterval{5};
constexpr std::chrono::milliseconds kPeekAfter{500};

// True when the parked connection still looks open and silent.
bool looks_alive(UpstreamConnection& connection) {
  if (connection.in.size() != 0) return false;
  char byte = 0;
  const ssize_t n =
      ::recv(connection.stream.tcp().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

// One connection attempt; owns itself through its pending handlers. One timer bounds the
// whole attempt: resolving, connecting and the TLS handshake.
class ConnectOp : public std::enable_shared_from_this<ConnectOp> {
 public:
  ConnectOp(net::io_context& ioc, const UpstreamConfig& upstream, std::string key,
            Clock::time_point deadline, std::shared_ptr<ssl::context> tls_context,
            UpstreamPool::ConnectHandler done)
      : resolver_(ioc),
        deadline_timer_(ioc),
        socket_(ioc),
        host_(upstream.host),
        port_(upstream.port),
        verify_(upstream.verify_tls),
        key_(std::move(key)),
        deadline_(deadline),
        tls_context_(std::move(tls_context)),
        done_(std::move(done)) {}

  void start() {
    deadline_timer_.expires_at(deadline_);
    deadline_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->on_deadline();
    });
    beast::error_code ec;
    const net::ip::address address = net::ip::make_address(host_, ec);
    if (!ec) {
      is_ip_literal_ = true;
      socket_.async_connect(tcp::endpoint(address, port_),
                            [self = shared_from_this()](beast::error_code connect_ec) {
                              self->on_connect(connect_ec);
                            });
      return;
    }
    resolving_ = true;
    resolver_.async_resolve(host_, std::to_string(port_),
                            [self = shared_from_this()](beast::error_code resolve_ec,
                                                        tcp::resolver::results_type results) {
                              self->on_resolve(resolve_ec, std::move(results));
                            });
  }

 private:
  void on_deadline() {
    if (finished_) return;
    timed_out_ = true;
    if (resolving_) {
      // The cancellation may not reach getaddrinfo: fail now, and ignore the late answer.
      resolver_.cancel();
      return fail(ConnectFailure::kTimeout);
    }
    // The pending connect or handshake completes with an error and reports the timeout.
    beast::error_code ignored;
    socket_.close(ignored);
    if (connection_) connection_->stream.close();
  }

  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (finished_) return;  // timed out already
    resolving_ = false;
    if (ec) return fail(ConnectFailure::kResolve);
    net::async_connect(socket_, results,
                       [self = shared_from_this()](beast::error_code connect_ec,
                                                   const tcp::endpoint& /*endpoint*/) {
                         self->on_connect(connect_ec);
                       });
  }

  void on_connect(beast::error_code ec) {
    if (finished_) return;
    if (timed_out_) return fail(ConnectFailure::kTimeout);
    if (ec) return fail(ConnectFailure::kRefused);
    beast::error_code ignored;
    // Heads and small bodies go out as separate writes; Nagle would hold each for an ACK.
    socket_.set_option(tcp::no_delay(true), ignored);
    if (!tls_context_) {
      connection_ = std::make_unique<UpstreamConnection>(
          FlexStream(TimedSocket(std::move(socket_))), key_, nullptr);
      return succeed();
    }
    connection_ = std::make_unique<UpstreamConnection>(
        FlexStream(TimedSocket(std::move(socket_)), *tls_context_), key_, tls_context_);
    FlexStream::TlsStream& tls = *connection_->stream.tls();
    if (!is_ip_literal_) {
      // SNI. What SSL_set_tlsext_host_name expands to, without its C cast.
      SSL_ctrl(tls.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
               static_cast<long>(TLSEXT_NAMETYPE_host_name), const_cast<char*>(host_.c_str()));
    }
    if (verify_) tls.set_verify_callback(ssl::host_name_verification(host_));
    tls.async_handshake(ssl::stream_base::client,
                        [self = shared_from_this()](beast::error_code handshake_ec) {
                          self->on_handshake(handshake_ec);
                        });
  }

  void on_handshake(beast::error_code ec) {
    if (finished_) return;
    if (timed_out_) return fail(ConnectFailure::kTimeout);
    if (ec) return fail(ConnectFailure::kTls);
    succeed();
  }

  void succeed() {
    finished_ = true;
    deadline_timer_.cancel();
    done_(std::move(connection_), ConnectFailure::kNone);
  }

  void fail(ConnectFailure failure) {
    finished_ = true;
    deadline_timer_.cancel();
    connection_.reset();
    done_(nullptr, failure);
  }

  tcp::resolver resolver_;
  net::steady_timer deadline_timer_;
  Socket socket_;  // until connected; then the connection's stream owns it
  const std::string host_;
  const std::uint16_t port_;
  const bool verify_;
  const std::string key_;
  const Clock::time_point deadline_;
  const std::shared_ptr<ssl::context> tls_context_;
  UpstreamPool::ConnectHandler done_;
  bool is_ip_literal_ = false;
  bool resolving_ = false;
  bool timed_out_ = false;
  bool finished_ = false;  // done_ was called
  UpstreamPtr connection_;
};

}  // namespace

UpstreamPool::UpstreamPool(net::io_context& ioc) : ioc_(ioc), sweep_timer_(ioc) { do_sweep(); }

UpstreamPool::~UpstreamPool() = default;

std::string UpstreamPool::key_of(const UpstreamConfig& upstream) {
  std::string key = upstream.scheme + "://" + upstream.host + ":" + std::to_string(upstream.port);
  if (upstream.scheme == "https") {
    key += upstream.verify_tls ? " verify " : " noverify ";
    key += upstream.ca_file.string();
  }
  return key;
}

UpstreamPtr UpstreamPool::take(const std::string& key) {
  const auto found = idle_.find(key);
  if (found == idle_.end()) return nullptr;
  std::vector<UpstreamPtr>& parked = found->second;
  const Clock::time_point now = Clock::now();
  while (!parked.empty()) {
    UpstreamPtr connection = std::move(parked.back());
    parked.pop_back();
    const Clock::duration idle = now - connection->idle_since;
    if (idle < kIdleTimeout && connection->in.size() == 0 &&
        (idle < kPeekAfter || looks_alive(*connection))) {
      return connection;
    }
    connection->stream.close();
  }
  return nullptr;
}

void UpstreamPool::give_back(UpstreamPtr connection) {
  if (closed_) return connection->stream.close();
  std::vector<UpstreamPtr>& parked = idle_[connection->key];
  if (parked.size() >= kMaxIdlePerOrigin) {
    // Drop the oldest: LIFO reuse means it is the one least likely to be needed.
    parked.front()->stream.close();
    parked.erase(parked.begin());
  }
  connection->idle_since = Clock::now();
  connection->stream.tcp().expires_never();
  parked.push_back(std::move(connection));
}

void UpstreamPool::connect(const UpstreamConfig& upstream, std::string key,
                           Clock::time_point deadline, ConnectHandler done) {
  std::shared_ptr<ssl::context> tls_context;
  if (upstream.scheme == "https") {
    tls_context = tls_context_for(upstream, key);
    if (!tls_context) {
      net::post(ioc_, [done = std::move(done)] { done(nullptr, ConnectFailure::kTls); });
      return;
    }
  }
  std::make_shared<ConnectOp>(ioc_, upstream, std::move(key), deadline, std::move(tls_context),
                              std::move(done))
      ->start();
}

std::shared_ptr<ssl::context> UpstreamPool::tls_context_for(const UpstreamConfig& upstream,
                                                            const std::string& key) {
  const auto found = tls_contexts_.find(key);
  if (found != tls_contexts_.end()) return found->second;
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  beast::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1,
                       ec);
  if (upstream.verify_tls) {
    if (!ec) context->set_verify_mode(ssl::verify_peer, ec);
    if (!ec && upstream.ca_file.empty()) context->set_default_verify_paths(ec);
    if (!ec && !upstream.ca_file.empty()) context->load_verify_file(upstream.ca_file.string(), ec);
  } else {
    if (!ec) context->set_verify_mode(ssl::verify_none, ec);
  }
  if (ec) return nullptr;  // not cached: a fixed CA file is picked up on the next request
  tls_contexts_.emplace(key, context);
  return context;
}

void UpstreamPool::close_all() {
  closed_ = true;
  sweep_timer_.cancel();
  for (auto& [key, parked] : idle_) {
    for (UpstreamPtr& connection : parked) connection->stream.close();
  }
  idle_.clear();
}

void UpstreamPool::do_sweep() {
  sweep_timer_.expires_after(kSweepInterval);
  sweep_timer_.async_wait([this](beast::error_code ec) {
    if (ec || closed_) return;
    const Clock::time_point now = Clock::now();
    for (auto& [key, parked] : idle_) {
      std::erase_if(parked, [now](UpstreamPtr& connection) {
        if (now - connection->idle_since < kIdleTimeout) return false;
        connection->stream.close();
        return true;
      });
    }
    do_sweep();
  });
}

}  // namespace l402::gateway::proxy
