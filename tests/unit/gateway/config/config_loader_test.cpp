// l402d's own configuration format: every key reaches its field, defaults fill in, and each
// kind of mistake is reported with its line, all of them at once.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "config_test_support.hpp"
#include "gateway/config/config.hpp"
#include "temp_dir.hpp"

namespace l402::gateway {
namespace {

using test::FakeEnvironment;
using test::find_diagnostic;
using test::HasErrorOnLine;
using test::parse;

constexpr const char* kEveryKey = R"(data_dir: /srv/l402d
listen:
  - address: 0.0.0.0:8443
    tls: {cert: /etc/l402d/cert.pem, key: /etc/l402d/key.pem}
    header_timeout: 5s
    idle_timeout: 2m
    body_timeout: 30s
    max_connections: 500
    max_header_bytes: 32KiB
  - address: "[::1]:0"
    tls: {self_signed: true}
admin:
  enabled: false
  address: "[::1]:9403"
  credential_file: /srv/secrets/admin.token
lightning:
  backend: lnd
  timeout: 20s
  devnet: {dir: /srv/devnet, listen: 127.0.0.1:18081}
  lnd: {url: "https://10.0.0.5:8080/", tls_cert: /srv/lnd/tls.cert, macaroon: /srv/lnd/invoice.macaroon}
  cln: {socket: /srv/cln/lightning-rpc}
store:
  backend: postgres
  sqlite: {path: /srv/db.sqlite}
  postgres: {dsn: "host=127.0.0.1 port=5432 dbname=l402"}
trusted_proxies: [10.0.0.0/8, "::1/128"]
cors: {allow_origins: ["https://a.example", "https://b.example"]}
log: {format: json, level: debug, access_log: false}
challenge:
  style: spec
  status_mode: aperture
  invoice_expiry: 30m
  memo: Pay me
  network_limit: 120
  network_burst: 20
drain_timeout: 3s
services:
  - name: weather
    host: "api\\.example\\.com"
    path: "/weather/.*"
    upstream: https://10.0.0.9:9443
    upstream_ca: /srv/ca.pem
    upstream_verify_tls: false
    pass_host: true
    price: "1500 msat"
    auth: "freebie 5"
    free_paths: ["/weather/health", "/weather/docs/.*"]
    timeout: 1d
    tier: 2
    capabilities: [read, write]
    capability_paths:
      - {path: "/weather/admin/.*", capability: write}
    constraints: {weather_max_requests: "1000", weather_region: eu}
    headers:
      X-Api-Key: {env: WEATHER_KEY}
      X-Token: {file: /srv/secrets/token}
      X-Plain: hello
    rewrite: {from: /weather/, to: /v2/}
    max_body: 1MiB
    upstream_timeout: 45s
  - name: free
    upstream: http://127.0.0.1:9000
    auth: "off"
)";

TEST(ParseConfig, ReadsEveryKeyIntoItsField) {
  FakeEnvironment fake;
  fake.variables["WEATHER_KEY"] = "k-123";
  fake.files["/srv/secrets/token"] = "t-456\n";
  const ConfigLoad load = parse(kEveryKey, fake);
  ASSERT_TRUE(load.errors.empty()) << test::describe_errors(load);
  EXPECT_TRUE(load.warnings.empty()) << test::describe_errors(load);
  EXPECT_FALSE(load.aperture_format);
  ASSERT_TRUE(load.config);
  const GatewayConfig& c = *load.config;

  EXPECT_EQ(c.data_dir, "/srv/l402d");
  ASSERT_EQ(c.listeners.size(), 2U);
  const ListenerConfig& l0 = c.listeners[0];
  EXPECT_EQ(l0.host, "0.0.0.0");
  EXPECT_EQ(l0.port, 8443);
  EXPECT_TRUE(l0.tls.enabled);
  EXPECT_FALSE(l0.tls.self_signed);
  EXPECT_EQ(l0.tls.cert_file, "/etc/l402d/cert.pem");
  EXPECT_EQ(l0.tls.key_file, "/etc/l402d/key.pem");
  EXPECT_EQ(l0.header_timeout, std::chrono::seconds(5));
  EXPECT_EQ(l0.idle_timeout, std::chrono::minutes(2));
  EXPECT_EQ(l0.body_timeout, std::chrono::seconds(30));
  EXPECT_EQ(l0.max_connections, 500U);
  EXPECT_EQ(l0.max_header_bytes, 32U * 1024);
  EXPECT_EQ(l0.line, 3);
  EXPECT_EQ(c.listeners[1].host, "::1");
  EXPECT_EQ(c.listeners[1].port, 0);
  EXPECT_TRUE(c.listeners[1].tls.enabled);
  EXPECT_TRUE(c.listeners[1].tls.self_signed);

  EXPECT_FALSE(c.admin.enabled);
  EXPECT_EQ(c.admin.host, "::1");
  EXPECT_EQ(c.admin.port, 9403);
  EXPECT_EQ(c.admin.credential_file, "/srv/secrets/admin.token");

  EXPECT_EQ(c.lightning.kind, LightningKind::kLnd);
  EXPECT_EQ(c.lightning.timeout, std::chrono::seconds(20));
  EXPECT_EQ(c.lightning.devnet_dir, "/srv/devnet");
  EXPECT_EQ(c.lightning.devnet_host, "127.0.0.1");
  EXPECT_EQ(c.lightning.devnet_port, 18081);
  EXPECT_TRUE(c.lightning.devnet_serve);
  EXPECT_EQ(c.lightning.lnd_url, "https://10.0.0.5:8080");
  EXPECT_EQ(c.lightning.lnd_tls_cert, "/srv/lnd/tls.cert");
  EXPECT_EQ(c.lightning.lnd_macaroon, "/srv/lnd/invoice.macaroon");
  EXPECT_EQ(c.lightning.cln_socket, "/srv/cln/lightning-rpc");

  EXPECT_EQ(c.store.kind, StoreKind::kPostgres);
  EXPECT_EQ(c.store.sqlite_path, "/srv/db.sqlite");
  EXPECT_EQ(c.store.postgres_dsn, "host=127.0.0.1 port=5432 dbname=l402");

  EXPECT_EQ(c.trusted_proxies, (std::vector<std::string>{"10.0.0.0/8", "::1/128"}));
  EXPECT_EQ(c.cors.allow_origins,
            (std::vector<std::string>{"https://a.example", "https://b.example"}));
  EXPECT_EQ(c.log.format, LogFormat::kJson);
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_FALSE(c.log.access_log);
  EXPECT_EQ(c.challenge_style, ChallengeStyle::kSpec);
  EXPECT_EQ(c.status_mode, DenialStatusMode::kAperture);
  EXPECT_EQ(c.invoice_expiry_seconds, 1800U);
  EXPECT_EQ(c.invoice_memo, "Pay me");
  EXPECT_EQ(c.challenge_network_limit, 120U);
  EXPECT_EQ(c.challenge_network_burst, 20U);
  EXPECT_EQ(c.drain_timeout, std::chrono::seconds(3));

  ASSERT_EQ(c.services.size(), 2U);
  const ServiceConfig& s = c.services[0];
  EXPECT_EQ(s.name, "weather");
  EXPECT_EQ(s.line, 38);
  EXPECT_EQ(s.host_regex, "api\\.example\\.com");
  EXPECT_EQ(s.path_regex, "/weather/.*");
  EXPECT_EQ(s.upstream.scheme, "https");
  EXPECT_EQ(s.upstream.host, "10.0.0.9");
  EXPECT_EQ(s.upstream.port, 9443);
  EXPECT_EQ(s.upstream.ca_file, "/srv/ca.pem");
  EXPECT_FALSE(s.upstream.verify_tls);
  EXPECT_TRUE(s.upstream.pass_host);
  EXPECT_EQ(s.price, Msat(1500));
  EXPECT_EQ(s.auth, AuthMode::kFreebie);
  EXPECT_EQ(s.freebies, 5U);
  EXPECT_EQ(s.free_paths, (std::vector<std::string>{"/weather/health", "/weather/docs/.*"}));
  EXPECT_EQ(s.valid_for_seconds, 86'400U);
  EXPECT_EQ(s.tier, 2);
  ASSERT_TRUE(s.capabilities);
  EXPECT_EQ(*s.capabilities, (std::vector<std::string>{"read", "write"}));
  ASSERT_EQ(s.capability_rules.size(), 1U);
  EXPECT_EQ(s.capability_rules[0].path_regex, "/weather/admin/.*");
  EXPECT_EQ(s.capability_rules[0].capability, "write");
  ASSERT_EQ(s.constraints.size(), 2U);
  EXPECT_EQ(s.constraints[0],
            (std::pair<std::string, std::string>{"weather_max_requests", "1000"}));
  EXPECT_EQ(s.constraints[1], (std::pair<std::string, std::string>{"weather_region", "eu"}));
  ASSERT_EQ(s.headers.size(), 3U);
  EXPECT_EQ(s.headers[0].name, "X-Api-Key");
  EXPECT_EQ(s.headers[0].value, "k-123");
  EXPECT_TRUE(s.headers[0].secret);
  EXPECT_EQ(s.headers[1].name, "X-Token");
  EXPECT_EQ(s.headers[1].value, "t-456");  // one trailing newline stripped
  EXPECT_TRUE(s.headers[1].secret);
  EXPECT_EQ(s.headers[2].value, "hello");
  EXPECT_FALSE(s.headers[2].secret);
  EXPECT_EQ(s.rewrite_from, "/weather/");
  EXPECT_EQ(s.rewrite_to, "/v2/");
  EXPECT_EQ(s.max_body_bytes, 1024U * 1024);
  EXPECT_EQ(s.upstream_timeout, std::chrono::seconds(45));
  EXPECT_EQ(s.upstream.origin(), "https://10.0.0.9:9443");

  const ServiceConfig& free = c.services[1];
  EXPECT_EQ(free.auth, AuthMode::kOff);
  EXPECT_EQ(free.host_regex, ".*");
  EXPECT_EQ(free.path_regex, ".*");
  EXPECT_FALSE(free.capabilities);
  EXPECT_EQ(free.valid_for_seconds, 0U);
}

TEST(ParseConfig, FillsDefaultsUnderTheDataDirectory) {
  const ConfigLoad load = parse("services:\n  - {name: a, upstream: http://127.0.0.1:1}\n");
  ASSERT_TRUE(load.config) << test::describe_errors(load);
  const GatewayConfig& c = *load.config;
  EXPECT_EQ(c.data_dir, "/home/tester/.local/share/l402d");
  EXPECT_EQ(c.store.sqlite_path, "/home/tester/.local/share/l402d/l402d.sqlite");
  EXPECT_EQ(c.lightning.devnet_dir, "/home/tester/.local/share/l402d/devnet");
  EXPECT_EQ(c.admin.credential_file, "/home/tester/.local/share/l402d/admin.token");
  ASSERT_EQ(c.listeners.size(), 1U);
  EXPECT_EQ(c.listeners[0].host, "127.0.0.1");
  EXPECT_EQ(c.listeners[0].port, 8402);
  EXPECT_FALSE(c.listeners[0].tls.enabled);
  EXPECT_EQ(c.lightning.kind, LightningKind::kDevnet);
  EXPECT_EQ(c.store.kind, StoreKind::kSqlite);
  EXPECT_TRUE(c.admin.enabled);
  EXPECT_EQ(c.admin.port, 8403);
  EXPECT_EQ(c.services[0].price, Msat(1000));
  EXPECT_EQ(c.services[0].auth, AuthMode::kOn);
}

TEST(ParseConfig, DevnetListenOffServesNoRestApiAndPortZeroIsEphemeral) {
  const ConfigLoad off = parse("lightning: {devnet: {listen: off}}\n");
  ASSERT_TRUE(off.config) << test::describe_errors(off);
  EXPECT_FALSE(off.config->lightning.devnet_serve);
  const ConfigLoad ephemeral = parse("lightning: {devnet: {listen: 127.0.0.1:0}}\n");
  ASSERT_TRUE(ephemeral.config) << test::describe_errors(ephemeral);
  EXPECT_TRUE(ephemeral.config->lightning.devnet_serve);
  EXPECT_EQ(ephemeral.config->lightning.devnet_port, 0);
}

TEST(ParseConfig, DataDirFromTheFileMovesEveryDefaultPath) {
  const ConfigLoad load =
      parse("data_dir: ~/l402\nservices:\n  - {name: a, upstream: http://127.0.0.1:1}\n");
  ASSERT_TRUE(load.config) << test::describe_errors(load);
  EXPECT_EQ(load.config->data_dir, "/home/tester/l402");
  EXPECT_EQ(load.config->store.sqlite_path, "/home/tester/l402/l402d.sqlite");
  EXPECT_EQ(load.config->lightning.devnet_dir, "/home/tester/l402/devnet");
  EXPECT_EQ(load.config->admin.credential_file, "/home/tester/l402/admin.token");
}

TEST(ParseConfig, EmptyFileIsValidButWarnsThatNothingIsServed) {
  const ConfigLoad load = parse("");
  ASSERT_TRUE(load.config) << test::describe_errors(load);
  EXPECT_TRUE(load.config->services.empty());
  EXPECT_TRUE(find_diagnostic(load.warnings, "no services"));
}

TEST(DefaultConfig, ServesDemoOnDevnetWithPathsUnderTheDataDirectory) {
  const GatewayConfig c = default_config("/data");
  EXPECT_EQ(c.data_dir, "/data");
  ASSERT_EQ(c.listeners.size(), 1U);
  EXPECT_EQ(c.listeners[0].host, "127.0.0.1");
  EXPECT_EQ(c.listeners[0].port, 8402);
  EXPECT_EQ(c.lightning.kind, LightningKind::kDevnet);
  EXPECT_EQ(c.lightning.devnet_dir, "/data/devnet");
  EXPECT_EQ(c.lightning.devnet_port, 18080);
  EXPECT_TRUE(c.lightning.devnet_serve);
  EXPECT_EQ(c.store.kind, StoreKind::kSqlite);
  EXPECT_EQ(c.store.sqlite_path, "/data/l402d.sqlite");
  EXPECT_EQ(c.admin.credential_file, "/data/admin.token");
  EXPECT_EQ(c.admin.port, 8403);
  ASSERT_EQ(c.services.size(), 1U);
  EXPECT_EQ(c.services[0].name, "demo");
  EXPECT_EQ(c.services[0].price, Msat(1000));
  EXPECT_EQ(c.services[0].upstream.origin(), "http://127.0.0.1:8080");
}

TEST(UpstreamOrigin, BracketsIpv6Hosts) {
  UpstreamConfig upstream;
  upstream.scheme = "https";
  upstream.host = "::1";
  upstream.port = 9443;
  EXPECT_EQ(upstream.origin(), "https://[::1]:9443");
}

TEST(ConfigEnvironmentSystem, DefaultDataDirFollowsXdgDataHome) {
  const char* old_xdg = std::getenv("XDG_DATA_HOME");
  const std::string saved = old_xdg ? old_xdg : "";
  setenv("XDG_DATA_HOME", "/xdg/data", 1);
  const ConfigEnvironment with_xdg = ConfigEnvironment::system();
  unsetenv("XDG_DATA_HOME");
  const ConfigEnvironment without_xdg = ConfigEnvironment::system();
  if (old_xdg) setenv("XDG_DATA_HOME", saved.c_str(), 1);

  EXPECT_EQ(with_xdg.default_data_dir, "/xdg/data/l402d");
  if (!without_xdg.home.empty()) {
    EXPECT_EQ(without_xdg.default_data_dir, without_xdg.home / ".local/share/l402d");
  }
  ASSERT_TRUE(with_xdg.getenv);
  EXPECT_FALSE(with_xdg.getenv("L402_SURELY_NOT_SET_ANYWHERE"));
  ASSERT_TRUE(with_xdg.read_file);
  EXPECT_FALSE(with_xdg.read_file("/nonexistent/l402d/file"));
}

TEST(ConfigEnvironmentSystem, ReadsFilesAndVariables) {
  l402::test::TempDir dir;
  {
    std::ofstream out(dir.file("secret"));
    out << "s3cret\n";
  }
  setenv("L402_CONFIG_TEST_VARIABLE", "value", 1);
  const ConfigEnvironment env = ConfigEnvironment::system();
  EXPECT_EQ(env.getenv("L402_CONFIG_TEST_VARIABLE"), "value");
  unsetenv("L402_CONFIG_TEST_VARIABLE");
  EXPECT_EQ(env.read_file(dir.file("secret")), "s3cret\n");
}

// ---- Errors, each with its line ----------------------------------------------------------

TEST(ParseConfig, UnknownKeyIsAnErrorWithLineAndSuggestion) {
  const ConfigLoad load = parse(
      "services:\n"
      "  - name: a\n"
      "    upstrem: http://127.0.0.1:1\n");
  EXPECT_FALSE(load.config);
  EXPECT_TRUE(HasErrorOnLine(load,
                             "unknown key 'upstrem' in services[0] (did you mean "
                             "'upstream'?)",
                             3));
  const ConfigLoad far = parse("zebra: 1\n");
  EXPECT_TRUE(HasErrorOnLine(far, "unknown key 'zebra' in the configuration", 1));
  EXPECT_EQ(find_diagnostic(far.errors, "zebra")->message.find("did you mean"), std::string::npos);
}

TEST(ParseConfig, UnknownKeysInNestedSectionsAreErrors) {
  const ConfigLoad load = parse(
      "listen:\n"
      "  - address: 127.0.0.1:1\n"
      "    tls: {self_signed: true, sefl: 1}\n"
      "lightning:\n"
      "  lnd: {url: https://x:1, macaron: m}\n"
      "log: {formatt: json}\n");
  EXPECT_TRUE(HasErrorOnLine(load, "unknown key 'sefl' in listen[0].tls", 3));
  EXPECT_TRUE(HasErrorOnLine(load,
                             "unknown key 'macaron' in lightning.lnd (did you mean "
                             "'macaroon'?)",
                             5));
  EXPECT_TRUE(HasErrorOnLine(load, "unknown key 'formatt' in log (did you mean 'format'?)", 6));
}

TEST(ParseConfig, DuplicateKeyIsAnError) {
  const ConfigLoad load = parse("drain_timeout: 1s\ndrain_timeout: 2s\n");
  EXPECT_TRUE(HasErrorOnLine(load, "key 'drain_timeout' is given twice", 2));
}

TEST(ParseConfig, WrongTypesAreErrors) {
  const ConfigLoad load = parse(
      "listen: 127.0.0.1:8402\n"
      "admin: {enabled: maybe}\n"
      "cors: {allow_origins: {a: b}}\n"
      "services:\n"
      "  - name: [a]\n"
      "    upstream: http://127.0.0.1:1\n"
      "    tier: 300\n"
      "    pass_host: 3\n");
  EXPECT_TRUE(HasErrorOnLine(load, "listen must be a list", 1));
  EXPECT_TRUE(HasErrorOnLine(load, "admin.enabled must be true or false", 2));
  EXPECT_TRUE(HasErrorOnLine(load, "cors.allow_origins must be a list of strings", 3));
  EXPECT_TRUE(HasErrorOnLine(load, "services[0].name must be a string", 5));
  EXPECT_TRUE(HasErrorOnLine(load, "tier must be a whole number from 0 to 255", 7));
  EXPECT_TRUE(HasErrorOnLine(load, "pass_host must be true or false", 8));
}

TEST(ParseConfig, BadScalarNotationsAreErrors) {
  const ConfigLoad load = parse(
      "drain_timeout: 10 parsecs\n"
      "listen:\n"
      "  - address: 127.0.0.1\n"
      "    max_header_bytes: 16 lots\n"
      "services:\n"
      "  - name: a\n"
      "    upstream: ftp://127.0.0.1:1\n"
      "    price: 3 btc\n"
      "    max_body: big\n"
      "    timeout: -5s\n");
  EXPECT_TRUE(HasErrorOnLine(load, "drain_timeout has an unknown unit", 1));
  EXPECT_TRUE(HasErrorOnLine(load, "listen[0].address is not an address", 3));
  EXPECT_TRUE(HasErrorOnLine(load, "listen[0].max_header_bytes has an unknown unit", 4));
  EXPECT_TRUE(
      HasErrorOnLine(load, "upstream must start with http://, https://, grpc:// or grpcs://", 7));
  EXPECT_TRUE(HasErrorOnLine(load, "price has an unknown unit", 8));
  EXPECT_TRUE(HasErrorOnLine(load, "max_body is not a size", 9));
  EXPECT_TRUE(HasErrorOnLine(load, "timeout must not be negative", 10));
}

TEST(ParseConfig, RegexesThatDoNotCompileAreErrors) {
  const ConfigLoad load = parse(
      "services:\n"
      "  - name: a\n"
      "    upstream: http://127.0.0.1:1\n"
      "    host: \"(unclosed\"\n"
      "    path: \"[z-a]\"\n"
      "    free_paths: [\"/ok\", \"*bad\"]\n"
      "    capabilities: [w]\n"
      "    capability_paths: [{path: \"(x\", capability: w}]\n");
  EXPECT_TRUE(HasErrorOnLine(load, "host: regex does not compile", 4));
  EXPECT_TRUE(HasErrorOnLine(load, "path: regex does not compile", 5));
  EXPECT_TRUE(HasErrorOnLine(load, "free_paths: regex does not compile", 6));
  EXPECT_TRUE(HasErrorOnLine(load, "capability_paths[0].path: regex does not compile", 8));
}

TEST(ParseConfig, DuplicateServiceNamesAreErrors) {
  const ConfigLoad load = parse(
      "services:\n"
      "  - {name: a, upstream: http://127.0.0.1:1}\n"
      "  - {name: b, upstream: http://127.0.0.1:2}\n"
      "  - {name: a, upstream: http://127.0.0.1:3}\n");
  EXPECT_TRUE(HasErrorOnLine(load, "service name 'a' is used twice (first at line 2)", 4));
}

TEST(ParseConfig, AdminAddressMustBeLoopback) {
  const ConfigLoad load = parse("admin: {address: 0.0.0.0:8403}\n");
  EXPECT_TRUE(HasErrorOnLine(load, "admin.address must be a loopback address", 1));
  EXPECT_TRUE(parse("admin: {address: localhost:8403}\n").config);
}

TEST(ParseConfig, HttpsOnlyKeysOnHttpUpstreamsAreErrors) {
  const ConfigLoad load = parse(
      "services:\n"
      "  - name: a\n"
      "    upstream: http://127.0.0.1:1\n"
      "    upstream_ca: /ca.pem\n"
      "    upstream_verify_tls: false\n");
  EXPECT_TRUE(HasErrorOnLine(load, "upstream_ca applies to https and grpcs upstreams only", 4));
  EXPECT_TRUE(
      HasErrorOnLine(load, "upstream_verify_tls applies to https and grpcs upstreams only", 5));
}

TEST(ParseConfig, GrpcListenersAndGrpcUpstreams) {
  const ConfigLoad load = parse(
      "listen:\n"
      "  - address: 127.0.0.1:8402\n"
      "  - address: 127.0.0.1:8443\n"
      "    role: grpc\n"
      "    tls: {self_signed: true}\n"
      "services:\n"
      "  - name: plain\n"
      "    upstream: grpc://127.0.0.1:50051\n"
      "  - name: secure\n"
      "    upstream: grpcs://backend.internal\n"
      "    upstream_ca: /ca.pem\n");
  ASSERT_TRUE(load.config) << test::describe_errors(load);
  const GatewayConfig& config = *load.config;
  ASSERT_EQ(config.listeners.size(), 2u);
  EXPECT_EQ(config.listeners[0].role, ListenerRole::kProxy);
  EXPECT_EQ(config.listeners[1].role, ListenerRole::kGrpc);
  EXPECT_EQ(listener_scheme(config.listeners[0]), "http");
  EXPECT_EQ(listener_scheme(config.listeners[1]), "grpcs");
  ASSERT_EQ(config.services.size(), 2u);
  EXPECT_EQ(config.services[0].upstream.scheme, "grpc");
  EXPECT_EQ(config.services[0].upstream.port, 50051);
  EXPECT_TRUE(config.services[0].upstream.grpc());
  EXPECT_FALSE(config.services[0].upstream.tls());
  EXPECT_EQ(config.services[1].upstream.scheme, "grpcs");
  EXPECT_EQ(config.services[1].upstream.port, 443);
  EXPECT_TRUE(config.services[1].upstream.tls());
  EXPECT_EQ(config.services[1].upstream.ca_file, "/ca.pem");
}

TEST(ParseConfig, HttpOnlyListenerKeysOnGrpcListenersAreErrors) {
  const ConfigLoad load = parse(
      "listen:\n"
      "  - address: 127.0.0.1:8443\n"
      "    role: grpc\n"
      "    proxy_protocol: v1\n"
      "    body_timeout: 5s\n"
      "  - address: 127.0.0.1:8444\n"
      "    role: http2\n");
  EXPECT_TRUE(HasErrorOnLine(load, "proxy_protocol does not apply to a gRPC listener", 4));
  EXPECT_TRUE(HasErrorOnLine(load, "body_timeout does not apply to a gRPC listener", 5));
  EXPECT_TRUE(HasErrorOnLine(load, "role must be proxy, auth_request or grpc, not 'http2'", 7));
}

TEST(ParseConfig, BackendsNeedTheirRequiredKeys) {
  const ConfigLoad lnd = parse("lightning:\n  backend: lnd\n  lnd: {url: https://h:1}\n");
  EXPECT_TRUE(HasErrorOnLine(lnd, "lightning.lnd.tls_cert is required with backend lnd", 2));
  EXPECT_TRUE(HasErrorOnLine(lnd, "lightning.lnd.macaroon is required with backend lnd", 2));
  const ConfigLoad cln = parse("lightning:\n  backend: cln\n");
  EXPECT_TRUE(HasErrorOnLine(cln, "lightning.cln.socket is required with backend cln", 2));
  const ConfigLoad postgres = parse("store:\n  backend: postgres\n");
  EXPECT_TRUE(HasErrorOnLine(postgres, "store.postgres.dsn is required", 2));
  const ConfigLoad unknown = parse("lightning: {backend: lightning-labs}\n");
  EXPECT_TRUE(HasErrorOnLine(unknown, "lightning.backend must be devnet, lnd or cln", 1));
}

TEST(ParseConfig, ServicesNeedNameAndUpstream) {
  const ConfigLoad load = parse("services:\n  - price: 1\n  - name: \"bad name\"\n");
  EXPECT_TRUE(HasErrorOnLine(load, "services[0] needs a name", 2));
  EXPECT_TRUE(HasErrorOnLine(load, "services[0] needs an upstream", 2));
  EXPECT_TRUE(HasErrorOnLine(load, "services[1].name must use only letters", 3));
}

TEST(ParseConfig, AuthValuesAndFreebieCounts) {
  const auto auth_of = [](const std::string& value) {
    return parse("services:\n  - {name: a, upstream: http://127.0.0.1:1, auth: " + value + "}\n");
  };
  const ConfigLoad freebie = auth_of("\"freebie 12\"");
  ASSERT_TRUE(freebie.config) << test::describe_errors(freebie);
  EXPECT_EQ(freebie.config->services[0].auth, AuthMode::kFreebie);
  EXPECT_EQ(freebie.config->services[0].freebies, 12U);
  EXPECT_EQ(auth_of("\"off\"").config->services[0].auth, AuthMode::kOff);
  EXPECT_EQ(auth_of("off").config->services[0].auth, AuthMode::kOff);
  EXPECT_EQ(auth_of("\"ON\"").config->services[0].auth, AuthMode::kOn);
  EXPECT_TRUE(
      HasErrorOnLine(auth_of("\"freebie\""), "must be \"on\", \"off\" or \"freebie N\"", 2));
  EXPECT_TRUE(HasErrorOnLine(auth_of("\"freebie x\""), "\"freebie N\"", 2));
  EXPECT_TRUE(HasErrorOnLine(auth_of("\"freebie 0\""), "\"freebie N\"", 2));
  EXPECT_TRUE(HasErrorOnLine(auth_of("sometimes"), "\"freebie N\"", 2));
}

TEST(ParseConfig, ZeroPriceNeedsAuthOff) {
  EXPECT_TRUE(
      HasErrorOnLine(parse("services:\n  - {name: a, upstream: http://127.0.0.1:1, price: 0}\n"),
                     "price must be more than 0", 2));
  EXPECT_TRUE(parse("services:\n  - {name: a, upstream: http://127.0.0.1:1, auth: \"off\", "
                    "price: 0}\n")
                  .config);
}

TEST(ParseConfig, CapabilityPathsMustNameAGrantedCapability) {
  const ConfigLoad load = parse(
      "services:\n"
      "  - name: a\n"
      "    upstream: http://127.0.0.1:1\n"
      "    capabilities: read\n"
      "    capability_paths:\n"
      "      - {path: /w, capability: write}\n");
  EXPECT_TRUE(
      HasErrorOnLine(load, "capability 'write' is not one of the service's capabilities", 6));
}

TEST(ParseConfig, ListenerTlsNeedsCertAndKeyOrSelfSigned) {
  const ConfigLoad load = parse(
      "listen:\n"
      "  - address: 127.0.0.1:1\n"
      "    tls: {cert: /c.pem}\n"
      "  - address: 127.0.0.1:2\n"
      "    tls: {cert: /c.pem, key: /k.pem, self_signed: true}\n");
  EXPECT_TRUE(HasErrorOnLine(load, "listen[0].tls needs both cert and key", 3));
  EXPECT_TRUE(HasErrorOnLine(load, "listen[1].tls: give either cert and key, or self_signed", 5));
}

TEST(ParseConfig, ListenersMayNotShareAFixedPort) {
  const ConfigLoad load = parse(
      "listen:\n"
      "  - address: 127.0.0.1:9000\n"
      "  - address: 127.0.0.1:9000\n"
      "  - address: 127.0.0.1:0\n"
      "  - address: 127.0.0.1:0\n");
  ASSERT_EQ(load.errors.size(), 1U) << test::describe_errors(load);
  EXPECT_TRUE(HasErrorOnLine(load, "127.0.0.1:9000, which another listener already uses", 3));
}

TEST(ParseConfig, BadTrustedProxiesChallengeAndLogValuesAreErrors) {
  const ConfigLoad load = parse(
      "trusted_proxies: [10.0.0.0/8, 10.0.0.0/40]\n"
      "challenge: {style: fancy, status_mode: loud, invoice_expiry: 0s, network_limit: -1,\n"
      "            network_burst: 0}\n"
      "log: {format: xml, level: chatty}\n");
  EXPECT_TRUE(HasErrorOnLine(load, "trusted_proxies[1] has an invalid prefix length", 1));
  EXPECT_TRUE(HasErrorOnLine(load, "challenge.style must be aperture or spec", 2));
  EXPECT_TRUE(HasErrorOnLine(load, "challenge.status_mode must be spec or aperture", 2));
  EXPECT_TRUE(HasErrorOnLine(load, "challenge.invoice_expiry must be longer than zero", 2));
  EXPECT_TRUE(HasErrorOnLine(load, "challenge.network_limit must be a whole number from 0", 2));
  EXPECT_TRUE(HasErrorOnLine(load, "challenge.network_burst must be a whole number from 1", 3));
  EXPECT_TRUE(HasErrorOnLine(load, "log.format must be text or json", 4));
  EXPECT_TRUE(HasErrorOnLine(load, "log.level must be debug, info, warn or error", 4));
}

TEST(ParseConfig, ReportsEveryErrorAtOnce) {
  const ConfigLoad load = parse(
      "drain_timeout: soon\n"                 // 1
      "admin: {address: 10.1.1.1:8403}\n"     // 2
      "services:\n"                           // 3
      "  - name: a\n"                         // 4
      "    upstream: http://127.0.0.1:1\n"    // 5
      "    price: lots\n"                     // 6
      "    colour: blue\n"                    // 7
      "  - name: a\n"                         // 8
      "    upstream: http://127.0.0.1:2\n");  // 9
  EXPECT_FALSE(load.config);
  EXPECT_EQ(load.errors.size(), 5U) << test::describe_errors(load);
  EXPECT_TRUE(HasErrorOnLine(load, "drain_timeout", 1));
  EXPECT_TRUE(HasErrorOnLine(load, "admin.address", 2));
  EXPECT_TRUE(HasErrorOnLine(load, "price", 6));
  EXPECT_TRUE(HasErrorOnLine(load, "colour", 7));
  EXPECT_TRUE(HasErrorOnLine(load, "used twice", 8));
}

TEST(ParseConfig, InvalidYamlIsOneErrorWithItsPosition) {
  const ConfigLoad load = parse("services:\n  - name: a\n    upstream: [unclosed\n");
  ASSERT_EQ(load.errors.size(), 1U);
  EXPECT_NE(load.errors[0].message.find("invalid YAML"), std::string::npos);
  EXPECT_GT(load.errors[0].line, 0);
}

TEST(ParseConfig, TopLevelMustBeAMapping) {
  EXPECT_TRUE(HasErrorOnLine(parse("- a\n- b\n"), "must be a mapping", 1));
  EXPECT_TRUE(HasErrorOnLine(parse("just text\n"), "must be a mapping", 1));
}

// ---- Header values from the environment and files -----------------------------------------

TEST(ParseConfig, MissingEnvironmentVariableNamesItAndNeverAValue) {
  FakeEnvironment fake;
  fake.variables["OTHER"] = "not-this-one";
  const ConfigLoad load = parse(
      "services:\n"
      "  - name: a\n"
      "    upstream: http://127.0.0.1:1\n"
      "    headers:\n"
      "      X-Api-Key: {env: DEMO_API_KEY}\n",
      fake);
  EXPECT_TRUE(HasErrorOnLine(load, "environment variable DEMO_API_KEY is not set", 5));
}

TEST(ParseConfig, UnreadableHeaderFileNamesTheFile) {
  const ConfigLoad load = parse(
      "services:\n"
      "  - name: a\n"
      "    upstream: http://127.0.0.1:1\n"
      "    headers:\n"
      "      X-Api-Key: {file: /run/secrets/missing}\n");
  EXPECT_TRUE(HasErrorOnLine(load, "cannot read file /run/secrets/missing", 5));
}

TEST(ParseConfig, SecretHeaderValuesWithLineBreaksAreRefusedWithoutEchoingThem) {
  FakeEnvironment fake;
  fake.variables["KEY"] = "top-secret\r\nX-Evil: 1";
  fake.files["/s"] = "also-secret\n\n";  // only one newline is stripped
  const ConfigLoad load = parse(
      "services:\n"
      "  - name: a\n"
      "    upstream: http://127.0.0.1:1\n"
      "    headers:\n"
      "      X-A: {env: KEY}\n"
      "      X-B: {file: /s}\n"
      "      X-C: \"line\\nbreak\"\n",
      fake);
  EXPECT_TRUE(HasErrorOnLine(load, "X-A: the value contains a line break", 5));
  EXPECT_TRUE(HasErrorOnLine(load, "X-B: the value contains a line break", 6));
  EXPECT_TRUE(HasErrorOnLine(load, "X-C contains a line break", 7));
  const std::string text = format_diagnostics("f", load);
  EXPECT_EQ(text.find("top-secret"), std::string::npos);
  EXPECT_EQ(text.find("also-secret"), std::string::npos);
}

TEST(ParseConfig, HeaderValueShapesAreChecked) {
  const ConfigLoad load = parse(
      "services:\n"
      "  - name: a\n"
      "    upstream: http://127.0.0.1:1\n"
      "    headers:\n"
      "      \"Bad Name\": x\n"
      "      X-A: {vault: k}\n"
      "      X-B: [1, 2]\n");
  EXPECT_TRUE(HasErrorOnLine(load, "a header name must be an HTTP token", 5));
  EXPECT_TRUE(HasErrorOnLine(load, "unknown key 'vault'", 6));
  EXPECT_TRUE(HasErrorOnLine(load, "X-B must be a string, {env: VARIABLE} or {file: PATH}", 7));
}

TEST(ParseConfig, HeaderFilePathsExpandHomeAndResolveAgainstTheWorkingDirectory) {
  FakeEnvironment fake;
  fake.files["/home/tester/key"] = "k";
  fake.files[(std::filesystem::current_path() / "rel/key").string()] = "r";
  const ConfigLoad load = parse(
      "services:\n"
      "  - name: a\n"
      "    upstream: http://127.0.0.1:1\n"
      "    headers:\n"
      "      X-A: {file: ~/key}\n"
      "      X-B: {file: rel/key}\n",
      fake);
  ASSERT_TRUE(load.config) << test::describe_errors(load);
  EXPECT_EQ(load.config->services[0].headers[0].value, "k");
  EXPECT_EQ(load.config->services[0].headers[1].value, "r");
}

// ---- Files, paths and limits ----------------------------------------------------------------

TEST(LoadConfigFile, ResolvesRelativePathsAgainstTheFilesDirectory) {
  l402::test::TempDir dir;
  {
    std::ofstream out(dir.file("l402d.yaml"));
    out << "data_dir: state\nstore: {sqlite: {path: db/x.sqlite}}\n"
           "services:\n  - {name: a, upstream: http://127.0.0.1:1}\n";
  }
  const ConfigLoad load = load_config_file(dir.file("l402d.yaml"), FakeEnvironment{}.environment());
  ASSERT_TRUE(load.config) << test::describe_errors(load);
  const std::filesystem::path base = std::filesystem::path(dir.path());
  EXPECT_EQ(load.config->data_dir, base / "state");
  EXPECT_EQ(load.config->store.sqlite_path, base / "db/x.sqlite");
  EXPECT_EQ(load.config->admin.credential_file, base / "state/admin.token");
}

TEST(LoadConfigFile, MissingFileIsAnError) {
  const ConfigLoad load =
      load_config_file("/nonexistent/l402d.yaml", FakeEnvironment{}.environment());
  ASSERT_EQ(load.errors.size(), 1U);
  EXPECT_NE(load.errors[0].message.find("cannot read the configuration"), std::string::npos);
}

TEST(LoadConfigFile, RefusesFilesOverOneMebibyte) {
  l402::test::TempDir dir;
  {
    std::ofstream out(dir.file("big.yaml"));
    out << "# " << std::string((1 << 20) + 10, 'x') << "\n";
  }
  const ConfigLoad load = load_config_file(dir.file("big.yaml"), FakeEnvironment{}.environment());
  ASSERT_EQ(load.errors.size(), 1U);
  EXPECT_NE(load.errors[0].message.find("larger than 1 MiB"), std::string::npos);
  EXPECT_TRUE(find_diagnostic(parse(std::string((1 << 20) + 1, ' ')).errors, "1 MiB"));
}

TEST(ParseConfig, RefusesMoreThanAThousandServices) {
  std::string yaml = "services:\n";
  for (int i = 0; i < 1001; ++i) {
    yaml += "  - {name: s" + std::to_string(i) + ", upstream: http://127.0.0.1:1}\n";
  }
  EXPECT_TRUE(HasErrorOnLine(parse(yaml), "services has more than 1000 entries", 2));
}

TEST(ParseConfig, DeepNestingIsAnErrorNotACrash) {
  const ConfigLoad flow = parse("services: " + std::string(5000, '[') + std::string(5000, ']'));
  EXPECT_FALSE(flow.config);
  EXPECT_FALSE(flow.errors.empty());
  std::string block = "services:\n";
  for (int i = 0; i < 3000; ++i)
    block += std::string(static_cast<std::size_t>(i) + 2, ' ') + "- \n";
  const ConfigLoad nested = parse(block);
  EXPECT_FALSE(nested.config);
}

TEST(ParseConfig, ListsTheFirstHundredProblemsThenSaysThereAreMore) {
  std::string yaml;
  for (int i = 0; i < 300; ++i) yaml += "key" + std::to_string(i) + ": 1\n";
  const ConfigLoad load = parse(yaml);
  EXPECT_LE(load.errors.size(), 101U);
  EXPECT_TRUE(find_diagnostic(load.errors, "too many problems"));
}

TEST(ParseConfig, MultipleDocumentsAreRefused) {
  EXPECT_TRUE(HasErrorOnLine(parse("log: {level: info}\n---\nlog: {level: debug}\n"),
                             "more than one YAML document", 2));
  EXPECT_TRUE(HasErrorOnLine(parse("log: {level: info}\n...\nlog: {level: debug}\n"),
                             "more than one YAML document", 3));
  // A leading marker, a closing marker and a marker line with a comment are one document.
  EXPECT_TRUE(parse("# c\n--- # first\nlog: {level: info}\n...\n").config);
}

TEST(ParseConfig, TextYamlReadsAsNothingIsNotAnEmptyConfiguration) {
  // yaml-cpp 0.7 reads a lone "," as an empty document (and LoadAll never returns).
  EXPECT_TRUE(HasErrorOnLine(parse("# comment\n,\n"), "must be a mapping", 2));
  EXPECT_TRUE(parse("# only a comment\n\n").config);
}

TEST(FormatDiagnostics, PrintsFileLineColumnSeverityAndMessage) {
  ConfigLoad load;
  load.errors.push_back({3, 5, "bad thing"});
  load.errors.push_back({0, 0, "general problem"});
  load.warnings.push_back({7, 1, "odd thing"});
  EXPECT_EQ(format_diagnostics("l402d.yaml", load),
            "l402d.yaml:3:5: error: bad thing\n"
            "l402d.yaml: error: general problem\n"
            "l402d.yaml:7:1: warning: odd thing\n");
}

TEST(FormatDiagnostics, ColumnsPointAtTheOffendingKey) {
  const ConfigLoad load = parse("log:\n  level: info\n  colour: red\n");
  ASSERT_EQ(load.errors.size(), 1U);
  EXPECT_EQ(load.errors[0].line, 3);
  EXPECT_EQ(load.errors[0].column, 3);
}

TEST(ExampleConfig, LoadsWithoutErrorsOrWarnings) {
  const std::filesystem::path example =
      std::filesystem::path(L402_TEST_DATA_DIR) / "../../examples/l402d.yaml";
  const ConfigLoad load = load_config_file(example, FakeEnvironment{}.environment());
  EXPECT_TRUE(load.errors.empty()) << format_diagnostics(example, load);
  EXPECT_TRUE(load.warnings.empty()) << format_diagnostics(example, load);
  ASSERT_TRUE(load.config);
  EXPECT_FALSE(load.aperture_format);
  EXPECT_EQ(load.config->services.size(), 2U);
  EXPECT_EQ(load.config->data_dir, "/home/tester/.local/share/l402d");
}

}  // namespace
}  // namespace l402::gateway
