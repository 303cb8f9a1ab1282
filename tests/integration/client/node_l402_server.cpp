// Process start-up for the independent L402 server and its devnet.
#include "node_l402_server.hpp"

#include <utility>

#include "cli_runner.hpp"
#include "http_client.hpp"

namespace l402::test {
namespace {

constexpr auto kReadyLimit = std::chrono::seconds(20);

// Both processes run under `setpriv --pdeathsig TERM` (util-linux), which execs them with
// the same pid: a test killed before it can stop them takes them along.
constexpr const char* kSetpriv = "/usr/bin/setpriv";

std::vector<std::string> dying_with_parent(const std::string& program,
                                           std::vector<std::string> args) {
  args.insert(args.begin(), {"--pdeathsig", "TERM", program});
  return args;
}

std::string tail_of(const std::string& path, std::size_t bytes) {
  const std::string text = read_whole_file(path);
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

// The first stdout line that is a JSON object holding `key`, within kReadyLimit.
nlohmann::json read_ready_line(BackgroundProcess& process, const std::string& key) {
  const auto deadline = std::chrono::steady_clock::now() + kReadyLimit;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return nlohmann::json();
    const std::optional<std::string> line = process.read_line(left);
    if (!line) return nlohmann::json();
    nlohmann::json parsed = nlohmann::json::parse(*line, nullptr, false);
    if (parsed.is_object() && parsed.contains(key)) return parsed;
  }
}

}  // namespace

Result<std::unique_ptr<Devnet>> Devnet::start(const std::string& dir, const DevnetSetup& setup) {
  std::unique_ptr<Devnet> devnet(new Devnet());
  devnet->dir_ = dir;
  devnet->setup_ = setup;
  std::vector<std::string> args = {"devnet",
                                   "--dir",
                                   dir,
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--account",
                                   setup.payer + "=" + std::to_string(setup.payer_sat),
                                   "--fee-base-msat",
                                   std::to_string(setup.fee_base_msat)};
  for (const std::string& payee : setup.payees) {
    args.push_back("--account");
    args.push_back(payee + "=0");
  }
  devnet->process_ = std::make_unique<BackgroundProcess>(
      kSetpriv, dying_with_parent(L402_CLI_PATH, std::move(args)), dir + ".stderr");
  const nlohmann::json ready = read_ready_line(*devnet->process_, "url");
  if (!ready.is_object() || !ready["url"].is_string()) {
    return Error(ErrorCode::kUnavailable,
                 "l402 devnet did not start; its stderr ends:\n" + devnet->log_tail());
  }
  devnet->url_ = ready["url"].get<std::string>();
  return devnet;
}

std::string Devnet::macaroon_path(const std::string& account) const {
  return dir_ + "/" + (account == "default" ? std::string("admin") : account) + ".macaroon";
}

Result<std::unique_ptr<Backend>> Devnet::open_account(const std::string& account) const {
  LndOptions options;
  options.url = url_;
  options.tls_cert_path = tls_cert();
  options.macaroon_path = macaroon_path(account.empty() ? setup_.payer : account);
  return open_lnd_backend(options);
}

std::string Devnet::client_config_yaml() const {
  return "wallet:\n  type: devnet\n  devnet:\n    dir: " + dir_ + "\n    url: " + url_ +
         "\n    account: " + setup_.payer + "\n";
}

std::string Devnet::log_tail(std::size_t bytes) const { return tail_of(dir_ + ".stderr", bytes); }

Result<std::unique_ptr<NodeL402Server>> NodeL402Server::start(std::shared_ptr<Devnet> devnet,
                                                              const NodeServerOptions& options,
                                                              const std::string& stderr_path) {
  std::unique_ptr<NodeL402Server> server(new NodeL402Server());
  server->devnet_ = std::move(devnet);
  server->options_ = options;
  server->stderr_path_ = stderr_path;
  // env sets the variables and execs node, so the pid BackgroundProcess signals is node's.
  // MALLOC_MMAP_THRESHOLD_: npm macaroon's exportBinary() allocates huge buffers; mmap keeps
  // their zeroing lazy (see ../../interop/node/oracle.js).
  std::vector<std::string> args = {std::string("NODE_PATH=") + L402_NODE_MODULES,
                                   "MALLOC_MMAP_THRESHOLD_=65536",
                                   L402_NODE,
                                   L402_NODE_L402_SERVER,
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--devnet-url",
                                   server->devnet_->url(),
                                   "--devnet-dir",
                                   server->devnet_->dir(),
                                   "--account",
                                   options.account,
                                   "--price-sat",
                                   std::to_string(options.price_sat),
                                   "--mode",
                                   options.mode,
                                   "--service",
                                   options.service};
  if (options.valid_for_seconds) {
    args.push_back("--valid-for");
    args.push_back(std::to_string(*options.valid_for_seconds));
  }
  args.insert(args.end(), options.extra_arguments.begin(), options.extra_arguments.end());
  server->process_ = std::make_unique<BackgroundProcess>(
      kSetpriv, dying_with_parent("/usr/bin/env", std::move(args)), stderr_path);
  server->ready_ = read_ready_line(*server->process_, "port");
  if (!server->ready_.is_object() || !server->ready_["port"].is_number_unsigned() ||
      !server->ready_["url"].is_string()) {
    return Error(ErrorCode::kUnavailable,
                 "l402_server.js did not start; its stderr ends:\n" + server->log_tail());
  }
  server->port_ = server->ready_["port"].get<std::uint16_t>();
  server->url_ = server->ready_["url"].get<std::string>();
  return server;
}

Result<nlohmann::json> NodeL402Server::stats() const {
  const HttpResponse response = http_get(url_ + "/stats");
  if (response.status != 200) {
    return Error(ErrorCode::kUnavailable, "GET /stats gave " + std::to_string(response.status) +
                                              " " + response.error + " " + response.body);
  }
  nlohmann::json parsed = nlohmann::json::parse(response.body, nullptr, false);
  if (!parsed.is_object()) {
    return Error(ErrorCode::kInternal, "GET /stats is not a JSON object: " + response.body);
  }
  return parsed;
}

std::string NodeL402Server::log_tail(std::size_t bytes) const {
  return tail_of(stderr_path_, bytes);
}

Result<NodeL402Setup> start_node_l402_setup(const std::string& work_dir,
                                            const NodeServerOptions& options,
                                            const DevnetSetup& devnet_setup) {
  NodeL402Setup setup;
  L402_ASSIGN_OR_RETURN(std::unique_ptr<Devnet> devnet,
                        Devnet::start(work_dir + "/devnet", devnet_setup));
  setup.devnet = std::move(devnet);
  L402_ASSIGN_OR_RETURN(
      setup.server, NodeL402Server::start(setup.devnet, options, work_dir + "/l402_server.stderr"));
  return setup;
}

}  // namespace l402::test
