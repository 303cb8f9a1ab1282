#include "client_config.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <utility>

#include "l402/devnet.hpp"
#include "units.hpp"

namespace l402::cli {
namespace {

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// "~/x" → "$HOME/x".
std::string expand_home(const std::string& path) {
  if (path == "~" || path.rfind("~/", 0) == 0) return environment("HOME") + path.substr(1);
  return path;
}

class ConfigReader {
 public:
  explicit ConfigReader(std::string file) : file_(std::move(file)) {}

  Error error_at(const YAML::Node& node, std::string_view what) const {
    std::string message = file_;
    if (node.Mark().line >= 0) message += ":" + std::to_string(node.Mark().line + 1);
    message += ": ";
    message += what;
    return Error(ErrorCode::kInvalidArgument, std::move(message));
  }

  // Every key of `map` must be one of `allowed`.
  Result<void> check_keys(const YAML::Node& map, std::string_view where,
                          std::initializer_list<std::string_view> allowed) const {
    if (!map.IsMap()) return error_at(map, std::string(where) + " must be a mapping");
    for (const auto& entry : map) {
      const std::string key = entry.first.as<std::string>();
      bool known = false;
      for (std::string_view name : allowed) known = known || key == name;
      if (!known)
        return error_at(entry.first, "unknown key '" + key + "' in " + std::string(where));
    }
    return ok_result();
  }

  Result<std::string> text(const YAML::Node& node, std::string_view name) const {
    if (!node.IsScalar()) return error_at(node, std::string(name) + " must be a string");
    return node.as<std::string>();
  }

  // Each read_* reads `map[key]` into `target` when the key is there, and leaves `target`
  // (its default) alone when it is not. `section` names the map in messages: "wallet.lnd".

  Result<void> read_text(const YAML::Node& map, std::string_view section, const char* key,
                         std::string& target) const {
    if (!map[key]) return ok_result();
    L402_ASSIGN_OR_RETURN(target, text(map[key], qualified(section, key)));
    return ok_result();
  }

  // A file or directory: "~/" at its start is the home directory.
  Result<void> read_path(const YAML::Node& map, std::string_view section, const char* key,
                         std::string& target) const {
    if (!map[key]) return ok_result();
    Result<std::string> path = text(map[key], qualified(section, key));
    if (!path.ok()) return path.error();
    target = expand_home(*path);
    return ok_result();
  }

  Result<void> read_bool(const YAML::Node& map, std::string_view section, const char* key,
                         bool& target) const {
    if (!map[key]) return ok_result();
    if (!YAML::convert<bool>::decode(map[key], target)) {
      return error_at(map[key], qualified(section, key) + " must be true or false");
    }
    return ok_result();
  }

  Result<void> read_amount(const YAML::Node& map, std::string_view section, const char* key,
                           std::optional<Msat>& target) const {
    if (!map[key]) return ok_result();
    if (!map[key].IsScalar())
      return error_at(map[key], qualified(section, key) + " must be an amount");
    Result<Msat> amount = parse_amount(map[key].as<std::string>());
    if (!amount.ok())
      return error_at(map[key], qualified(section, key) + ": " + amount.error().message());
    target = *amount;
    return ok_result();
  }

  Result<void> read_seconds(const YAML::Node& map, std::string_view section, const char* key,
                            std::chrono::milliseconds& target) const {
    if (!map[key]) return ok_result();
    double value = 0;
    if (!map[key].IsScalar() || !YAML::convert<double>::decode(map[key], value) || value <= 0 ||
        value > 86'400) {
      return error_at(map[key],
                      qualified(section, key) + " must be a number of seconds in (0, 86400]");
    }
    target = std::chrono::milliseconds(static_cast<long long>(value * 1000));
    return ok_result();
  }

 private:
  static std::string qualified(std::string_view section, std::string_view key) {
    return std::string(section) + "." + std::string(key);
  }

