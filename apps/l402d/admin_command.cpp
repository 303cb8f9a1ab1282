// The admin front finds the gateway the way an operator would: from the same configuration
// file (admin address and credential file), or from explicit --admin and --credential-file.
#include "admin_command.hpp"

#include <charconv>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "gateway/admin/admin_server.hpp"
#include "gateway/config/config.hpp"

namespace l402::l402d {
namespace {

struct AdminArguments {
  std::string config_path;
  std::string data_dir;
  std::string admin_address;
  std::string credential_file;
  gateway::AdminCommand command;
};

constexpr int kExitOk = 0;
constexpr int kExitRefused = 1;
constexpr int kExitUsage = 2;
constexpr int kExitUnavailable = 5;

int fail(int code, const std::string& message) {
  std::cerr << "l402d admin: " << message << '\n';
  return code;
}

bool parse_address(const std::string& text, std::string& host, std::uint16_t& port) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned value = 0;
  const char* begin = text.data() + colon + 1;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(begin, end, value);
  if (error != std::errc() || stop != end || value == 0 || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

int run_admin(AdminArguments arguments) {
  const gateway::ConfigEnvironment env = gateway::ConfigEnvironment::system();
  gateway::GatewayConfig config;
  if (!arguments.config_path.empty()) {
    const gateway::ConfigLoad load = gateway::load_config_file(arguments.config_path, env);
    if (!load.config) {
      std::cerr << gateway::format_diagnostics(arguments.config_path, load);
      return kExitUsage;
    }
    config = *load.config;
  } else {
    config = gateway::default_config(arguments.data_dir.empty()
                                         ? env.default_data_dir
                                         : std::filesystem::path(arguments.data_dir));
  }
  gateway::AdminCommand& command = arguments.command;
  command.host = config.admin.host;
  command.port = config.admin.port;
  if (!arguments.admin_address.empty() &&
      !parse_address(arguments.admin_address, command.host, command.port)) {
    return fail(kExitUsage, "--admin must be HOST:PORT, not '" + arguments.admin_address + "'");
  }
  const std::filesystem::path credential_file =
      arguments.credential_file.empty() ? config.admin.credential_file
                                        : std::filesystem::path(arguments.credential_file);
  std::ifstream in(credential_file);
  if (!in) {
    return fail(kExitUsage, "cannot read the admin credential " + credential_file.string() +
                                " (is l402d running with this data directory?)");
  }
  std::getline(in, command.credential);
  Result<gateway::AdminAnswer> answer = gateway::run_admin_command(command);
  if (!answer.ok()) {
    return fail(answer.error().code() == ErrorCode::kUnavailable ? kExitUnavailable : kExitUsage,
                answer.error().message());
  }
  std::cout << answer->body;
  if (answer->body.empty() || answer->body.back() != '\n') std::cout << '\n';
  return answer->status >= 200 && answer->status < 300 ? kExitOk : kExitRefused;
}

}  // namespace

void add_admin_command(CLI::App& app, int& exit_code, bool& ran) {
  auto arguments = std::make_shared<AdminArguments>();
  CLI::App* admin = app.add_subcommand("admin", "Ask a running l402d (its admin API); JSON out");
  admin->require_subcommand(1);
  admin->add_option("--config", arguments->config_path,
                    "The gateway's configuration file (finds the admin address and credential)");
  admin->add_option("--data-dir", arguments->data_dir, "The gateway's data directory");
  admin->add_option("--admin", arguments->admin_address, "Admin address HOST:PORT");
  admin->add_option("--credential-file", arguments->credential_file, "Admin credential file");

  const auto add = [&](const std::string& name, const std::string& help) {
    CLI::App* sub = admin->add_subcommand(name, help);
    sub->callback([arguments, name, &exit_code, &ran] {
      arguments->command.command = name;
      ran = true;
      exit_code = run_admin(*arguments);
    });
    return sub;
  };
  add("info", "Version, listeners, Lightning node, store, keys");
  add("services", "The configured services");
  CLI::App* tokens = add("tokens", "Paid tokens from the ledger, most recently used first");
  tokens->add_option("--service", arguments->command.service, "Only this service's");
  tokens->add_option("--limit", arguments->command.limit, "At most this many (100)");
  add("stats", "Per service: challenges, paid tokens, requests, revenue");
  CLI::App* revoke = add("revoke", "Revoke a token, on every gateway sharing the store");
  revoke->add_option("token_id", arguments->command.token_id, "Token ID (64 hex digits)")
      ->required();
  revoke->add_option("--reason", arguments->command.reason, "Why (kept in the store)");
  add("rotate-keys", "Start a new root-key generation (old tokens stay valid)");
}

}  // namespace l402::l402d
