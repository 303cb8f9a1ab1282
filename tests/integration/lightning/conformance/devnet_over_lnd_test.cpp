// The conformance suite on devnet, reached the way a real LND is: our LND REST client over
// HTTPS, the certificate pinned, a macaroon per account.
#include <gtest/gtest.h>

#include <memory>

#include "backend_conformance.hpp"
#include "devnet_terms.hpp"
#include "l402/devnet.hpp"
#include "l402/lightning.hpp"
#include "temp_dir.hpp"

namespace l402::test {
namespace {

class DevnetOverLndHarness {
 public:
  static std::unique_ptr<DevnetOverLndHarness> start() {
    auto harness = std::unique_ptr<DevnetOverLndHarness>(new DevnetOverLndHarness());
    if (!harness->open()) return nullptr;
    return harness;
  }

  Backend& receiver() { return *receiver_; }
  Backend& payer() { return *payer_; }
  Msat payer_balance() const { return kDevnetPayerBalance; }
  Msat routing_fee(Msat amount) const { return devnet_routing_fee(amount); }

 private:
  DevnetOverLndHarness() = default;

  bool open() {
    Result<std::unique_ptr<DevnetNode>> node =
        DevnetNode::open(conformance_devnet_options(dir_.file("devnet")));
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
