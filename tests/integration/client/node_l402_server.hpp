// Runs the independent L402 server (tests/interop/node/l402_server.js: plain Node on npm
// macaroon and bolt11) for the client's tests: a devnet node (`l402 devnet`) with a payer
// account and an account for the server, so that payer and payee differ, then the server in
// one of its modes on an ephemeral loopback port. Ready lines are read with a time limit;
// both processes are stopped (SIGTERM, then SIGKILL) when their objects go, and get SIGTERM
// when the thread that started them ends (PR_SET_PDEATHSIG), so a test that crashes leaves
// nothing running: start them from a thread that outlives them (the test's own).
//
// Needs the node_modules that the CTest fixture interop_npm_ci installs in the build tree
// (tests that use this must require the fixture `interop_node_oracle`).
#pragma once

#include <signal.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "background_process.hpp"
#include "l402/lightning.hpp"
#include "l402/result.hpp"

namespace l402::test {

struct DevnetSetup {
  // The account that pays, and its starting balance.
  std::string payer = "payer";
  std::uint64_t payer_sat = 1'000'000;
  // Accounts that receive (each server takes one), starting at 0.
  std::vector<std::string> payees = {"shop"};
  std::uint64_t fee_base_msat = 0;  // routing fee per payment
};

// `l402 devnet` in a directory of its own.
class Devnet {
 public:
  // Starts devnet in `dir` (created if missing) on 127.0.0.1:0; its stderr goes to
  // `dir`.stderr. Errors: kUnavailable with the end of its stderr when it does not start.
  static Result<std::unique_ptr<Devnet>> start(const std::string& dir,
                                               const DevnetSetup& setup = {});
  ~Devnet() { stop(); }
  Devnet(const Devnet&) = delete;
  Devnet& operator=(const Devnet&) = delete;

  const std::string& url() const { return url_; }  // https://127.0.0.1:PORT
  const std::string& dir() const { return dir_; }
  const DevnetSetup& setup() const { return setup_; }
  std::string tls_cert() const { return dir_ + "/tls.cert"; }
  std::string macaroon_path(const std::string& account) const;
  // Our LND client on `account` (the payer when empty).
  Result<std::unique_ptr<Backend>> open_account(const std::string& account = "") const;
  // A configuration file for `l402` (docs/client-config.md) that pays from the payer account.
  std::string client_config_yaml() const;
  std::string log_tail(std::size_t bytes = 4000) const;
  // SIGTERM, bounded wait; the exit code (-1 when it had to be killed).
  int stop() { return process_ ? process_->stop() : -1; }

 private:
  Devnet() = default;
  std::unique_ptr<BackgroundProcess> process_;
  std::string dir_;
  std::string url_;
  DevnetSetup setup_;
};

struct NodeServerOptions {
  // normal | hash-mismatch | mainnet | expired | loop | garbage (see l402_server.js).
  std::string mode = "normal";
  std::string account = "shop";  // its devnet account: one of DevnetSetup::payees
  std::uint64_t price_sat = 10;
  std::string service = "interop";
  std::optional<std::uint64_t> valid_for_seconds;  // adds <service>_valid_until
  std::vector<std::string> extra_arguments;        // e.g. {"--max-body-bytes", "1024"}
};

class NodeL402Server {
 public:
  // Starts the server against `devnet`, which it keeps alive; stderr goes to `stderr_path`.
  // Errors: kUnavailable with the end of its stderr when no ready line comes in 20 s.
  static Result<std::unique_ptr<NodeL402Server>> start(std::shared_ptr<Devnet> devnet,
                                                       const NodeServerOptions& options,
                                                       const std::string& stderr_path);
  ~NodeL402Server() { stop(); }
  NodeL402Server(const NodeL402Server&) = delete;
  NodeL402Server& operator=(const NodeL402Server&) = delete;

  const std::string& url() const { return url_; }  // http://127.0.0.1:PORT
  std::uint16_t port() const { return port_; }
  const nlohmann::json& ready_line() const { return ready_; }
  const NodeServerOptions& options() const { return options_; }
  const Devnet& devnet() const { return *devnet_; }

  // GET /stats: requests, challenges, paid, free, unauthorized, expired, loop_refusals,
  // too_large, devnet_errors, invoices_issued, invoices_settled (and garbage_variants in
  // garbage mode).
  Result<nlohmann::json> stats() const;
  std::string log_tail(std::size_t bytes = 6000) const;
  // Sends `signal` and waits (at most `limit`); the exit code (-1 when it had to be killed).
  int stop(int signal = SIGTERM, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    return process_ ? process_->stop(signal, limit) : -1;
  }

 private:
  NodeL402Server() = default;
  std::shared_ptr<Devnet> devnet_;
  std::unique_ptr<BackgroundProcess> process_;
  NodeServerOptions options_;
  std::string stderr_path_;
  nlohmann::json ready_;
  std::string url_;
  std::uint16_t port_ = 0;
};

// Devnet in `work_dir`/devnet and one server (stderr in `work_dir`/l402_server.stderr).
// Members go in reverse order: the server stops before devnet.
struct NodeL402Setup {
  std::shared_ptr<Devnet> devnet;
  std::unique_ptr<NodeL402Server> server;
};
Result<NodeL402Setup> start_node_l402_setup(const std::string& work_dir,
                                            const NodeServerOptions& options = {},
                                            const DevnetSetup& devnet_setup = {});

}  // namespace l402::test
