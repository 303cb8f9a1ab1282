// A byte stream that is plain TCP or TLS over TCP, chosen at run time, so that one session
// and one upstream-connection type serve both (instead of a template instantiated per
// combination). Both variants sit on a TcpStream, whose expiry gives every operation its
// deadline. Private to src/gateway/proxy; includes Beast.
//
// Thread safety: as the underlying streams (one thread at a time).
#pragma once

#include <boost/asio/ssl.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <optional>
#include <utility>

namespace l402::gateway::proxy {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

// Every socket of the proxy belongs to one io_context, run by one thread: streams and sockets
// carry that executor's concrete type instead of TcpStream's type-erased one, which
// costs a copy and a destruction of a polymorphic executor on every operation.
using Executor = net::io_context::executor_type;
using Socket = net::basic_stream_socket<tcp, Executor>;
using TcpStream = beast::basic_stream<tcp, Executor, beast::unlimited_rate_policy>;

class FlexStream {
 public:
  using TlsStream = beast::ssl_stream<TcpStream>;
  using executor_type = Executor;

  explicit FlexStream(TcpStream&& plain) : plain_(std::move(plain)) {}
  FlexStream(TcpStream&& tcp, ssl::context& context)
      : tls_(std::in_place, std::move(tcp), context) {}

  executor_type get_executor() { return tcp().get_executor(); }
  TcpStream& tcp() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }
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
  std::optional<TcpStream> plain_;
  std::optional<TlsStream> tls_;
};

}  // namespace l402::gateway::proxy
