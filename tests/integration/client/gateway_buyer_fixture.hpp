// The fixture of the buyer's end-to-end tests against l402d: one demo upstream and one l402d
// per test (CTest runs each case in its own process), with services made for the buyer, the
// wallet of l402d's embedded devnet for `Buyer`s, and the gateway's count of paid tokens
// (each purchase the buyer makes is followed by a request with its token, so a second payment
// would show there: devnet's REST API has no balance call to ask instead).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "client_cli_harness.hpp"
#include "gateway_harness.hpp"
#include "temp_dir.hpp"

namespace l402::test {

// Under each service's prefix the upstream's /api endpoints (echo, bytes/N, hello, ...):
//   demo    /api/.*     1 sat; capabilities read,write; /api/echo needs write
//   lasting /lasting/.* 1 sat, tokens valid for 33 s (just past the client's 30 s margin)
//   pricey  /pricey/.*  50 sat
inline std::string buyer_services(const std::string& upstream) {
  auto under = [](const std::string& prefix) {
    return "rewrite: {from: " + prefix + ", to: /api}";
  };
  return service_yaml("lasting", "/lasting/.*", upstream,
                      {"price: 1", "timeout: 33s", under("/lasting")}) +
         service_yaml("pricey", "/pricey/.*", upstream, {"price: 50", under("/pricey")}) +
         service_yaml("demo", "/api/.*", upstream,
                      {"price: 1", "capabilities: [read, write]",
                       "capability_paths: [{path: \"/api/echo\", capability: write}]"});
}

class GatewayBuyerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    upstream_ = start_upstream(dir_.file("upstream.stderr"));
    ASSERT_FALSE(upstream_.url.empty()) << "l402-demo-upstream did not start";
    GatewaySetup setup;
    setup.data_dir = dir_.file("l402d");
    setup.services = buyer_services(upstream_.url);
    gateway_ =
        Gateway::start(dir_.file("l402d.yaml"), gateway_yaml(setup), dir_.file("l402d.stderr"));
    ASSERT_TRUE(gateway_ && gateway_->ready()) << (gateway_ ? gateway_->log_tail() : "");
    const nlohmann::json& ready = gateway_->ready_line();
    ASSERT_TRUE(ready.contains("devnet_url")) << ready.dump();
    wallet_.devnet_url = ready["devnet_url"];
    wallet_.devnet_dir =
        std::filesystem::path(ready["devnet_tls_cert"].get<std::string>()).parent_path();
    wallet_.account = "default";  // the ready line's devnet_payer_macaroon (admin.macaroon)
  }
  void TearDown() override {
    if (HasFailure() && gateway_) std::cerr << gateway_->log_tail() << "\n";
  }

  std::string url(const std::string& path) const { return gateway_->url() + path; }
  std::string upstream_url() const { return upstream_.url; }  // free: no gateway in front
  const BuyerWallet& wallet() const { return wallet_; }
  Gateway& gateway() { return *gateway_; }

  // Tokens the gateway has seen paid and used (admin stats, totals.paid_tokens); the gateway
  // writes its ledger in batches, so this waits up to `limit` for at least `expected`.
  std::int64_t paid_tokens(std::int64_t expected = 0,
                           std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    std::int64_t seen = -1;
    while (true) {
      const CliRun stats = gateway_->admin("stats");
      const nlohmann::json json = nlohmann::json::parse(stats.out, nullptr, false);
      if (json.is_object() && json.contains("totals")) {
        seen = json["totals"].value("paid_tokens", std::int64_t{-1});
      }
      if (seen >= expected) return seen;
      if (std::chrono::steady_clock::now() > deadline) {
        std::cerr << "l402d admin stats: " << stats.out << stats.err << "\n";
        return seen;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

 private:
  TempDir dir_{"l402-buyer-itg"};
  Upstream upstream_;
  std::unique_ptr<Gateway> gateway_;
  BuyerWallet wallet_;
};

// The --json object `l402 get/request --json` printed (a discarded object when it is not one).
inline nlohmann::json json_of(const CliRun& run) {
  return nlohmann::json::parse(run.out, nullptr, false);
}

}  // namespace l402::test
