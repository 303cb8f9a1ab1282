// The configuration l402d runs with when it is given no file, the origin of an upstream, and
// the environment the loader reads by default.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gateway/config/config.hpp"

namespace l402::gateway {
namespace {

// Secret files and CA bundles are small; a huge "header value" file is a mistake.
constexpr std::uintmax_t kMaxReadFileBytes = 1 << 20;

std::optional<std::string> system_getenv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::optional<std::string> system_read_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxReadFileBytes) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(out).str();
}

}  // namespace

std::string UpstreamConfig::origin() const { return scheme + "://" + host_and_port(host, port); }

GatewayConfig default_config(const std::filesystem::path& data_dir) {
  GatewayConfig config;
  config.data_dir = data_dir;
  config.admin.credential_file = data_dir / "admin.token";
  config.lightning.devnet_dir = data_dir / "devnet";
  config.store.sqlite_path = data_dir / "l402d.sqlite";
  ServiceConfig demo;
  demo.name = "demo";
  demo.price = Msat(1000);
  config.services.push_back(std::move(demo));
  return config;
}

ConfigEnvironment ConfigEnvironment::system() {
  ConfigEnvironment env;
  env.getenv = system_getenv;
  env.read_file = system_read_file;
  env.home = system_getenv("HOME").value_or("");
  const std::string xdg = system_getenv("XDG_DATA_HOME").value_or("");
  if (!xdg.empty()) {
    env.default_data_dir = std::filesystem::path(xdg) / "l402d";
  } else if (!env.home.empty()) {
    env.default_data_dir = env.home / ".local" / "share" / "l402d";
  } else {
    env.default_data_dir = std::filesystem::path(".l402d");
  }
  return env;
}

}  // namespace l402::gateway
