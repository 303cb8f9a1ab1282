// The fixture of the gRPC gateway tests: the echo upstream in this process (so that tests can
// see what it saw, e.g. cancellations) and l402d as a real process with an HTTP listener, a
// gRPC listener and a TLS gRPC listener, one of each per test suite; a payer on the gateway's
// devnet for every test; and calls made with gRPC C++ on any method path (GenericStub), so
// that paths the gateway rewrites can be called too.
//
// Services (the echo upstream under several prefixes, each rewritten to
// /l402.testing.Echo/):
//   say    /l402.testing.Echo/Say   1 sat   (per method: the first match wins)
//   echo   /l402.testing.Echo/.*    2 sat, max_body 64 KiB
//   open   /open.Echo/.*            auth off
//   short  /short.Echo/.*           1 sat, tokens valid for 3 s
//   down   /down.Echo/.*            auth off, in front of a port nothing listens on
//   web    /api/.*                  an HTTP service (its upstream is never reached)
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "echo.grpc.pb.h"
#include "echo_service.hpp"
#include "gateway_harness.hpp"
#include "l402/result.hpp"
#include "result_matchers.hpp"
#include "temp_dir.hpp"

namespace l402::test {

using Metadata = std::vector<std::pair<std::string, std::string>>;

// What a finished call returned.
struct CallResult {
  grpc::Status status;
  std::vector<l402::testing::EchoReply> replies;
  std::multimap<std::string, std::string> initial_metadata;
  std::multimap<std::string, std::string> trailing_metadata;

  std::vector<std::string> trailing(const std::string& key) const;
};

// Runs a call of any kind on `method` (a path such as "/l402.testing.Echo/Say"): sends
// `requests` then half-closes, and reads every reply. `deadline` 0: none.
CallResult call(grpc::Channel& channel, const std::string& method,
                const std::vector<l402::testing::EchoRequest>& requests,
                const Metadata& metadata = {},
                std::chrono::milliseconds deadline = std::chrono::milliseconds(10'000));

l402::testing::EchoRequest echo_request(const std::string& text, std::uint32_t repeat = 0,
                                        std::uint32_t delay_ms = 0);

// A credential bought by paying the challenge in a call's trailing metadata.
struct GrpcPurchase {
  std::string authorization;  // "L402 <b64>:<hex>"
  std::string macaroon_base64;
  std::string preimage_hex;
  std::string token_id_hex;
  Msat amount;
};
Result<GrpcPurchase> pay_challenge(const CallResult& challenged, Backend& payer);

// Aperture's gRPC credential: hex of the macaroon with a `preimage=<hex>` caveat added.
Result<std::string> aperture_macaroon_hex(const GrpcPurchase& purchase);

class GrpcGatewayTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;
  void TearDown() override;

  static Gateway& gateway() { return *gateway_; }
  static l402::testing::EchoServer& upstream() { return *upstream_; }
  // A channel to the gateway's gRPC listener (h2c), or its TLS one.
  std::shared_ptr<grpc::Channel> channel();
  std::shared_ptr<grpc::Channel> tls_channel();
  // Buys a token for `method` (an unpaid call, then the payment).
  GrpcPurchase buy(const std::string& method);

  std::unique_ptr<Backend> payer_;

 private:
  inline static TempDir* dir_ = nullptr;
  inline static l402::testing::EchoServer* upstream_ = nullptr;
  inline static Gateway* gateway_ = nullptr;
};

}  // namespace l402::test
