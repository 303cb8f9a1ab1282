// Running l402d: a Lightning backend that is down, a TLS listener, configuration reloads on
// SIGHUP, draining on SIGTERM, `--check-config`, the admin command line and /metrics.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "gateway_fixture.hpp"
#include "raw_connection.hpp"

namespace l402::test {
namespace {

using OperationsTest = GatewayTest;

// The price of the demo service as a JSON 402 body states it.
std::optional<std::uint64_t> demo_price_msat(const Gateway& gateway) {
  const HttpResponse response =
      http_get(gateway.url() + "/api/hello", {"Accept: application/json"});
  if (response.status != 402) return std::nullopt;
  const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object() || !body.contains("price_msat")) return std::nullopt;
  return body["price_msat"].get<std::uint64_t>();
}

// Polls `condition` every 100 ms for at most `limit`.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return condition();
}

// The paid requests `stats` reports for `service`, wherever in the answer they are.
std::optional<std::uint64_t> paid_requests(const nlohmann::json& stats,
                                           const std::string& service) {
  if (stats.is_object()) {
    if (stats.value("service", "") == service && stats.contains("paid_requests")) {
      return stats["paid_requests"].get<std::uint64_t>();
    }
    if (stats.contains(service) && stats[service].is_object() &&
        stats[service].contains("paid_requests")) {
      return stats[service]["paid_requests"].get<std::uint64_t>();
    }
  }
  if (stats.is_structured()) {
    for (const auto& child : stats) {
      if (auto found = paid_requests(child, service)) return found;
    }
  }
  return std::nullopt;
}

TEST_F(OperationsTest, BackendDownMeans503ForChallengesWhilePaidTokensStillPass) {
  TempDir data("l402d-itg-backend");
  GatewaySetup setup;
  setup.data_dir = data.file("data");
  setup.services = standard_services(upstream_url());
  Gateway& first = start_gateway(setup, "devnet");
  ASSERT_TRUE(first.ready()) << first.log_tail();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Backend> payer, open_payer(first));
  ASSERT_OK_AND_ASSIGN(const Purchase purchase, buy(first, *payer, "/api/hello"));
  const std::string tls_cert = first.ready_line()["devnet_tls_cert"];
  const std::string macaroon = first.ready_line()["devnet_payer_macaroon"];
  payer.reset();
  ASSERT_EQ(first.stop(), 0);

  setup.lightning = "  backend: lnd\n  timeout: 2s\n  lnd: {url: \"https://127.0.0.1:" +
                    std::to_string(unused_port()) + "\", tls_cert: " + tls_cert +
                    ", macaroon: " + macaroon + "}\n";
  Gateway& second = start_gateway(setup, "lnd-down");
  ASSERT_TRUE(second.ready()) << second.log_tail();
  const HttpResponse unpaid = http_get(second.url() + "/api/hello");
  EXPECT_EQ(unpaid.status, 503) << unpaid.body;
  EXPECT_TRUE(unpaid.header("Retry-After").has_value());
  const HttpResponse paid =
      http_get(second.url() + "/api/hello", {"Authorization: " + purchase.authorization});
  EXPECT_EQ(paid.status, 200) << paid.body;
}

TEST_F(OperationsTest, TlsListenerWithSelfSignedCertificateServesChallenges) {
  GatewaySetup setup;
  setup.tls_listener = true;
  setup.services = standard_services(upstream_url());
  Gateway& secure = start_gateway(setup, "tls");
  ASSERT_TRUE(secure.ready()) << secure.log_tail();
  const std::string url = secure.url_with_scheme("https");
  ASSERT_FALSE(url.empty()) << secure.ready_line().dump();

  HttpRequest request;
  request.url = url + "/api/hello";
  request.verify_tls = false;
  const HttpResponse response = http(request);
  EXPECT_EQ(response.status, 402) << response.error;
  EXPECT_EQ(response.values("WWW-Authenticate").size(), 2u);

  // The generated certificate is in the data directory, and a client that trusts it can
  // verify the listener (127.0.0.1 among its names).
  std::string certificate = secure.ready_line().value("tls_cert", "");
  for (const auto& entry : std::filesystem::recursive_directory_iterator(secure.data_dir())) {
    const std::string name = entry.path().filename().string();
    if (certificate.empty() && entry.path().string().find("tls") != std::string::npos &&
        (name == "tls.cert" || name == "cert.pem" || name == "tls.crt") &&
        entry.path().string().find("devnet") == std::string::npos) {
      certificate = entry.path().string();
    }
  }
  ASSERT_FALSE(certificate.empty()) << "no self-signed certificate under " << secure.data_dir();
  request.verify_tls = true;
  request.ca_file = certificate;
  const HttpResponse verified = http(request);
  EXPECT_EQ(verified.status, 402) << verified.error << " (trusting " << certificate << ")";
}

