// The conformance suite on devnet, reached the way a real LND is: our LND REST client over
// HTTPS, the certificate pinned, a macaroon per account.
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

class DevnetOverLndHarness {
 public:
  static std::unique_ptr<DevnetOverLndHarness> start() {
    auto harness = std::unique_ptr<DevnetOverLndHarness>(new DevnetOverLndHarness());
    if (!harness->open()) return nullptr;
    return harness;
  }

  Backend& receiver() { return *receiver_; }
  Backend& payer() { return *payer_; }
  Msat payer_balance() const { return kPayerBalance; }
  Msat routing_fee(Msat amount) const {
    return Msat(kFeeBase.value() + (amount.value() * kFeePpm + 999'999) / 1'000'000);
  }

 private:
  DevnetOverLndHarness() = default;

  bool open() {
    DevnetOptions options;
    options.data_dir = dir_.file("devnet");
    options.accounts = {{"payer", kPayerBalance}};
    options.fee_base = kFeeBase;
    options.fee_ppm = kFeePpm;
    Result<std::unique_ptr<DevnetNode>> node = DevnetNode::open(options);
    EXPECT_OK(node);
    if (!node.ok()) return false;
    node_ = std::move(*node);
    Result<std::unique_ptr<DevnetRestServer>> server = DevnetRestServer::start(*node_, {});
    EXPECT_OK(server);
    if (!server.ok()) return false;
    server_ = std::move(*server);
    receiver_ = connect("default");
    payer_ = connect("payer");
    return receiver_ != nullptr && payer_ != nullptr;
  }

  std::unique_ptr<Backend> connect(const std::string& account) {
    LndOptions options;
    options.url = server_->url();
    options.tls_cert_path = server_->tls_cert_path().string();
    options.macaroon_path = node_->macaroon_path(account).string();
    Result<std::unique_ptr<Backend>> backend = open_lnd_backend(options);
    EXPECT_OK(backend);
    return backend.ok() ? std::move(*backend) : nullptr;
  }

  TempDir dir_{"l402-devnet-lnd"};
  std::unique_ptr<DevnetNode> node_;
  std::unique_ptr<DevnetRestServer> server_;
  std::unique_ptr<Backend> receiver_;
  std::unique_ptr<Backend> payer_;
};

using DevnetOverLnd = ::testing::Types<DevnetOverLndHarness>;
INSTANTIATE_TYPED_TEST_SUITE_P(DevnetOverLnd, BackendConformanceTest, DevnetOverLnd);

}  // namespace
}  // namespace l402::test
