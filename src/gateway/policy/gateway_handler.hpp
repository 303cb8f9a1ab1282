// The payment logic of l402d: for each request, find the service, and decide between
// forwarding (free path, auth off, freebie left, or a credential that verifies) and answering
// (402 with a fresh challenge, 401, 404 when no service matches, 503 when the Lightning
// backend cannot make an invoice).
//
// Verifying needs no database and no backend: it runs inline on the I/O thread. Minting
// (an invoice from the backend) and free-request counting (the store) run on the worker pool,
// and `done` is called from there. Challenges and paid requests are recorded in the store's
// ledger in batches (flush()), not when they happen.
//
// Thread safety: handle() and reload() are safe from any thread at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "gateway/config/config.hpp"
#include "gateway/exchange.hpp"
#include "gateway/observe/log.hpp"
#include "gateway/observe/metrics.hpp"
#include "l402/authority.hpp"
#include "l402/lightning.hpp"
#include "l402/store.hpp"
#include "l402/worker_pool.hpp"

namespace l402::gateway {

struct GatewayDeps {
  Backend& backend;     // invoices (InvoiceSource)
  SharedState& shared;  // keyring and deny-list
  Store& store;         // ledger and free-request counters
  WorkerPool& workers;  // blocking calls
  RandomSource& random;
  Metrics& metrics;
  Logger& logger;
  std::function<std::int64_t()> now;  // Unix seconds
  // For the challenge limit's token buckets.
  std::function<std::chrono::steady_clock::time_point()> steady_now = [] {
    return std::chrono::steady_clock::now();
  };
};

class GatewayHandler final : public RequestHandler {
 public:
  // Errors: kInvalidArgument when a regex of the config does not compile (the loader checks
  // them, so this means a config that bypassed it).
  static Result<std::unique_ptr<GatewayHandler>> create(
      GatewayDeps deps, std::shared_ptr<const GatewayConfig> config);
  ~GatewayHandler() override;

  void handle(const RequestHead& head, std::function<void(Decision)> done) override;

  // Swaps in a new configuration; requests already decided keep the old one.
  Result<void> reload(std::shared_ptr<const GatewayConfig> config);
  std::shared_ptr<const GatewayConfig> config() const;

  // Writes the challenges issued and paid requests counted since the last flush to the store
  // (one transaction for each kind). What cannot be written stays for the next flush.
  // l402d calls this about once a second and at shutdown.
  Result<void> flush();

 private:
  struct Impl;
  explicit GatewayHandler(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace l402::gateway
