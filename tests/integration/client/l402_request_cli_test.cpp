// `l402 get/request`, `l402 tokens` and `l402 spent` end to end against l402d and its
// embedded devnet: a buyer pays once and reuses, buys again when a token expires or is
// revoked, refuses what its limits forbid without paying, sends a POST body again intact,
// downloads to a file, and hands on a narrowed token that the gateway honours only within
// its limits.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "gateway_buyer_fixture.hpp"
#include "raw_connection.hpp"
#include "l402/crypto.hpp"
#include "l402/encoding.hpp"
#include "result_matchers.hpp"

namespace l402::test {
namespace {

using std::chrono::seconds;

nlohmann::json spent_json(const Buyer& buyer) {
  const CliRun run = buyer.run("spent --json");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  return nlohmann::json::parse(run.out, nullptr, false);
}

std::size_t receipts(const Buyer& buyer) {
  const nlohmann::json spent = spent_json(buyer);
  return spent.is_object() ? spent["receipts"].size() : 0;
}

std::string only_token_id(const Buyer& buyer) {
  const CliRun run = buyer.run("tokens list --json");
  const nlohmann::json json = nlohmann::json::parse(run.out, nullptr, false);
  if (!json.is_object() || json["tokens"].size() != 1) return "";
  return json["tokens"][0]["token_id"];
}

TEST_F(GatewayBuyerTest, PaysOnceThenReusesTheTokenAndRecordsOneReceipt) {
  const Buyer buyer(wallet());
  const CliRun first = buyer.run("get --json " + url("/api/hello"));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const nlohmann::json paid = json_of(first);
  EXPECT_EQ(paid["status"], 200);
  EXPECT_EQ(paid["outcome"], "done");
  EXPECT_EQ(paid["paid_msat"], 1000);
  EXPECT_EQ(paid["purchase"]["service"], "demo");
  EXPECT_NE(first.err.find("402 from " + url("/api/hello")), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("paid 1 sat"), std::string::npos) << first.err;

  const CliRun second = buyer.run("get " + url("/api/hello"));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("hello from the demo upstream"), std::string::npos) << second.out;
  EXPECT_EQ(second.err.find("paying"), std::string::npos) << second.err;

  EXPECT_EQ(paid_tokens(1), 1);
  const nlohmann::json spent = spent_json(buyer);
  ASSERT_EQ(spent["receipts"].size(), 1u) << spent.dump();
  const nlohmann::json& receipt = spent["receipts"][0];
  EXPECT_EQ(receipt["host"], "127.0.0.1");
  EXPECT_EQ(receipt["service"], "demo");
  EXPECT_EQ(receipt["amount_msat"], 1000);
  EXPECT_EQ(receipt["token_id"], paid["token_id"]);
  const std::string preimage = receipt["preimage"];
  ASSERT_OK_AND_ASSIGN(const std::string preimage_bytes, hex::decode(preimage));
  EXPECT_EQ(hex::encode(as_view(sha256(preimage_bytes))), receipt["payment_hash"]);

