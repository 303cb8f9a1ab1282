// Aperture configuration files: recognised by their keys, mapped to l402d's settings, with a
// warning for every Aperture key l402d does not support and an error for keys neither knows.
#include <gtest/gtest.h>

#include <string>

#include "config_test_support.hpp"
#include "gateway/config/config.hpp"

namespace l402::gateway {
namespace {

using test::FakeEnvironment;
using test::find_diagnostic;
using test::HasErrorOnLine;
using test::parse;

constexpr const char* kMinimal = R"(listenaddr: "127.0.0.1:8081"
insecure: true
authenticator:
  lndhost: "10.0.0.2:10009"
  tlspath: /lnd/tls.cert
  macdir: /lnd/macaroons
)";

ConfigLoad load_example() {
  const std::filesystem::path example =
      std::filesystem::path(L402_TEST_DATA_DIR) / "../../examples/aperture.yaml";
  return load_config_file(example, FakeEnvironment{}.environment());
}

bool warned_unsupported(const ConfigLoad& load, const std::string& key, int line) {
  for (const ConfigDiagnostic& warning : load.warnings) {
    if (warning.message.rfind("aperture key " + key + " is not supported by l402d: ", 0) == 0 &&
        warning.line == line) {
      return true;
    }
  }
  return false;
}

TEST(ApertureExample, MapsTheSettingsL402dSupports) {
  const ConfigLoad load = load_example();
  ASSERT_TRUE(load.errors.empty()) << test::describe_errors(load);
  ASSERT_TRUE(load.config);
  EXPECT_TRUE(load.aperture_format);
  const GatewayConfig& c = *load.config;

  ASSERT_EQ(c.listeners.size(), 1U);
  EXPECT_EQ(c.listeners[0].host, "localhost");
  EXPECT_EQ(c.listeners[0].port, 8081);
  EXPECT_TRUE(c.listeners[0].tls.enabled);
  EXPECT_TRUE(c.listeners[0].tls.self_signed);
  EXPECT_EQ(c.listeners[0].idle_timeout, std::chrono::minutes(2));
  EXPECT_EQ(c.listeners[0].header_timeout, std::chrono::seconds(15));
  EXPECT_EQ(c.listeners[0].body_timeout, std::chrono::seconds(15));
  EXPECT_EQ(c.data_dir, "/var/lib/aperture");
  EXPECT_EQ(c.admin.credential_file, "/var/lib/aperture/admin.token");
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.status_mode, DenialStatusMode::kAperture);
  EXPECT_EQ(c.challenge_style, ChallengeStyle::kAperture);

  EXPECT_EQ(c.lightning.kind, LightningKind::kLnd);
  EXPECT_EQ(c.lightning.lnd_url, "https://localhost:8080");
  EXPECT_EQ(c.lightning.lnd_tls_cert, "/var/lib/lnd/tls.cert");
  EXPECT_EQ(c.lightning.lnd_macaroon, "/var/lib/lnd/data/chain/bitcoin/regtest/invoice.macaroon");

  EXPECT_EQ(c.store.kind, StoreKind::kSqlite);
  EXPECT_EQ(c.store.sqlite_path, "/var/lib/aperture/aperture.db");
  EXPECT_EQ(c.store.postgres_dsn,
            "host='localhost' user='aperture' password='change-me' dbname='aperture' port=5432 "
            "sslmode=require");

  ASSERT_EQ(c.services.size(), 2U);
  const ServiceConfig& s1 = c.services[0];
  EXPECT_EQ(s1.name, "service1");
  EXPECT_EQ(s1.host_regex, "(?:service1.com)");
  EXPECT_EQ(s1.path_regex, "(?:/.*)");
  EXPECT_EQ(s1.upstream.origin(), "https://127.0.0.1:10009");
  EXPECT_EQ(s1.upstream.ca_file, "/var/lib/service1/tls.cert");
  EXPECT_EQ(s1.auth, AuthMode::kOn);
  ASSERT_TRUE(s1.capabilities);
  EXPECT_EQ(*s1.capabilities, (std::vector<std::string>{"add", "subtract"}));
  ASSERT_EQ(s1.constraints.size(), 1U);
  EXPECT_EQ(s1.constraints[0], (std::pair<std::string, std::string>{"valid_until", "1682483169"}));
  EXPECT_EQ(s1.valid_for_seconds, 31'557'600U);
  EXPECT_EQ(s1.price, Msat(1000));  // Aperture's price 0 means its default, 1 sat
  EXPECT_EQ(s1.free_paths, (std::vector<std::string>{"(?:/freebieservice.*)"}));

