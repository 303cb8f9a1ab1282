// Runs the demo upstream and l402d as real processes on loopback for the integration tests:
// writes l402d's YAML, starts it with ephemeral ports, reads its ready line, and buys
// credentials by paying its challenges through its embedded devnet's payer account.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "background_process.hpp"
#include "cli_runner.hpp"
#include "http_client.hpp"
#include "l402/crypto.hpp"
#include "l402/lightning.hpp"
#include "l402/result.hpp"

namespace l402::test {

struct Upstream {
  std::unique_ptr<BackgroundProcess> process;
  std::string url;  // http://127.0.0.1:PORT
};

// Starts l402-demo-upstream on an ephemeral port; url stays empty when it did not start.
Upstream start_upstream(const std::string& stderr_path);

// What goes into an l402d configuration file. Every port is ephemeral.
struct GatewaySetup {
  std::string data_dir;
  // Lines indented by four spaces, added to the plain listener.
  std::string listener_options = "    header_timeout: 1s\n    max_header_bytes: 8KiB\n";
  bool tls_listener = false;  // a second listener, with a self-signed certificate
  bool grpc_listener = false;      // a gRPC listener (h2c)
  bool grpc_tls_listener = false;  // a gRPC listener with a self-signed certificate
  // The `lightning:` block's contents (indented by two spaces); the default is devnet.
  std::string lightning = "  backend: devnet\n  timeout: 3s\n  devnet: {listen: 127.0.0.1:0}\n";
  std::string services;  // the `services:` list, as YAML
  std::string extra;     // further top-level keys
};

std::string gateway_yaml(const GatewaySetup& setup);

// One entry of the `services:` list; `options` are further "key: value" lines.
std::string service_yaml(const std::string& name, const std::string& path,
                         const std::string& upstream, const std::vector<std::string>& options);

// The service list most tests use, all in front of `upstream`:
//   demo   /api/.*    1 sat, /api/quote free
//   other  /other/.*  2 sat (rewritten to /api)
//   open   /open/.*   auth off, max_body 64 MiB
//   lazy   /lazy/.*   auth off, upstream_timeout 800ms
//   tiny   /tiny/.*   auth off, max_body 1 KiB
//   gift   /gift/.*   freebie 2
//   short  /short/.*  tokens valid for 1 s
//   down   /down/.*   auth off, in front of a port nothing listens on
std::string standard_services(const std::string& upstream);

class Gateway {
 public:
  // Writes `yaml` to `config_path` and starts `l402d --config config_path`.
  static std::unique_ptr<Gateway> start(const std::string& config_path, const std::string& yaml,
                                        const std::string& stderr_path);
  ~Gateway();

  bool ready() const { return ready_.is_object(); }
  const nlohmann::json& ready_line() const { return ready_; }
  // The first listener's URL, "http://127.0.0.1:PORT".
  std::string url() const;
  std::string url_with_scheme(const std::string& scheme) const;  // first listener of it
  std::string admin_url() const;
  std::uint16_t port() const;
  std::string data_dir() const;
  const std::string& config_path() const { return config_path_; }
  const std::string& stderr_path() const { return stderr_path_; }
  pid_t pid() const { return pid_; }
  // The end of l402d's stderr, for failure messages.
  std::string log_tail(std::size_t bytes = 6000) const;
  // Sends `signal` and waits (bounded) for the exit; returns the exit code (-1: killed).
  int stop(int signal = SIGTERM, std::chrono::milliseconds limit = std::chrono::seconds(15));
  // Runs `l402d admin COMMAND ... --admin HOST:PORT --credential-file F`.
  CliRun admin(const std::string& command_and_args) const;

 private:
  Gateway() = default;
  std::unique_ptr<BackgroundProcess> process_;
  nlohmann::json ready_;
  std::string config_path_;
  std::string stderr_path_;
  pid_t pid_ = -1;
};

// The payer account of the gateway's embedded devnet, through our LND client.
Result<std::unique_ptr<Backend>> open_payer(const Gateway& gateway);

// A credential bought from the gateway.
struct Purchase {
  std::string authorization;  // "L402 <macaroon b64>:<preimage hex>"
  std::string macaroon_base64;
  std::string token_id_hex;
  Hash256 payment_hash{};
  Hash256 preimage{};
};

// GETs `path` unpaid, expects a 402, pays its L402 challenge with `payer`.
Result<Purchase> buy(const Gateway& gateway, Backend& payer, const std::string& path);

// The token ID (hex) inside a base64 macaroon.
Result<std::string> token_id_of(const std::string& macaroon_base64);

// Runs the built l402d with `args` (quoted for the shell).
CliRun run_l402d(const std::string& args);

}  // namespace l402::test
