#include "devnet_command.hpp"

#include <signal.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdint>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "client_config.hpp"
#include "exit_codes.hpp"
#include "l402/devnet.hpp"
#include "l402/encoding.hpp"

namespace l402::cli {
namespace {

struct DevnetArguments {
  std::string dir;
  std::string listen = "127.0.0.1:18080";
  bool plain_http = false;
  std::vector<std::string> accounts;
  std::uint64_t fee_base_msat = 0;
  std::uint32_t fee_ppm = 0;
  std::string alias = "l402-devnet";
};

int fail(int code, const std::string& message) {
  std::cerr << "l402: " << message << '\n';
  return code;
}

bool parse_number(std::string_view text, std::uint64_t& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

// "127.0.0.1:18080", "[::1]:18080", "localhost:0".
Result<std::pair<std::string, std::uint16_t>> parse_listen(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return Error(ErrorCode::kInvalidArgument, "--listen must be HOST:PORT");
  }
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::uint64_t port = 0;
  if (!parse_number(text.substr(colon + 1), port) || port > 65535) {
    return Error(ErrorCode::kInvalidArgument, "--listen: bad port in '" + std::string(text) + "'");
  }
  return std::make_pair(std::string(host), static_cast<std::uint16_t>(port));
}

// "name=sat".
Result<DevnetAccount> parse_account(std::string_view text) {
  const std::size_t equals = text.find('=');
  std::uint64_t sat = 0;
  if (equals == std::string_view::npos || !parse_number(text.substr(equals + 1), sat)) {
    return Error(ErrorCode::kInvalidArgument,
                 "--account must be NAME=SATOSHIS, not '" + std::string(text) + "'");
  }
  const std::optional<Msat> balance = Msat::from_sat(sat);
  if (!balance) return Error(ErrorCode::kInvalidArgument, "--account: balance too large");
  return DevnetAccount{std::string(text.substr(0, equals)), *balance};
}

int run_devnet(const DevnetArguments& arguments) {
  DevnetOptions options;
  options.data_dir = arguments.dir.empty() ? default_devnet_dir() : arguments.dir;
  options.alias = arguments.alias;
  options.fee_base = Msat(arguments.fee_base_msat);
  options.fee_ppm = arguments.fee_ppm;
  for (const std::string& text : arguments.accounts) {
    Result<DevnetAccount> account = parse_account(text);
    if (!account.ok()) return fail(kExitBadInput, account.error().message());
    options.accounts.push_back(*account);
  }
  Result<std::pair<std::string, std::uint16_t>> listen = parse_listen(arguments.listen);
  if (!listen.ok()) return fail(kExitBadInput, listen.error().message());

  // Signals are taken by sigwait() below, so every thread started from here on blocks them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  Result<std::unique_ptr<DevnetNode>> node = DevnetNode::open(options);
  if (!node.ok()) return fail(kExitWalletUnavailable, "devnet: " + node.error().message());
  DevnetServerOptions server_options;
  server_options.host = listen->first;
  server_options.port = listen->second;
  server_options.plain_http = arguments.plain_http;
  Result<std::unique_ptr<DevnetRestServer>> server =
      DevnetRestServer::start(**node, server_options);
  if (!server.ok()) return fail(kExitWalletUnavailable, "devnet: " + server.error().message());

  const NodeInfo info = (*node)->info();
  nlohmann::ordered_json ready;
  ready["network"] = "regtest";
  ready["node_id"] = hex::encode(info.node_id);
  ready["url"] = (*server)->url();
  ready["tls_cert"] = arguments.plain_http ? "" : (*server)->tls_cert_path().string();
  nlohmann::ordered_json macaroons = nlohmann::ordered_json::object();
  macaroons["default"] = (*node)->macaroon_path("default").string();
  for (const DevnetAccount& account : options.accounts) {
    macaroons[account.name] = (*node)->macaroon_path(account.name).string();
  }
  ready["macaroons"] = macaroons;
  ready["data_dir"] = options.data_dir.string();
  std::cerr << "devnet: a SIMULATED Lightning node: no real money, regtest invoices only.\n"
            << "devnet: LND REST API at " << (*server)->url() << "; Ctrl-C stops it.\n";
  std::cout << ready.dump() << std::endl;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::cerr << "devnet: stopping\n";
  server->reset();
  node->reset();
  return kExitOk;
}

}  // namespace

void add_devnet_command(CLI::App& app, int& exit_code) {
  auto arguments = std::make_shared<DevnetArguments>();
  CLI::App* devnet = app.add_subcommand(
      "devnet", "Run devnet, the simulated Lightning node (no real money), with LND's REST API");
  devnet->add_option("--dir", arguments->dir,
                     "Data directory (default: ~/.local/share/l402/devnet)");
  devnet->add_option("--listen", arguments->listen, "Loopback HOST:PORT (127.0.0.1:18080)");
  devnet->add_flag("--plain-http", arguments->plain_http, "Serve HTTP instead of HTTPS");
  devnet->add_option("--account", arguments->accounts,
                     "NAME=SATOSHIS: a payer account and its starting balance (repeatable)");
  devnet->add_option("--fee-base-msat", arguments->fee_base_msat, "Routing fee per payment (0)");
  devnet->add_option("--fee-ppm", arguments->fee_ppm, "Routing fee in millionths (0)");
  devnet->add_option("--alias", arguments->alias, "The node's alias");
  devnet->callback([arguments, &exit_code] { exit_code = run_devnet(*arguments); });
}

}  // namespace l402::cli
