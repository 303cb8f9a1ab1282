// The conformance suite on devnet's in-process Backend, the one l402d embeds by default.
#include <gtest/gtest.h>

#include <memory>

#include "backend_conformance.hpp"
#include "devnet_terms.hpp"
#include "l402/devnet.hpp"
#include "l402/lightning.hpp"
#include "temp_dir.hpp"

namespace l402::test {
namespace {

class DevnetInProcessHarness {
 public:
  static std::unique_ptr<DevnetInProcessHarness> start() {
    auto harness = std::unique_ptr<DevnetInProcessHarness>(new DevnetInProcessHarness());
    Result<std::unique_ptr<DevnetNode>> node =
        DevnetNode::open(conformance_devnet_options(harness->dir_.file("devnet")));
    EXPECT_OK(node);
    if (!node.ok()) return nullptr;
    harness->node_ = std::move(*node);
    harness->receiver_ = open_devnet_backend(*harness->node_, "default");
    harness->payer_ = open_devnet_backend(*harness->node_, "payer");
    return harness;
  }

  Backend& receiver() { return *receiver_; }
  Backend& payer() { return *payer_; }
  Msat payer_balance() const { return kDevnetPayerBalance; }
  Msat routing_fee(Msat amount) const { return devnet_routing_fee(amount); }

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