TEST_F(OperationsTest, SighupWithBrokenFileKeepsTheOldConfiguration) {
  GatewaySetup setup;
  setup.services = standard_services(upstream_url());
  Gateway& running = start_gateway(setup, "hup-broken");
  ASSERT_TRUE(running.ready()) << running.log_tail();
  ASSERT_GT(running.pid(), 0);
  ASSERT_EQ(demo_price_msat(running), std::optional<std::uint64_t>(1000));

  std::ofstream(running.config_path()) << "services: [ {{{ this is not yaml\n  - : :\n";
  ASSERT_EQ(kill(running.pid(), SIGHUP), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let the reload be tried
  EXPECT_EQ(demo_price_msat(running), std::optional<std::uint64_t>(1000));
  EXPECT_EQ(http_get(running.url() + "/open/hello").status, 200);
  EXPECT_EQ(http_get(running.url() + "/down/hello").status, 502);
}

TEST_F(OperationsTest, SighupWithValidFileAppliesTheNewPrice) {
  GatewaySetup setup;
  setup.services = standard_services(upstream_url());
  Gateway& running = start_gateway(setup, "hup-valid");
  ASSERT_TRUE(running.ready()) << running.log_tail();
  ASSERT_GT(running.pid(), 0);
  ASSERT_EQ(demo_price_msat(running), std::optional<std::uint64_t>(1000));

  // The data directory must stay the same: take it from the ready line.
  setup.data_dir = running.data_dir();
  setup.services = service_yaml("demo", "/api/.*", upstream_url(), {"price: 5"});
  std::ofstream(running.config_path()) << gateway_yaml(setup);
  ASSERT_EQ(kill(running.pid(), SIGHUP), 0);
  EXPECT_TRUE(eventually([&] { return demo_price_msat(running) == 5000u; }));
  EXPECT_EQ(http_get(running.url() + "/open/hello").status, 404);  // service removed
}

TEST_F(OperationsTest, SigtermLetsAnInFlightRequestFinishThenExitsZero) {
  GatewaySetup setup;
  setup.services = standard_services(upstream_url());
  Gateway& running = start_gateway(setup, "drain");
  ASSERT_TRUE(running.ready()) << running.log_tail();

  HttpResponse slow;
  std::thread client([&] {
    HttpRequest request;
    request.url = running.url() + "/open/slow?ms=1500";
    slow = http(request);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // the request is in flight
  const int exit_code = running.stop(SIGTERM, std::chrono::seconds(10));
  client.join();
  EXPECT_EQ(slow.status, 200) << slow.error;
  EXPECT_EQ(exit_code, 0);
}

TEST_F(OperationsTest, CheckConfigListsEveryProblemWithItsLine) {
  TempDir dir("l402d-itg-check");
  const std::string path = dir.file("broken.yaml");
  std::ofstream(path) << "listen:\n"
                         "  - address: 127.0.0.1:0\n"
                         "    header_timeout: soon\n"
                         "services:\n"
                         "  - name: demo\n"
                         "    path: \"/api/.*\"\n"
                         "    upstream: http://127.0.0.1:1\n"
                         "    colour: blue\n";
  const CliRun run = run_l402d("--check-config " + path);
  EXPECT_EQ(run.exit_code, 1);
  const std::string output = run.out + run.err;
  EXPECT_NE(output.find(path + ":3:"), std::string::npos) << output;
  EXPECT_NE(output.find(path + ":8:"), std::string::npos) << output;
  EXPECT_NE(output.find("error:"), std::string::npos) << output;
}

TEST_F(OperationsTest, CheckConfigAcceptsTheExampleConfiguration) {
  const std::string example = std::string(L402_EXAMPLES_DIR) + "/l402d.yaml";
  ASSERT_TRUE(std::filesystem::exists(example)) << example;
  const CliRun run = run_l402d("--check-config " + example);
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
}

TEST_F(OperationsTest, AdminCommandsAnswerJsonAndStatsCountPaidRequests) {
  ASSERT_OK_AND_ASSIGN(const Purchase purchase, buy(gateway(), *payer_, "/api/hello"));
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(http_get(gateway().url() + "/api/hello", {"Authorization: " + purchase.authorization})
                  .status,
              200);
  }
  const CliRun info = gateway().admin("info");
  ASSERT_EQ(info.exit_code, 0) << info.out << info.err;
  EXPECT_TRUE(nlohmann::json::parse(info.out, nullptr, false).is_object()) << info.out;

  nlohmann::json stats;
  const bool counted = eventually([&] {
    const CliRun run = gateway().admin("stats");
    stats = nlohmann::json::parse(run.out, nullptr, false);
    const std::optional<std::uint64_t> paid = paid_requests(stats, "demo");
    return run.exit_code == 0 && paid && *paid >= 3;
  });
  EXPECT_TRUE(counted) << stats.dump();

  CliRun tokens;
  EXPECT_TRUE(eventually([&] {
    tokens = gateway().admin("tokens --service demo");
    return tokens.exit_code == 0 && tokens.out.find(purchase.token_id_hex) != std::string::npos;
  })) << tokens.out
      << tokens.err;
  EXPECT_FALSE(nlohmann::json::parse(tokens.out, nullptr, false).is_discarded()) << tokens.out;
}

// What the node reports as paid reaches the ledger, whether or not the token is ever used;
// after a restart, from where the ledger left off.
TEST_F(OperationsTest, StatsCountTheInvoicesTheNodeSettled) {
  TempDir data("l402d-itg-settled");
  GatewaySetup setup;
  setup.data_dir = data.file("data");
  setup.services = standard_services(upstream_url());
  const auto settled = [](Gateway& running) {
    const CliRun run = running.admin("stats");
    const nlohmann::json stats = nlohmann::json::parse(run.out, nullptr, false);
    const bool has = run.exit_code == 0 && stats.is_object() && stats.contains("totals") &&
                     stats["totals"].contains("settlements");
    return has ? std::make_pair(stats["totals"]["settlements"].get<std::uint64_t>(),
                                stats["totals"]["settled_msat"].get<std::uint64_t>())
               : std::make_pair(std::uint64_t{99}, std::uint64_t{0});
  };
  {
    Gateway& first = start_gateway(setup, "settled");
    ASSERT_TRUE(first.ready()) << first.log_tail();
    EXPECT_EQ(settled(first).first, 0u);
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Backend> payer, open_payer(first));
    ASSERT_OK_AND_ASSIGN(const Purchase purchase, buy(first, *payer, "/api/hello"));
    std::pair<std::uint64_t, std::uint64_t> after;
    EXPECT_TRUE(eventually(
        [&] {
          after = settled(first);
          return after.first == 1;
        },
        std::chrono::seconds(10)))
        << "settlements: " << after.first;
    EXPECT_GT(after.second, 0u);
    payer.reset();
    ASSERT_EQ(first.stop(), 0);
  }
  Gateway& again = start_gateway(setup, "settled-again");
  ASSERT_TRUE(again.ready()) << again.log_tail();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Backend> payer, open_payer(again));
  ASSERT_OK_AND_ASSIGN(const Purchase purchase, buy(again, *payer, "/api/hello"));
  EXPECT_TRUE(eventually([&] { return settled(again).first == 2; }, std::chrono::seconds(10)))
      << "settlements: " << settled(again).first;
}

