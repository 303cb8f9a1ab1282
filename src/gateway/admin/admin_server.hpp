// The admin listener: loopback only, answering
//   GET  /metrics           Prometheus text (no credential, so a local Prometheus can scrape)
//   GET  /healthz           200 while the process serves
//   GET  /readyz            200 when the store and the Lightning backend answer, else 503
// and, with `Authorization: Bearer <credential>` (compared in constant time), JSON:
//   GET  /api/info          version, uptime, listeners, backend node info, store kind
//   GET  /api/services      the configured services (no secret header values)
//   GET  /api/tokens?limit=N&service=S   paid tokens from the ledger, newest use first
//   POST /api/tokens/{id}/revoke         {"reason": "..."} -> revoked at once, everywhere
//   POST /api/keys/rotate                a new active root-key generation
//   GET  /api/stats         per service: challenges, paid tokens, requests, revenue
// Errors are JSON {"error": "..."} with 400/401/404/405/413/500.
//
// The credential is 32 random bytes in hex, created at first start in a file of mode 0600.
//
// Thread safety: start/port/stop from one controlling thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "gateway/config/config.hpp"
#include "gateway/observe/log.hpp"
#include "gateway/observe/metrics.hpp"
#include "l402/lightning.hpp"
#include "l402/result.hpp"
#include "l402/store.hpp"
#include "l402/worker_pool.hpp"

namespace l402::gateway {

// Reads the credential from `path`, creating it (32 random bytes, hex, mode 0600) when missing.
Result<std::string> load_or_create_admin_credential(const std::filesystem::path& path,
                                                    RandomSource& random);

struct AdminDeps {
  Store& store;
  SharedState& shared;
  Backend& backend;
  WorkerPool& workers;  // store and backend calls run here
  Metrics& metrics;
  Logger& logger;
  std::function<std::shared_ptr<const GatewayConfig>()> config;  // the current one
  std::function<std::int64_t()> now;
  std::string version;
};

class AdminServer {
 public:
  // Refuses a non-loopback host (kInvalidArgument). Port 0 binds an ephemeral port.
  static Result<std::unique_ptr<AdminServer>> start(const AdminConfig& config,
                                                    std::string credential, AdminDeps deps);
  virtual ~AdminServer() = default;
  virtual std::uint16_t port() const = 0;
  virtual void stop() = 0;
};

// The command-line front: one request to a running gateway's admin API, the JSON answer
// returned as is. `command` is one of: info, services, tokens, stats, revoke, rotate-keys.
struct AdminCommand {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8403;
  std::string credential;
  std::string command;
  std::string token_id;       // revoke
  std::string reason;         // revoke
  std::string service;        // tokens
  std::uint64_t limit = 100;  // tokens
};

struct AdminAnswer {
  int status = 0;
  std::string body;  // JSON
};

// Errors: kUnavailable when the gateway does not answer, kInvalidArgument for a bad command.
Result<AdminAnswer> run_admin_command(const AdminCommand& command);

}  // namespace l402::gateway
