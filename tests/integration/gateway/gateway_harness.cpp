// Process start-up, configuration text and the purchase of credentials for the gateway's
// integration tests.
#include "gateway_harness.hpp"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>

#include "l402/encoding.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/token.hpp"
#include "l402/token_header.hpp"
#include "lightning_test_helpers.hpp"
#include "raw_connection.hpp"

namespace l402::test {
namespace {

// The processes whose parent is this one: how a test learns the pid of an l402d it started
// (BackgroundProcess keeps its own).
std::set<pid_t> children() {
  std::set<pid_t> found;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return found;
  const pid_t self = getpid();
  while (const dirent* entry = readdir(proc)) {
    if (!std::isdigit(static_cast<unsigned char>(entry->d_name[0]))) continue;
    std::ifstream stat(std::string("/proc/") + entry->d_name + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses; skip to the last ')'.
    const std::size_t close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(text.substr(close + 1));
    std::string state;
    pid_t parent = 0;
    rest >> state >> parent;
    if (parent == self) found.insert(static_cast<pid_t>(std::stoi(entry->d_name)));
  }
  closedir(proc);
  return found;
}

// The first line of stdout that is a JSON object with "event":"ready".
nlohmann::json read_ready_line(BackgroundProcess& process) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const std::optional<std::string> line = process.read_line(left);
    if (!line) break;
    nlohmann::json parsed = nlohmann::json::parse(*line, nullptr, false);
    if (parsed.is_object() && parsed.value("event", "") == "ready") return parsed;
  }
  return nlohmann::json();
}

std::uint16_t port_of(const std::string& url) {
  const std::size_t colon = url.rfind(':');
  if (colon == std::string::npos) return 0;
  return static_cast<std::uint16_t>(std::stoi(url.substr(colon + 1)));
}

std::string host_port(const std::string& url) {
  const std::size_t scheme = url.find("://");
  return scheme == std::string::npos ? url : url.substr(scheme + 3);
}

bool is_l402_scheme(std::string_view scheme) {
  return scheme.size() == 4 && (scheme[0] == 'L' || scheme[0] == 'l') && scheme.substr(1) == "402";
}

}  // namespace

Upstream start_upstream(const std::string& stderr_path) {
  Upstream upstream;
  upstream.process = std::make_unique<BackgroundProcess>(
      L402_DEMO_UPSTREAM_PATH, std::vector<std::string>{"--listen", "127.0.0.1:0"}, stderr_path);
  const nlohmann::json ready = read_ready_line(*upstream.process);
  if (ready.is_object() && ready.contains("url")) upstream.url = ready["url"];
  return upstream;
}

std::string gateway_yaml(const GatewaySetup& setup) {
  std::string yaml = "data_dir: " + setup.data_dir + "\n";
  yaml += "listen:\n  - address: 127.0.0.1:0\n" + setup.listener_options;
  if (setup.tls_listener) {
    yaml += "  - address: 127.0.0.1:0\n    tls: {self_signed: true}\n";
  }
  if (setup.grpc_listener) {
    yaml += "  - address: 127.0.0.1:0\n    role: grpc\n    header_timeout: 1s\n";
  }
  if (setup.grpc_tls_listener) {
    yaml += "  - address: 127.0.0.1:0\n    role: grpc\n    header_timeout: 1s\n";
    yaml += "    tls: {self_signed: true}\n";
  }
  yaml += "admin:\n  enabled: true\n  address: 127.0.0.1:0\n";
  yaml += "lightning:\n" + setup.lightning;
  if (setup.extra.find("log:") == std::string::npos) {
    yaml += "log: {format: text, level: info, access_log: true}\n";
  }
  yaml += "drain_timeout: 5s\n";
  yaml += setup.extra;
  yaml += "services:\n" + setup.services;
  return yaml;
}

std::string service_yaml(const std::string& name, const std::string& path,
                         const std::string& upstream, const std::vector<std::string>& options) {
  std::string yaml =
      "  - name: " + name + "\n    path: \"" + path + "\"\n    upstream: " + upstream + "\n";
  for (const std::string& option : options) yaml += "    " + option + "\n";
  return yaml;
}

std::string standard_services(const std::string& upstream) {
  const std::string dead = "http://127.0.0.1:" + std::to_string(unused_port());
  // Each service but demo is reached under its own prefix, rewritten to the upstream's /api.
  auto under = [](const std::string& prefix) {
    return "rewrite: {from: " + prefix + ", to: /api}";
  };
  return service_yaml("other", "/other/.*", upstream, {"price: 2", under("/other")}) +
         service_yaml("open", "/open/.*", upstream,
                      {"auth: \"off\"", "max_body: 64MiB", under("/open")}) +
         service_yaml("lazy", "/lazy/.*", upstream,
                      {"auth: \"off\"", "upstream_timeout: 800ms", under("/lazy")}) +
         service_yaml("tiny", "/tiny/.*", upstream,
                      {"auth: \"off\"", "max_body: 1KiB", under("/tiny")}) +
         service_yaml("gift", "/gift/.*", upstream, {"auth: \"freebie 2\"", under("/gift")}) +
         service_yaml("short", "/short/.*", upstream,
                      {"price: 1", "timeout: 1s", under("/short")}) +
         service_yaml("down", "/down/.*", dead, {"auth: \"off\"", under("/down")}) +
         service_yaml("demo", "/api/.*", upstream, {"price: 1", "free_paths: [\"/api/quote\"]"});
}

