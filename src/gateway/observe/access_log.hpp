// The end of a request, HTTP or gRPC: its count in requests_total and its line in the access
// log, the same fields for both proxies.
//
// Thread safety: as Metrics and Logger, from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "gateway/exchange.hpp"
#include "gateway/observe/log.hpp"
#include "gateway/observe/metrics.hpp"

namespace l402::gateway {

struct AccessEntry {
  std::string_view method;  // "GET", ..., or "grpc"
  std::string_view path;
  std::int64_t status = 0;  // HTTP status, or the gRPC status code
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::chrono::nanoseconds duration{0};
  std::string_view peer_address;  // logged when the policy named no client
};

// Counts the request under its outcome ("error" when the policy gave none) and, when the access
// log is on, writes its line.
void record_request(Metrics& metrics, Logger& logger, const RequestOutcome& outcome,
                    const AccessEntry& entry);

}  // namespace l402::gateway
