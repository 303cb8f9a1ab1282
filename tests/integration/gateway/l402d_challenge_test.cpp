// l402d's answer to unpaid requests: the 402 with both WWW-Authenticate lines, its invoice
// bound to its macaroon, no caching, CORS, and a JSON body for clients that ask for one.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "gateway_fixture.hpp"
#include "l402/bolt11.hpp"
#include "l402/encoding.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/token.hpp"
#include "l402/token_header.hpp"

namespace l402::test {
namespace {

using ChallengeTest = GatewayTest;

TEST_F(ChallengeTest, UnpaidRequestGets402WithAnLsatThenAnL402Challenge) {
  const HttpResponse response = http_get(gateway().url() + "/api/hello");
  ASSERT_EQ(response.status, 402) << response.error << response.body;
  const std::vector<std::string> values = response.values("WWW-Authenticate");
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[0].rfind("LSAT macaroon=\"", 0), 0u) << values[0];
  EXPECT_EQ(values[1].rfind("L402 macaroon=\"", 0), 0u) << values[1];

  const std::vector<std::string_view> views(values.begin(), values.end());
  ASSERT_OK_AND_ASSIGN(const std::vector<Challenge> challenges, parse_challenges(views));
  ASSERT_EQ(challenges.size(), 2u);
  EXPECT_EQ(challenges[0].scheme, "LSAT");
  EXPECT_EQ(challenges[1].scheme, "L402");
  EXPECT_EQ(challenges[0].macaroon_base64, challenges[1].macaroon_base64);
  EXPECT_EQ(challenges[0].invoice, challenges[1].invoice);
}

TEST_F(ChallengeTest, InvoiceIsForTheMacaroonsPaymentHashAndThePrice) {
  const HttpResponse response = http_get(gateway().url() + "/api/hello");
  ASSERT_EQ(response.status, 402);
  const std::vector<std::string> values = response.values("WWW-Authenticate");
  const std::vector<std::string_view> views(values.begin(), values.end());
  ASSERT_OK_AND_ASSIGN(const std::vector<Challenge> challenges, parse_challenges(views));
  ASSERT_FALSE(challenges.empty());

  ASSERT_OK_AND_ASSIGN(const Invoice invoice, decode_invoice(challenges.back().invoice));
  EXPECT_EQ(invoice.network, Network::kRegtest);
  ASSERT_TRUE(invoice.amount.has_value());
  EXPECT_EQ(invoice.amount->value(), 1000u);  // demo: 1 sat

  ASSERT_OK_AND_ASSIGN(const std::string binary, base64::decode(challenges.back().macaroon_base64));
  ASSERT_OK_AND_ASSIGN(const Macaroon macaroon, parse_binary(binary));
  ASSERT_OK_AND_ASSIGN(const Identifier identifier, decode_identifier(macaroon.identifier()));
  EXPECT_EQ(identifier.payment_hash, invoice.payment_hash);
}

TEST_F(ChallengeTest, ChallengeIsNotCachedAndCarriesCorsHeaders) {
  const HttpResponse response =
      http_get(gateway().url() + "/api/hello", {"Origin: https://app.example"});
  ASSERT_EQ(response.status, 402);
  ASSERT_TRUE(response.header("Cache-Control").has_value());
  EXPECT_NE(response.header("Cache-Control")->find("no-store"), std::string::npos);
  ASSERT_TRUE(response.header("Access-Control-Allow-Origin").has_value());
  const std::string origin = *response.header("Access-Control-Allow-Origin");
  EXPECT_TRUE(origin == "*" || origin == "https://app.example") << origin;
  ASSERT_TRUE(response.header("Access-Control-Expose-Headers").has_value());
  EXPECT_NE(lower_case(*response.header("Access-Control-Expose-Headers")).find("www-authenticate"),
            std::string::npos);
}

TEST_F(ChallengeTest, JsonClientsGetTheChallengeInTheBody) {
  const HttpResponse response =
      http_get(gateway().url() + "/api/hello", {"Accept: application/json"});
  ASSERT_EQ(response.status, 402);
  ASSERT_TRUE(response.header("Content-Type").has_value());
  EXPECT_NE(response.header("Content-Type")->find("application/json"), std::string::npos);
  const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << response.body;
  EXPECT_EQ(body.value("error", ""), "payment required");
  EXPECT_EQ(body.value("service", ""), "demo");
  EXPECT_EQ(body.value("price_msat", 0), 1000);
  ASSERT_TRUE(body.contains("invoice") && body.contains("macaroon") && body.contains("expires_at"))
      << response.body;

  const std::vector<std::string> values = response.values("WWW-Authenticate");
  const std::vector<std::string_view> views(values.begin(), values.end());
  ASSERT_OK_AND_ASSIGN(const std::vector<Challenge> challenges, parse_challenges(views));
  ASSERT_FALSE(challenges.empty());
  EXPECT_EQ(body["invoice"], challenges.back().invoice);
  EXPECT_EQ(body["macaroon"], challenges.back().macaroon_base64);
}

TEST_F(ChallengeTest, OtherClientsGetAPlainTextBody) {
  const HttpResponse response = http_get(gateway().url() + "/api/hello", {"Accept: text/html"});
  ASSERT_EQ(response.status, 402);
  EXPECT_EQ(response.body, "payment required\n");
}

TEST_F(ChallengeTest, EachChallengeHasItsOwnInvoice) {
  const HttpResponse first = http_get(gateway().url() + "/api/hello");
  const HttpResponse second = http_get(gateway().url() + "/api/hello");
  ASSERT_EQ(first.status, 402);
  ASSERT_EQ(second.status, 402);
  EXPECT_NE(first.values("WWW-Authenticate"), second.values("WWW-Authenticate"));
}

TEST_F(ChallengeTest, PathNoServiceMatchesIs404) {
  const HttpResponse response = http_get(gateway().url() + "/nowhere");
  EXPECT_EQ(response.status, 404) << response.error << response.body;
  EXPECT_TRUE(response.values("WWW-Authenticate").empty());
}

TEST_F(ChallengeTest, ANetworkOverItsChallengeLimitGets429WithRetryAfter) {
  GatewaySetup setup;
  setup.services = standard_services(upstream_url());
  setup.extra = "challenge: {network_limit: 1, network_burst: 2}\n";
  Gateway& limited = start_gateway(setup, "limited");
  ASSERT_TRUE(limited.ready()) << limited.log_tail();
  EXPECT_EQ(http_get(limited.url() + "/api/hello").status, 402);
  EXPECT_EQ(http_get(limited.url() + "/other/hello").status, 402);
  const HttpResponse response = http_get(limited.url() + "/api/hello");
  EXPECT_EQ(response.status, 429) << response.body;
  EXPECT_TRUE(response.values("WWW-Authenticate").empty());
  ASSERT_TRUE(response.header("Retry-After").has_value());
  EXPECT_GE(std::stoi(*response.header("Retry-After")), 1);
  EXPECT_NE(response.body.find("too many challenges"), std::string::npos) << response.body;
  // Free paths are not challenges.
  EXPECT_EQ(http_get(limited.url() + "/api/quote").status, 200);
}

}  // namespace
}  // namespace l402::test
