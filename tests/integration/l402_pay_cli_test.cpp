// `l402 devnet` and `l402 pay`, run as a user runs them: devnet in the background, invoices
// created through our LND client, payments made by the command line with a config file.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "background_process.hpp"
#include "cli_runner.hpp"
#include "l402/encoding.hpp"
#include "l402/lightning.hpp"
#include "lightning_test_helpers.hpp"
#include "result_matchers.hpp"
#include "temp_dir.hpp"
#include "test_bytes.hpp"

namespace l402::test {
namespace {

constexpr std::uint64_t kFeeBaseMsat = 1000;

struct RunningDevnet {
  std::unique_ptr<BackgroundProcess> process;
  nlohmann::json ready;
};

RunningDevnet start_devnet(const std::string& dir) {
  RunningDevnet devnet;
  devnet.process = std::make_unique<BackgroundProcess>(
      L402_CLI_PATH,
      std::vector<std::string>{"devnet", "--dir", dir, "--listen", "127.0.0.1:0", "--account",
                               "payer=100", "--fee-base-msat", std::to_string(kFeeBaseMsat)},
      dir + ".stderr");
  const std::optional<std::string> line = devnet.process->read_line();
  if (line) devnet.ready = nlohmann::json::parse(*line, nullptr, false);
  return devnet;
}

// Our LND client on the default account of a devnet started by start_devnet().
Result<std::unique_ptr<Backend>> connect_default_account(const RunningDevnet& devnet) {
  LndOptions options;
  options.url = devnet.ready["url"];
  options.tls_cert_path = devnet.ready["tls_cert"];
  options.macaroon_path = devnet.ready["macaroons"]["default"];
  return open_lnd_backend(options);
}

class PayCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("l402-pay-cli");
    devnet_ = new RunningDevnet(start_devnet(dir_->file("devnet")));
  }
  static void TearDownTestSuite() {
    delete devnet_;
    devnet_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(devnet_->ready.is_object()) << "l402 devnet did not start";
    ASSERT_OK_AND_ASSIGN(receiver_, connect_default_account(*devnet_));
    config_ = write_config("wallet:\n  type: devnet\n  devnet:\n    dir: " + dir_->file("devnet") +
                           "\n    url: " + devnet_->ready["url"].get<std::string>() +
                           "\n    account: payer\n");
  }

  std::string write_config(const std::string& text) {
    const std::string path = dir_->file(
        std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + ".yaml");
    std::ofstream(path) << text;
    return path;
  }

  IssuedInvoice invoice(Msat amount) {
    Result<IssuedInvoice> issued = receiver_->create_invoice({amount, "cli test", 600});
    EXPECT_OK(issued);
    return issued.ok() ? *issued : IssuedInvoice{};
  }

  CliRun pay(const std::string& bolt11, const std::string& extra = "") {
    return run_program(L402_CLI_PATH, "pay " + bolt11 + " --config " + config_ + " " + extra);
  }

  static TempDir* dir_;
  static RunningDevnet* devnet_;
  std::unique_ptr<Backend> receiver_;
  std::string config_;
};

TempDir* PayCliTest::dir_ = nullptr;
RunningDevnet* PayCliTest::devnet_ = nullptr;

TEST_F(PayCliTest, DevnetPrintsWhereItsCertificateAndMacaroonsAre) {
  const nlohmann::json& ready = devnet_->ready;
  EXPECT_EQ(ready["network"], "regtest");
  EXPECT_EQ(ready["url"].get<std::string>().rfind("https://127.0.0.1:", 0), 0u);
  EXPECT_TRUE(std::filesystem::exists(ready["tls_cert"].get<std::string>()));
  EXPECT_TRUE(std::filesystem::exists(ready["macaroons"]["default"].get<std::string>()));
  EXPECT_TRUE(std::filesystem::exists(ready["macaroons"]["payer"].get<std::string>()));
  EXPECT_EQ(ready["node_id"].get<std::string>().size(), 66u);
}