  std::string file_;
};

Result<void> read_wallet(const ConfigReader& reader, const YAML::Node& node, WalletConfig& wallet) {
  L402_RETURN_IF_ERROR(reader.check_keys(node, "wallet", {"type", "devnet", "lnd", "cln"}));
  if (node["type"]) {
    L402_ASSIGN_OR_RETURN(std::string type, reader.text(node["type"], "wallet.type"));
    if (type == "devnet") {
      wallet.kind = WalletKind::kDevnet;
    } else if (type == "lnd") {
      wallet.kind = WalletKind::kLnd;
    } else if (type == "cln") {
      wallet.kind = WalletKind::kCln;
    } else {
      return reader.error_at(node["type"],
                             "wallet.type must be devnet, lnd or cln, not '" + type + "'");
    }
  }
  if (const YAML::Node devnet = node["devnet"]) {
    L402_RETURN_IF_ERROR(reader.check_keys(devnet, "wallet.devnet", {"dir", "url", "account"}));
    L402_RETURN_IF_ERROR(reader.read_path(devnet, "wallet.devnet", "dir", wallet.devnet_dir));
    L402_RETURN_IF_ERROR(reader.read_text(devnet, "wallet.devnet", "url", wallet.devnet_url));
    L402_RETURN_IF_ERROR(
        reader.read_text(devnet, "wallet.devnet", "account", wallet.devnet_account));
  }
  if (const YAML::Node lnd = node["lnd"]) {
    L402_RETURN_IF_ERROR(reader.check_keys(
        lnd, "wallet.lnd", {"url", "tls_cert", "macaroon", "allow_plain_http", "timeout"}));
    L402_RETURN_IF_ERROR(reader.read_text(lnd, "wallet.lnd", "url", wallet.lnd.url));
    L402_RETURN_IF_ERROR(reader.read_path(lnd, "wallet.lnd", "tls_cert", wallet.lnd.tls_cert_path));
    L402_RETURN_IF_ERROR(reader.read_path(lnd, "wallet.lnd", "macaroon", wallet.lnd.macaroon_path));
    L402_RETURN_IF_ERROR(
        reader.read_bool(lnd, "wallet.lnd", "allow_plain_http", wallet.lnd.allow_plain_http));
    L402_RETURN_IF_ERROR(
        reader.read_seconds(lnd, "wallet.lnd", "timeout", wallet.lnd.call_timeout));
  }
  if (const YAML::Node cln = node["cln"]) {
    L402_RETURN_IF_ERROR(reader.check_keys(cln, "wallet.cln", {"socket", "timeout"}));
    L402_RETURN_IF_ERROR(reader.read_path(cln, "wallet.cln", "socket", wallet.cln.socket_path));
    L402_RETURN_IF_ERROR(
        reader.read_seconds(cln, "wallet.cln", "timeout", wallet.cln.call_timeout));
  }
  if (wallet.kind == WalletKind::kLnd &&
      (wallet.lnd.macaroon_path.empty() ||
       (wallet.lnd.tls_cert_path.empty() && !wallet.lnd.allow_plain_http))) {
    return reader.error_at(node, "wallet.lnd needs tls_cert and macaroon");
  }
  if (wallet.kind == WalletKind::kCln && wallet.cln.socket_path.empty()) {
    return reader.error_at(node, "wallet.cln needs socket");
  }
  return ok_result();
}

Result<void> read_budget(const ConfigReader& reader, const YAML::Node& node, Budget& budget) {
  L402_RETURN_IF_ERROR(reader.check_keys(
      node, "budget",
      {"max_price", "per_host_per_day", "total_per_day", "max_fee", "max_fee_ppm"}));
  L402_RETURN_IF_ERROR(reader.read_amount(node, "budget", "max_price", budget.max_price));
  L402_RETURN_IF_ERROR(
      reader.read_amount(node, "budget", "per_host_per_day", budget.per_host_per_day));
  L402_RETURN_IF_ERROR(reader.read_amount(node, "budget", "total_per_day", budget.total_per_day));
  std::optional<Msat> max_fee;
  L402_RETURN_IF_ERROR(reader.read_amount(node, "budget", "max_fee", max_fee));
  if (max_fee) budget.fee.absolute = *max_fee;
  if (const YAML::Node ppm = node["max_fee_ppm"]) {
    std::uint32_t value = 0;
    if (!ppm.IsScalar() || !YAML::convert<std::uint32_t>::decode(ppm, value) || value > 1'000'000) {
      return reader.error_at(ppm, "budget.max_fee_ppm must be a whole number in [0, 1000000]");
    }
    budget.fee.ppm = value;
  }
  return ok_result();
}

std::optional<std::string> default_config_path() {
  std::string base = environment("XDG_CONFIG_HOME");
  if (base.empty()) {
    const std::string home = environment("HOME");
    if (home.empty()) return std::nullopt;
    base = home + "/.config";
  }
  return base + "/l402/config.yaml";
}

}  // namespace

std::string default_store_dir() {
  std::string base = environment("XDG_DATA_HOME");
  if (base.empty()) base = environment("HOME") + "/.local/share";
  return base + "/l402";
}

std::string default_devnet_dir() { return default_store_dir() + "/devnet"; }

Result<ClientConfig> load_client_config(const std::optional<std::string>& explicit_path) {
  ClientConfig config;
  config.wallet.devnet_dir = default_devnet_dir();
  config.store_dir = default_store_dir();
  std::optional<std::string> path = explicit_path;
  if (!path && !environment("L402_CONFIG").empty()) path = environment("L402_CONFIG");
  const bool required = path.has_value();
  if (!path) path = default_config_path();
  std::error_code ec;
  if (!path || !std::filesystem::exists(*path, ec)) {
    if (required) return Error(ErrorCode::kNotFound, *path + ": no such configuration file");
    return config;
  }
  // A configuration is a few lines; a huge file is a mistake, not a configuration.
  constexpr std::uintmax_t kMaxConfigBytes = 1 << 20;
  if (std::filesystem::file_size(*path, ec) > kMaxConfigBytes) {
    return Error(ErrorCode::kLimitExceeded, *path + ": larger than 1 MiB");
  }
  config.source = *path;
  const ConfigReader reader(*path);
  try {
    const YAML::Node root = YAML::LoadFile(*path);
    if (root.IsNull()) return config;
    L402_RETURN_IF_ERROR(
        reader.check_keys(root, "the configuration", {"wallet", "budget", "store"}));
    if (root["wallet"]) L402_RETURN_IF_ERROR(read_wallet(reader, root["wallet"], config.wallet));
    if (root["budget"]) L402_RETURN_IF_ERROR(read_budget(reader, root["budget"], config.budget));
    if (const YAML::Node store = root["store"]) {
      L402_RETURN_IF_ERROR(reader.check_keys(store, "store", {"dir"}));
      L402_RETURN_IF_ERROR(reader.read_path(store, "store", "dir", config.store_dir));
    }
  } catch (const YAML::Exception& error) {
    std::string message = *path;
    if (error.mark.line >= 0) message += ":" + std::to_string(error.mark.line + 1);
    return Error(ErrorCode::kInvalidArgument, message + ": " + error.msg);
  }
  return config;
}

Result<std::unique_ptr<Backend>> open_wallet(const WalletConfig& wallet) {
  switch (wallet.kind) {
    case WalletKind::kLnd:
      return open_lnd_backend(wallet.lnd);
    case WalletKind::kCln:
      return open_cln_backend(wallet.cln);
    case WalletKind::kDevnet:
      break;
  }
  // devnet speaks LND's REST API; its files are named as LND names them.
  const std::filesystem::path dir(wallet.devnet_dir);
  LndOptions options;
  options.url = wallet.devnet_url;
  options.allow_plain_http = wallet.devnet_url.rfind("http://", 0) == 0;
  options.tls_cert_path = (dir / "tls.cert").string();
  options.macaroon_path = (dir / devnet_macaroon_file_name(wallet.devnet_account)).string();
  return open_lnd_backend(options);
}

}  // namespace l402::cli
