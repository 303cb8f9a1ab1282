// The gateway's Prometheus metrics: a fixed set of families, cheap to update from any thread,
// rendered in the text exposition format (version 0.0.4) for /metrics.
//
// Families (all prefixed l402d_):
//   requests_total{service,outcome}          counter
//   denials_total{service,reason}            counter
//   challenges_total{service}                counter
//   paid_tokens_total{service}               counter  (first use of a paid token)
//   revenue_msat_total{service}              counter
//   backend_errors_total{operation}          counter  (create_invoice, ...)
//   upstream_errors_total{service,kind}      counter  (connect, timeout, reset, ...)
//   verify_duration_seconds                  histogram
//   upstream_duration_seconds{service}       histogram (request sent to response head)
//   open_connections                         gauge
//
// Thread safety: every method is safe from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace l402::gateway {

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  void count_request(std::string_view service, std::string_view outcome);
  void count_denial(std::string_view service, std::string_view reason);
  void count_challenge(std::string_view service);
  void count_paid_token(std::string_view service, std::uint64_t revenue_msat);
  void count_backend_error(std::string_view operation);
  void count_upstream_error(std::string_view service, std::string_view kind);
  void observe_verify(std::chrono::nanoseconds duration);
  void observe_upstream(std::string_view service, std::chrono::nanoseconds duration);
  // The ledger's rows waiting for the store, and those dropped because too many were waiting
  // (kind: "challenge" or "paid_request").
  void set_ledger_pending(std::uint64_t challenges, std::uint64_t paid_requests);
  void count_ledger_dropped(std::string_view kind, std::uint64_t rows);
  void connection_opened();
  void connection_closed();
  std::int64_t open_connections() const;

  std::string render() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace l402::gateway
