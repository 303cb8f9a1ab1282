// The gRPC proxy: gRPC listeners (HTTP/2, h2c or TLS) served by gRPC C++, in front of gRPC
// upstreams. Any method of any service is forwarded without its .proto, whatever its kind
// (unary, client, server or bidirectional streaming): each call is a stream of opaque messages
// each way, with metadata, deadline, cancellation and status passed through.
//
// Each call's method path and metadata go to the same RequestHandler as HTTP requests (marked
// as gRPC, so only services with grpc:// or grpcs:// upstreams match): the handler's answers
// become gRPC statuses (grpc_mapping.hpp), its forward plans calls to the upstream.
//
// Limits: a request message larger than the service's max_body is refused with
// RESOURCE_EXHAUSTED (and no message above the largest max_body is read at all); metadata is
// bounded by the listener's max_header_bytes; connections idle for the listener's
// idle_timeout are closed. Responses from upstreams are bounded by kMaxUpstreamMessageBytes.
//
// Thread safety: ports() and drain() from any thread.
#pragma once

#include <chrono>
#include <cstddef>
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

inline constexpr std::size_t kMaxUpstreamMessageBytes = 64 * 1024 * 1024;

struct GrpcProxyOptions {
  std::vector<ListenerConfig> listeners;  // those with role grpc
  std::filesystem::path data_dir;         // for self-signed certificates
  std::vector<ServiceConfig> services;    // sizes the message limit
};

class GrpcProxy {
 public:
  // Binds every listener (port 0: an ephemeral one) and starts serving. `handler`, `metrics`
  // and `logger` must outlive the proxy. Errors: kFailedPrecondition for a listener that cannot
  // be bound or a TLS certificate that cannot be read.
  static Result<std::unique_ptr<GrpcProxy>> start(const GrpcProxyOptions& options,
                                                  RequestHandler& handler, Metrics& metrics,
                                                  Logger& logger);
  virtual ~GrpcProxy() = default;

  // The bound ports, in the order of options.listeners.
  virtual std::vector<std::uint16_t> ports() const = 0;
  // A self-signed certificate a listener uses (created in the data directory), or empty.
  virtual std::filesystem::path self_signed_cert_path() const = 0;
  // Stops accepting calls, lets those in flight run for `limit`, then cancels the rest; returns
  // how many were cancelled.
  virtual std::size_t drain(std::chrono::milliseconds limit) = 0;
};

}  // namespace l402::gateway
