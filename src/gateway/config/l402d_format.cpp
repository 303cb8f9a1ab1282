// l402d's own configuration format: the top-level sections (listeners, admin, lightning,
// store, logging, CORS, challenge). Services are read in l402d_services.cpp.
#include <optional>
#include <string>
#include <utility>

#include "gateway/config/formats.hpp"

namespace l402::gateway::config_detail {
namespace {

void read_listener_tls(ConfigReader& reader, const YAML::Node& node, const std::string& what,
                       TlsListenerConfig& tls) {
  if (!reader.expect_map(node, what)) return;
  reader.check_keys(node, what, {"cert", "key", "self_signed"});
  if (!node.IsMap()) return;
  tls.enabled = true;
  reader.read_into(node, "cert", what, tls.cert_file,
                   [&](const YAML::Node& n, const std::string& w) { return reader.path(n, w); });
  reader.read_into(node, "key", what, tls.key_file,
                   [&](const YAML::Node& n, const std::string& w) { return reader.path(n, w); });
  reader.read_into(node, "self_signed", what, tls.self_signed,
                   [&](const YAML::Node& n, const std::string& w) { return reader.boolean(n, w); });
  const bool has_files = !tls.cert_file.empty() || !tls.key_file.empty();
  if (tls.self_signed && has_files) {
    reader.error(node, what + ": give either cert and key, or self_signed: true, not both");
  } else if (!tls.self_signed && (tls.cert_file.empty() || tls.key_file.empty())) {
    reader.error(node, what + " needs both cert and key (or self_signed: true)");
  }
}

void read_listener_role(ConfigReader& reader, const YAML::Node& node, const std::string& what,
                        ListenerConfig& listener) {
  const YAML::Node role = node["role"];
  if (!role.IsDefined()) return;
  const std::optional<std::string> name = reader.text(role, what + ".role");
  if (!name) return;
  if (*name == "proxy") {
    listener.role = ListenerRole::kProxy;
  } else if (*name == "auth_request") {
    listener.role = ListenerRole::kAuthRequest;
  } else if (*name == "grpc") {
    listener.role = ListenerRole::kGrpc;
  } else {
    reader.error(role, what + ".role must be proxy, auth_request or grpc, not '" + *name + "'");
  }
}

void read_listener_proxy_protocol(ConfigReader& reader, const YAML::Node& node,
                                  const std::string& what, ListenerConfig& listener) {
  const YAML::Node version = node["proxy_protocol"];
  if (!version.IsDefined()) return;
  const std::optional<std::string> name = reader.text(version, what + ".proxy_protocol");
  if (!name) return;
  if (*name == "off" || *name == "false") {
    listener.proxy_protocol = ProxyProtocol::kOff;
  } else if (*name == "v1") {
    listener.proxy_protocol = ProxyProtocol::kV1;
  } else if (*name == "v2") {
    listener.proxy_protocol = ProxyProtocol::kV2;
  } else if (*name == "any" || *name == "on" || *name == "true") {
    listener.proxy_protocol = ProxyProtocol::kAny;
  } else {
    reader.error(version, what + ".proxy_protocol must be off, v1, v2 or any, not '" + *name + "'");
  }
}

void read_listener(ConfigReader& reader, const YAML::Node& node, const std::string& what,
                   ListenerConfig& listener) {
  if (!node.IsMap()) {
    reader.error(node, what + " must be a mapping with at least an address");
    return;
  }
  reader.check_keys(
      node, what,
      {"address", "tls", "role", "proxy_protocol", "header_timeout", "idle_timeout", "body_timeout",
       "upgrade_idle_timeout", "max_connections", "max_header_bytes"});
  listener.line = node.Mark().line + 1;
  const YAML::Node address_node = node["address"];
  if (!address_node.IsDefined()) {
    reader.error(node, what + " needs an address (\"host:port\")");
  } else if (auto address = reader.address(address_node, what + ".address")) {
    listener.host = address->host;
    listener.port = address->port;
  }
  if (const YAML::Node tls = node["tls"]; tls.IsDefined()) {
    read_listener_tls(reader, tls, what + ".tls", listener.tls);
  }
  read_listener_role(reader, node, what, listener);
  read_listener_proxy_protocol(reader, node, what, listener);
  if (listener.role == ListenerRole::kGrpc) {
    // gRPC C++ owns these connections: no PROXY header reading, no HTTP/1.1 body or upgrades.
    for (const char* key : {"proxy_protocol", "body_timeout", "upgrade_idle_timeout"}) {
      if (node[key].IsDefined())
        reader.error(node[key], what + "." + key + " does not apply to a gRPC listener");
    }
  }
  const auto duration = [&](const YAML::Node& n, const std::string& w) {
    return reader.duration(n, w);
  };
  reader.read_into(node, "header_timeout", what, listener.header_timeout, duration);
  reader.read_into(node, "idle_timeout", what, listener.idle_timeout, duration);
  reader.read_into(node, "body_timeout", what, listener.body_timeout, duration);
  reader.read_into(node, "upgrade_idle_timeout", what, listener.upgrade_idle_timeout, duration);
  reader.read_into(node, "max_connections", what, listener.max_connections,
                   [&](const YAML::Node& n, const std::string& w) {
                     return reader.integer(n, w, 1, 1'000'000);
                   });
  reader.read_into(node, "max_header_bytes", what, listener.max_header_bytes,
                   [&](const YAML::Node& n, const std::string& w) -> std::optional<std::size_t> {
                     auto bytes = reader.size(n, w);
                     if (bytes && (*bytes < 1024 || *bytes > 1024 * 1024)) {
                       reader.error(n, w + " must be from 1KiB to 1MiB");
                       return std::nullopt;
                     }
                     return bytes;
                   });
}

void read_listeners(ConfigReader& reader, const YAML::Node& node,
                    std::vector<ListenerConfig>& listeners) {
  if (!node.IsSequence() || node.size() == 0) {
    reader.error(node, "listen must be a list of one or more listeners");
    return;
  }
  if (node.size() > 64) {
    reader.error(node, "listen has more than 64 listeners");
    return;
  }
  listeners.clear();
  for (std::size_t i = 0; i < node.size(); ++i) {
    ListenerConfig listener;
    read_listener(reader, node[i], indexed("listen", i), listener);
    listeners.push_back(std::move(listener));
  }
}

void read_admin(ConfigReader& reader, const YAML::Node& node, AdminConfig& admin) {
  if (!reader.expect_map(node, "admin") || !node.IsMap()) return;
  reader.check_keys(node, "admin", {"enabled", "address", "credential_file"});
  reader.read_into(node, "enabled", "admin", admin.enabled,
                   [&](const YAML::Node& n, const std::string& w) { return reader.boolean(n, w); });
  if (const YAML::Node address_node = node["address"]; address_node.IsDefined()) {
    if (auto address = reader.address(address_node, "admin.address")) {
      if (!is_loopback_host(address->host)) {
        reader.error(address_node,
                     "admin.address must be a loopback address (127.0.0.1, [::1] or localhost): "
                     "the admin API is not meant to be reachable from other machines");
      } else {
        admin.host = address->host;
        admin.port = address->port;
      }
    }
  }
  reader.read_into(node, "credential_file", "admin", admin.credential_file,
                   [&](const YAML::Node& n, const std::string& w) { return reader.path(n, w); });
}

void read_devnet(ConfigReader& reader, const YAML::Node& node, LightningConfig& lightning) {
  if (!reader.expect_map(node, "lightning.devnet") || !node.IsMap()) return;
  reader.check_keys(node, "lightning.devnet", {"dir", "listen"});
  reader.read_into(node, "dir", "lightning.devnet", lightning.devnet_dir,
                   [&](const YAML::Node& n, const std::string& w) { return reader.path(n, w); });
  const YAML::Node listen = node["listen"];
  if (!listen.IsDefined()) return;
  if (listen.IsScalar() && (listen.Scalar() == "off" || listen.Scalar() == "false")) {
    lightning.devnet_serve = false;
    return;
  }
  if (auto address = reader.address(listen, "lightning.devnet.listen")) {
    lightning.devnet_host = address->host;
    lightning.devnet_port = address->port;
  }
}

void read_lnd(ConfigReader& reader, const YAML::Node& node, LightningConfig& lightning) {
  if (!reader.expect_map(node, "lightning.lnd") || !node.IsMap()) return;
  reader.check_keys(node, "lightning.lnd", {"url", "tls_cert", "macaroon"});
  if (const YAML::Node url = node["url"]; url.IsDefined()) {
    if (auto text = reader.text(url, "lightning.lnd.url")) {
      const auto parsed = parse_upstream_url(*text);
      if (const auto* problem = std::get_if<std::string>(&parsed)) {
        reader.error(url, "lightning.lnd.url " + *problem);
      } else {
        lightning.lnd_url = *text;
        while (!lightning.lnd_url.empty() && lightning.lnd_url.back() == '/') {
          lightning.lnd_url.pop_back();
        }
      }
    }
  }
  const auto path = [&](const YAML::Node& n, const std::string& w) { return reader.path(n, w); };
  reader.read_into(node, "tls_cert", "lightning.lnd", lightning.lnd_tls_cert, path);
  reader.read_into(node, "macaroon", "lightning.lnd", lightning.lnd_macaroon, path);
}

void read_lightning(ConfigReader& reader, const YAML::Node& node, LightningConfig& lightning) {
  if (!reader.expect_map(node, "lightning") || !node.IsMap()) return;
  reader.check_keys(node, "lightning", {"backend", "timeout", "devnet", "lnd", "cln"});
  if (const YAML::Node backend = node["backend"]; backend.IsDefined()) {
    if (auto name = reader.text(backend, "lightning.backend")) {
      if (*name == "devnet") {
        lightning.kind = LightningKind::kDevnet;
      } else if (*name == "lnd") {
        lightning.kind = LightningKind::kLnd;
      } else if (*name == "cln") {
        lightning.kind = LightningKind::kCln;
      } else {
        reader.error(backend, "lightning.backend must be devnet, lnd or cln, not '" + *name + "'");
      }
    }
  }
  reader.read_into(
      node, "timeout", "lightning", lightning.timeout,
      [&](const YAML::Node& n, const std::string& w) { return reader.duration(n, w); });
  if (const YAML::Node devnet = node["devnet"]; devnet.IsDefined()) {
    read_devnet(reader, devnet, lightning);
  }
  if (const YAML::Node lnd = node["lnd"]; lnd.IsDefined()) read_lnd(reader, lnd, lightning);
  if (const YAML::Node cln = node["cln"]; cln.IsDefined()) {
    if (reader.expect_map(cln, "lightning.cln") && cln.IsMap()) {
      reader.check_keys(cln, "lightning.cln", {"socket"});
      reader.read_into(
          cln, "socket", "lightning.cln", lightning.cln_socket,
          [&](const YAML::Node& n, const std::string& w) { return reader.path(n, w); });
    }
  }
  switch (lightning.kind) {
    case LightningKind::kDevnet:
      break;
    case LightningKind::kLnd:
      if (lightning.lnd_tls_cert.empty()) {
        reader.error(node, "lightning.lnd.tls_cert is required with backend lnd");
      }
      if (lightning.lnd_macaroon.empty()) {
        reader.error(node, "lightning.lnd.macaroon is required with backend lnd");
      }
      break;
    case LightningKind::kCln:
      if (lightning.cln_socket.empty()) {
        reader.error(node, "lightning.cln.socket is required with backend cln");
      }
      break;
  }
}

void read_store(ConfigReader& reader, const YAML::Node& node, StoreConfig& store) {
  if (!reader.expect_map(node, "store") || !node.IsMap()) return;
  reader.check_keys(node, "store", {"backend", "sqlite", "postgres"});
  if (const YAML::Node backend = node["backend"]; backend.IsDefined()) {
    if (auto name = reader.text(backend, "store.backend")) {
      if (*name == "sqlite") {
        store.kind = StoreKind::kSqlite;
      } else if (*name == "postgres") {
        store.kind = StoreKind::kPostgres;
      } else {
        reader.error(backend, "store.backend must be sqlite or postgres, not '" + *name + "'");
      }
    }
  }
  if (const YAML::Node sqlite = node["sqlite"]; sqlite.IsDefined()) {
    if (reader.expect_map(sqlite, "store.sqlite") && sqlite.IsMap()) {
      reader.check_keys(sqlite, "store.sqlite", {"path"});
      reader.read_into(
          sqlite, "path", "store.sqlite", store.sqlite_path,
          [&](const YAML::Node& n, const std::string& w) { return reader.path(n, w); });
    }
  }
  if (const YAML::Node postgres = node["postgres"]; postgres.IsDefined()) {
    if (reader.expect_map(postgres, "store.postgres") && postgres.IsMap()) {
      reader.check_keys(postgres, "store.postgres", {"dsn"});
      reader.read_into(
          postgres, "dsn", "store.postgres", store.postgres_dsn,
          [&](const YAML::Node& n, const std::string& w) { return reader.non_empty_text(n, w); });
    }
  }
  if (store.kind == StoreKind::kPostgres && store.postgres_dsn.empty()) {
    reader.error(node, "store.postgres.dsn is required with backend postgres");
  }
}

void read_log(ConfigReader& reader, const YAML::Node& node, LogConfig& log) {
  if (!reader.expect_map(node, "log") || !node.IsMap()) return;
  reader.check_keys(node, "log", {"format", "level", "access_log"});
  if (const YAML::Node format = node["format"]; format.IsDefined()) {
    if (auto name = reader.text(format, "log.format")) {
      if (*name == "text") {
        log.format = LogFormat::kText;
      } else if (*name == "json") {
        log.format = LogFormat::kJson;
      } else {
        reader.error(format, "log.format must be text or json, not '" + *name + "'");
      }
    }
  }
  if (const YAML::Node level = node["level"]; level.IsDefined()) {
    if (auto name = reader.text(level, "log.level")) {
      if (*name == "debug" || *name == "info" || *name == "warn" || *name == "error") {
        log.level = *name;
      } else {
        reader.error(level, "log.level must be debug, info, warn or error, not '" + *name + "'");
      }
    }
  }
  reader.read_into(node, "access_log", "log", log.access_log,
                   [&](const YAML::Node& n, const std::string& w) { return reader.boolean(n, w); });
}

// Bounds challenge.network_limit and network_burst: far above what one node can mint.
constexpr std::uint64_t kMaxChallengeRate = 1'000'000'000;

void read_challenge(ConfigReader& reader, const YAML::Node& node, GatewayConfig& config) {
  if (!reader.expect_map(node, "challenge") || !node.IsMap()) return;
  reader.check_keys(
      node, "challenge",
      {"style", "status_mode", "invoice_expiry", "memo", "network_limit", "network_burst"});
  if (const YAML::Node style = node["style"]; style.IsDefined()) {
    if (auto name = reader.text(style, "challenge.style")) {
      if (*name == "aperture") {
        config.challenge_style = ChallengeStyle::kAperture;
      } else if (*name == "spec") {
        config.challenge_style = ChallengeStyle::kSpec;
      } else {
        reader.error(style, "challenge.style must be aperture or spec, not '" + *name + "'");
      }
    }
  }
  if (const YAML::Node mode = node["status_mode"]; mode.IsDefined()) {
    if (auto name = reader.text(mode, "challenge.status_mode")) {
      if (*name == "spec") {
        config.status_mode = DenialStatusMode::kSpec;
      } else if (*name == "aperture") {
        config.status_mode = DenialStatusMode::kAperture;
      } else {
        reader.error(mode, "challenge.status_mode must be spec or aperture, not '" + *name + "'");
      }
    }
  }
  if (const YAML::Node expiry = node["invoice_expiry"]; expiry.IsDefined()) {
    if (auto value = reader.duration(expiry, "challenge.invoice_expiry")) {
      if (*value < std::chrono::seconds(1)) {
        reader.error(expiry, "challenge.invoice_expiry must be at least 1s");
      } else {
        config.invoice_expiry_seconds = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::seconds>(*value).count());
      }
    }
  }
  if (const YAML::Node limit = node["network_limit"]; limit.IsDefined()) {
    if (auto value = reader.integer(limit, "challenge.network_limit", 0, kMaxChallengeRate)) {
      config.challenge_network_limit = *value;
    }
  }
  if (const YAML::Node burst = node["network_burst"]; burst.IsDefined()) {
    if (auto value = reader.integer(burst, "challenge.network_burst", 1, kMaxChallengeRate)) {
      config.challenge_network_burst = *value;
    }
  }
  if (const YAML::Node memo = node["memo"]; memo.IsDefined()) {
    if (auto text = reader.text(memo, "challenge.memo")) {
      // BOLT 11 descriptions are at most 639 bytes.
      if (text->size() > 639) {
        reader.error(memo, "challenge.memo is longer than 639 bytes (BOLT 11's limit)");
      } else {
        config.invoice_memo = *text;
      }
    }
  }
}

void read_trusted_proxies(ConfigReader& reader, const YAML::Node& node,
                          std::vector<std::string>& proxies) {
  auto list = reader.string_list(node, "trusted_proxies");
  if (!list) return;
  proxies.clear();
  for (std::size_t i = 0; i < list->size(); ++i) {
    if (auto problem = check_cidr((*list)[i])) {
      reader.error(node.IsSequence() ? node[i] : node,
                   indexed("trusted_proxies", i) + " " + *problem);
    } else {
      proxies.push_back((*list)[i]);
    }
  }
}

void read_cors(ConfigReader& reader, const YAML::Node& node, CorsConfig& cors) {
  if (!reader.expect_map(node, "cors") || !node.IsMap()) return;
  reader.check_keys(node, "cors", {"allow_origins"});
  reader.read_into(
      node, "allow_origins", "cors", cors.allow_origins,
      [&](const YAML::Node& n, const std::string& w) { return reader.string_list(n, w); });
}

}  // namespace

