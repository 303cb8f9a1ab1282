// The LND client's unary calls against a server that misbehaves: down, slow, malformed,
// refusing.
#include <gtest/gtest.h>

#include <chrono>

#include "fake_lnd_server.hpp"
#include "l402/encoding.hpp"
#include "l402/lightning.hpp"
#include "lnd_test_util.hpp"
#include "result_matchers.hpp"

namespace l402::test {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

TEST(LndFaults, ClosedPortIsUnavailableQuickly) {
  TempDir dir;
  std::uint16_t port = 0;
  {
    port = FakeLndServer([](FakeConnection&, const FakeRequest&) {}).port();
  }  // now closed
  auto backend = open_backend(dir, "http://127.0.0.1:" + std::to_string(port));
  ASSERT_NE(backend, nullptr);
  const auto started = Clock::now();
  EXPECT_TRUE(HasError(backend->get_info(), ErrorCode::kUnavailable));
  EXPECT_LT(Clock::now() - started, milliseconds(500));
  const PayOutcome outcome = backend->pay(pay_for(make_invoice(1, Msat(1000)).bolt11));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure(), PayFailure::kUnavailable);
}

TEST(LndFaults, SilentServerIsDeadlineExceededWithinTheCallTimeout) {
  TempDir dir;
  FakeLndServer server([](FakeConnection& connection, const FakeRequest&) { connection.hang(); });
  auto backend = open_backend(dir, server.url());
  ASSERT_NE(backend, nullptr);
  const auto started = Clock::now();
  EXPECT_TRUE(HasError(backend->get_info(), ErrorCode::kDeadlineExceeded));
  const auto took = Clock::now() - started;
  EXPECT_GE(took, milliseconds(900));
  EXPECT_LT(took, milliseconds(1'800));
}

TEST(LndFaults, MalformedJsonIsInternal) {
  TempDir dir;
  FakeLndServer server([](FakeConnection& connection, const FakeRequest&) {
    connection.reply(200, "{\"version\": \"0.18.0\", ");
  });
  auto backend = open_backend(dir, server.url());
  ASSERT_NE(backend, nullptr);
  EXPECT_TRUE(
      HasErrorMentioning(backend->get_info(), ErrorCode::kInternal, "lnd: malformed response"));
  EXPECT_TRUE(HasErrorMentioning(backend->create_invoice({Msat(1000), "x", 60}),
                                 ErrorCode::kInternal, "lnd: malformed response"));
}

TEST(LndFaults, Http500WithLndBodyCarriesLndsMessage) {
  TempDir dir;
  FakeLndServer server([](FakeConnection& connection, const FakeRequest&) {
    connection.reply(500, R"({"code":2,"message":"database is locked","details":[]})");
  });
  auto backend = open_backend(dir, server.url());
  ASSERT_NE(backend, nullptr);
  EXPECT_TRUE(HasErrorMentioning(backend->get_info(), ErrorCode::kInternal, "database is locked"));
}

TEST(LndFaults, HttpErrorsWithoutLndBody) {
  TempDir dir;
  FakeLndServer server([](FakeConnection& connection, const FakeRequest& request) {
    if (request.path == "/v1/getinfo") {
      connection.reply(503, "<html>Service Unavailable</html>");
    } else {
      connection.reply(500, "internal error");
    }
  });
  auto backend = open_backend(dir, server.url());
  ASSERT_NE(backend, nullptr);
  EXPECT_TRUE(HasError(backend->get_info(), ErrorCode::kUnavailable));
  EXPECT_TRUE(
      HasErrorMentioning(backend->lookup_invoice(Hash256{}), ErrorCode::kInternal, "HTTP 500"));
}

TEST(LndFaults, WrongMacaroonIsUnauthenticatedAndNeverEchoed) {
  TempDir dir;
  FakeLndServer server([](FakeConnection& connection, const FakeRequest&) {
    connection.reply(
        500,
        R"({"code":2,"message":"verification failed: signature mismatch after caveat verification","details":[]})");
  });
  auto backend = open_backend(dir, server.url());
  ASSERT_NE(backend, nullptr);
  auto info = backend->get_info();
  EXPECT_TRUE(HasError(info, ErrorCode::kUnauthenticated));
  EXPECT_EQ(info.error().message().find(hex::encode(kFakeMacaroon)), std::string::npos);
  auto subscription = backend->subscribe_settlements(5, [](const InvoiceStatus&) {});
  EXPECT_TRUE(HasError(subscription, ErrorCode::kUnauthenticated));
  const PayOutcome outcome = backend->pay(pay_for(make_invoice(1, Msat(1000)).bolt11));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure(), PayFailure::kRejected);
}

TEST(LndFaults, SendsTheMacaroonAsHexAndAsksForTheRightPaths) {
  TempDir dir;
  const KnownInvoice invoice = make_invoice(7, Msat(5000));
  FakeLndServer server([&](FakeConnection& connection, const FakeRequest& request) {
    if (request.path == "/v1/invoices" && request.method == "POST") {
      connection.reply(200, R"({"r_hash":")" + base64::encode_std(as_view(invoice.payment_hash)) +
                                R"(","payment_request":")" + invoice.bolt11 +
                                R"(","add_index":"1","payment_addr":""})");
    } else {
      connection.reply(404, R"({"code":5,"message":"unable to locate invoice","details":[]})");
    }
  });
  auto backend = open_backend(dir, server.url());
  ASSERT_NE(backend, nullptr);
  ASSERT_OK_AND_ASSIGN(const IssuedInvoice issued, backend->create_invoice({Msat(5000), "m", 60}));
  EXPECT_EQ(issued.payment_hash, invoice.payment_hash);
  EXPECT_TRUE(HasError(backend->lookup_invoice(invoice.payment_hash), ErrorCode::kNotFound));
  const std::vector<FakeRequest> requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].headers.at("grpc-metadata-macaroon"), hex::encode(kFakeMacaroon));
  EXPECT_EQ(nlohmann::json::parse(requests[0].body),
            nlohmann::json::parse(R"({"value_msat":"5000","memo":"m","expiry":"60"})"));
  EXPECT_EQ(requests[1].path, "/v1/invoice/" + hex_of(invoice.payment_hash));
}