TEST_F(OperationsTest, AdminApiRefusesRequestsWithoutTheCredential) {
  const HttpResponse response = http_get(gateway().admin_url() + "/api/info");
  EXPECT_EQ(response.status, 401) << response.body;
  const HttpResponse wrong = http_get(gateway().admin_url() + "/api/info",
                                      {"Authorization: Bearer " + std::string(64, '0')});
  EXPECT_EQ(wrong.status, 401) << wrong.body;
}

TEST_F(OperationsTest, MetricsCountRequestsAndChallenges) {
  ASSERT_EQ(http_get(gateway().url() + "/api/hello").status, 402);
  ASSERT_EQ(http_get(gateway().url() + "/open/hello").status, 200);
  // A request is counted once its response is written, which the client may see first.
  HttpResponse metrics;
  EXPECT_TRUE(eventually([&] {
    metrics = http_get(gateway().admin_url() + "/metrics");
    return metrics.body.find("outcome=\"free\"") != std::string::npos;
  }));
  ASSERT_EQ(metrics.status, 200) << metrics.error;
  EXPECT_NE(metrics.body.find("l402d_requests_total"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("l402d_challenges_total{service=\"demo\"}"), std::string::npos)
      << metrics.body;
  // Requests are counted by outcome (exchange.hpp's names).
  EXPECT_NE(metrics.body.find("outcome=\"challenged\""), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("outcome=\"free\""), std::string::npos) << metrics.body;
}

TEST_F(OperationsTest, AccessLogNamesEachRequestsOutcome) {
  GatewaySetup setup;
  setup.services = standard_services(upstream_url());
  setup.extra = "log: {format: json, level: info, access_log: true}\n";
  Gateway& running = start_gateway(setup, "access-log");
  ASSERT_TRUE(running.ready()) << running.log_tail();
  ASSERT_EQ(http_get(running.url() + "/api/hello").status, 402);
  ASSERT_EQ(http_get(running.url() + "/open/hello").status, 200);

  std::map<std::string, std::string> outcome_by_path;
  EXPECT_TRUE(eventually([&] {
    std::istringstream lines(read_whole_file(running.stderr_path()));
    for (std::string line; std::getline(lines, line);) {
      const nlohmann::json entry = nlohmann::json::parse(line, nullptr, false);
      if (entry.is_object() && entry.contains("path") && entry.contains("outcome")) {
        outcome_by_path[entry["path"].get<std::string>()] = entry["outcome"].dump();
      }
    }
    return outcome_by_path.size() >= 2;
  })) << running.log_tail();
  EXPECT_EQ(outcome_by_path["/api/hello"], "\"challenged\"");
  EXPECT_EQ(outcome_by_path["/open/hello"], "\"free\"");
}

}  // namespace
}  // namespace l402::test
