#include "client_config.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <string_view>
#include <utility>

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

  Result<std::string> text(const YAML::Node& node, std::string_view key) const {
    if (!node.IsScalar()) return error_at(node, std::string(key) + " must be a string");
    return node.as<std::string>();
  }

  Result<std::chrono::milliseconds> seconds(const YAML::Node& node, std::string_view key) const {
    double value = 0;
    if (!node.IsScalar() || !YAML::convert<double>::decode(node, value) || value <= 0 ||
        value > 86'400) {
      return error_at(node, std::string(key) + " must be a number of seconds in (0, 86400]");
    }
    return std::chrono::milliseconds(static_cast<long long>(value * 1000));
  }

 private:
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
    if (devnet["dir"]) {
      L402_ASSIGN_OR_RETURN(wallet.devnet_dir, reader.text(devnet["dir"], "wallet.devnet.dir"));
      wallet.devnet_dir = expand_home(wallet.devnet_dir);
    }
    if (devnet["url"]) {
      L402_ASSIGN_OR_RETURN(wallet.devnet_url, reader.text(devnet["url"], "wallet.devnet.url"));
    }
    if (devnet["account"]) {
      L402_ASSIGN_OR_RETURN(wallet.devnet_account,
                            reader.text(devnet["account"], "wallet.devnet.account"));
    }
  }
  if (const YAML::Node lnd = node["lnd"]) {
    L402_RETURN_IF_ERROR(reader.check_keys(
        lnd, "wallet.lnd", {"url", "tls_cert", "macaroon", "allow_plain_http", "timeout"}));
    if (lnd["url"]) {
      L402_ASSIGN_OR_RETURN(wallet.lnd.url, reader.text(lnd["url"], "wallet.lnd.url"));
    }
    if (lnd["tls_cert"]) {
      L402_ASSIGN_OR_RETURN(wallet.lnd.tls_cert_path,
                            reader.text(lnd["tls_cert"], "wallet.lnd.tls_cert"));
      wallet.lnd.tls_cert_path = expand_home(wallet.lnd.tls_cert_path);
    }
    if (lnd["macaroon"]) {
      L402_ASSIGN_OR_RETURN(wallet.lnd.macaroon_path,
                            reader.text(lnd["macaroon"], "wallet.lnd.macaroon"));
      wallet.lnd.macaroon_path = expand_home(wallet.lnd.macaroon_path);
    }
    if (lnd["allow_plain_http"]) {
      bool allow = false;
      if (!YAML::convert<bool>::decode(lnd["allow_plain_http"], allow)) {
        return reader.error_at(lnd["allow_plain_http"],
                               "wallet.lnd.allow_plain_http must be true or false");
      }
      wallet.lnd.allow_plain_http = allow;
    }
    if (lnd["timeout"]) {
      L402_ASSIGN_OR_RETURN(wallet.lnd.call_timeout,
                            reader.seconds(lnd["timeout"], "wallet.lnd.timeout"));
    }
  }
  if (const YAML::Node cln = node["cln"]) {
    L402_RETURN_IF_ERROR(reader.check_keys(cln, "wallet.cln", {"socket", "timeout"}));
    if (cln["socket"]) {
      L402_ASSIGN_OR_RETURN(wallet.cln.socket_path,
                            reader.text(cln["socket"], "wallet.cln.socket"));
      wallet.cln.socket_path = expand_home(wallet.cln.socket_path);
    }
    if (cln["timeout"]) {
      L402_ASSIGN_OR_RETURN(wallet.cln.call_timeout,
                            reader.seconds(cln["timeout"], "wallet.cln.timeout"));
    }
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

std::string default_devnet_dir() {
  std::string base = environment("XDG_DATA_HOME");
  if (base.empty()) base = environment("HOME") + "/.local/share";
  return base + "/l402/devnet";
}

Result<ClientConfig> load_client_config(const std::optional<std::string>& explicit_path) {
  ClientConfig config;
  config.wallet.devnet_dir = default_devnet_dir();
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
    L402_RETURN_IF_ERROR(reader.check_keys(root, "the configuration", {"wallet"}));
    if (root["wallet"]) L402_RETURN_IF_ERROR(read_wallet(reader, root["wallet"], config.wallet));
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
  options.macaroon_path =
      (dir / (wallet.devnet_account == "default" ? std::string("admin.macaroon")
                                                 : wallet.devnet_account + ".macaroon"))
          .string();
  return open_lnd_backend(options);
}

}  // namespace l402::cli
