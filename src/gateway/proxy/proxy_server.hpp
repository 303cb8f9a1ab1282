// The HTTP/1.1 reverse proxy (Boost.Beast on Asio): listeners (plain or TLS), one I/O thread
// per core, keep-alive, request and response bodies streamed both ways (Content-Length or
// chunked, SSE flushed as it arrives), an upstream keep-alive pool per origin and I/O thread.
// What to do with each request is asked of a RequestHandler; the proxy itself knows nothing
// of L402.
//
// Limits: a request head larger than max_header_bytes gets 431; one that does not arrive
// within header_timeout closes the connection (slowloris); an idle keep-alive connection
// closes after idle_timeout; a body larger than the plan's max_body_bytes gets 413; beyond
// max_connections new connections are closed at once. Upstream failures become 502 (connect
// refused, reset, malformed response) or 504 (timeout) with a short text reason.
//
// Thread safety: start/ports/drain/stop from one controlling thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "gateway/config/config.hpp"
#include "gateway/exchange.hpp"
#include "gateway/observe/log.hpp"
#include "gateway/observe/metrics.hpp"
#include "l402/result.hpp"

namespace l402::gateway {

struct ProxyOptions {
  std::vector<ListenerConfig> listeners;
  // Where a self-signed listener certificate is created and kept (tls.cert, tls.key).
  std::filesystem::path data_dir;
  std::size_t io_threads = 0;  // 0: one per core
  // Answers the requests of listeners with role auth_request; required when there is one.
  RequestHandler* auth_handler = nullptr;
};

class ProxyServer {
 public:
  // Binds every listener (port 0: an ephemeral port) and starts serving. The handler, metrics
  // and logger must outlive the server. Errors: kUnavailable when an address cannot be bound
  // (naming it), kFailedPrecondition for unreadable TLS files.
  static Result<std::unique_ptr<ProxyServer>> start(const ProxyOptions& options,
                                                    RequestHandler& handler, Metrics& metrics,
                                                    Logger& logger);
  virtual ~ProxyServer() = default;

  // The bound ports, in listener order.
  virtual std::vector<std::uint16_t> ports() const = 0;
  // The certificate a self-signed listener serves (empty when none), for clients to trust.
  virtual std::filesystem::path self_signed_cert_path() const = 0;
  // Stops accepting, lets in-flight requests finish (up to `timeout`), closes idle
  // connections, then stops the threads. Returns the number of requests cut off.
  virtual std::size_t drain(std::chrono::milliseconds timeout) = 0;
};

}  // namespace l402::gateway