TEST_F(PayCliTest, PayPrintsThePreimageAndTheFee) {
  const IssuedInvoice issued = invoice(Msat(20'000));
  const CliRun run = pay(issued.bolt11);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json receipt = nlohmann::json::parse(run.out);
  const std::string preimage = from_hex(receipt["preimage"].get<std::string>());
  EXPECT_EQ(sha256(preimage), issued.payment_hash);
  EXPECT_EQ(receipt["payment_hash"], hex::encode(as_view(issued.payment_hash)));
  EXPECT_EQ(receipt["amount_msat"], 20'000);
  EXPECT_EQ(receipt["fee_msat"], kFeeBaseMsat);
  ASSERT_OK_AND_ASSIGN(InvoiceStatus status, receiver_->lookup_invoice(issued.payment_hash));
  EXPECT_EQ(status.state, InvoiceState::kSettled);
}

TEST_F(PayCliTest, PayingTwiceFailsAsAlreadyPaid) {
  const IssuedInvoice issued = invoice(Msat(1000));
  ASSERT_EQ(pay(issued.bolt11).exit_code, 0);
  const CliRun again = pay(issued.bolt11);
  EXPECT_EQ(again.exit_code, 4);
  EXPECT_NE(again.err.find("already_paid"), std::string::npos) << again.err;
  EXPECT_TRUE(again.out.empty());
}

TEST_F(PayCliTest, InvoiceForAnotherNetworkIsRefusedBeforePaying) {
  const CliRun run = pay(stranger_invoice(Network::kBitcoin, Msat(1000)));
  EXPECT_EQ(run.exit_code, 3);
  EXPECT_NE(run.err.find("the invoice is for bitcoin but the wallet is on regtest"),
            std::string::npos)
      << run.err;
}

TEST_F(PayCliTest, PaymentBeyondTheBalanceFails) {
  const IssuedInvoice issued = invoice(Msat(200'000));  // the payer holds 100 sat
  const CliRun run = pay(issued.bolt11);
  EXPECT_EQ(run.exit_code, 4);
  EXPECT_NE(run.err.find("insufficient_balance"), std::string::npos) << run.err;
}

TEST_F(PayCliTest, FeeLimitBelowTheFeeFindsNoRoute) {
  const IssuedInvoice issued = invoice(Msat(1000));
  const CliRun run = pay(issued.bolt11, "--max-fee-msat 999");
  EXPECT_EQ(run.exit_code, 4);
  EXPECT_NE(run.err.find("no_route"), std::string::npos) << run.err;
}

TEST_F(PayCliTest, UnreachableWalletIsReported) {
  config_ = write_config("wallet:\n  type: devnet\n  devnet:\n    dir: " + dir_->file("devnet") +
                         "\n    url: https://127.0.0.1:1\n");
  const CliRun run = pay(invoice(Msat(1000)).bolt11);
  EXPECT_EQ(run.exit_code, 5);
  EXPECT_NE(run.err.find("wallet"), std::string::npos) << run.err;
}

TEST_F(PayCliTest, UnknownConfigurationKeyIsNamedWithItsLine) {
  config_ = write_config("wallet:\n  type: devnet\n  devnet:\n    colour: blue\n");
  const CliRun run = pay(invoice(Msat(1000)).bolt11);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find(".yaml:4: unknown key 'colour' in wallet.devnet"), std::string::npos)
      << run.err;
}

TEST_F(PayCliTest, GarbageInvoiceIsBadInput) {
  const CliRun run = pay("lnbcrt1garbage");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("not a valid invoice"), std::string::npos) << run.err;
}

TEST(DevnetCliTest, RestartKeepsPaidInvoicesPaid) {
  TempDir dir("l402-devnet-restart");
  Hash256 payment_hash{};
  {
    RunningDevnet devnet = start_devnet(dir.file("devnet"));
    ASSERT_TRUE(devnet.ready.is_object());
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Backend> backend, connect_default_account(devnet));
    ASSERT_OK_AND_ASSIGN(IssuedInvoice issued, backend->create_invoice({Msat(5000), "keep", 600}));
    payment_hash = issued.payment_hash;
    ASSERT_TRUE(backend->pay(pay_request(issued.bolt11, Msat(kFeeBaseMsat))).ok());
    EXPECT_EQ(devnet.process->stop(SIGTERM), 0);
  }
  RunningDevnet devnet = start_devnet(dir.file("devnet"));
  ASSERT_TRUE(devnet.ready.is_object());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Backend> backend, connect_default_account(devnet));
  ASSERT_OK_AND_ASSIGN(InvoiceStatus status, backend->lookup_invoice(payment_hash));
  EXPECT_EQ(status.state, InvoiceState::kSettled);
  EXPECT_EQ(status.amount_paid, Msat(5000));
}

}  // namespace
}  // namespace l402::test