  const ServiceConfig& s2 = c.services[1];
  EXPECT_EQ(s2.host_regex, ".*(?:service2.com).*");
  EXPECT_EQ(s2.path_regex, "(?:/api/.*)");
  EXPECT_EQ(s2.upstream.origin(), "http://127.0.0.1:8082");
  EXPECT_EQ(s2.auth, AuthMode::kFreebie);
  EXPECT_EQ(s2.freebies, 5U);
  ASSERT_EQ(s2.headers.size(), 1U);
  EXPECT_EQ(s2.headers[0].name, "X-Origin");
  EXPECT_EQ(s2.headers[0].value, "aperture");
  EXPECT_FALSE(s2.headers[0].secret);
  EXPECT_EQ(s2.rewrite_from, "/");
  EXPECT_EQ(s2.rewrite_to, "/v1/");
  EXPECT_EQ(s2.price, Msat(2000));
  EXPECT_FALSE(s2.capabilities);
}

TEST(ApertureExample, WarnsAboutEveryUnsupportedKeyOnItsLine) {
  const ConfigLoad load = load_example();
  EXPECT_TRUE(warned_unsupported(load, "servername", 10));
  EXPECT_TRUE(warned_unsupported(load, "autocert", 11));
  EXPECT_TRUE(warned_unsupported(load, "staticroot", 12));
  EXPECT_TRUE(warned_unsupported(load, "servestatic", 13));
  EXPECT_TRUE(warned_unsupported(load, "profile", 16));
  EXPECT_TRUE(warned_unsupported(load, "writetimeout", 19));
  EXPECT_TRUE(warned_unsupported(load, "wspinginterval", 20));
  EXPECT_TRUE(warned_unsupported(load, "wspongwait", 21));
  EXPECT_TRUE(warned_unsupported(load, "strictverify", 22));
  EXPECT_TRUE(warned_unsupported(load, "invoicebatchsize", 23));
  EXPECT_TRUE(warned_unsupported(load, "blocklist", 24));
  EXPECT_TRUE(warned_unsupported(load, "sqlite.skipmigrations", 37));
  EXPECT_TRUE(warned_unsupported(load, "postgres.maxconnections", 45));
  EXPECT_TRUE(warned_unsupported(load, "etcd", 48));
  EXPECT_TRUE(warned_unsupported(load, "services[].authskipinvoicecreationpaths", 69));
  EXPECT_TRUE(warned_unsupported(load, "services[].ratelimits", 71));
  EXPECT_TRUE(warned_unsupported(load, "services[].dynamicprice", 76));
  EXPECT_TRUE(warned_unsupported(load, "tor", 94));
  EXPECT_TRUE(warned_unsupported(load, "hashmail", 100));
  EXPECT_TRUE(warned_unsupported(load, "prometheus", 106));
  EXPECT_TRUE(warned_unsupported(load, "logging", 110));
  EXPECT_TRUE(find_diagnostic(load.warnings, "authenticator.lndhost is LND's gRPC address"));
  EXPECT_EQ(load.warnings.size(), 22U) << format_diagnostics("aperture.yaml", load);
}

TEST(ApertureFormat, IsRecognisedByServicesWithApertureKeysAlone) {
  const ConfigLoad load = parse(
      "services:\n"
      "  - name: s\n"
      "    hostregexp: '^a$'\n"
      "    address: 127.0.0.1:1\n"
      "authenticator: {disable: true}\n");
  EXPECT_TRUE(load.aperture_format);
  EXPECT_TRUE(load.config) << test::describe_errors(load);
}

TEST(ApertureFormat, AFileWithL402dKeysIsReadAsL402d) {
  const ConfigLoad load = parse("listen: [{address: 127.0.0.1:1}]\nlistenaddr: 127.0.0.1:2\n");
  EXPECT_FALSE(load.aperture_format);
  EXPECT_TRUE(HasErrorOnLine(load, "unknown key 'listenaddr'", 2));
}

TEST(ApertureFormat, UnknownKeysAreErrorsWithSuggestions) {
  const std::string yaml = std::string(kMinimal) +
                           "services:\n"
                           "  - name: s\n"
                           "    hostregex: '^a$'\n"
                           "    address: 127.0.0.1:1\n"
                           "colour: red\n";
  const ConfigLoad load = parse(yaml);
  EXPECT_TRUE(load.aperture_format);
  EXPECT_TRUE(HasErrorOnLine(load,
                             "unknown key 'hostregex' in services[0] (Aperture format) "
                             "(did you mean 'hostregexp'?)",
                             9));
  EXPECT_TRUE(HasErrorOnLine(load, "unknown key 'colour'", 11));
}