TEST(LndFaults, CreateInvoiceChecksTheHashAgainstTheInvoice) {
  TempDir dir;
  const KnownInvoice invoice = make_invoice(7, Msat(5000));
  const KnownInvoice other = make_invoice(8, Msat(5000));
  FakeLndServer server([&](FakeConnection& connection, const FakeRequest&) {
    connection.reply(200, R"({"r_hash":")" + base64::encode_std(as_view(other.payment_hash)) +
                              R"(","payment_request":")" + invoice.bolt11 +
                              R"(","add_index":"1"})");
  });
  auto backend = open_backend(dir, server.url());
  ASSERT_NE(backend, nullptr);
  EXPECT_TRUE(HasErrorMentioning(backend->create_invoice({Msat(5000), "m", 60}),
                                 ErrorCode::kInternal, "r_hash"));
}

TEST(LndFaults, CreateInvoiceRefusesBadRequestsWithoutCalling) {
  TempDir dir;
  FakeLndServer server(
      [](FakeConnection& connection, const FakeRequest&) { connection.reply(500, "{}"); });
  auto backend = open_backend(dir, server.url());
  ASSERT_NE(backend, nullptr);
  EXPECT_TRUE(HasError(backend->create_invoice({Msat(0), "m", 60}), ErrorCode::kInvalidArgument));
  EXPECT_TRUE(HasError(backend->create_invoice({Msat(1), "m", 0}), ErrorCode::kInvalidArgument));
  EXPECT_TRUE(HasError(backend->create_invoice({Msat(1), std::string(640, 'm'), 60}),
                       ErrorCode::kInvalidArgument));
  EXPECT_TRUE(server.requests().empty());
}

TEST(LndFaults, OversizedResponseIsRefused) {
  TempDir dir;
  FakeLndServer server([](FakeConnection& connection, const FakeRequest&) {
    connection.reply(200, "{\"alias\":\"" + std::string(5 * 1024 * 1024, 'a') + "\"}");
  });
  auto backend = open_backend(dir, server.url());
  ASSERT_NE(backend, nullptr);
  EXPECT_TRUE(HasErrorMentioning(backend->get_info(), ErrorCode::kInternal, "exceeds"));
}

TEST(LndOpen, RefusesPlainHttpUnlessAllowed) {
  TempDir dir;
  LndOptions options = fake_options(dir, "http://127.0.0.1:1");
  options.allow_plain_http = false;
  EXPECT_TRUE(HasErrorMentioning(open_lnd_backend(options), ErrorCode::kInvalidArgument,
                                 "allow_plain_http"));
  options.url = "ftp://127.0.0.1:1";
  EXPECT_TRUE(HasError(open_lnd_backend(options), ErrorCode::kInvalidArgument));
}

TEST(LndOpen, NamesMissingAndBadFiles) {
  TempDir dir;
  LndOptions options = fake_options(dir, "https://127.0.0.1:1");
  options.tls_cert_path = dir.file("missing.cert");
  EXPECT_TRUE(HasErrorMentioning(open_lnd_backend(options), ErrorCode::kNotFound, "missing.cert"));
  options.tls_cert_path = write_file(dir, "tls.cert", "not a certificate");
  EXPECT_TRUE(
      HasErrorMentioning(open_lnd_backend(options), ErrorCode::kInvalidArgument, "tls.cert"));
  options = fake_options(dir, "http://127.0.0.1:1");
  options.macaroon_path = write_file(dir, "empty.macaroon", "");
  EXPECT_TRUE(
      HasErrorMentioning(open_lnd_backend(options), ErrorCode::kInvalidArgument, "empty.macaroon"));
  options.macaroon_path = write_file(dir, "big.macaroon", std::string(65 * 1024, 'x'));
  EXPECT_TRUE(
      HasErrorMentioning(open_lnd_backend(options), ErrorCode::kInvalidArgument, "big.macaroon"));
  options.macaroon_path = dir.path();
  EXPECT_TRUE(HasError(open_lnd_backend(options), ErrorCode::kInvalidArgument));
}

}  // namespace
}  // namespace l402::test
