// Connections to upstreams: opening them (resolve, connect, TLS handshake with verification
// and SNI) and keeping the idle ones of one I/O thread for reuse. One pool per io_context, so
// it needs no lock: every call happens on that io_context's thread. Idle connections are
// reused last-in first-out (the most recently used is the least likely to have been closed by
// the upstream), at most kMaxIdlePerOrigin per origin, each for at most kIdleTimeout.
// Private to src/gateway/proxy; includes Beast.
//
// Thread safety: the owning io_context's thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/config/config.hpp"
#include "gateway/proxy/flex_stream.hpp"

namespace l402::gateway::proxy {

inline constexpr std::size_t kMaxIdlePerOrigin = 64;
inline constexpr std::chrono::seconds kIdleTimeout{30};

struct UpstreamConnection {
  UpstreamConnection(FlexStream&& s, std::string pool_key, std::shared_ptr<ssl::context> context)
      : stream(std::move(s)), key(std::move(pool_key)), tls_context(std::move(context)) {}

  FlexStream stream;
  beast::flat_buffer in;                      // bytes read from the upstream, not yet parsed
  std::string key;                            // the pool it returns to
  std::shared_ptr<ssl::context> tls_context;  // outlives the TLS stream that uses it
  std::chrono::steady_clock::time_point idle_since;
};
using UpstreamPtr = std::unique_ptr<UpstreamConnection>;

// Why a connection could not be opened.
enum class ConnectFailure { kNone, kResolve, kRefused, kTimeout, kTls };

class UpstreamPool {
 public:
  using ConnectHandler = std::function<void(UpstreamPtr, ConnectFailure)>;

  explicit UpstreamPool(net::io_context& ioc);
  ~UpstreamPool();
  UpstreamPool(const UpstreamPool&) = delete;
  UpstreamPool& operator=(const UpstreamPool&) = delete;

  // Identifies connections that are interchangeable: origin plus TLS verification settings.
  static std::string key_of(const UpstreamConfig& upstream);

  // The most recently parked live connection for `key`, or null.
  UpstreamPtr take(const std::string& key);
  // Parks a connection whose last response was read completely and that may be reused.
  void give_back(UpstreamPtr connection);

  // Opens a new connection; `done` runs on this pool's thread, never inline. The whole
  // attempt must finish by `deadline`.
  void connect(const UpstreamConfig& upstream, std::string key,
               std::chrono::steady_clock::time_point deadline, ConnectHandler done);

  // Closes every idle connection and stops the sweeping timer.
  void close_all();

 private:
  void do_sweep();
  std::shared_ptr<ssl::context> tls_context_for(const UpstreamConfig& upstream,
                                                const std::string& key);

  net::io_context& ioc_;
  net::steady_timer sweep_timer_;
  bool closed_ = false;
  std::unordered_map<std::string, std::vector<UpstreamPtr>> idle_;
  std::map<std::string, std::shared_ptr<ssl::context>> tls_contexts_;
};

}  // namespace l402::gateway::proxy
