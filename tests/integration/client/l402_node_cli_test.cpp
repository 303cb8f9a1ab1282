// `l402 get/request` against the independent Node L402 server (npm macaroon and bolt11; code
// the client shares nothing with): paying works, and each hostile mode is refused with a
// clear message, the right exit code and no payment; a 402 loop stops after one purchase.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "client_cli_harness.hpp"
#include "l402/crypto.hpp"
#include "l402/encoding.hpp"
#include "node_l402_server.hpp"
#include "result_matchers.hpp"
#include "temp_dir.hpp"

namespace l402::test {
namespace {

class NodeServerBuyerTest : public ::testing::Test {
 protected:
  [[nodiscard]] bool start(const std::string& mode, std::uint64_t price_sat = 10) {
    NodeServerOptions options;
    options.mode = mode;
    options.price_sat = price_sat;
    Result<NodeL402Setup> started = start_node_l402_setup(dir_.path(), options);
    EXPECT_OK(started);
    if (!started.ok()) return false;
    setup_ = std::move(*started);
    wallet_.devnet_dir = setup_.devnet->dir();
    wallet_.devnet_url = setup_.devnet->url();
    wallet_.account = setup_.devnet->setup().payer;
    return true;
  }
  void TearDown() override {
    if (HasFailure() && setup_.server) std::cerr << setup_.server->log_tail() << "\n";
  }

  std::string url(const std::string& path) const { return setup_.server->url() + path; }
  nlohmann::json stats() const {
    Result<nlohmann::json> stats = setup_.server->stats();
    return stats.ok() ? *stats : nlohmann::json::object();
  }

  // A refused challenge: the exit code and refusal name, a message, nothing paid or stored.
  void expect_refused(const std::string& path, int exit_code, const std::string& refusal,
                      const std::string& message, const std::string& options = "") {
    const Buyer buyer(wallet_);
    const CliRun run = buyer.run("get --json " + options + url(path));
    EXPECT_EQ(run.exit_code, exit_code) << path << "\n" << run.err;
    const nlohmann::json json = nlohmann::json::parse(run.out, nullptr, false);
    EXPECT_EQ(json["refusal"], refusal) << path << ": " << run.out;
    EXPECT_EQ(json["paid_msat"], 0) << path;
    EXPECT_NE(run.err.find(message), std::string::npos) << path << "\n" << run.err;
    const nlohmann::json spent =
        nlohmann::json::parse(buyer.run("spent --json").out, nullptr, false);
    EXPECT_TRUE(spent.is_object() && spent["receipts"].empty()) << spent.dump();
    EXPECT_EQ(stats()["invoices_settled"], 0) << path;
  }

  TempDir dir_{"l402-node-buyer"};
  NodeL402Setup setup_;
  BuyerWallet wallet_;
};

TEST_F(NodeServerBuyerTest, PaysTheIndependentServerAndReusesItsToken) {
  ASSERT_TRUE(start("normal"));
  const Buyer buyer(wallet_);
  const CliRun paid = buyer.run("get --json " + url("/paid/hello"));
  ASSERT_EQ(paid.exit_code, 0) << paid.err;
  const nlohmann::json json = nlohmann::json::parse(paid.out, nullptr, false);
  EXPECT_EQ(json["status"], 200);
  EXPECT_EQ(json["paid_msat"], 10'000);
  EXPECT_EQ(json["purchase"]["service"], "interop");

  const CliRun echoed = buyer.run("request -s -d 'a body to echo' " + url("/paid/echo"));
  ASSERT_EQ(echoed.exit_code, 0) << echoed.err;
  EXPECT_EQ(echoed.out, "a body to echo");
  const CliRun bytes = buyer.run("get -s -i " + url("/paid/bytes/100000"));
  ASSERT_EQ(bytes.exit_code, 0) << bytes.err;
  const std::size_t split = bytes.out.find("\r\n\r\n");
  ASSERT_NE(split, std::string::npos);
  const std::string body = bytes.out.substr(split + 4);
  EXPECT_EQ(body.size(), 100'000u);
  EXPECT_NE(bytes.out.find(hex::encode(as_view(sha256(body)))), std::string::npos)
      << "X-Checksum should be the body's sha256";
  EXPECT_EQ(stats()["invoices_settled"], 1);
}

TEST_F(NodeServerBuyerTest, RefusesAnInvoiceForAnotherPaymentHash) {
  ASSERT_TRUE(start("hash-mismatch"));
  expect_refused("/paid/x", 3, "hash_mismatch", "payment hash");
}

TEST_F(NodeServerBuyerTest, RefusesAMainnetInvoiceWithADevnetWallet) {
  ASSERT_TRUE(start("mainnet"));
  expect_refused("/paid/x", 3, "wrong_network", "bitcoin");
}

TEST_F(NodeServerBuyerTest, RefusesAnExpiredInvoice) {
  ASSERT_TRUE(start("expired"));
  expect_refused("/paid/x", 3, "invoice_expired", "expired");
}

TEST_F(NodeServerBuyerTest, RefusesAnAmountOverTheBudget) {
  ASSERT_TRUE(start("normal", 5000));
  expect_refused("/paid/x", 6, "over_max_price", "maximum price", "--max-price 1000 ");
}

TEST_F(NodeServerBuyerTest, StopsAfterOnePurchaseWhenTheServerKeepsAnswering402) {
  ASSERT_TRUE(start("loop"));
  const Buyer buyer(wallet_);
  const CliRun run = buyer.run("get --json " + url("/paid/x"));
  EXPECT_EQ(run.exit_code, 9) << run.err;
  const nlohmann::json json = nlohmann::json::parse(run.out, nullptr, false);
  EXPECT_EQ(json["outcome"], "payment_loop");
  EXPECT_EQ(json["paid_msat"], 10'000);
  EXPECT_NE(run.err.find("not paying again"), std::string::npos) << run.err;
  // Run again: the stored token is stale now; the loop is not paid a second time either.
  const CliRun again = buyer.run("get --json " + url("/paid/x"));
  EXPECT_NE(again.exit_code, 0);
  EXPECT_EQ(stats()["invoices_settled"], 2) << "one purchase per run, never more";
}

TEST_F(NodeServerBuyerTest, RefusesEachGarbageChallengeWithoutPaying) {
  ASSERT_TRUE(start("garbage"));
  const std::vector<std::string> variants = stats()["garbage_variants"];
  ASSERT_FALSE(variants.empty());
  for (const std::string& variant : variants) {
    const Buyer buyer(wallet_);
    const CliRun run = buyer.run("get --json " + url("/paid/x?garbage=" + variant));
    const nlohmann::json json = nlohmann::json::parse(run.out, nullptr, false);
    if (variant == "oversized") {
      // A head over the transport's 64 KiB limit is refused before it is read as a challenge.
      EXPECT_EQ(run.exit_code, 8) << run.err;
      EXPECT_EQ(json["outcome"], "http_error") << run.out;
      EXPECT_NE(run.err.find("exceeds 65536 bytes"), std::string::npos) << run.err;
      continue;
    }
    EXPECT_EQ(run.exit_code, 3) << variant << "\n" << run.err;
    EXPECT_EQ(json["outcome"], "bad_challenge") << variant << ": " << run.out;
    EXPECT_NE(run.err.find("not paying"), std::string::npos) << variant << "\n" << run.err;
  }
  EXPECT_EQ(stats()["invoices_settled"], 0);
}

}  // namespace
}  // namespace l402::test
