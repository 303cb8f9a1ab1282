// l402d's handling of credentials: a paid one reaches the upstream rewritten as Aperture
// rewrites it; a wrong, foreign, expired, revoked or malformed one is refused with 401 or a
// fresh 402, never with a 5xx.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "gateway_fixture.hpp"
#include "l402/encoding.hpp"

namespace l402::test {
namespace {

using CredentialTest = GatewayTest;

// The values of a header in the "headers" of the demo upstream's /api/echo-headers answer
// (names compared case-insensitively; a repeated header is an array there).
std::vector<std::string> echoed(const nlohmann::json& headers, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& [key, value] : headers.items()) {
    if (lower_case(key) != lower_case(name)) continue;
    if (value.is_array()) {
      for (const auto& each : value) out.push_back(each.get<std::string>());
    } else if (value.is_string()) {
      out.push_back(value.get<std::string>());
    }
  }
  return out;
}

// Every status a refusal may have: a client error, never a server error.
::testing::AssertionResult IsClientError(const HttpResponse& response) {
  if (response.status >= 400 && response.status < 500) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "status " << response.status << " " << response.error << " " << response.body;
}

TEST_F(CredentialTest, PaidCredentialGetsTheUpstreamsAnswer) {
  ASSERT_OK_AND_ASSIGN(const Purchase purchase, buy(gateway(), *payer_, "/api/hello"));
  const HttpResponse direct = http_get(upstream_url() + "/api/hello");
  const HttpResponse paid =
      http_get(gateway().url() + "/api/hello", {"Authorization: " + purchase.authorization});
  ASSERT_EQ(paid.status, 200) << paid.error << paid.body;
  EXPECT_EQ(paid.body, direct.body);
  // The same credential keeps working.
  const HttpResponse again =
      http_get(gateway().url() + "/api/hello", {"Authorization: " + purchase.authorization});
  EXPECT_EQ(again.status, 200);
}

TEST_F(CredentialTest, UpstreamSeesApertureStyleCredentialAndTokenHeaders) {
  ASSERT_OK_AND_ASSIGN(const Purchase purchase, buy(gateway(), *payer_, "/api/echo-headers"));
  const HttpResponse response = http_get(gateway().url() + "/api/echo-headers",
                                         {"Authorization: " + purchase.authorization,
                                          "X-L402-Token-Id: forged", "X-L402-Service: forged"});
  ASSERT_EQ(response.status, 200) << response.error << response.body;
  const nlohmann::json echo = nlohmann::json::parse(response.body, nullptr, false);
  ASSERT_TRUE(echo.is_object() && echo.contains("headers")) << response.body;
  const nlohmann::json& headers = echo["headers"];

  const std::vector<std::string> authorization = echoed(headers, "Authorization");
  ASSERT_EQ(authorization.size(), 2u) << response.body;
  EXPECT_EQ(authorization[0].rfind("LSAT ", 0), 0u) << authorization[0];
  EXPECT_EQ(authorization[1].rfind("L402 ", 0), 0u) << authorization[1];
  const std::string preimage = hex::encode(purchase.preimage);
  EXPECT_NE(authorization[0].find(preimage), std::string::npos);
  EXPECT_NE(authorization[1].find(preimage), std::string::npos);

  EXPECT_EQ(echoed(headers, "X-L402-Token-Id"), std::vector<std::string>{purchase.token_id_hex});
  EXPECT_EQ(echoed(headers, "X-L402-Service"), std::vector<std::string>{"demo"});
  EXPECT_EQ(echoed(headers, "X-Forwarded-For"), std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(echoed(headers, "X-Forwarded-Proto"), std::vector<std::string>{"http"});
  EXPECT_EQ(echoed(headers, "X-Forwarded-Host"),
            std::vector<std::string>{"127.0.0.1:" + std::to_string(gateway().port())});
}

TEST_F(CredentialTest, WrongPreimageIs401) {
  ASSERT_OK_AND_ASSIGN(const Purchase purchase, buy(gateway(), *payer_, "/api/hello"));
  Hash256 wrong = purchase.preimage;
  wrong[0] ^= 0x01;
  const HttpResponse response =
      http_get(gateway().url() + "/api/hello",
               {"Authorization: L402 " + purchase.macaroon_base64 + ":" + hex::encode(wrong)});
  EXPECT_EQ(response.status, 401) << response.body;
}

TEST_F(CredentialTest, TokenForAnotherServiceGetsAFresh402) {
  ASSERT_OK_AND_ASSIGN(const Purchase purchase, buy(gateway(), *payer_, "/api/hello"));
  const HttpResponse response =
      http_get(gateway().url() + "/other/hello", {"Authorization: " + purchase.authorization});
  EXPECT_EQ(response.status, 402) << response.body;
  EXPECT_FALSE(response.values("WWW-Authenticate").empty());
}

TEST_F(CredentialTest, ExpiredTokenGetsAFresh402) {
  ASSERT_OK_AND_ASSIGN(const Purchase purchase, buy(gateway(), *payer_, "/short/hello"));
  const HttpResponse fresh =
      http_get(gateway().url() + "/short/hello", {"Authorization: " + purchase.authorization});
  // Valid for 1 s: the first use may fall in the next second already.
  EXPECT_TRUE(fresh.status == 200 || fresh.status == 402) << fresh.status;
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  const HttpResponse expired =
      http_get(gateway().url() + "/short/hello", {"Authorization: " + purchase.authorization});
  EXPECT_EQ(expired.status, 402) << expired.body;
  EXPECT_FALSE(expired.values("WWW-Authenticate").empty());
}

TEST_F(CredentialTest, RevokedTokenGetsAFresh402) {
  ASSERT_OK_AND_ASSIGN(const Purchase purchase, buy(gateway(), *payer_, "/api/hello"));
  ASSERT_EQ(
      http_get(gateway().url() + "/api/hello", {"Authorization: " + purchase.authorization}).status,
      200);
  const CliRun revoke = gateway().admin("revoke " + purchase.token_id_hex + " --reason test");
  ASSERT_EQ(revoke.exit_code, 0) << revoke.out << revoke.err;
  EXPECT_TRUE(nlohmann::json::parse(revoke.out, nullptr, false).is_object()) << revoke.out;
  const HttpResponse response =
      http_get(gateway().url() + "/api/hello", {"Authorization: " + purchase.authorization});
  EXPECT_EQ(response.status, 402) << response.body;
}

TEST_F(CredentialTest, MalformedCredentialsAreClientErrorsNeverServerErrors) {
  ASSERT_OK_AND_ASSIGN(const Purchase purchase, buy(gateway(), *payer_, "/api/hello"));
  const std::string preimage = hex::encode(purchase.preimage);
  const std::vector<std::string> authorizations = {
      "garbage",
      "L402",
      "L402 ",
      "L402 :",
      "L402 !!!not-base64!!!:" + preimage,
      "L402 " + purchase.macaroon_base64 + ":" + preimage.substr(0, 63),
      "L402 " + purchase.macaroon_base64 + ":" + preimage + "0",
      "L402 " + purchase.macaroon_base64 + ":zz" + preimage.substr(2),
      "L402 " + purchase.macaroon_base64,
      "L402 AAAA:" + preimage,
      "L402 " + purchase.macaroon_base64 + "," + purchase.macaroon_base64 + "," +
          purchase.macaroon_base64 + "," + purchase.macaroon_base64 + "," +
          purchase.macaroon_base64 + ":" + preimage,
      "L402 " + std::string(7000, 'A') + ":" + preimage,
      "Basic dXNlcjpwYXNz",
  };
  for (const std::string& authorization : authorizations) {
    const HttpResponse response =
        http_get(gateway().url() + "/api/hello", {"Authorization: " + authorization});
    EXPECT_TRUE(IsClientError(response)) << "Authorization: " << authorization.substr(0, 80);
    EXPECT_NE(response.status, 200) << "Authorization: " << authorization.substr(0, 80);
  }
  // A head beyond max_header_bytes (8 KiB here) is refused before any parsing.
  const HttpResponse huge =
      http_get(gateway().url() + "/api/hello",
               {"Authorization: L402 " + std::string(12000, 'A') + ":" + preimage});
  EXPECT_TRUE(IsClientError(huge));
  // The gateway still serves the genuine credential.
  EXPECT_EQ(
      http_get(gateway().url() + "/api/hello", {"Authorization: " + purchase.authorization}).status,
      200);
}

TEST_F(CredentialTest, TokenFromAnotherGatewayIs401) {
  GatewaySetup setup;
  setup.services = standard_services(upstream_url());
  Gateway& stranger = start_gateway(setup, "stranger");
  ASSERT_TRUE(stranger.ready()) << stranger.log_tail();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Backend> stranger_payer, open_payer(stranger));
  ASSERT_OK_AND_ASSIGN(const Purchase purchase, buy(stranger, *stranger_payer, "/api/hello"));
  ASSERT_EQ(
      http_get(stranger.url() + "/api/hello", {"Authorization: " + purchase.authorization}).status,
      200);
  const HttpResponse response =
      http_get(gateway().url() + "/api/hello", {"Authorization: " + purchase.authorization});
  EXPECT_EQ(response.status, 401) << response.body;
}

}  // namespace
}  // namespace l402::test