TEST(ApertureFormat, MinimalLndFileMapsToTheLndBackend) {
  const ConfigLoad load = parse(kMinimal);
  ASSERT_TRUE(load.config) << test::describe_errors(load);
  const GatewayConfig& c = *load.config;
  EXPECT_FALSE(c.listeners[0].tls.enabled);
  EXPECT_EQ(c.lightning.kind, LightningKind::kLnd);
  EXPECT_EQ(c.lightning.lnd_url, "https://10.0.0.2:8080");
  EXPECT_EQ(c.lightning.lnd_macaroon, "/lnd/macaroons/invoice.macaroon");
  EXPECT_EQ(c.store.kind, StoreKind::kSqlite);
  EXPECT_EQ(c.data_dir, "/home/tester/.local/share/l402d");
}

TEST(ApertureFormat, MacdirDefaultsToLndsDirectoryForTheNetwork) {
  const ConfigLoad load = parse(
      "listenaddr: 127.0.0.1:8081\n"
      "authenticator: {lndhost: 'h:10009', tlspath: /t, network: testnet}\n");
  ASSERT_TRUE(load.config) << test::describe_errors(load);
  EXPECT_EQ(load.config->lightning.lnd_macaroon,
            "/home/tester/.lnd/data/chain/bitcoin/testnet/invoice.macaroon");
}

TEST(ApertureFormat, DisabledAuthenticatorServesEverythingFree) {
  const ConfigLoad load = parse(
      "listenaddr: ':8081'\n"
      "authenticator: {disable: true}\n"
      "services:\n"
      "  - {name: s, address: '127.0.0.1:1', auth: 'on', price: 5}\n");
  ASSERT_TRUE(load.config) << test::describe_errors(load);
  EXPECT_EQ(load.config->listeners[0].host, "0.0.0.0");
  EXPECT_EQ(load.config->lightning.kind, LightningKind::kDevnet);
  EXPECT_FALSE(load.config->lightning.devnet_serve);
  EXPECT_EQ(load.config->services[0].auth, AuthMode::kOff);
}

TEST(ApertureFormat, LightningNodeConnectAloneIsAnError) {
  const ConfigLoad load = parse(
      "listenaddr: 127.0.0.1:8081\n"
      "authenticator:\n"
      "  passphrase: words\n"
      "  mailboxaddress: mailbox.example:443\n");
  EXPECT_TRUE(HasErrorOnLine(load, "authenticator needs lndhost, tlspath and macdir", 3));
  EXPECT_TRUE(warned_unsupported(load, "authenticator.passphrase", 3));
  EXPECT_TRUE(warned_unsupported(load, "authenticator.mailboxaddress", 4));
  EXPECT_TRUE(
      HasErrorOnLine(parse("listenaddr: 127.0.0.1:8081\n"), "authenticator needs lndhost", 1));
}

TEST(ApertureFormat, HeadersExpandEnvironmentAndFileDirectives) {
  FakeEnvironment fake;
  fake.variables["UPSTREAM_KEY"] = "abc";
  fake.files["/keys/bin"] = std::string("\x01\xff", 2);
  const ConfigLoad load = parse(std::string(kMinimal) +
                                    "services:\n"
                                    "  - name: s\n"
                                    "    address: 127.0.0.1:1\n"
                                    "    headers:\n"
                                    "      Authorization: 'Bearer ${UPSTREAM_KEY}'\n"
                                    "      X-Hex: '!file+hex:/keys/bin'\n"
                                    "      X-B64: '!file+base64:/keys/bin'\n"
                                    "      X-Price: '$5'\n",
                                fake);
  ASSERT_TRUE(load.config) << test::describe_errors(load);
  const auto& headers = load.config->services[0].headers;
  ASSERT_EQ(headers.size(), 4U);
  EXPECT_EQ(headers[0].value, "Bearer abc");
  EXPECT_TRUE(headers[0].secret);
  EXPECT_EQ(headers[1].value, "01ff");
  EXPECT_TRUE(headers[1].secret);
  EXPECT_EQ(headers[2].value, "Af8=");
  EXPECT_EQ(headers[3].value, "$5");
  EXPECT_FALSE(headers[3].secret);
}

TEST(ApertureFormat, HeaderProblemsNameTheVariableOrFile) {
  const ConfigLoad load = parse(std::string(kMinimal) +
                                "services:\n"
                                "  - name: s\n"
                                "    address: 127.0.0.1:1\n"
                                "    headers:\n"
                                "      A: '${MISSING_VAR}'\n"
                                "      B: '!file+hex:/nope'\n"
                                "      C: '!file+rot13:/x'\n");
  EXPECT_TRUE(HasErrorOnLine(load, "environment variable MISSING_VAR is not set", 11));
  EXPECT_TRUE(HasErrorOnLine(load, "cannot read file /nope", 12));
  EXPECT_TRUE(HasErrorOnLine(load, "must be '!file+hex:PATH' or '!file+base64:PATH'", 13));
}

