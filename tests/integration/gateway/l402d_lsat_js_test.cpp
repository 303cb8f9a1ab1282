// l402d's challenges read by an independent client, lsat-js 2.0.6: it must find the
// macaroon, invoice and payment hash our parser finds, accept the macaroon-invoice binding,
// and the credential it builds after paying must be accepted by l402d.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "gateway_fixture.hpp"
#include "l402/bolt11.hpp"
#include "l402/encoding.hpp"
#include "l402/token_header.hpp"
#include "lightning_test_helpers.hpp"

namespace l402::test {
namespace {

using LsatJsTest = GatewayTest;

CliRun lsat_js(const std::string& args) {
  return run_program("env", std::string("NODE_PATH=") + L402_NODE_MODULES + " " + L402_NODE + " " +
                                L402_LSAT_JS_CLIENT + " " + args);
}

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

TEST_F(LsatJsTest, LsatJsReadsBothChallengesAsWeDoAndItsCredentialIsAccepted) {
  const HttpResponse response = http_get(gateway().url() + "/api/hello");
  ASSERT_EQ(response.status, 402);
  const std::vector<std::string> values = response.values("WWW-Authenticate");
  ASSERT_EQ(values.size(), 2u);
  const std::vector<std::string_view> views(values.begin(), values.end());
  ASSERT_OK_AND_ASSIGN(const std::vector<Challenge> ours, parse_challenges(views));
  ASSERT_EQ(ours.size(), 2u);
  ASSERT_OK_AND_ASSIGN(const Invoice invoice, decode_invoice(ours[1].invoice));
  ASSERT_OK_AND_ASSIGN(const std::string token_id, token_id_of(ours[1].macaroon_base64));

  TempDir dir("l402d-itg-lsat-js");
  const std::string file = dir.file("values.json");
  std::ofstream(file) << nlohmann::json(values).dump();
  const CliRun read = lsat_js("read " + file);
  ASSERT_EQ(read.exit_code, 0) << read.err;
  const nlohmann::json theirs = nlohmann::json::parse(read.out, nullptr, false);
  ASSERT_TRUE(theirs.is_array() && theirs.size() == 2) << read.out;
  for (std::size_t i = 0; i < 2; ++i) {
    SCOPED_TRACE(values[i].substr(0, 4));
    EXPECT_EQ(theirs[i]["macaroon"], ours[i].macaroon_base64);
    EXPECT_EQ(theirs[i]["invoice"], ours[i].invoice);
    EXPECT_EQ(theirs[i]["payment_hash"], hex::encode(invoice.payment_hash));
    EXPECT_EQ(theirs[i]["identifier_payment_hash"], hex::encode(invoice.payment_hash));
    EXPECT_EQ(theirs[i]["token_id"], token_id);
    EXPECT_EQ(theirs[i]["pending"], true);
    EXPECT_EQ(theirs[i]["from_macaroon_accepts"], true);
  }

  const PayOutcome paid = payer_->pay(pay_request(ours[1].invoice, Msat(100'000)));
  ASSERT_TRUE(paid.ok()) << paid.message();
  const CliRun token =
      lsat_js("token " + shell_quote(values[0]) + " " + hex::encode(paid.payment().preimage));
  ASSERT_EQ(token.exit_code, 0) << token.err;
  std::string authorization = token.out;
  while (!authorization.empty() && authorization.back() == '\n') authorization.pop_back();
  ASSERT_EQ(authorization.rfind("LSAT ", 0), 0u) << authorization;
  const HttpResponse accepted =
      http_get(gateway().url() + "/api/hello", {"Authorization: " + authorization});
  EXPECT_EQ(accepted.status, 200) << accepted.body;
}

}  // namespace
}  // namespace l402::test
