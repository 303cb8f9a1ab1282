// The LND client against devnet's LND REST server over HTTPS: the certificate pinned, a
// macaroon per account, connections reused, streams read as they come.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "l402/devnet.hpp"
#include "l402/lightning.hpp"
#include "result_matchers.hpp"
#include "temp_dir.hpp"

namespace l402::test {
namespace {

using std::chrono::milliseconds;

class LndOverDevnet : public ::testing::Test {
 protected:
  void SetUp() override {
    DevnetOptions options;
    options.data_dir = dir_.file("devnet");
    options.accounts = {{"payer", Msat(10'000'000)}};
    ASSERT_OK_AND_ASSIGN(node_, DevnetNode::open(options));
    ASSERT_OK_AND_ASSIGN(server_, DevnetRestServer::start(*node_, {}));
    receiver_ = connect("default");
    payer_ = connect("payer");
    ASSERT_NE(receiver_, nullptr);
    ASSERT_NE(payer_, nullptr);
  }

  LndOptions options_for(const std::string& account) const {
    LndOptions options;
    options.url = server_->url();
    options.tls_cert_path = server_->tls_cert_path().string();
    options.macaroon_path = node_->macaroon_path(account).string();
    options.call_timeout = milliseconds(5'000);
    options.reconnect_delay = milliseconds(20);
    return options;
  }

  std::unique_ptr<Backend> connect(const std::string& account) const {
    auto backend = open_lnd_backend(options_for(account));
    EXPECT_OK(backend);
    return backend.ok() ? std::move(backend).value() : nullptr;
  }

  PayRequest pay_request(const std::string& bolt11) const {
    PayRequest request;
    request.bolt11 = bolt11;
    request.max_fee = Msat(10'000);
    request.timeout = milliseconds(5'000);
    return request;
  }

  TempDir dir_{"l402-lnd-devnet"};
  std::unique_ptr<DevnetNode> node_;
  std::unique_ptr<DevnetRestServer> server_;
  std::unique_ptr<Backend> receiver_;
  std::unique_ptr<Backend> payer_;
};

TEST_F(LndOverDevnet, GetInfoOverPinnedTls) {
  ASSERT_OK_AND_ASSIGN(const NodeInfo info, receiver_->get_info());
  EXPECT_EQ(info.implementation, "lnd");
  EXPECT_EQ(info.network, Network::kRegtest);
  EXPECT_EQ(info.node_id, node_->info().node_id);
  EXPECT_EQ(info.version, DevnetServerOptions{}.reported_version);
}

TEST_F(LndOverDevnet, RefusesAnotherCertificate) {
  // A second node has its own self-signed certificate: pinning it must fail the handshake.
  DevnetOptions other;
  other.data_dir = dir_.file("other");
  ASSERT_OK_AND_ASSIGN(auto other_node, DevnetNode::open(other));
  ASSERT_OK_AND_ASSIGN(auto other_server, DevnetRestServer::start(*other_node, {}));
  LndOptions options = options_for("default");
  options.tls_cert_path = other_server->tls_cert_path().string();
  ASSERT_OK_AND_ASSIGN(auto backend, open_lnd_backend(options));
  EXPECT_TRUE(HasErrorMentioning(backend->get_info(), ErrorCode::kUnavailable, "TLS"));
}

TEST_F(LndOverDevnet, WrongMacaroonIsUnauthenticated) {
  LndOptions options = options_for("default");
  options.macaroon_path = dir_.file("forged.macaroon");
  {
    std::ofstream out(options.macaroon_path, std::ios::binary);
    out << std::string("\x02\x01\x03lnd\x02\x04forged", 13);
  }
  ASSERT_OK_AND_ASSIGN(auto backend, open_lnd_backend(options));
  EXPECT_TRUE(HasError(backend->get_info(), ErrorCode::kUnauthenticated));
  EXPECT_TRUE(
      HasError(backend->create_invoice({Msat(1000), "x", 60}), ErrorCode::kUnauthenticated));
}

TEST_F(LndOverDevnet, CreateLookupPayAndTrack) {
  ASSERT_OK_AND_ASSIGN(const IssuedInvoice issued,
                       receiver_->create_invoice({Msat(21'000), "lnd client test", 600}));
  ASSERT_OK_AND_ASSIGN(const InvoiceStatus open, receiver_->lookup_invoice(issued.payment_hash));
  EXPECT_EQ(open.state, InvoiceState::kOpen);
  EXPECT_EQ(open.amount, Msat(21'000));
  EXPECT_EQ(open.bolt11, issued.bolt11);

  ASSERT_OK_AND_ASSIGN(const PaymentStatus before, payer_->lookup_payment(issued.payment_hash));
  EXPECT_EQ(before.state, PaymentState::kUnknown);

  const PayOutcome paid = payer_->pay(pay_request(issued.bolt11));
  ASSERT_TRUE(paid.ok()) << paid.message();
  EXPECT_EQ(sha256(as_view(paid.payment().preimage)), issued.payment_hash);
  EXPECT_EQ(paid.payment().amount, Msat(21'000));

  ASSERT_OK_AND_ASSIGN(const InvoiceStatus settled, receiver_->lookup_invoice(issued.payment_hash));
  EXPECT_EQ(settled.state, InvoiceState::kSettled);
  EXPECT_GT(settled.settle_index, 0u);
  EXPECT_EQ(settled.amount_paid, Msat(21'000));

  ASSERT_OK_AND_ASSIGN(const PaymentStatus after, payer_->lookup_payment(issued.payment_hash));
  EXPECT_EQ(after.state, PaymentState::kSucceeded);
  ASSERT_TRUE(after.payment.has_value());
  EXPECT_EQ(after.payment->preimage, paid.payment().preimage);

  const PayOutcome again = payer_->pay(pay_request(issued.bolt11));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.failure(), PayFailure::kAlreadyPaid);
}

TEST_F(LndOverDevnet, LegacyNodesPayThroughSendPaymentSync) {
  DevnetServerOptions old_options;
  old_options.reported_version = "0.9.2-beta";
  ASSERT_OK_AND_ASSIGN(auto old_server, DevnetRestServer::start(*node_, old_options));
  LndOptions options = options_for("payer");
  options.url = old_server->url();
  options.tls_cert_path = old_server->tls_cert_path().string();
  ASSERT_OK_AND_ASSIGN(auto old_payer, open_lnd_backend(options));
  ASSERT_OK_AND_ASSIGN(const IssuedInvoice issued,
                       receiver_->create_invoice({Msat(3'000), "legacy", 600}));
  const PayOutcome paid = old_payer->pay(pay_request(issued.bolt11));
  ASSERT_TRUE(paid.ok()) << paid.message();
  EXPECT_EQ(sha256(as_view(paid.payment().preimage)), issued.payment_hash);
  const PayOutcome again = old_payer->pay(pay_request(issued.bolt11));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.failure(), PayFailure::kAlreadyPaid);
}

TEST_F(LndOverDevnet, SubscriptionDeliversReplayedAndLiveSettlementsInOrder) {
  std::vector<IssuedInvoice> issued;
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(IssuedInvoice invoice, receiver_->create_invoice({Msat(1'000), "s", 600}));
    issued.push_back(invoice);
  }
  ASSERT_TRUE(payer_->pay(pay_request(issued[0].bolt11)).ok());
  ASSERT_TRUE(payer_->pay(pay_request(issued[1].bolt11)).ok());
  ASSERT_OK_AND_ASSIGN(const InvoiceStatus first,
                       receiver_->lookup_invoice(issued[0].payment_hash));

  std::mutex mutex;
  std::vector<InvoiceStatus> seen;
  ASSERT_OK_AND_ASSIGN(auto subscription, receiver_->subscribe_settlements(
                                              first.settle_index, [&](const InvoiceStatus& status) {
                                                const std::lock_guard<std::mutex> l(mutex);
                                                seen.push_back(status);
                                              }));
  EXPECT_TRUE(subscription->connected());
  ASSERT_TRUE(payer_->pay(pay_request(issued[2].bolt11)).ok());
  for (int i = 0; i < 500; ++i) {
    {
      const std::lock_guard<std::mutex> lock(mutex);
      if (seen.size() >= 2) break;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  const std::lock_guard<std::mutex> lock(mutex);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].payment_hash, issued[1].payment_hash);  // replayed
  EXPECT_EQ(seen[1].payment_hash, issued[2].payment_hash);  // live
  EXPECT_LT(seen[0].settle_index, seen[1].settle_index);
  EXPECT_EQ(seen[1].state, InvoiceState::kSettled);
}

TEST_F(LndOverDevnet, ManyConcurrentCallsReuseConnections) {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (!receiver_->create_invoice({Msat(1'000), "load", 600}).ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace l402::test
