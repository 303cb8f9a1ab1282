// The conformance suite on devnet's in-process Backend, the one l402d embeds by default.
#include <gtest/gtest.h>

#include <memory>

#include "backend_conformance.hpp"
#include "l402/devnet.hpp"
#include "l402/lightning.hpp"
#include "temp_dir.hpp"

namespace l402::test {
namespace {

constexpr Msat kPayerBalance(50'000'000);
constexpr Msat kFeeBase(1000);
constexpr std::uint32_t kFeePpm = 1000;

class DevnetInProcessHarness {
 public:
  static std::unique_ptr<DevnetInProcessHarness> start() {
    auto harness = std::unique_ptr<DevnetInProcessHarness>(new DevnetInProcessHarness());
    DevnetOptions options;
    options.data_dir = harness->dir_.file("devnet");
    options.accounts = {{"payer", kPayerBalance}};
    options.fee_base = kFeeBase;
    options.fee_ppm = kFeePpm;
    Result<std::unique_ptr<DevnetNode>> node = DevnetNode::open(options);
    EXPECT_OK(node);
    if (!node.ok()) return nullptr;
    harness->node_ = std::move(*node);
    harness->receiver_ = open_devnet_backend(*harness->node_, "default");
    harness->payer_ = open_devnet_backend(*harness->node_, "payer");
    return harness;
  }

  Backend& receiver() { return *receiver_; }
  Backend& payer() { return *payer_; }
  Msat payer_balance() const { return kPayerBalance; }
  Msat routing_fee(Msat amount) const {
    return Msat(kFeeBase.value() + (amount.value() * kFeePpm + 999'999) / 1'000'000);
  }

 private:
  DevnetInProcessHarness() = default;
  TempDir dir_{"l402-devnet-inproc"};
  std::unique_ptr<DevnetNode> node_;
  std::unique_ptr<Backend> receiver_;
  std::unique_ptr<Backend> payer_;
};

using DevnetInProcess = ::testing::Types<DevnetInProcessHarness>;
INSTANTIATE_TYPED_TEST_SUITE_P(DevnetInProcess, BackendConformanceTest, DevnetInProcess);

}  // namespace
}  // namespace l402::test
