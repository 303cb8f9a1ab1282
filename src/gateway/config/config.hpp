// l402d's configuration: the values every other part of the gateway reads, and the loader
// that builds them from YAML (l402d's own format, or an Aperture configuration file).
//
// The loader reports every problem it finds at once, each with its line, so that
// `l402d --check-config FILE` can list them all; unknown keys are errors. An Aperture file
// (recognised by its keys: `listenaddr`, `authenticator`, `services` with `hostregexp`, ...)
// is mapped to the same values; the Aperture keys l402d does not support become warnings.
//
// Header values read from files or the environment are secrets: they are held in the config
// (InjectedHeader::secret) and must never be logged or shown by the admin API.
//
// Thread safety: a GatewayConfig is a plain value; share it as shared_ptr<const ...>.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "l402/amount.hpp"
#include "l402/authority.hpp"
#include "l402/token_header.hpp"

namespace l402::gateway {

struct UpstreamConfig {
  // "http" or "https"; "grpc" (HTTP/2 without TLS) or "grpcs" for gRPC services, which only
  // gRPC listeners serve.
  std::string scheme = "http";
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  // https and grpcs: the CA bundle the upstream's certificate must chain to; empty means the
  // system's roots. verify_tls=false accepts any certificate (development only).
  std::filesystem::path ca_file;
  bool verify_tls = true;
  // Host header sent upstream: the upstream's own "host[:port]" (false, as nginx does) or the
  // client's (true).
  bool pass_host = false;

  // "http://127.0.0.1:8080": identifies a connection pool.
  std::string origin() const;
  bool grpc() const { return scheme == "grpc" || scheme == "grpcs"; }
  bool tls() const { return scheme == "https" || scheme == "grpcs"; }
};

enum class AuthMode {
  kOn,       // every request needs a paid credential
  kOff,      // no payment: the service is proxied as is
  kFreebie,  // `freebies` requests per client network per day free, then as kOn
};

// Paths (regex, matched against the path without the query) that need a capability.
struct CapabilityRule {
  std::string path_regex;
  std::string capability;
};

// A header set on every request forwarded to the service (replacing any the client sent).
struct InjectedHeader {
  std::string name;
  std::string value;    // resolved: literal, or read from a file or an environment variable
  bool secret = false;  // came from a file or the environment: never printed
};

struct ServiceConfig {
  std::string name;
  int line = 0;  // where it is defined, for messages
  // Matched in order, first match wins; ECMAScript regexes, anchored at both ends. The host
  // is matched without its port.
  std::string host_regex = ".*";
  std::string path_regex = ".*";
  UpstreamConfig upstream;
  Msat price = Msat(1000);
  AuthMode auth = AuthMode::kOn;
  std::uint64_t freebies = 0;           // requests per client network per day, for kFreebie
  std::vector<std::string> free_paths;  // regexes; these paths are never charged
  std::uint64_t valid_for_seconds = 0;  // token lifetime (valid_until caveat); 0: no expiry
  std::uint8_t tier = 0;
  // Capabilities a token minted for this service carries (nullopt: no capabilities caveat).
  std::optional<std::vector<std::string>> capabilities;
  std::vector<CapabilityRule> capability_rules;
  std::vector<std::pair<std::string, std::string>> constraints;  // extra caveats, in order
  std::vector<InjectedHeader> headers;
  // Path prefix rewrite: a request path starting with `rewrite_from` has it replaced by
  // `rewrite_to` before forwarding (both empty: no rewrite).
  std::string rewrite_from;
  std::string rewrite_to;
  std::uint64_t max_body_bytes = 10 * 1024 * 1024;
  std::chrono::milliseconds upstream_timeout{30000};  // connect + time to response head
};

struct TlsListenerConfig {
  bool enabled = false;
  std::filesystem::path cert_file;  // PEM chain
  std::filesystem::path key_file;   // PEM key
  // Generate (once) a self-signed certificate into the data directory; development only.
  bool self_signed = false;
};

// What a listener serves: the reverse proxy (HTTP/1.1 services), decisions for a front proxy's
// auth_request / forward_auth subrequests (the original request described in X-Original-* /
// X-Forwarded-* fields; 200 to let it through, 401/402 with the challenge otherwise), or gRPC
// (HTTP/2, gRPC services).
enum class ListenerRole { kProxy, kAuthRequest, kGrpc };

// Whether each connection starts with a PROXY protocol header (HAProxy's, v1 text or v2
// binary) naming the real client. When on, a connection without a valid one is closed.
enum class ProxyProtocol { kOff, kV1, kV2, kAny };

struct ListenerConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8402;
  TlsListenerConfig tls;
  ListenerRole role = ListenerRole::kProxy;
  ProxyProtocol proxy_protocol = ProxyProtocol::kOff;
  std::chrono::milliseconds header_timeout{10000};  // whole request head must arrive in this
  std::chrono::milliseconds idle_timeout{60000};    // keep-alive connection with no request
  std::chrono::milliseconds body_timeout{60000};    // no body bytes for this long
  // An upgraded connection (WebSocket) with no byte either way for this long is closed.
  std::chrono::milliseconds upgrade_idle_timeout{600000};
  std::size_t max_connections = 10000;
  std::size_t max_header_bytes = 16 * 1024;  // request line + fields; beyond: 431
  int line = 0;
};

