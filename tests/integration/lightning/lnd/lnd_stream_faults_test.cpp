// The LND client's streamed calls (pay, track, subscribe) against a server that cuts them,
// splits their lines across chunks, replays, or never answers.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "fake_lnd_server.hpp"
#include "l402/lightning.hpp"
#include "lnd_test_util.hpp"
#include "result_matchers.hpp"

namespace l402::test {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Answers getinfo with `version` and hands every other request to `next`.
FakeLndServer::Handler with_getinfo(std::string version, FakeLndServer::Handler next) {
  return [version, next](FakeConnection& connection, const FakeRequest& request) {
    if (request.path == "/v1/getinfo") {
      connection.reply(200, getinfo_body(version));
      return;
    }
    next(connection, request);
  };
}

PayRequest pay_request(const KnownInvoice& invoice) {
  PayRequest request;
  request.bolt11 = invoice.bolt11;
  request.max_fee = Msat(1000);
  request.timeout = milliseconds(2'000);
  return request;
}

// Collects delivered settle indexes from the subscription thread.
struct Collected {
  std::mutex mutex;
  std::vector<std::uint64_t> indexes;
  void add(const InvoiceStatus& status) {
    const std::lock_guard<std::mutex> lock(mutex);
    indexes.push_back(status.settle_index);
  }
  std::vector<std::uint64_t> snapshot() {
    const std::lock_guard<std::mutex> lock(mutex);
    return indexes;
  }
  bool wait_for(std::size_t count) {
    for (int i = 0; i < 500; ++i) {
      if (snapshot().size() >= count) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return false;
  }
};

// ---- pay ----------------------------------------------------------------------------------

TEST(LndPayStream, ReadsLinesSplitAcrossChunksUntilSuccess) {
  TempDir dir;
  const KnownInvoice invoice = make_invoice(3, Msat(100'000));
  FakeLndServer server(with_getinfo("0.18.3-beta", [&](FakeConnection& c, const FakeRequest&) {
    const std::string stream = payment_line(invoice, "IN_FLIGHT", "FAILURE_REASON_NONE", false) +
                               payment_line(invoice, "SUCCEEDED", "FAILURE_REASON_NONE", true);
    c.start_chunked();
    // Chunks of 7 bytes: no boundary falls on a line's end.
    for (std::size_t pos = 0; pos < stream.size(); pos += 7) c.chunk(stream.substr(pos, 7));
    c.end_chunked();
  }));
  auto backend = open_backend(dir, server.url());
  ASSERT_NE(backend, nullptr);
  const PayOutcome outcome = backend->pay(pay_request(invoice));
  ASSERT_TRUE(outcome.ok()) << outcome.message();
  EXPECT_EQ(outcome.payment().preimage, invoice.preimage);
  EXPECT_EQ(outcome.payment().payment_hash, invoice.payment_hash);
  EXPECT_EQ(outcome.payment().amount.value(), 100'000u);
  EXPECT_EQ(outcome.payment().fee.value(), 250u);
  const nlohmann::json body = nlohmann::json::parse(server.requests().back().body);
  EXPECT_EQ(body["payment_request"], invoice.bolt11);
  EXPECT_EQ(body["fee_limit_msat"], "1000");
  EXPECT_EQ(body["timeout_seconds"], 2);
  EXPECT_EQ(body["no_inflight_updates"], true);
  EXPECT_EQ(server.count("/v1/getinfo"), 1u);
  // The version is cached: a second payment does not ask again.
  (void)backend->pay(pay_request(invoice));
  EXPECT_EQ(server.count("/v1/getinfo"), 1u);
}

TEST(LndPayStream, StreamCutBeforeAFinalStatusIsUnavailableWithOutcomeUnknown) {
  TempDir dir;
  const KnownInvoice invoice = make_invoice(3, Msat(100'000));
  FakeLndServer server(with_getinfo("0.18.3-beta", [&](FakeConnection& c, const FakeRequest&) {
    const std::string line = payment_line(invoice, "SUCCEEDED", "FAILURE_REASON_NONE", true);
    c.start_chunked();
    c.chunk(line.substr(0, line.size() / 2));  // then the connection closes
  }));
  auto backend = open_backend(dir, server.url());
  ASSERT_NE(backend, nullptr);
  const PayOutcome outcome = backend->pay(pay_request(invoice));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure(), PayFailure::kUnavailable);
  EXPECT_NE(outcome.message().find("outcome is unknown"), std::string::npos) << outcome.message();
}

TEST(LndPayStream, RefusesAPreimageThatDoesNotMatch) {
  TempDir dir;
  const KnownInvoice invoice = make_invoice(3, Msat(100'000));
  KnownInvoice lying = invoice;
  lying.preimage.fill(9);
  FakeLndServer server(with_getinfo("0.18.3-beta", [&](FakeConnection& c, const FakeRequest&) {
    c.start_chunked();
    c.chunk(payment_line(lying, "SUCCEEDED", "FAILURE_REASON_NONE", true));
    c.end_chunked();
  }));
  auto backend = open_backend(dir, server.url());
  ASSERT_NE(backend, nullptr);
  const PayOutcome outcome = backend->pay(pay_request(invoice));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure(), PayFailure::kRejected);
}

TEST(LndPayStream, MapsFailuresAndRefusals) {
  TempDir dir;
  const KnownInvoice invoice = make_invoice(3, Msat(100'000));
  std::atomic<int> round{0};
  FakeLndServer server(with_getinfo("0.18.3-beta", [&](FakeConnection& c, const FakeRequest&) {
    switch (round.load()) {
      case 0:
        c.start_chunked();
        c.chunk(payment_line(invoice, "FAILED", "FAILURE_REASON_INSUFFICIENT_BALANCE", false));
        c.end_chunked();
        break;
      case 1:
        c.reply(409, R"({"code":6,"message":"invoice is already paid","details":[]})");
        break;
      case 2:  // an error as the stream's last line, after HTTP 200
        c.start_chunked();
        c.chunk(payment_line(invoice, "IN_FLIGHT", "FAILURE_REASON_NONE", false));
        c.chunk(R"({"error":{"code":2,"message":"invoice expired. Valid until 2020","details":[]}})"
                "\n");
        c.end_chunked();
        break;
      default:
        c.reply(500, R"({"code":2,"message":"invoice not for current active network 'regtest'"})");
    }
  }));
  auto backend = open_backend(dir, server.url());
  ASSERT_NE(backend, nullptr);
  const PayFailure expected[] = {PayFailure::kInsufficientBalance, PayFailure::kAlreadyPaid,
                                 PayFailure::kInvoiceExpired, PayFailure::kInvalidInvoice};
  for (const PayFailure failure : expected) {
    const PayOutcome outcome = backend->pay(pay_request(invoice));
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.failure(), failure) << outcome.message();
    ++round;
  }
}

TEST(LndPayStream, SilentNodeTimesOut) {
  TempDir dir;
  const KnownInvoice invoice = make_invoice(3, Msat(100'000));
  FakeLndServer server(
      with_getinfo("0.18.3-beta", [](FakeConnection& c, const FakeRequest&) { c.hang(); }));
  auto backend = open_backend(dir, server.url());
  ASSERT_NE(backend, nullptr);
  PayRequest request = pay_request(invoice);
  request.timeout = milliseconds(200);
  const auto started = Clock::now();
  const PayOutcome outcome = backend->pay(request);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure(), PayFailure::kTimeout);
  EXPECT_LT(Clock::now() - started, milliseconds(2'500));  // timeout + call_timeout + slack
}

TEST(LndPayStream, OldNodesPayThroughSendPaymentSync) {
  TempDir dir;
  const KnownInvoice invoice = make_invoice(5, Msat(250'000));
  std::atomic<bool> fail{false};
  FakeLndServer server(with_getinfo("0.9.2-beta", [&](FakeConnection& c, const FakeRequest& r) {
    ASSERT_EQ(r.path, "/v1/channels/transactions");
    if (fail.load()) {
      c.reply(
          200,
          R"({"payment_error":"insufficient_balance","payment_preimage":"","payment_route":null,"payment_hash":""})");
      return;
    }
    c.reply(
        200,
        R"({"payment_error":"","payment_preimage":")" +
            base64::encode_std(as_view(invoice.preimage)) +
            R"(","payment_route":{"total_fees_msat":"1000","total_amt_msat":"251000"},"payment_hash":")" +
            base64::encode_std(as_view(invoice.payment_hash)) + R"("})");
  }));
  auto backend = open_backend(dir, server.url());
  ASSERT_NE(backend, nullptr);
  const PayOutcome paid = backend->pay(pay_request(invoice));
  ASSERT_TRUE(paid.ok()) << paid.message();
  EXPECT_EQ(paid.payment().preimage, invoice.preimage);
  EXPECT_EQ(paid.payment().amount.value(), 250'000u);
  EXPECT_EQ(paid.payment().fee.value(), 1'000u);
  EXPECT_EQ(nlohmann::json::parse(server.requests().back().body)["fee_limit"]["fixed_msat"],
            "1000");
  fail.store(true);
  const PayOutcome failed = backend->pay(pay_request(invoice));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.failure(), PayFailure::kInsufficientBalance);
}

TEST(LndPayStream, GarbageInvoiceIsInvalidWithoutCalling) {
  TempDir dir;
  FakeLndServer server([](FakeConnection& c, const FakeRequest&) { c.reply(500, "{}"); });
  auto backend = open_backend(dir, server.url());
  ASSERT_NE(backend, nullptr);
  const PayOutcome outcome = backend->pay(pay_for("lnbc1garbage"));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure(), PayFailure::kInvalidInvoice);
  EXPECT_TRUE(server.requests().empty());
}

// ---- lookup_payment ----------------------------------------------------------------------

TEST(LndTrackPayment, MapsUnknownInFlightAndFinalStates) {
  TempDir dir;
  const KnownInvoice invoice = make_invoice(3, Msat(100'000));
  std::atomic<int> round{0};
  FakeLndServer server([&](FakeConnection& c, const FakeRequest& request) {
    EXPECT_EQ(request.query, "no_inflight_updates=true");
    switch (round.load()) {
      case 0:
        c.reply(404, R"({"code":5,"message":"payment isn't initiated","details":[]})");
        break;
      case 1:
        c.hang();
        break;  // in flight: LND says nothing until it is final
      case 2:
        c.start_chunked();
        c.chunk(payment_line(invoice, "SUCCEEDED", "FAILURE_REASON_NONE", true));
        c.end_chunked();
        break;
      default:
        c.start_chunked();
        c.chunk(payment_line(invoice, "FAILED", "FAILURE_REASON_NO_ROUTE", false));
        c.end_chunked();
    }
  });
  auto backend = open_backend(dir, server.url());
  ASSERT_NE(backend, nullptr);
  ASSERT_OK_AND_ASSIGN(const PaymentStatus unknown, backend->lookup_payment(invoice.payment_hash));
  EXPECT_EQ(unknown.state, PaymentState::kUnknown);
  ++round;
  ASSERT_OK_AND_ASSIGN(const PaymentStatus in_flight,
                       backend->lookup_payment(invoice.payment_hash));
  EXPECT_EQ(in_flight.state, PaymentState::kInFlight);
  ++round;
  ASSERT_OK_AND_ASSIGN(const PaymentStatus done, backend->lookup_payment(invoice.payment_hash));
  EXPECT_EQ(done.state, PaymentState::kSucceeded);
  ASSERT_TRUE(done.payment.has_value());
  EXPECT_EQ(done.payment->preimage, invoice.preimage);
  ++round;
  ASSERT_OK_AND_ASSIGN(const PaymentStatus failed, backend->lookup_payment(invoice.payment_hash));
  EXPECT_EQ(failed.state, PaymentState::kFailed);
  EXPECT_EQ(failed.failure, PayFailure::kNoRoute);
  // base64url with padding, as grpc-gateway decodes `bytes` path parameters.
  std::string expected = base64::encode_url(as_view(invoice.payment_hash)) + "=";
  EXPECT_EQ(server.requests().front().path, "/v2/router/track/" + expected);
}

// ---- subscribe_settlements ---------------------------------------------------------------

TEST(LndSubscribe, ReconnectsAndResumesWithoutDuplicates) {
  TempDir dir;
  std::atomic<int> connections{0};
  std::mutex queries_mutex;
  std::vector<std::string> queries;
  FakeLndServer server([&](FakeConnection& c, const FakeRequest& request) {
    ASSERT_EQ(request.path, "/v1/invoices/subscribe");
    {
      const std::lock_guard<std::mutex> lock(queries_mutex);
      queries.push_back(request.query);
    }
    c.start_chunked();
    if (connections++ == 0) {
      c.chunk("{\"result\":" + settled_invoice(6) + "}\n");
      const std::string seven = "{\"result\":" + settled_invoice(7) + "}\n";
      c.chunk(seven);
      c.chunk(seven.substr(0, 40));  // cut mid-line: the connection drops
      return;
    }
    // A replay that repeats what was delivered, then something new.
    c.chunk("{\"result\":" + settled_invoice(7) + "}\n");
    c.chunk("{\"result\":" + settled_invoice(8) + "}\n");
    c.hang();
  });
  auto backend = open_backend(dir, server.url());
  ASSERT_NE(backend, nullptr);
  Collected collected;
  ASSERT_OK_AND_ASSIGN(auto subscription,
                       backend->subscribe_settlements(
                           5, [&](const InvoiceStatus& status) { collected.add(status); }));
  ASSERT_TRUE(collected.wait_for(3));
  EXPECT_EQ(collected.snapshot(), (std::vector<std::uint64_t>{6, 7, 8}));
  EXPECT_TRUE(subscription->connected());
  const std::lock_guard<std::mutex> lock(queries_mutex);
  ASSERT_EQ(queries.size(), 2u);
  EXPECT_EQ(queries[0], "settle_index=5");
  EXPECT_EQ(queries[1], "settle_index=7");
}

TEST(LndSubscribe, FromZeroCatchesUpByListingInSettleOrder) {
  TempDir dir;
  FakeLndServer server([&](FakeConnection& c, const FakeRequest& request) {
    if (request.path == "/v1/invoices") {
      if (request.query.find("index_offset=0&") != std::string::npos) {
        // Two invoices settled in the opposite order to their creation.
        c.reply(200, R"({"invoices":[)" + settled_invoice(2) + "," + settled_invoice(1) +
                         R"(],"last_index_offset":"3","first_index_offset":"2"})");
      } else {
        c.reply(200, R"({"invoices":[],"last_index_offset":"0","first_index_offset":"0"})");
      }
      return;
    }
    c.start_chunked();
    c.chunk("{\"result\":" + settled_invoice(2) + "}\n");  // seen in the listing already
    c.chunk("{\"result\":" + settled_invoice(3) + "}\n");
    c.hang();
  });
  auto backend = open_backend(dir, server.url());
  ASSERT_NE(backend, nullptr);
  Collected collected;
  ASSERT_OK_AND_ASSIGN(auto subscription,
                       backend->subscribe_settlements(
                           0, [&](const InvoiceStatus& status) { collected.add(status); }));
  ASSERT_TRUE(collected.wait_for(3));
  EXPECT_EQ(collected.snapshot(), (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST(LndSubscribe, FirstConnectionFailureIsUnavailable) {
  TempDir dir;
  std::uint16_t port = 0;
  {
    port = FakeLndServer([](FakeConnection&, const FakeRequest&) {}).port();
  }
  auto backend = open_backend(dir, "http://127.0.0.1:" + std::to_string(port));
  ASSERT_NE(backend, nullptr);
  const auto started = Clock::now();
  EXPECT_TRUE(HasError(backend->subscribe_settlements(3, [](const InvoiceStatus&) {}),
                       ErrorCode::kUnavailable));
  EXPECT_LT(Clock::now() - started, milliseconds(500));
}

TEST(LndSubscribe, ReconnectsAfterTheServerGoesAwayAndComesBack) {
  TempDir dir;
  std::atomic<int> connections{0};
  Collected collected;
  auto handler = [&](FakeConnection& c, const FakeRequest&) {
    const int n = connections++;
    c.start_chunked();
    c.chunk("{\"result\":" + settled_invoice(static_cast<std::uint64_t>(10 + n)) + "}\n");
    c.hang();
  };
  auto server = std::make_unique<FakeLndServer>(handler);
  const std::uint16_t port = server->port();
  auto backend = open_backend(dir, server->url());
  ASSERT_NE(backend, nullptr);
  ASSERT_OK_AND_ASSIGN(auto subscription,
                       backend->subscribe_settlements(
                           9, [&](const InvoiceStatus& status) { collected.add(status); }));
  ASSERT_TRUE(collected.wait_for(1));
  server.reset();  // the node goes away
  for (int i = 0; i < 200 && subscription->connected(); ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_FALSE(subscription->connected());
  // The same port again (SO_REUSEADDR); the subscription keeps trying and gets back in.
  FakeLndServer again(
      [&](FakeConnection& c, const FakeRequest& request) {
        EXPECT_EQ(request.query, "settle_index=10");
        c.start_chunked();
        c.chunk("{\"result\":" + settled_invoice(11) + "}\n");
        c.hang();
      },
      port);
  ASSERT_EQ(again.port(), port);
  ASSERT_TRUE(collected.wait_for(2));
  EXPECT_EQ(collected.snapshot(), (std::vector<std::uint64_t>{10, 11}));
}

TEST(LndSubscribe, DestructorStopsPromptlyWhileIdle) {
  TempDir dir;
  FakeLndServer server([](FakeConnection& c, const FakeRequest&) { c.hang(); });
  auto backend = open_backend(dir, server.url());
  ASSERT_NE(backend, nullptr);
  ASSERT_OK_AND_ASSIGN(auto subscription,
                       backend->subscribe_settlements(1, [](const InvoiceStatus&) {}));
  EXPECT_TRUE(subscription->connected());
  const auto started = Clock::now();
  subscription.reset();
  EXPECT_LT(Clock::now() - started, milliseconds(500));
}

}  // namespace
}  // namespace l402::test
