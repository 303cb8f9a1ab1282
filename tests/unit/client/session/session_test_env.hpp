// The paying client's test bench: an in-process devnet node (the seller's account "default",
// the buyer's "payer"), an L402TestServer selling /paid/... over it, and Clients opened on a
// store in a temporary directory with the payer as their wallet. Balances are read from the
// node, so a test sees exactly what was paid.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "forwarding_backend.hpp"
#include "l402/client.hpp"
#include "l402/devnet.hpp"
#include "l402_test_server.hpp"
#include "result_matchers.hpp"
#include "temp_dir.hpp"

namespace l402::client_test {

using namespace std::chrono_literals;

// The payer's wallet with two knobs: pay() can be counted, and lookup_payment() can be made
// to answer "in flight" (a payment whose outcome the node does not know yet).
class ScriptedWallet final : public ::l402::test::ForwardingBackend {
 public:
  explicit ScriptedWallet(std::unique_ptr<Backend> inner, std::atomic<int>* pays = nullptr)
      : ForwardingBackend(*inner), owned_(std::move(inner)), pays_(pays) {}
  bool lookups_in_flight = false;

  PayOutcome pay(const PayRequest& request) override {
    if (pays_ != nullptr) pays_->fetch_add(1);
    return ForwardingBackend::pay(request);
  }
  Result<PaymentStatus> lookup_payment(const Hash256& payment_hash) override {
    if (lookups_in_flight) return PaymentStatus{PaymentState::kInFlight, {}, {}};
    return ForwardingBackend::lookup_payment(payment_hash);
  }

 private:
  std::unique_ptr<Backend> owned_;
  std::atomic<int>* pays_;
};

class ClientSessionTest : public ::testing::Test {
 protected:
  static constexpr Msat kPrice{5'000};
  static constexpr Msat kNodeFee{1'000};
  static constexpr Msat kPayerFunds{1'000'000};

  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    DevnetOptions devnet;
    devnet.data_dir = dir_.file("devnet");
    devnet.accounts = {{"payer", kPayerFunds}};
    devnet.fee_base = kNodeFee;
    ASSERT_OK_AND_ASSIGN(node_, DevnetNode::open(devnet));
    receiver_ = open_devnet_backend(*node_);
  }

  void start_server(SellerMode mode = SellerMode::kNormal, Msat price = kPrice) {
    server_ = std::make_unique<L402TestServer>(*receiver_, price, mode);
  }

  ClientOptions options() {
    ClientOptions options;
    options.data_dir = dir_.file("client");
    options.wallet_network = Network::kRegtest;
    options.http.connect_timeout = 5s;
    options.http.total_timeout = 30s;
    options.payment_timeout = 10s;
    options.progress = [this](const ProgressEvent& event) { events_.push_back(event); };
    return options;
  }

  std::unique_ptr<ScriptedWallet> payer_wallet() {
    return std::make_unique<ScriptedWallet>(open_devnet_backend(*node_, "payer"), &pays_);
  }

  std::unique_ptr<Client> open_client(ClientOptions options) {
    return open_client(std::move(options), payer_wallet());
  }
  std::unique_ptr<Client> open_client(ClientOptions options, std::unique_ptr<Backend> wallet) {
    Result<std::unique_ptr<Client>> client = Client::open(std::move(options), std::move(wallet));
    EXPECT_TRUE(test::IsOk(client));
    return client.ok() ? std::move(client).value() : nullptr;
  }

  HttpRequest get(std::string_view path) const {
    HttpRequest request;
    request.url = server_->url(path);
    return request;
  }

  Msat spent() const {
    Result<Msat> balance = node_->balance("payer");
    EXPECT_TRUE(test::IsOk(balance));
    return kPayerFunds.checked_sub(balance.ok() ? *balance : kPayerFunds).value_or(Msat());
  }

  std::vector<ProgressKind> event_kinds() const {
    std::vector<ProgressKind> kinds;
    for (const ProgressEvent& event : events_) kinds.push_back(event.kind);
    return kinds;
  }

  test::TempDir dir_;
  std::unique_ptr<DevnetNode> node_;
  std::unique_ptr<Backend> receiver_;
  std::unique_ptr<L402TestServer> server_;
  std::atomic<int> pays_{0};
  std::vector<ProgressEvent> events_;
};

}  // namespace l402::client_test
