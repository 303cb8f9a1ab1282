// Reading the PROXY protocol header without taking a byte of what follows. The socket's
// receive queue is peeked (recv with MSG_PEEK, non-blocking) and the parser asked about the
// header bytes taken so far plus the peeked ones. A whole header: exactly its remaining bytes
// are read, and the session starts. Not yet whole: every byte seen belongs to the header, so
// all of them are read, which leaves the queue empty; then a one-byte peeking receive waits
// for the next bytes (on a queue still holding bytes it would complete at once, again and
// again, and so would a wait for readability, which Asio re-arms level-triggered).
#include "gateway/proxy/proxy_protocol_reader.hpp"

#include <sys/socket.h>
#include <sys/types.h>

#include <algorithm>
#include <array>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "gateway/proxy/proxy_protocol.hpp"

namespace l402::gateway::proxy {
namespace {

// "The sender must always ensure that the header is sent at once": a header still incomplete
// after this many arrivals is not coming from a load balancer.
constexpr int kMaxHeaderReads = 32;

class HeaderReader final : public SessionControl,
                           public std::enable_shared_from_this<HeaderReader> {
 public:
  HeaderReader(Worker& worker, ListenerState& listener, Socket&& socket)
      : worker_(worker), listener_(listener), socket_(std::move(socket)), timer_(worker.ioc) {
    beast::error_code ec;
    const tcp::endpoint peer = socket_.remote_endpoint(ec);
    if (!ec) tcp_peer_ = peer.address().to_string();
    worker_.sessions.insert(this);
    worker_.shared.live_sessions.fetch_add(1);
  }

  ~HeaderReader() override {
    worker_.sessions.erase(this);
    // Once handed over, the session owns the connection and its place in the count.
    if (!handed_over_) listener_.connections.fetch_sub(1);
    worker_.shared.live_sessions.fetch_sub(1);
  }

  HeaderReader(const HeaderReader&) = delete;
  HeaderReader& operator=(const HeaderReader&) = delete;

  void start() {
    timer_.expires_after(listener_.config.header_timeout);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_) return;
      self->refuse(LogLevel::kDebug, "no whole header within header_timeout");
    });
    try_parse();
  }

  bool in_request() const override { return false; }
  void close() override { close_now(); }

 private:
  void do_wait() {
    socket_.async_receive(net::buffer(probe_), Socket::message_peek,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                            if (self->closed_) return;
                            if (ec == net::error::eof) {
                              return self->refuse(LogLevel::kDebug,
                                                  "connection closed before the header");
                            }
                            if (ec) return self->refuse(LogLevel::kDebug, "socket error");
                            self->try_parse();
                          });
  }

  void try_parse() {
    if (++reads_ > kMaxHeaderReads) {
      return refuse(LogLevel::kInfo, "header arrived in too many pieces");
    }
    const std::size_t taken = seen_.size();
    seen_.resize(kMaxProxyHeaderBytes);
    const ssize_t peeked = receive(seen_.data() + taken, seen_.size() - taken, MSG_PEEK);
    seen_.resize(taken + static_cast<std::size_t>(std::max<ssize_t>(peeked, 0)));
    if (peeked < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return do_wait();
      return refuse(LogLevel::kDebug, "socket error");
    }
    if (peeked == 0) return refuse(LogLevel::kDebug, "connection closed before the header");

    const Result<std::optional<ProxyHeader>> parsed =
        parse_proxy_header(seen_, listener_.config.proxy_protocol);
    if (!parsed.ok()) return refuse(LogLevel::kInfo, parsed.error().message());
    // Whole: its remaining bytes. Not yet: all the bytes peeked, every one of them the header's.
    const std::size_t header_bytes = parsed->has_value() ? (*parsed)->length : seen_.size();
    if (header_bytes < taken) {  // the bytes taken were a header's prefix: a bug
      return refuse(LogLevel::kError, "header shorter than the bytes taken for it");
    }
    if (!take(header_bytes - taken)) return refuse(LogLevel::kDebug, "socket error");
    if (!parsed->has_value()) {
      if (seen_.size() >= kMaxProxyHeaderBytes) {  // the parser decides before: a bug
        return refuse(LogLevel::kError, "no decision on a header of the largest size");
      }
      return do_wait();
    }
    const ProxyHeader& header = **parsed;
    hand_over(header.relayed ? std::optional<std::string>(header.source_address) : std::nullopt);
  }

  ssize_t receive(char* data, std::size_t size, int flags) {
    ssize_t n = 0;
    do {
      n = ::recv(socket_.native_handle(), data, size, flags | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    return n;
  }

  // Reads `length` bytes that were peeked: they wait in the receive queue, so this does not
  // block.
  bool take(std::size_t length) {
    std::array<char, kMaxProxyHeaderBytes> sink{};
    std::size_t taken = 0;
    while (taken < length) {
      const ssize_t n = receive(sink.data(), length - taken, 0);
      if (n <= 0) return false;
      taken += static_cast<std::size_t>(n);
    }
    return true;
  }

  void hand_over(std::optional<std::string> client) {
    closed_ = true;
    handed_over_ = true;
    timer_.cancel();
    start_session(worker_, listener_, std::move(socket_), std::move(client));
  }

  void refuse(LogLevel level, const std::string& reason) {
    Logger& logger = worker_.shared.logger;
    if (logger.enabled(level)) {
      logger.log(level, "PROXY protocol header refused, connection closed",
                 {{"peer", std::string_view(tcp_peer_)}, {"reason", std::string_view(reason)}});
    }
    close_now();
  }

  void close_now() {
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    beast::error_code ignored;
    socket_.shutdown(Socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  Worker& worker_;
  ListenerState& listener_;
  Socket socket_;
  net::steady_timer timer_;
  std::string tcp_peer_;
  std::string seen_;  // the header's bytes read so far, then those peeked
  std::array<char, 1> probe_{};
  int reads_ = 0;
  bool closed_ = false;
  bool handed_over_ = false;
};

}  // namespace

void read_proxy_header(Worker& worker, ListenerState& listener, Socket&& socket) {
  std::make_shared<HeaderReader>(worker, listener, std::move(socket))->start();
}

}  // namespace l402::gateway::proxy
