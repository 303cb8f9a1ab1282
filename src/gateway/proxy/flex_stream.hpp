// A byte stream that is plain TCP or TLS over TCP, chosen at run time, so that one session
// and one upstream-connection type serve both (instead of a template instantiated per
// combination). Both variants sit on a TimedSocket, whose expiry gives every operation its
// deadline. Private to src/gateway/proxy; includes Beast.
//
// Thread safety: as the underlying streams (one thread at a time).
#pragma once

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <optional>
#include <utility>

#include "gateway/proxy/timed_socket.hpp"

namespace l402::gateway::proxy {

namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;

class FlexStream {
 public:
  using TlsStream = beast::ssl_stream<TimedSocket>;
  using executor_type = Executor;

  explicit FlexStream(TimedSocket&& plain) : plain_(std::move(plain)) {}
  FlexStream(TimedSocket&& tcp, ssl::context& context)
      : tls_(std::in_place, std::move(tcp), context) {}

  executor_type get_executor() { return tcp().get_executor(); }
  TimedSocket& tcp() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }
  TlsStream* tls() { return tls_ ? &*tls_ : nullptr; }

  template <typename Buffers, typename Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_read_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_->async_read_some(buffers, std::forward<Handler>(handler));
    }
  }

  template <typename Buffers, typename Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_write_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_->async_write_some(buffers, std::forward<Handler>(handler));
    }
  }

  // Closes the socket at once; pending operations complete with operation_aborted.
  void close() {
    beast::error_code ignored;
    tcp().socket().shutdown(Socket::shutdown_both, ignored);
    tcp().close();
  }

 private:
  std::optional<TimedSocket> plain_;
  std::optional<TlsStream> tls_;
};

}  // namespace l402::gateway::proxy