// "host:port", with an IPv6 host in brackets.
inline std::string host_and_port(const std::string& host, std::uint16_t port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// What a request to `upstream` names as its Host (or :authority): the host, an IPv6 one in
// brackets, with the port unless it is the scheme's default.
inline std::string upstream_authority(const UpstreamConfig& upstream) {
  std::string out = upstream.host.find(':') != std::string::npos && !upstream.host.starts_with('[')
                        ? "[" + upstream.host + "]"
                        : upstream.host;
  const bool default_port = upstream.port == (upstream.tls() ? 443 : 80);
  if (!default_port) out += ":" + std::to_string(upstream.port);
  return out;
}

// "http", "https", "grpc" or "grpcs": how clients reach the listener.
inline std::string listener_scheme(const ListenerConfig& listener) {
  if (listener.role == ListenerRole::kGrpc) return listener.tls.enabled ? "grpcs" : "grpc";
  return listener.tls.enabled ? "https" : "http";
}

enum class LightningKind { kDevnet, kLnd, kCln };

struct LightningConfig {
  LightningKind kind = LightningKind::kDevnet;
  // devnet: embedded in l402d; its LND REST API is served so that buyers can pay.
  std::filesystem::path devnet_dir;  // default: <data_dir>/devnet
  bool devnet_serve = true;          // `listen: off` sets false: no REST API (buyers cannot pay)
  std::string devnet_host = "127.0.0.1";
  std::uint16_t devnet_port = 18080;  // 0: an ephemeral port
  // lnd
  std::string lnd_url = "https://127.0.0.1:8080";
  std::filesystem::path lnd_tls_cert;
  std::filesystem::path lnd_macaroon;
  // cln
  std::filesystem::path cln_socket;
  std::chrono::milliseconds timeout{10000};
};

enum class StoreKind { kSqlite, kPostgres };

struct StoreConfig {
  StoreKind kind = StoreKind::kSqlite;
  std::filesystem::path sqlite_path;  // default: <data_dir>/l402d.sqlite
  std::string postgres_dsn;
};

struct AdminConfig {
  bool enabled = true;
  std::string host = "127.0.0.1";  // loopback only: anything else is a config error
  std::uint16_t port = 8403;
  // The credential file; created at first start (mode 0600). Default: <data_dir>/admin.token
  std::filesystem::path credential_file;
};

enum class LogFormat { kText, kJson };

struct LogConfig {
  LogFormat format = LogFormat::kText;
  std::string level = "info";  // debug | info | warn | error
  bool access_log = true;
};

struct CorsConfig {
  std::vector<std::string> allow_origins{"*"};
};

struct GatewayConfig {
  std::filesystem::path data_dir;  // default: $XDG_DATA_HOME/l402d or ~/.local/share/l402d
  std::vector<ListenerConfig> listeners{ListenerConfig{}};
  AdminConfig admin;
  LightningConfig lightning;
  StoreConfig store;
  // CIDRs ("10.0.0.0/8", "::1/128") whose X-Forwarded-For / Forwarded are believed.
  std::vector<std::string> trusted_proxies;
  std::vector<ServiceConfig> services;
  CorsConfig cors;
  LogConfig log;
  DenialStatusMode status_mode = DenialStatusMode::kSpec;
  ChallengeStyle challenge_style = ChallengeStyle::kAperture;
  std::uint64_t invoice_expiry_seconds = 3600;
  std::string invoice_memo = "L402";
  // Challenges per minute for one client network (IPv4 /24, IPv6 /48), 0 for no limit; and how
  // many it may take at once (0: one minute's worth). Beyond them: 429 with Retry-After.
  std::uint64_t challenge_network_limit = 0;
  std::uint64_t challenge_network_burst = 0;
  std::chrono::milliseconds drain_timeout{10000};  // SIGTERM: in-flight requests get this long
};

// The configuration l402d runs with when given no file: devnet, SQLite, one listener on
// 127.0.0.1:8402, one service "demo" priced 1 sat in front of http://127.0.0.1:8080 (the demo
// upstream in examples/), admin on 127.0.0.1:8403. `data_dir` fills every default path.
GatewayConfig default_config(const std::filesystem::path& data_dir);

struct ConfigDiagnostic {
  int line = 0;  // 1-based; 0 when not tied to a line
  int column = 0;
  std::string message;
};

struct ConfigLoad {
  std::optional<GatewayConfig> config;  // set when there are no errors
  std::vector<ConfigDiagnostic> errors;
  std::vector<ConfigDiagnostic> warnings;  // e.g. Aperture keys l402d does not support
  bool aperture_format = false;
};

// What the loader may read besides the YAML text. Defaults read the real environment and
// files.
struct ConfigEnvironment {
  std::function<std::optional<std::string>(const std::string&)> getenv;
  std::function<std::optional<std::string>(const std::filesystem::path&)> read_file;
  std::filesystem::path home;
  std::filesystem::path default_data_dir;
  static ConfigEnvironment system();
};

ConfigLoad parse_config(const std::string& yaml_text, const ConfigEnvironment& env);
ConfigLoad load_config_file(const std::filesystem::path& path, const ConfigEnvironment& env);

// "FILE:LINE:COL: error: MESSAGE" lines, errors then warnings.
std::string format_diagnostics(const std::filesystem::path& path, const ConfigLoad& load);

}  // namespace l402::gateway