void read_l402d_config(ConfigReader& reader, const YAML::Node& root, GatewayConfig& config) {
  reader.check_keys(root, "the configuration",
                    {"data_dir", "listen", "admin", "lightning", "store", "trusted_proxies", "cors",
                     "log", "challenge", "drain_timeout", "services"});
  reader.read_into(root, "data_dir", "", config.data_dir,
                   [&](const YAML::Node& n, const std::string& w) { return reader.path(n, w); });
  if (const YAML::Node listen = root["listen"]; listen.IsDefined()) {
    read_listeners(reader, listen, config.listeners);
  }
  if (const YAML::Node admin = root["admin"]; admin.IsDefined()) {
    read_admin(reader, admin, config.admin);
  }
  if (const YAML::Node lightning = root["lightning"]; lightning.IsDefined()) {
    read_lightning(reader, lightning, config.lightning);
  }
  if (const YAML::Node store = root["store"]; store.IsDefined()) {
    read_store(reader, store, config.store);
  }
  if (const YAML::Node proxies = root["trusted_proxies"]; proxies.IsDefined()) {
    read_trusted_proxies(reader, proxies, config.trusted_proxies);
  }
  if (const YAML::Node cors = root["cors"]; cors.IsDefined()) read_cors(reader, cors, config.cors);
  if (const YAML::Node log = root["log"]; log.IsDefined()) read_log(reader, log, config.log);
  if (const YAML::Node challenge = root["challenge"]; challenge.IsDefined()) {
    read_challenge(reader, challenge, config);
  }
  reader.read_into(root, "drain_timeout", "", config.drain_timeout,
                   [&](const YAML::Node& n, const std::string& w) {
                     return reader.duration(n, w, /*allow_zero=*/true);
                   });
  if (const YAML::Node services = root["services"]; services.IsDefined()) {
    read_l402d_services(reader, services, config.services);
  }
}

}  // namespace l402::gateway::config_detail
