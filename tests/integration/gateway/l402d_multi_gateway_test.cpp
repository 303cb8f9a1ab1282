// Several l402d processes on one PostgreSQL database, as a deployment behind a load balancer
// runs them: a token bought through one is accepted by the others, a revocation or a key
// rotation made through one reaches the others within a second, free requests are counted
// once for all, and every instance's admin statistics report the sum of all instances' work.
//
// Each gateway has its own data directory, admin credential and embedded devnet; what they
// share is only the database (a fresh one per test on the cluster the postgres_cluster
// fixture starts).
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gateway_harness.hpp"
#include "l402/encoding.hpp"
#include "l402/keyring.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/token.hpp"
#include "postgres_test_support.hpp"
#include "result_matchers.hpp"
#include "temp_dir.hpp"

namespace l402::test {
namespace {

using Clock = std::chrono::steady_clock;

// Polls `condition` every 20 ms for at most `limit`; returns how long it took to hold, or
// nullopt when it never did.
template <typename Condition>
std::optional<std::chrono::milliseconds> time_until(Condition condition,
                                                    std::chrono::milliseconds limit) {
  const auto start = Clock::now();
  while (Clock::now() - start < limit) {
    if (condition()) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

// The key ID inside the token ID of a 402 challenge's macaroon, or nullopt.
std::optional<KeyId> challenge_key_id(const Gateway& gateway) {
  const HttpResponse response =
      http_get(gateway.url() + "/api/hello", {"Accept: application/json"});
  if (response.status != 402) return std::nullopt;
  const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object() || !body.contains("macaroon")) return std::nullopt;
  const Result<std::string> binary = base64::decode(body["macaroon"].get<std::string>());
  if (!binary.ok()) return std::nullopt;
  const Result<Macaroon> macaroon = parse_binary(binary.value());
  if (!macaroon.ok()) return std::nullopt;
  const Result<Identifier> identifier = decode_identifier(macaroon.value().identifier());
  if (!identifier.ok()) return std::nullopt;
  return key_id_of(identifier.value().token_id);
}

// The totals of `l402d admin stats`, or an empty object.
nlohmann::json admin_totals(const Gateway& gateway) {
  const CliRun run = gateway.admin("stats");
  if (run.exit_code != 0) return nlohmann::json::object();
  const nlohmann::json stats = nlohmann::json::parse(run.out, nullptr, false);
  if (!stats.is_object() || !stats.contains("totals")) return nlohmann::json::object();
  return stats["totals"];
}

std::uint64_t total(const nlohmann::json& totals, const char* key) {
  return totals.contains(key) && totals[key].is_number_unsigned() ? totals[key].get<std::uint64_t>()
                                                                  : 0;
}

class MultiGatewayTest : public ::testing::Test {
 protected:
  static constexpr int kGateways = 3;

  static void SetUpTestSuite() {
    dir_ = new TempDir("l402d-multi");
    upstream_ = new Upstream(start_upstream(dir_->file("upstream.stderr")));
  }
  static void TearDownTestSuite() {
    delete upstream_;
    upstream_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override {
    ASSERT_FALSE(upstream_->url.empty()) << "l402-demo-upstream did not print its ready line";
    database_ = pg::fresh_shared_database();
    ASSERT_NE(database_, nullptr);
    for (int i = 0; i < kGateways; ++i) {
      dirs_.push_back(std::make_unique<TempDir>("l402d-multi-" + std::to_string(i)));
      const TempDir& dir = *dirs_.back();
      GatewaySetup setup;
      setup.data_dir = dir.file("data");
      setup.services = standard_services(upstream_->url);
      setup.extra =
          "store:\n  backend: postgres\n  postgres:\n    dsn: \"" + database_->dsn() + "\"\n";
      gateways_.push_back(
          Gateway::start(dir.file("l402d.yaml"), gateway_yaml(setup), dir.file("l402d.stderr")));
      ASSERT_TRUE(gateways_.back()->ready()) << "l402d " << i << " did not start\n"
                                             << gateways_.back()->log_tail();
    }
  }

  void TearDown() override {
    if (HasFailure()) {
      for (const auto& gateway : gateways_) std::cerr << gateway->log_tail(3000) << "\n";
    }
    // Gateways stop before their directories and the database go.
    gateways_.clear();
    dirs_.clear();
    database_.reset();
  }

  Gateway& gateway(int i) { return *gateways_.at(static_cast<std::size_t>(i)); }

  // A credential bought through gateway `i` (paid through its own devnet).
  Purchase buy_through(int i) {
    auto payer = open_payer(gateway(i));
    EXPECT_OK(payer);
    if (!payer.ok()) return {};
    auto purchase = buy(gateway(i), *payer.value(), "/api/hello");
    EXPECT_OK(purchase);
    return purchase.ok() ? purchase.value() : Purchase{};
  }

  long paid_get(int i, const Purchase& purchase) {
    return http_get(gateway(i).url() + "/api/hello", {"Authorization: " + purchase.authorization})
        .status;
  }

  inline static TempDir* dir_ = nullptr;
  inline static Upstream* upstream_ = nullptr;
  std::unique_ptr<pg::TestDatabase> database_;
  std::vector<std::unique_ptr<TempDir>> dirs_;  // outlive their gateways (declared first)
  std::vector<std::unique_ptr<Gateway>> gateways_;
};

TEST_F(MultiGatewayTest, TokenBoughtThroughOneGatewayIsAcceptedByEveryOther) {
  const Purchase purchase = buy_through(0);
  ASSERT_FALSE(purchase.authorization.empty());
  for (int i = 0; i < kGateways; ++i) EXPECT_EQ(paid_get(i, purchase), 200) << "gateway " << i;
}

TEST_F(MultiGatewayTest, RevocationThroughOneGatewayIsEnforcedByAllWithinASecond) {
  const Purchase purchase = buy_through(1);
  ASSERT_FALSE(purchase.authorization.empty());
  for (int i = 0; i < kGateways; ++i) ASSERT_EQ(paid_get(i, purchase), 200) << "gateway " << i;

  const CliRun revoke = gateway(0).admin("revoke " + purchase.token_id_hex + " --reason test");
  ASSERT_EQ(revoke.exit_code, 0) << revoke.out << revoke.err;
  const auto revoked_at = Clock::now();
  for (int i = 0; i < kGateways; ++i) {
    // Measured from the admin call's return, so the earlier gateways' waits count too.
    const auto denied =
        time_until([&] { return paid_get(i, purchase) == 402; }, std::chrono::seconds(5));
    ASSERT_TRUE(denied.has_value()) << "gateway " << i << " still accepts the revoked token";
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - revoked_at);
    std::cout << "gateway " << i << " refuses the revoked token " << elapsed.count()
              << " ms after the revocation\n";
    EXPECT_LE(elapsed.count(), 1000)
        << "gateway " << i << " enforced the revocation only after " << elapsed.count() << " ms";
  }
}

TEST_F(MultiGatewayTest, KeyRotationThroughOneGatewayReachesAllWithinASecond) {
  const Purchase before = buy_through(2);
  ASSERT_FALSE(before.authorization.empty());

  const CliRun rotate = gateway(0).admin("rotate-keys");
  ASSERT_EQ(rotate.exit_code, 0) << rotate.out << rotate.err;
  const auto rotated_at = Clock::now();
  const nlohmann::json rotated = nlohmann::json::parse(rotate.out, nullptr, false);
  ASSERT_TRUE(rotated.is_object() && rotated.contains("key_id")) << rotate.out;
  const KeyId new_key = rotated["key_id"].get<KeyId>();

  for (int i = 0; i < kGateways; ++i) {
    const auto minted_with_new_key = time_until(
        [&] { return challenge_key_id(gateway(i)) == new_key; }, std::chrono::seconds(5));
    ASSERT_TRUE(minted_with_new_key.has_value()) << "gateway " << i << " mints with an old key";
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - rotated_at);
    std::cout << "gateway " << i << " mints with the new key " << elapsed.count()
              << " ms after the rotation\n";
    EXPECT_LE(elapsed.count(), 1000)
        << "gateway " << i << " took the new key only after " << elapsed.count() << " ms";
    // Tokens of the previous key keep verifying everywhere.
    EXPECT_EQ(paid_get(i, before), 200) << "gateway " << i;
  }
  // And a token of the new key, bought through another gateway, verifies on all.
  const Purchase after = buy_through(1);
  ASSERT_FALSE(after.authorization.empty());
  for (int i = 0; i < kGateways; ++i) EXPECT_EQ(paid_get(i, after), 200) << "gateway " << i;
}

TEST_F(MultiGatewayTest, FreeRequestsAreCountedOnceForAllGateways) {
  // The gift service gives each client network 2 free requests, wherever they land.
  EXPECT_EQ(http_get(gateway(0).url() + "/gift/hello").status, 200);
  EXPECT_EQ(http_get(gateway(1).url() + "/gift/hello").status, 200);
  for (int i = 0; i < kGateways; ++i) {
    EXPECT_EQ(http_get(gateway(i).url() + "/gift/hello").status, 402) << "gateway " << i;
  }
}

TEST_F(MultiGatewayTest, AdminStatisticsAddUpAcrossGateways) {
  // One token bought through gateway 0 and used once on each gateway; one more challenge
  // through each of the others, never paid.
  const Purchase purchase = buy_through(0);
  ASSERT_FALSE(purchase.authorization.empty());
  for (int i = 0; i < kGateways; ++i) ASSERT_EQ(paid_get(i, purchase), 200) << "gateway " << i;
  for (int i = 1; i < kGateways; ++i) {
    ASSERT_EQ(http_get(gateway(i).url() + "/api/hello").status, 402) << "gateway " << i;
  }
  const std::uint64_t challenges = kGateways;  // 1 bought + (kGateways - 1) unpaid
  const std::uint64_t paid_requests = kGateways;

  // Each gateway writes its ledger about once a second; every one reports the same sums.
  for (int i = 0; i < kGateways; ++i) {
    nlohmann::json totals;
    const auto summed = time_until(
        [&] {
          totals = admin_totals(gateway(i));
          return total(totals, "challenges") == challenges && total(totals, "paid_tokens") == 1 &&
                 total(totals, "paid_requests") == paid_requests;
        },
        std::chrono::seconds(10));
    EXPECT_TRUE(summed.has_value()) << "gateway " << i << ": " << totals.dump();
  }
}

}  // namespace
}  // namespace l402::test