std::unique_ptr<Gateway> Gateway::start(const std::string& config_path, const std::string& yaml,
                                        const std::string& stderr_path) {
  std::ofstream(config_path) << yaml;
  std::unique_ptr<Gateway> gateway(new Gateway());
  gateway->config_path_ = config_path;
  gateway->stderr_path_ = stderr_path;
  const std::set<pid_t> before = children();
  gateway->process_ = std::make_unique<BackgroundProcess>(
      L402D_PATH, std::vector<std::string>{"--config", config_path}, stderr_path);
  for (const pid_t child : children()) {
    if (before.count(child) == 0) gateway->pid_ = child;
  }
  gateway->ready_ = read_ready_line(*gateway->process_);
  return gateway;
}

Gateway::~Gateway() { stop(); }

std::string Gateway::url() const { return url_with_scheme("http"); }

std::string Gateway::url_with_scheme(const std::string& scheme) const {
  if (!ready() || !ready_.contains("listeners")) return "";
  for (const auto& listener : ready_["listeners"]) {
    const std::string url = listener.get<std::string>();
    if (url.rfind(scheme + "://", 0) == 0) return url;
  }
  return "";
}

std::string Gateway::admin_url() const { return ready() ? ready_.value("admin", "") : ""; }

std::uint16_t Gateway::port() const { return port_of(url()); }

std::string Gateway::data_dir() const { return ready() ? ready_.value("data_dir", "") : ""; }

std::string Gateway::log_tail(std::size_t bytes) const {
  const std::string text = read_whole_file(stderr_path_);
  return "l402d stderr (end):\n" + (text.size() > bytes ? text.substr(text.size() - bytes) : text);
}

int Gateway::stop(int signal, std::chrono::milliseconds limit) {
  return process_ ? process_->stop(signal, limit) : -1;
}

CliRun Gateway::admin(const std::string& command_and_args) const {
  const std::string credential_file =
      ready() ? ready_.value("admin_credential_file", data_dir() + "/admin.token") : "";
  return run_l402d("admin --admin " + host_port(admin_url()) + " --credential-file " +
                   credential_file + " " + command_and_args);
}

Result<std::unique_ptr<Backend>> open_payer(const Gateway& gateway) {
  const nlohmann::json& ready = gateway.ready_line();
  if (!ready.contains("devnet_url") || !ready.contains("devnet_tls_cert") ||
      !ready.contains("devnet_payer_macaroon")) {
    return Error(ErrorCode::kNotFound,
                 "the ready line has no devnet_url/devnet_tls_cert/"
                 "devnet_payer_macaroon: " +
                     ready.dump());
  }
  LndOptions options;
  options.url = ready["devnet_url"];
  options.tls_cert_path = ready["devnet_tls_cert"];
  options.macaroon_path = ready["devnet_payer_macaroon"];
  return open_lnd_backend(options);
}

Result<std::string> token_id_of(const std::string& macaroon_base64) {
  L402_ASSIGN_OR_RETURN(const std::string binary, base64::decode(macaroon_base64));
  L402_ASSIGN_OR_RETURN(const Macaroon macaroon, parse_binary(binary));
  L402_ASSIGN_OR_RETURN(const Identifier identifier, decode_identifier(macaroon.identifier()));
  return hex::encode(identifier.token_id);
}

Result<Purchase> buy(const Gateway& gateway, Backend& payer, const std::string& path) {
  const HttpResponse challenge = http_get(gateway.url() + path);
  if (challenge.status != 402) {
    return Error(ErrorCode::kFailedPrecondition, "unpaid GET " + path + " gave " +
                                                     std::to_string(challenge.status) + " " +
                                                     challenge.error + " " + challenge.body);
  }
  const std::vector<std::string> values = challenge.values("WWW-Authenticate");
  const std::vector<std::string_view> views(values.begin(), values.end());
  L402_ASSIGN_OR_RETURN(const std::vector<Challenge> parsed, parse_challenges(views));
  const auto l402 = std::find_if(parsed.begin(), parsed.end(),
                                 [](const Challenge& c) { return is_l402_scheme(c.scheme); });
  if (l402 == parsed.end()) return Error(ErrorCode::kNotFound, "no L402 challenge");
  const PayOutcome paid = payer.pay(pay_request(l402->invoice, Msat(100'000)));
  if (!paid.ok()) return paid.to_error();
  Purchase purchase;
  purchase.macaroon_base64 = l402->macaroon_base64;
  purchase.payment_hash = paid.payment().payment_hash;
  purchase.preimage = paid.payment().preimage;
  purchase.authorization =
      "L402 " + l402->macaroon_base64 + ":" + hex::encode(paid.payment().preimage);
  L402_ASSIGN_OR_RETURN(purchase.token_id_hex, token_id_of(l402->macaroon_base64));
  return purchase;
}

CliRun run_l402d(const std::string& args) { return run_program(L402D_PATH, args); }

}  // namespace l402::test
