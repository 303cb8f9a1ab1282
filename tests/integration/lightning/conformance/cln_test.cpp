// The conformance suite on our Core Lightning client, over a real unix socket to a JSON-RPC
// server that answers with the shapes CLN's schemas document (tests/support/cln/). One node
// is both payee and payer, as a self-payment.
#include <gtest/gtest.h>

#include <memory>

#include "backend_conformance.hpp"
#include "cln/fake_lightningd.hpp"
#include "cln/socket_dir.hpp"
#include "l402/lightning.hpp"

namespace l402::test {
namespace {

constexpr Msat kBalance(50'000'000);
constexpr Msat kFeeBase(1000);
constexpr std::uint32_t kFeePpm = 1000;

class ClnHarness {
 public:
  static std::unique_ptr<ClnHarness> start() {
    auto harness = std::unique_ptr<ClnHarness>(new ClnHarness());
    FakeLightningdOptions options;
    options.socket_path = harness->dir_.file("lightning-rpc");
    options.balance = kBalance;
    options.fee_base = kFeeBase;
    options.fee_ppm = kFeePpm;
    Result<std::unique_ptr<FakeLightningd>> node = FakeLightningd::start(options);
    EXPECT_OK(node);
    if (!node.ok()) return nullptr;
    harness->node_ = std::move(*node);
    ClnOptions client;
    client.socket_path = options.socket_path;
    Result<std::unique_ptr<Backend>> backend = open_cln_backend(client);
    EXPECT_OK(backend);
    if (!backend.ok()) return nullptr;
    harness->backend_ = std::move(*backend);
    return harness;
  }

  Backend& receiver() { return *backend_; }
  Backend& payer() { return *backend_; }
  // The node pays itself: what it receives comes back, so only fees leave the balance.
  Msat payer_balance() const { return kBalance; }
  Msat routing_fee(Msat amount) const {
    return Msat(kFeeBase.value() + (amount.value() * kFeePpm + 999'999) / 1'000'000);
  }

 private:
  ClnHarness() = default;
  SocketDir dir_;
  std::unique_ptr<FakeLightningd> node_;
  std::unique_ptr<Backend> backend_;
};

using Cln = ::testing::Types<ClnHarness>;
INSTANTIATE_TYPED_TEST_SUITE_P(Cln, BackendConformanceTest, Cln);

}  // namespace
}  // namespace l402::test