  const CliRun by_host = buyer.run("spent --by host --json");
  const nlohmann::json hosts = nlohmann::json::parse(by_host.out, nullptr, false);
  ASSERT_TRUE(hosts.is_object()) << by_host.out << by_host.err;
  ASSERT_EQ(hosts["by_host"].size(), 1u);
  EXPECT_EQ(hosts["by_host"][0]["purchases"], 1);
  EXPECT_EQ(hosts["by_host"][0]["amount_msat"], 1000);
}

TEST_F(GatewayBuyerTest, BuysAgainWhenTheStoredTokenIsAboutToExpire) {
  const Buyer buyer(wallet());
  ASSERT_EQ(buyer.run("get -s " + url("/lasting/hello")).exit_code, 0);
  const CliRun reused = buyer.run("get --json " + url("/lasting/hello"));
  ASSERT_EQ(reused.exit_code, 0) << reused.err;
  EXPECT_EQ(json_of(reused)["paid_msat"], 0);
  // 33 s tokens: after 4 s the token has under the client's 30 s margin left.
  std::this_thread::sleep_for(seconds(4));
  const CliRun renewed = buyer.run("get --json " + url("/lasting/hello"));
  ASSERT_EQ(renewed.exit_code, 0) << renewed.err;
  EXPECT_EQ(json_of(renewed)["paid_msat"], 1000);
  EXPECT_EQ(receipts(buyer), 2u);
  EXPECT_EQ(paid_tokens(2), 2);
}

TEST_F(GatewayBuyerTest, ReplacesATokenTheGatewayRevoked) {
  const Buyer buyer(wallet());
  ASSERT_EQ(buyer.run("get -s " + url("/api/hello")).exit_code, 0);
  const std::string revoked = only_token_id(buyer);
  ASSERT_FALSE(revoked.empty());
  const CliRun revoke = gateway().admin("revoke " + revoked + " --reason test");
  ASSERT_EQ(revoke.exit_code, 0) << revoke.err;

  const CliRun again = buyer.run("get --json " + url("/api/hello"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const nlohmann::json json = json_of(again);
  EXPECT_EQ(json["status"], 200);
  EXPECT_EQ(json["paid_msat"], 1000);
  EXPECT_NE(json["token_id"], revoked);
  const CliRun show = buyer.run("tokens show " + revoked.substr(0, 12));
  EXPECT_EQ(nlohmann::json::parse(show.out, nullptr, false)["stale"], true) << show.out;
  EXPECT_EQ(paid_tokens(2), 2);
}

TEST_F(GatewayBuyerTest, RefusesAPriceOverMaxPriceWithoutPaying) {
  const Buyer buyer(wallet());
  const CliRun run = buyer.run("get --json --max-price 10 " + url("/pricey/hello"));
  EXPECT_EQ(run.exit_code, 6) << run.err;
  const nlohmann::json json = json_of(run);
  EXPECT_EQ(json["outcome"], "budget_refused");
  EXPECT_EQ(json["refusal"], "over_max_price");
  EXPECT_EQ(json["paid_msat"], 0);
  EXPECT_NE(run.err.find("not paying"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("50 sat"), std::string::npos) << run.err;
  EXPECT_EQ(receipts(buyer), 0u);
  EXPECT_EQ(buyer.run("tokens list --json").out, "{\"tokens\":[]}\n");
  EXPECT_EQ(paid_tokens(0, std::chrono::milliseconds(500)), 0);
}

TEST_F(GatewayBuyerTest, RefusesAPurchaseOverTheDailyBudgetWithoutPaying) {
  const Buyer buyer(wallet(), "  total_per_day: 60 sat\n");
  const CliRun first = buyer.run("get -s --json " + url("/pricey/hello"));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(json_of(first)["paid_msat"], 50'000);
  const std::string token = only_token_id(buyer);
  ASSERT_EQ(buyer.run("tokens rm " + token).exit_code, 0);

  const CliRun second = buyer.run("get --json " + url("/pricey/hello"));
  EXPECT_EQ(second.exit_code, 6) << second.err;
  EXPECT_EQ(json_of(second)["refusal"], "over_total_budget") << second.out;
  EXPECT_EQ(receipts(buyer), 1u);
  EXPECT_EQ(paid_tokens(1), 1);
}

TEST_F(GatewayBuyerTest, DryRunShowsThePriceAndPaysNothing) {
  const Buyer buyer(wallet());
  const CliRun run = buyer.run("get --dry-run --json " + url("/pricey/hello"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json json = json_of(run);
  EXPECT_EQ(json["outcome"], "dry_run");
  EXPECT_EQ(json["purchase"]["amount_msat"], 50'000);
  EXPECT_EQ(json["purchase"]["paid"], false);
  EXPECT_NE(run.err.find("would pay 50 sat"), std::string::npos) << run.err;
  EXPECT_EQ(receipts(buyer), 0u);
  EXPECT_EQ(paid_tokens(0, std::chrono::milliseconds(500)), 0);
}

TEST_F(GatewayBuyerTest, SendsAPostBodyAgainIntactAfterPaying) {
  const Buyer buyer(wallet());
  std::string body(3 * 1024 * 1024 + 17, '\0');
  std::mt19937 random(8);
  for (char& c : body) c = static_cast<char>(random());
  const std::string file = buyer.file("body.bin");
  std::ofstream(file, std::ios::binary) << body;

  const CliRun run = buyer.run("request -s --data-binary @" + file + " " + url("/api/echo"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json echo = nlohmann::json::parse(run.out, nullptr, false);
  EXPECT_EQ(echo["bytes"], body.size()) << run.out;
  EXPECT_EQ(echo["sha256"], hex::encode(as_view(sha256(body))));

  // The token is reused for an inline body, sent with the method asked for.
  const CliRun put = buyer.run("request -s -X PUT -d 'name=value' " + url("/api/echo"));
  ASSERT_EQ(put.exit_code, 0) << put.err;
  EXPECT_EQ(nlohmann::json::parse(put.out, nullptr, false)["sha256"],
            hex::encode(as_view(sha256("name=value"))));
  EXPECT_EQ(receipts(buyer), 1u);
}

TEST_F(GatewayBuyerTest, DownloadsALargeBodyToAFile) {
  const Buyer buyer(wallet());
  constexpr std::size_t kSize = 32 * 1024 * 1024;
  const std::string out = buyer.file("download.bin");
  const CliRun run =
      buyer.run("get --json -o " + out + " " + url("/api/bytes/" + std::to_string(kSize)));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(json_of(run)["body_bytes"], kSize);
  const std::string data = read_whole_file(out);
  ASSERT_EQ(data.size(), kSize);
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (static_cast<unsigned char>(data[i]) != (i * 31 + 7) % 256) ++wrong;
  }
  EXPECT_EQ(wrong, 0u);
}

TEST_F(GatewayBuyerTest, AnErrorStatusAfterPayingHasItsOwnExitCode) {
  const Buyer buyer(wallet());
  const CliRun run = buyer.run("get -s " + url("/api/status/404"));
  EXPECT_EQ(run.exit_code, 7) << run.err;
  EXPECT_NE(run.err.find("HTTP 404"), std::string::npos) << run.err;
}

TEST_F(GatewayBuyerTest, ADelegatedTokenIsHonouredWithinItsLimitsOnly) {
  const Buyer buyer(wallet());
  ASSERT_EQ(buyer.run("get -s " + url("/api/hello")).exit_code, 0);
  const std::string token = only_token_id(buyer);
  ASSERT_FALSE(token.empty());
  const CliRun delegate =
      buyer.run("tokens delegate " + token.substr(0, 10) + " --capabilities read --valid-for 4s");
  ASSERT_EQ(delegate.exit_code, 0) << delegate.err;
  std::string authorization = delegate.out;
  while (!authorization.empty() && authorization.back() == '\n') authorization.pop_back();
  ASSERT_EQ(authorization.rfind("L402 ", 0), 0u) << authorization;

  // Another program with no token of its own: its own Authorization is sent, never paid for.
  const Buyer other(wallet());
  const std::string header = " -H " + shell_quote("Authorization: " + authorization);
  const CliRun read = other.run("request -s" + header + " " + url("/api/hello"));
  EXPECT_EQ(read.exit_code, 0) << read.err;
  EXPECT_NE(read.out.find("hello from the demo upstream"), std::string::npos) << read.out;
  const CliRun write = other.run("request -s --json -d x" + header + " " + url("/api/echo"));
  EXPECT_EQ(write.exit_code, 7) << write.err;
  EXPECT_EQ(json_of(write)["status"], 402);
  // The same token undelegated may write.
  EXPECT_EQ(buyer.run("request -s -d x " + url("/api/echo")).exit_code, 0);

  std::this_thread::sleep_for(seconds(5));
  const CliRun expired = other.run("request -s --json" + header + " " + url("/api/hello"));
  EXPECT_EQ(expired.exit_code, 7) << expired.err;
  EXPECT_EQ(json_of(expired)["status"], 402);
  EXPECT_EQ(receipts(other), 0u);
  EXPECT_EQ(paid_tokens(1), 1);
}

TEST_F(GatewayBuyerTest, DelegateRefusesToWidenAToken) {
  const Buyer buyer(wallet());
  ASSERT_EQ(buyer.run("get -s " + url("/api/hello")).exit_code, 0);
  const std::string token = only_token_id(buyer);
  const CliRun widen = buyer.run("tokens delegate " + token + " --capabilities read,admin");
  EXPECT_EQ(widen.exit_code, 1) << widen.err;
  EXPECT_NE(widen.err.find("widens"), std::string::npos) << widen.err;
  const CliRun service = buyer.run("tokens delegate " + token + " --services other");
  EXPECT_EQ(service.exit_code, 1) << service.err;
  EXPECT_NE(service.err.find("not among the token's services"), std::string::npos) << service.err;
  EXPECT_TRUE(widen.out.empty() && service.out.empty());
}

TEST_F(GatewayBuyerTest, ExportedTokensWorkInAnotherStoreWithoutPayingAgain) {
  const Buyer buyer(wallet());
  ASSERT_EQ(buyer.run("get -s " + url("/api/hello")).exit_code, 0);
  const std::string file = buyer.file("tokens.json");
  ASSERT_EQ(buyer.run("tokens export " + file).exit_code, 0);
  struct stat info {};
  ASSERT_EQ(stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);

  const Buyer other(wallet());
  const CliRun imported = other.run("tokens import " + file);
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_EQ(nlohmann::json::parse(imported.out, nullptr, false)["imported"], 1);
  const CliRun run = other.run("get --json " + url("/api/hello"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(json_of(run)["paid_msat"], 0);
  EXPECT_EQ(paid_tokens(1), 1);
}

// A buyer whose wallet is missing: free URLs and stored tokens need none, and only a
// purchase fails, as the wallet being unavailable.
TEST_F(GatewayBuyerTest, NoWalletIsNeededUntilAPaymentIs) {
  const Buyer payer(wallet());
  ASSERT_EQ(payer.run("get -s " + url("/api/hello")).exit_code, 0);
  const BuyerWallet missing{payer.file("no-wallet-here"),
                            "https://127.0.0.1:" + std::to_string(unused_port()), "default"};
  const Buyer broke(missing, "", payer.store_dir());

  const CliRun free = broke.run("get " + upstream_url() + "/api/hello");
  EXPECT_EQ(free.exit_code, 0) << free.err;
  EXPECT_NE(free.out.find("hello from the demo upstream"), std::string::npos) << free.out;
  const CliRun stored = broke.run("get --json " + url("/api/hello"));
  EXPECT_EQ(stored.exit_code, 0) << stored.err;
  EXPECT_EQ(json_of(stored)["paid_msat"], 0);

  const CliRun purchase = broke.run("get " + url("/lasting/hello"));
  EXPECT_EQ(purchase.exit_code, 5) << purchase.err;  // kExitWalletUnavailable
  EXPECT_NE(purchase.err.find("wallet"), std::string::npos) << purchase.err;
  EXPECT_EQ(paid_tokens(1), 1);
}

}  // namespace
}  // namespace l402::test