TEST(ApertureFormat, ServiceValuesAreChecked) {
  const ConfigLoad load = parse(std::string(kMinimal) +
                                "services:\n"
                                "  - name: s\n"
                                "    address: 127.0.0.1\n"
                                "    protocol: gopher\n"
                                "    price: -3\n"
                                "    auth: 'freebie lots'\n"
                                "    pathregexp: '(['\n"
                                "  - address: 127.0.0.1:2\n");
  EXPECT_TRUE(HasErrorOnLine(load, "address is not an address", 9));
  EXPECT_TRUE(HasErrorOnLine(load, "protocol must be http or https", 10));
  EXPECT_TRUE(HasErrorOnLine(load, "price must be a whole number", 11));
  EXPECT_TRUE(HasErrorOnLine(load, "\"freebie N\" needs N", 12));
  EXPECT_TRUE(HasErrorOnLine(load, "pathregexp: regex does not compile", 13));
  EXPECT_TRUE(HasErrorOnLine(load, "services[1] needs a name", 14));
}

TEST(ApertureFormat, EtcdFallsBackToSqliteWithAWarningAndPostgresBuildsADsn) {
  const ConfigLoad etcd = parse(std::string(kMinimal) + "dbbackend: etcd\n");
  ASSERT_TRUE(etcd.config) << test::describe_errors(etcd);
  EXPECT_EQ(etcd.config->store.kind, StoreKind::kSqlite);
  EXPECT_TRUE(warned_unsupported(etcd, "dbbackend etcd", 7));

  const ConfigLoad postgres = parse(std::string(kMinimal) +
                                    "dbbackend: postgres\n"
                                    "postgres: {host: db, port: 5433, user: u, password: \"p'w\", "
                                    "dbname: d}\n");
  ASSERT_TRUE(postgres.config) << test::describe_errors(postgres);
  EXPECT_EQ(postgres.config->store.kind, StoreKind::kPostgres);
  EXPECT_EQ(postgres.config->store.postgres_dsn,
            "host='db' user='u' password='p\\'w' dbname='d' port=5433 sslmode=disable");
  EXPECT_TRUE(HasErrorOnLine(parse(std::string(kMinimal) + "dbbackend: postgres\n"),
                             "dbbackend postgres needs a postgres section", 7));
}

TEST(ApertureFormat, DebugLevelsMapToL402dLevels) {
  const auto level_of = [](const std::string& level) {
    ConfigLoad load = parse(std::string(kMinimal) + "debuglevel: " + level + "\n");
    return load.config ? load.config->log.level : "(error)";
  };
  EXPECT_EQ(level_of("trace"), "debug");
  EXPECT_EQ(level_of("warn"), "warn");
  EXPECT_EQ(level_of("critical"), "error");
  EXPECT_EQ(level_of("PRXY=debug,LNDC=info"), "info");
  EXPECT_TRUE(find_diagnostic(parse(std::string(kMinimal) + "debuglevel: PRXY=debug\n").warnings,
                              "per-subsystem"));
}

TEST(ApertureFormat, ApertureAdminAndConfigFileKeysAreWarnings) {
  const ConfigLoad load = parse(std::string(kMinimal) +
                                "admin: {enabled: true, macaroonpath: /m}\n"
                                "configfile: /etc/aperture.yaml\n");
  ASSERT_TRUE(load.config) << test::describe_errors(load);
  EXPECT_TRUE(warned_unsupported(load, "admin", 7));
  EXPECT_TRUE(warned_unsupported(load, "configfile", 8));
  EXPECT_TRUE(load.config->admin.enabled);
  EXPECT_EQ(load.config->admin.port, 8403);
}

TEST(ApertureFormat, HostRegexWithAPortIsWarnedAbout) {
  const ConfigLoad load =
      parse(std::string(kMinimal) +
            "services:\n"
            "  - {name: s, address: '127.0.0.1:1', hostregexp: 'a.com:8083'}\n");
  ASSERT_TRUE(load.config) << test::describe_errors(load);
  EXPECT_TRUE(find_diagnostic(load.warnings, "matches the Host without its port"));
}

TEST(ApertureFormat, MpcAuthSchemesAreWarnedAboutAndL402IsSilent) {
  const ConfigLoad load = parse(std::string(kMinimal) +
                                "services:\n"
                                "  - {name: a, address: '127.0.0.1:1', authscheme: l402}\n"
                                "  - {name: b, address: '127.0.0.1:2', authscheme: 'l402+mpp'}\n");
  ASSERT_TRUE(load.config) << test::describe_errors(load);
  EXPECT_FALSE(find_diagnostic(load.warnings, "authscheme l402 "));
  EXPECT_TRUE(warned_unsupported(load, "services[].authscheme l402+mpp", 9));
}

}  // namespace
}  // namespace l402::gateway
