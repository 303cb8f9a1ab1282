// https: the CA file, the system store (which does not know a self-signed server), insecure.
#include <gtest/gtest.h>

#include "client/http/transport.hpp"
#include "devnet/rest/tls_certificate.hpp"
#include "result_matchers.hpp"
#include "temp_dir.hpp"
#include "test_http_server.hpp"

namespace l402::client {
namespace {

using client_test::Connection;
using client_test::StringRequest;
using client_test::TestHttpServer;
using test::HasError;

class TransportTls : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(identity_, devnet_rest::load_or_create_tls_identity(dir_.path()));
    server_ = std::make_unique<TestHttpServer>(
        [](Connection& connection, const StringRequest& request) {
          return connection.respond(request, 200, "over tls");
        },
        identity_.cert_pem, identity_.key_pem);
  }

  Result<Exchange> fetch(HttpOptions options, MemorySink& sink) {
    auto transport = Transport::create(std::move(options)).value();
    HttpRequest request;
    request.url = server_->url("/");
    return transport->exchange(request,
                               [&](const ResponseHead&) -> Result<BodySink*> { return &sink; });
  }

  test::TempDir dir_;
  devnet_rest::TlsIdentity identity_;
  std::unique_ptr<TestHttpServer> server_;
};

TEST_F(TransportTls, TrustsTheGivenCaFile) {
  HttpOptions options;
  options.ca_file = identity_.cert_path;
  MemorySink sink;
  ASSERT_OK(fetch(options, sink));
  EXPECT_EQ(sink.data(), "over tls");
}

TEST_F(TransportTls, RefusesACertificateTheStoreDoesNotKnow) {
  MemorySink sink;
  EXPECT_TRUE(HasError(fetch({}, sink), ErrorCode::kUnauthenticated));
  EXPECT_EQ(sink.data(), "");
}

TEST_F(TransportTls, InsecureSkipsVerification) {
  HttpOptions options;
  options.insecure = true;
  MemorySink sink;
  ASSERT_OK(fetch(options, sink));
  EXPECT_EQ(sink.data(), "over tls");
}

TEST_F(TransportTls, ReportsAnUnreadableCaFile) {
  HttpOptions options;
  options.ca_file = dir_.file("no-such-ca.pem");
  MemorySink sink;
  EXPECT_TRUE(HasError(fetch(options, sink), ErrorCode::kInvalidArgument));
}

}  // namespace
}  // namespace l402::client
