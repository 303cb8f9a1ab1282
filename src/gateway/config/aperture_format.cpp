// Aperture's configuration format (lightninglabs/aperture, sample-conf.yaml), mapped to
// l402d's: what l402d can do is read into the same GatewayConfig; every other Aperture key
// becomes a warning that says what to use instead. Keys Aperture does not know are errors.
//
// Aperture's regexes are searched for (Go's MatchString) while l402d's are matched whole, so
// they are rewritten by anchored_from_search. Aperture talks to LND over gRPC; l402d uses
// LND's REST API, so lndhost's host is kept and the port becomes LND's REST default.
#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include "gateway/config/formats.hpp"
#include "l402/encoding.hpp"

namespace l402::gateway::config_detail {
namespace {

constexpr std::uint16_t kLndRestPort = 8080;

struct Unsupported {
  std::string_view key;
  std::string_view why;
};

// Top-level keys l402d has no equivalent for, with what to do instead.
constexpr Unsupported kUnsupportedTopLevel[] = {
    {"servername",
     "it names a Let's Encrypt or self-signed certificate; give l402d a "
     "certificate with listen[].tls.cert/key"},
    {"autocert",
     "l402d does not obtain Let's Encrypt certificates; use certbot and "
     "listen[].tls.cert/key"},
    {"staticroot",
     "l402d answers 404 when no service matches; serve static files from an "
     "upstream service"},
    {"servestatic",
     "l402d answers 404 when no service matches; serve static files from an "
     "upstream service"},
    {"etcd", "l402d stores its state in SQLite or PostgreSQL (dbbackend)"},
    {"tor", "run Tor's own onion service in front of l402d's listener"},
    {"hashmail", "l402d has no Lightning Node Connect mailbox"},
    {"prometheus", "l402d serves Prometheus metrics at /metrics on its admin listener"},
    {"admin",
     "l402d has its own admin API (127.0.0.1:8403 by default, see the admin section "
     "of an l402d configuration)"},
    {"configfile", "pass the file with l402d --config"},
    {"profile", "l402d has no pprof endpoint"},
    {"writetimeout", "l402d has no response write timeout"},
    {"invoicebatchsize", "l402d does not read invoices in batches"},
    {"strictverify",
     "l402d verifies the preimage of every credential; no invoice lookup is "
     "needed"},
    {"logging", "use debuglevel (or log: in an l402d configuration); logs go to stderr"},
    {"wspinginterval", "l402d proxies WebSocket frames without pings of its own"},
    {"wspongwait", "l402d proxies WebSocket frames without pings of its own"},
    {"blocklist", "block addresses with a firewall in front of l402d"},
};

constexpr std::string_view kMappedTopLevel[] = {
    "listenaddr", "insecure", "basedir",  "debuglevel",    "idletimeout", "readtimeout",
    "dbbackend",  "sqlite",   "postgres", "authenticator", "services",
};

constexpr Unsupported kUnsupportedAuthenticator[] = {
    {"passphrase",
     "Lightning Node Connect is not supported; connect to LND with lndhost, "
     "tlspath and macdir"},
    {"mailboxaddress", "Lightning Node Connect is not supported"},
    {"devserver", "Lightning Node Connect is not supported"},
    {"enablempp", "l402d speaks L402 only, not the Payment HTTP Authentication Scheme"},
    {"mpprealm", "l402d speaks L402 only"},
    {"enablesessions", "l402d speaks L402 only"},
    {"sessiondepositmultiplier", "l402d speaks L402 only"},
    {"sessionidletimeout", "l402d speaks L402 only"},
    {"wavelengthgateway", "l402d mints invoices with LND, Core Lightning or devnet"},
    {"wavelengthmacaroonpath", "l402d mints invoices with LND, Core Lightning or devnet"},
};

constexpr Unsupported kUnsupportedService[] = {
    {"authskipinvoicecreationpaths",
     "l402d always answers an unpaid request with a challenge; "
     "list free paths in authwhitelistpaths"},
    {"ratelimits", "l402d has no rate limits; put a rate limiter in front of it"},
    {"dynamicprice", "l402d has no gRPC pricer; the static price is used"},
};

constexpr std::string_view kMappedService[] = {
    "name",        "hostregexp",   "pathregexp",  "address", "protocol",
    "tlscertpath", "auth",         "authscheme",  "headers", "rewrite",
    "timeout",     "capabilities", "constraints", "price",   "authwhitelistpaths",
};

template <std::size_t N>
const Unsupported* find_unsupported(const Unsupported (&table)[N], std::string_view key) {
  for (const Unsupported& entry : table) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

template <std::size_t N>
bool contains(const std::string_view (&table)[N], std::string_view key) {
  return std::find(std::begin(table), std::end(table), key) != std::end(table);
}

void warn_unsupported(ConfigReader& reader, const YAML::Node& key, std::string_view name,
                      std::string_view why) {
  reader.warning(
      key, "aperture key " + std::string(name) + " is not supported by l402d: " + std::string(why));
}

// Checks the keys of an Aperture mapping: mapped ones pass, unsupported ones warn, others
// are errors (with a suggestion among all of them).
template <std::size_t M, std::size_t U>
void check_aperture_keys(ConfigReader& reader, const YAML::Node& map, std::string_view what,
                         std::string_view prefix, const std::string_view (&mapped)[M],
                         const Unsupported (&unsupported)[U]) {
  if (!map.IsMap()) return;
  for (const auto& entry : map) {
    if (!entry.first.IsScalar()) continue;
    const std::string key = entry.first.Scalar();
    if (const Unsupported* found = find_unsupported(unsupported, key)) {
      warn_unsupported(reader, entry.first, std::string(prefix) + key, found->why);
    }
  }
  // Every key, mapped or not, is known: the suggestions come from all of them.
  std::vector<std::string_view> known(std::begin(mapped), std::end(mapped));
  for (const Unsupported& entry : unsupported) known.push_back(entry.key);
  reader.check_keys(map, what, known, " (Aperture format)");
}

std::string log_level_from_aperture(ConfigReader& reader, const YAML::Node& node) {
  std::optional<std::string> text = reader.text(node, "debuglevel");
  if (!text) return "info";
  std::string level = *text;
  std::transform(level.begin(), level.end(), level.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (level == "trace" || level == "debug") return "debug";
  if (level == "info" || level == "warn" || level == "error") return level;
  if (level == "critical" || level == "off") return "error";
  reader.warning(node, "aperture debuglevel '" + *text +
                           "' (per-subsystem levels) is not supported by l402d: using info");
  return "info";
}

std::string dsn_quote(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

void read_aperture_postgres(ConfigReader& reader, const YAML::Node& node, StoreConfig& store) {
  if (!reader.expect_map(node, "postgres") || !node.IsMap()) return;
  static constexpr std::string_view kMapped[] = {"host",   "port",       "user",      "password",
                                                 "dbname", "requiressl", "requireSSL"};
  static constexpr Unsupported kUnsupported[] = {
      {"maxconnections", "l402d sizes its PostgreSQL connection pool itself"},
      {"skipmigrations", "l402d always creates or upgrades its own tables"},
  };
  check_aperture_keys(reader, node, "postgres", "postgres.", kMapped, kUnsupported);
  std::string dsn;
  for (const char* key : {"host", "user", "password", "dbname"}) {
    if (const YAML::Node value = node[key]; value.IsDefined()) {
      if (auto text = reader.text(value, std::string("postgres.") + key)) {
        if (!dsn.empty()) dsn += ' ';
        dsn += std::string(key) + "=" + dsn_quote(*text);
      }
    }
  }
  if (const YAML::Node port = node["port"]; port.IsDefined()) {
    if (auto value = reader.integer(port, "postgres.port", 1, 65535)) {
      dsn += (dsn.empty() ? "" : " ") + std::string("port=") + std::to_string(*value);
    }
  }
  bool require_ssl = false;
  for (const char* key : {"requiressl", "requireSSL"}) {
    if (const YAML::Node value = node[key]; value.IsDefined()) {
      if (auto flag = reader.boolean(value, std::string("postgres.") + key)) require_ssl = *flag;
    }
  }
  dsn += std::string(dsn.empty() ? "" : " ") + "sslmode=" + (require_ssl ? "require" : "disable");
  store.postgres_dsn = dsn;
}

void read_aperture_store(ConfigReader& reader, const YAML::Node& root, StoreConfig& store) {
  if (const YAML::Node backend = root["dbbackend"]; backend.IsDefined()) {
    if (auto name = reader.text(backend, "dbbackend")) {
      if (*name == "sqlite") {
        store.kind = StoreKind::kSqlite;
      } else if (*name == "postgres") {
        store.kind = StoreKind::kPostgres;
      } else if (*name == "etcd") {
        warn_unsupported(reader, backend, "dbbackend etcd",
                         "l402d stores its state in SQLite or PostgreSQL; using SQLite");
      } else {
        reader.error(backend, "dbbackend must be sqlite, postgres or etcd, not '" + *name + "'");
      }
    }
  }
  if (const YAML::Node sqlite = root["sqlite"]; sqlite.IsDefined()) {
    if (reader.expect_map(sqlite, "sqlite") && sqlite.IsMap()) {
      static constexpr std::string_view kMapped[] = {"dbfile", "databasefilename"};
      static constexpr Unsupported kUnsupported[] = {
          {"skipmigrations", "l402d always creates or upgrades its own tables"},
      };
      check_aperture_keys(reader, sqlite, "sqlite", "sqlite.", kMapped, kUnsupported);
      const auto path = [&](const YAML::Node& n, const std::string& w) {
        return reader.path(n, w);
      };
      reader.read_into(sqlite, "dbfile", "sqlite", store.sqlite_path, path);
      reader.read_into(sqlite, "databasefilename", "sqlite", store.sqlite_path, path);
    }
  }
  if (const YAML::Node postgres = root["postgres"]; postgres.IsDefined()) {
    read_aperture_postgres(reader, postgres, store);
  }
  if (store.kind == StoreKind::kPostgres && store.postgres_dsn.empty()) {
    reader.error(root["dbbackend"], "dbbackend postgres needs a postgres section");
  }
}

// authenticator → lightning backend. Returns whether auth is disabled for every service.
bool read_aperture_authenticator(ConfigReader& reader, const YAML::Node& root,
                                 LightningConfig& lightning) {
  const YAML::Node node = root["authenticator"];
  if (!node.IsDefined() || !node.IsMap()) {
    if (node.IsDefined()) reader.expect_map(node, "authenticator");
    reader.error(node.IsDefined() ? node : root,
                 "authenticator needs lndhost, tlspath and macdir (l402d connects to LND), or "
                 "disable: true");
    return false;
  }
  static constexpr std::string_view kMapped[] = {"network", "disable", "lndhost", "tlspath",
                                                 "macdir"};
  check_aperture_keys(reader, node, "authenticator", "authenticator.", kMapped,
                      kUnsupportedAuthenticator);
  bool disable = false;
  reader.read_into(node, "disable", "authenticator", disable,
                   [&](const YAML::Node& n, const std::string& w) { return reader.boolean(n, w); });
  if (disable) {
    // Nothing is charged, so no node is needed: devnet without its REST API.
    lightning.kind = LightningKind::kDevnet;
    lightning.devnet_serve = false;
    return true;
  }
  const YAML::Node host = node["lndhost"];
  if (!host.IsDefined()) {
    reader.error(node,
                 "authenticator needs lndhost, tlspath and macdir: l402d mints invoices "
                 "with LND (Lightning Node Connect and Wavelength are not supported)");
    return false;
  }
  lightning.kind = LightningKind::kLnd;
  if (auto address = reader.address(host, "authenticator.lndhost")) {
    lightning.lnd_url = "https://" + host_and_port(address->host, kLndRestPort);
    reader.warning(host,
                   "authenticator.lndhost is LND's gRPC address; l402d uses LND's REST "
                   "API and assumes " +
                       lightning.lnd_url +
                       " (LND's default restlisten port; set lightning.lnd.url in an l402d "
                       "configuration to change it)");
  }
  const auto path = [&](const YAML::Node& n, const std::string& w) { return reader.path(n, w); };
  reader.read_into(node, "tlspath", "authenticator", lightning.lnd_tls_cert, path);
  std::string network = "mainnet";
  reader.read_into(
      node, "network", "authenticator", network,
      [&](const YAML::Node& n, const std::string& w) { return reader.non_empty_text(n, w); });
  // As Aperture (lndclient) does: the invoice macaroon in macdir, whose default is LND's
  // directory for the network.
  std::filesystem::path macdir = reader.resolve("~/.lnd/data/chain/bitcoin/" + network);
  reader.read_into(node, "macdir", "authenticator", macdir, path);
  lightning.lnd_macaroon = macdir / "invoice.macaroon";
  if (lightning.lnd_tls_cert.empty()) {
    reader.error(node, "authenticator.tlspath is required with lndhost");
  }
  return false;
}

// "${NAME}" references replaced by the environment; false (after reporting) when one is
// unset.
bool expand_env_references(ConfigReader& reader, const YAML::Node& at, const std::string& what,
                           std::string& value, bool& used_env) {
  std::string out;
  std::size_t i = 0;
  while (i < value.size()) {
    const std::size_t start = value.find("${", i);
    if (start == std::string::npos) break;
    const std::size_t end = value.find('}', start + 2);
    if (end == std::string::npos) break;
    const std::string name = value.substr(start + 2, end - start - 2);
    const bool valid = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) &&
                       std::all_of(name.begin(), name.end(), [](char c) {
                         return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
                       });
    out += value.substr(i, start - i);
    if (!valid) {
      out += value.substr(start, end + 1 - start);
      i = end + 1;
      continue;
    }
    std::optional<std::string> env = reader.env().getenv ? reader.env().getenv(name) : std::nullopt;
    if (!env || env->empty()) {
      reader.error(at, what + ": environment variable " + name + " is not set");
      return false;
    }
    out += *env;
    used_env = true;
    i = end + 1;
  }
  out += value.substr(std::min(i, value.size()));
  value = std::move(out);
  return true;
}

void read_aperture_headers(ConfigReader& reader, const YAML::Node& node, const std::string& what,
                           ServiceConfig& service) {
  if (!reader.expect_map(node, what) || !node.IsMap()) return;
  for (const auto& entry : node) {
    if (!entry.first.IsScalar() || !is_header_name(entry.first.Scalar())) {
      reader.error(entry.first, what + ": a header name must be an HTTP token (e.g. X-Api-Key)");
      continue;
    }
    const std::string header_what = what + "." + entry.first.Scalar();
    std::optional<std::string> value = reader.text(entry.second, header_what);
    if (!value) continue;
    InjectedHeader header{entry.first.Scalar(), *value, false};
    bool used_env = false;
    if (!expand_env_references(reader, entry.second, header_what, header.value, used_env)) {
      continue;
    }
    header.secret = used_env;
    if (header.value.rfind("!file", 0) == 0) {
      // "!file+hex:PATH" or "!file+base64:PATH": the file's bytes, encoded.
      const std::size_t colon = header.value.find(':');
      const std::string prefix = header.value.substr(0, colon);
      if (colon == std::string::npos || (prefix != "!file+hex" && prefix != "!file+base64")) {
        reader.error(entry.second, header_what +
                                       " must be '!file+hex:PATH' or "
                                       "'!file+base64:PATH'");
        continue;
      }
      const std::filesystem::path path = reader.resolve(header.value.substr(colon + 1));
      std::optional<std::string> bytes =
          reader.env().read_file ? reader.env().read_file(path) : std::nullopt;
      if (!bytes) {
        reader.error(entry.second, header_what + ": cannot read file " + path.string());
        continue;
      }
      header.value = prefix == "!file+hex" ? hex::encode(*bytes) : base64::encode_std(*bytes);
      header.secret = true;
    }
    if (std::any_of(header.value.begin(), header.value.end(),
                    [](char c) { return c == '\r' || c == '\n' || c == '\0'; })) {
      reader.error(entry.second, header_what +
                                     ": the value contains a line break or NUL "
                                     "character");
      continue;
    }
    service.headers.push_back(std::move(header));
  }
}

std::optional<std::string> aperture_regex(ConfigReader& reader, const YAML::Node& node,
                                          const std::string& what) {
  std::optional<std::string> pattern = reader.text(node, what);
  if (!pattern) return std::nullopt;
  const std::string anchored = anchored_from_search(*pattern);
  if (!reader.check_regex_text(node, anchored, what)) return std::nullopt;
  return anchored;
}

void read_aperture_service(ConfigReader& reader, const YAML::Node& node, const std::string& what,
                           bool auth_disabled, ServiceConfig& service) {
  if (!node.IsMap()) {
    reader.error(node, what + " must be a mapping with at least name and address");
    return;
  }
  check_aperture_keys(reader, node, what, "services[].", kMappedService, kUnsupportedService);
  service.line = node.Mark().line + 1;
  if (const YAML::Node name = node["name"]; !name.IsDefined()) {
    reader.error(node, what + " needs a name");
  } else if (auto text = reader.non_empty_text(name, what + ".name")) {
    if (!is_service_name(*text)) {
      reader.error(name, what + ".name must use only letters, digits, '-', '_' and '.'");
    } else {
      service.name = *text;
    }
  }
  const std::string label = service.name.empty() ? what : "service '" + service.name + "'";
  if (const YAML::Node host = node["hostregexp"]; host.IsDefined()) {
    if (auto regex = aperture_regex(reader, host, label + ".hostregexp")) {
      service.host_regex = *regex;
      if (host.Scalar().find(':') != std::string::npos) {
        reader.warning(host, label +
                                 ".hostregexp mentions a port: l402d matches the Host "
                                 "without its port");
      }
    }
  }
  if (const YAML::Node path = node["pathregexp"]; path.IsDefined()) {
    if (auto regex = aperture_regex(reader, path, label + ".pathregexp")) {
      service.path_regex = *regex;
    }
  }
  std::string protocol = "http";
  if (const YAML::Node node_protocol = node["protocol"]; node_protocol.IsDefined()) {
    if (auto text = reader.text(node_protocol, label + ".protocol")) {
      if (*text == "http" || *text == "https") {
        protocol = *text;
      } else {
        reader.error(node_protocol, label + ".protocol must be http or https, not '" + *text + "'");
      }
    }
  }
  service.upstream.scheme = protocol;
  if (const YAML::Node address = node["address"]; !address.IsDefined()) {
    reader.error(node, label + " needs an address (host:port of the backend)");
  } else if (auto parsed = reader.address(address, label + ".address")) {
    if (parsed->port == 0) {
      reader.error(address, label + ".address has port 0");
    }
    service.upstream.host = parsed->host;
    service.upstream.port = parsed->port;
  }
  if (const YAML::Node cert = node["tlscertpath"]; cert.IsDefined()) {
    if (auto path = reader.path(cert, label + ".tlscertpath")) {
      if (protocol == "https") {
        service.upstream.ca_file = *path;
      } else {
        reader.warning(cert, label + ".tlscertpath is ignored: the protocol is http");
      }
    }
  }
  if (const YAML::Node auth = node["auth"]; auth.IsDefined()) {
    if (auto text = reader.text(auth, label + ".auth")) {
      std::string lower = *text;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (lower.empty() || lower == "on" || lower == "true") {
        service.auth = AuthMode::kOn;
      } else if (lower == "off" || lower == "false") {
        service.auth = AuthMode::kOff;
      } else if (lower.rfind("freebie ", 0) == 0) {
        auto count = parse_unsigned(lower.substr(8));
        if (!count || *count == 0 || *count > 1'000'000) {
          reader.error(auth, label + ".auth: \"freebie N\" needs N from 1 to 1000000");
        } else {
          service.auth = AuthMode::kFreebie;
          service.freebies = *count;
        }
      } else {
        reader.error(auth,
                     label + ".auth must be \"on\", \"off\" or \"freebie N\", not '" + *text + "'");
      }
    }
  }
  if (auth_disabled) service.auth = AuthMode::kOff;
  if (const YAML::Node scheme = node["authscheme"]; scheme.IsDefined()) {
    if (auto text = reader.text(scheme, label + ".authscheme");
        text && !text->empty() && *text != "l402") {
      warn_unsupported(reader, scheme, "services[].authscheme " + *text,
                       "l402d speaks L402 only; the service is sold with L402");
    }
  }
  if (const YAML::Node headers = node["headers"]; headers.IsDefined()) {
    read_aperture_headers(reader, headers, label + ".headers", service);
  }
  if (const YAML::Node rewrite = node["rewrite"]; rewrite.IsDefined()) {
    if (reader.expect_map(rewrite, label + ".rewrite") && rewrite.IsMap()) {
      reader.check_keys(rewrite, label + ".rewrite", {"prefix"});
      if (const YAML::Node prefix = rewrite["prefix"]; prefix.IsDefined()) {
        if (auto text = reader.text(prefix, label + ".rewrite.prefix")) {
          std::string trimmed = *text;
          while (!trimmed.empty() && trimmed.back() == '/') trimmed.pop_back();
          if (!text->empty() && text->front() != '/') {
            reader.error(prefix, label + ".rewrite.prefix must be an absolute path");
          } else if (!trimmed.empty()) {
            service.rewrite_from = "/";
            service.rewrite_to = trimmed + "/";
          }
        }
      }
    }
  }
  if (const YAML::Node timeout = node["timeout"]; timeout.IsDefined()) {
    if (auto seconds = reader.integer(timeout, label + ".timeout", 0, 10ULL * 366 * 86400)) {
      service.valid_for_seconds = *seconds;
    }
  }
  if (const YAML::Node capabilities = node["capabilities"]; capabilities.IsDefined()) {
    if (auto text = reader.text(capabilities, label + ".capabilities")) {
      std::vector<std::string> list;
      std::string item;
      for (char c : *text + ",") {
        if (c == ',') {
          if (!item.empty()) list.push_back(item);
          item.clear();
        } else if (c != ' ') {
          item += c;
        }
      }
      if (!list.empty()) service.capabilities = std::move(list);
    }
  }
  if (const YAML::Node constraints = node["constraints"]; constraints.IsDefined()) {
    if (reader.expect_map(constraints, label + ".constraints") && constraints.IsMap()) {
      for (const auto& entry : constraints) {
        if (!entry.first.IsScalar() || !entry.second.IsScalar() || entry.first.Scalar().empty()) {
          reader.error(entry.first, label + ".constraints: each entry must be condition: value");
          continue;
        }
        service.constraints.emplace_back(entry.first.Scalar(), entry.second.Scalar());
      }
    }
  }
  if (const YAML::Node price = node["price"]; price.IsDefined()) {
    // Aperture: a whole number of satoshis; 0 means its default of 1 sat.
    if (auto sat = reader.integer(price, label + ".price", 0, 10'000'000'000'000ULL)) {
      service.price = *sat == 0 ? Msat(1000) : Msat(*sat * 1000);
    }
  }
  if (const YAML::Node free = node["authwhitelistpaths"]; free.IsDefined()) {
    if (auto list = reader.string_list(free, label + ".authwhitelistpaths")) {
      for (const std::string& pattern : *list) {
        const std::string anchored = anchored_from_search(pattern);
        if (reader.check_regex_text(free, anchored, label + ".authwhitelistpaths")) {
          service.free_paths.push_back(anchored);
        }
      }
    }
  }
}

void read_aperture_services(ConfigReader& reader, const YAML::Node& list, bool auth_disabled,
                            std::vector<ServiceConfig>& services) {
  if (!reader.expect_sequence(list, "services") || !list.IsSequence()) return;
  if (list.size() > kMaxServices) {
    reader.error(list, "services has more than " + std::to_string(kMaxServices) + " entries");
    return;
  }
  services.clear();
  for (std::size_t i = 0; i < list.size(); ++i) {
    ServiceConfig service;
    read_aperture_service(reader, list[i], indexed("services", i), auth_disabled, service);
    services.push_back(std::move(service));
  }
  check_services_unique(reader, list, services);
}

void read_aperture_listener(ConfigReader& reader, const YAML::Node& root,
                            ListenerConfig& listener) {
  if (const YAML::Node listen = root["listenaddr"]; listen.IsDefined()) {
    if (auto address = reader.address(listen, "listenaddr", /*allow_empty_host=*/true)) {
      listener.host = address->host.empty() ? "0.0.0.0" : address->host;
      listener.port = address->port;
    }
    listener.line = listen.IsDefined() ? listen.Mark().line + 1 : 0;
  }
  bool insecure = false;
  reader.read_into(root, "insecure", "", insecure,
                   [&](const YAML::Node& n, const std::string& w) { return reader.boolean(n, w); });
  // Aperture serves TLS with a self-signed certificate it keeps in its base directory unless
  // told to be insecure.
  listener.tls.enabled = !insecure;
  listener.tls.self_signed = !insecure;
  reader.read_into(
      root, "idletimeout", "", listener.idle_timeout,
      [&](const YAML::Node& n, const std::string& w) { return reader.duration(n, w); });
  // Aperture's readtimeout bounds reading the whole request: l402d bounds the head and the
  // silences in the body.
  if (const YAML::Node read = root["readtimeout"]; read.IsDefined()) {
    if (auto value = reader.duration(read, "readtimeout")) {
      listener.header_timeout = *value;
      listener.body_timeout = *value;
    }
  }
}

}  // namespace

bool looks_like_aperture(const YAML::Node& root) {
  static constexpr std::string_view kL402dOnly[] = {"data_dir", "listen",          "lightning",
                                                    "store",    "trusted_proxies", "cors",
                                                    "log",      "challenge",       "drain_timeout"};
  if (!root.IsMap()) return false;
  bool aperture = false;
  for (const auto& entry : root) {
    if (!entry.first.IsScalar()) continue;
    const std::string& key = entry.first.Scalar();
    if (contains(kL402dOnly, key)) return false;
    if (key == "services" || key == "admin") continue;
    if (contains(kMappedTopLevel, key) || find_unsupported(kUnsupportedTopLevel, key)) {
      aperture = true;
    }
  }
  if (aperture) return true;
  const YAML::Node services = root["services"];
  if (!services.IsDefined() || !services.IsSequence()) return false;
  for (const auto& service : services) {
    if (!service.IsMap()) continue;
    for (const char* key : {"hostregexp", "pathregexp", "address", "protocol"}) {
      if (service[key].IsDefined()) return true;
    }
  }
  return false;
}

void read_aperture_config(ConfigReader& reader, const YAML::Node& root, GatewayConfig& config) {
  check_aperture_keys(reader, root, "the configuration", "", kMappedTopLevel, kUnsupportedTopLevel);
  reader.read_into(root, "basedir", "", config.data_dir,
                   [&](const YAML::Node& n, const std::string& w) { return reader.path(n, w); });
  config.listeners.assign(1, ListenerConfig{});
  read_aperture_listener(reader, root, config.listeners.front());
  if (const YAML::Node level = root["debuglevel"]; level.IsDefined()) {
    config.log.level = log_level_from_aperture(reader, level);
  }
  read_aperture_store(reader, root, config.store);
  const bool auth_disabled = read_aperture_authenticator(reader, root, config.lightning);
  // Aperture answers 402 to every bad credential and sends the LSAT and L402 lines.
  config.status_mode = DenialStatusMode::kAperture;
  config.challenge_style = ChallengeStyle::kAperture;
  if (const YAML::Node services = root["services"]; services.IsDefined()) {
    read_aperture_services(reader, services, auth_disabled, config.services);
  }
}

}  // namespace l402::gateway::config_detail
