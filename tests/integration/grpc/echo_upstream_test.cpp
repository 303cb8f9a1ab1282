// The gRPC echo upstream itself (tests/support/grpc), which the gRPC gateway tests and
// bench/grpc_bench.sh rely on: each call kind, the metadata it reports, failures on request,
// and cancellation cutting a delay short. Also the program l402-grpc-echo as tests start it.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "background_process.hpp"
#include "echo.grpc.pb.h"
#include "echo_service.hpp"
#include "temp_dir.hpp"

namespace {

using l402::testing::Echo;
using l402::testing::EchoReply;
using l402::testing::EchoRequest;
using l402::testing::EchoServer;
using Clock = std::chrono::steady_clock;

class EchoUpstreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = EchoServer::start({});
    ASSERT_NE(server_, nullptr);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = Echo::NewStub(channel_);
  }

  // A context that gives up after 10 s, so that a broken upstream fails the test, not hangs it.
  static std::unique_ptr<grpc::ClientContext> bounded_context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return context;
  }

  static std::string metadata_value(const std::multimap<grpc::string_ref, grpc::string_ref>& map,
                                    const std::string& key) {
    const auto found = map.find(key);
    return found == map.end() ? "" : std::string(found->second.data(), found->second.size());
  }

  std::unique_ptr<EchoServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Echo::Stub> stub_;
};

TEST_F(EchoUpstreamTest, SayEchoesTheRequestAndTheMetadataItReceived) {
  auto context = bounded_context();
  context->AddMetadata("x-single", "one");
  context->AddMetadata("x-twice", "first");
  context->AddMetadata("x-twice", "second");
  context->AddMetadata("x-blob-bin", std::string("\x00\x01", 2));
  EchoRequest request;
  request.set_text("hello");
  request.set_payload(std::string("\x00\xff payload", 10));
  EchoReply reply;

  const grpc::Status status = stub_->Say(context.get(), request, &reply);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.text(), "hello");
  EXPECT_EQ(reply.payload(), request.payload());
  EXPECT_EQ(reply.index(), 0U);
  EXPECT_EQ(reply.metadata().at("x-single"), "one");
  EXPECT_EQ(reply.metadata().at("x-twice"), "first, second");
  EXPECT_EQ(reply.metadata().count("x-blob-bin"), 0U);
  EXPECT_EQ(metadata_value(context->GetServerInitialMetadata(), "x-echo-initial"), "yes");
  EXPECT_EQ(metadata_value(context->GetServerTrailingMetadata(), "x-echo-trailing"), "done");
  EXPECT_EQ(server_->calls_started(), 1U);
}

TEST_F(EchoUpstreamTest, FailCodeFinishesWithThatStatusAndTheTextAsMessage) {
  auto context = bounded_context();
  EchoRequest request;
  request.set_text("no such thing");
  request.set_fail_code(grpc::StatusCode::NOT_FOUND);
  EchoReply reply;

  const grpc::Status status = stub_->Say(context.get(), request, &reply);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "no such thing");
  EXPECT_EQ(metadata_value(context->GetServerTrailingMetadata(), "x-echo-trailing"), "done");
}

TEST_F(EchoUpstreamTest, FailCodeOutsideTheStatusCodesIsAnInvalidArgument) {
  auto context = bounded_context();
  EchoRequest request;
  request.set_fail_code(99);
  EchoReply reply;

  EXPECT_EQ(stub_->Say(context.get(), request, &reply).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(EchoUpstreamTest, CollectJoinsTextsConcatenatesPayloadsAndCountsRequests) {
  auto context = bounded_context();
  EchoReply reply;
  const auto writer = stub_->Collect(context.get(), &reply);
  for (const std::string text : {"a", "b", "c"}) {
    EchoRequest request;
    request.set_text(text);
    request.set_payload(text + text);
    ASSERT_TRUE(writer->Write(request));
  }
  ASSERT_TRUE(writer->WritesDone());

  const grpc::Status status = writer->Finish();

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.text(), "a,b,c");
  EXPECT_EQ(reply.payload(), "aabbcc");
  EXPECT_EQ(reply.index(), 3U);
}

TEST_F(EchoUpstreamTest, ExpandStreamsRepeatRepliesNumberedFromZero) {
  auto context = bounded_context();
  EchoRequest request;
  request.set_text("again");
  request.set_repeat(4);
  const auto reader = stub_->Expand(context.get(), request);

  EchoReply reply;
  std::uint32_t received = 0;
  while (reader->Read(&reply)) {
    EXPECT_EQ(reply.text(), "again");
    EXPECT_EQ(reply.index(), received);
    ++received;
  }

  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(received, 4U);
}

TEST_F(EchoUpstreamTest, ChatAnswersEachRequestBeforeTheNextIsSent) {
  auto context = bounded_context();
  const auto stream = stub_->Chat(context.get());
  for (std::uint32_t position = 0; position < 3; ++position) {
    EchoRequest request;
    request.set_text("message " + std::to_string(position));
    ASSERT_TRUE(stream->Write(request));
    EchoReply reply;
    ASSERT_TRUE(stream->Read(&reply));
    EXPECT_EQ(reply.text(), request.text());
    EXPECT_EQ(reply.index(), position);
  }
  ASSERT_TRUE(stream->WritesDone());

  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(metadata_value(context->GetServerInitialMetadata(), "x-echo-initial"), "yes");
}

TEST_F(EchoUpstreamTest, DelayWaitsBeforeTheReply) {
  auto context = bounded_context();
  EchoRequest request;
  request.set_delay_ms(300);
  EchoReply reply;
  const Clock::time_point start = Clock::now();

  ASSERT_TRUE(stub_->Say(context.get(), request, &reply).ok());

  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(300));
}

TEST_F(EchoUpstreamTest, CancelledUnaryCallStopsWaitingItsDelay) {
  auto context = bounded_context();
  EchoRequest request;
  request.set_delay_ms(5000);
  EchoReply reply;
  std::thread canceller([&context] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    context->TryCancel();
  });
  const Clock::time_point start = Clock::now();

  const grpc::Status status = stub_->Say(context.get(), request, &reply);
  canceller.join();

  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
  EXPECT_TRUE(server_->wait_for_cancelled(1, std::chrono::seconds(2)));
}

TEST_F(EchoUpstreamTest, PassedDeadlineCancelsADelayedStream) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  const auto stream = stub_->Chat(&context);
  EchoRequest request;
  request.set_delay_ms(5000);
  ASSERT_TRUE(stream->Write(request));

  EchoReply reply;
  EXPECT_FALSE(stream->Read(&reply));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_TRUE(server_->wait_for_cancelled(1, std::chrono::seconds(2)));
  EXPECT_EQ(server_->calls_cancelled(), 1U);
}

TEST_F(EchoUpstreamTest, CallsFinishedByTheServerAreNotCountedAsCancelled) {
  for (const int fail_code : {0, 3}) {
    auto context = bounded_context();
    EchoRequest request;
    request.set_fail_code(fail_code);
    EchoReply reply;
    stub_->Say(context.get(), request, &reply);
  }

  EXPECT_FALSE(server_->wait_for_cancelled(1, std::chrono::milliseconds(300)));
  EXPECT_EQ(server_->calls_started(), 2U);
}

// Deadlines and delays of about the same length, so that cancellations land on timers about
// to fire, on writes and between steps: every call must still end, with a reply or an error.
TEST_F(EchoUpstreamTest, CallsRacingTheirDeadlinesAllEnd) {
  constexpr std::size_t kCalls = 300;
  std::mutex mutex;
  std::condition_variable done;
  std::size_t ended = 0;
  std::size_t replied = 0;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<EchoRequest> requests(kCalls);
  std::vector<EchoReply> replies(kCalls);
  for (std::size_t i = 0; i < kCalls; ++i) {
    auto context = std::make_unique<grpc::ClientContext>();
    // One call in ten has time enough to be answered.
    const auto deadline = i % 10 == 0 ? std::chrono::milliseconds(10000)
                                      : std::chrono::milliseconds(static_cast<int>(i % 40));
    context->set_deadline(std::chrono::system_clock::now() + deadline);
    requests[i].set_delay_ms(static_cast<std::uint32_t>((i * 7) % 40));
    stub_->async()->Say(context.get(), &requests[i], &replies[i], [&](grpc::Status status) {
      const std::lock_guard lock(mutex);
      ++ended;
      if (status.ok()) ++replied;
      done.notify_one();
    });
    contexts.push_back(std::move(context));
  }

  std::unique_lock lock(mutex);
  EXPECT_TRUE(done.wait_for(lock, std::chrono::seconds(20), [&] { return ended == kCalls; }));
  EXPECT_GE(replied, kCalls / 10);
  EXPECT_LT(replied, kCalls);
}

TEST_F(EchoUpstreamTest, ShutdownEndsCallsStillWaitingTheirDelay) {
  std::thread caller([this] {
    auto context = bounded_context();
    EchoRequest request;
    request.set_delay_ms(8000);
    EchoReply reply;
    stub_->Say(context.get(), request, &reply);
  });
  // Bounded wait for the call to reach the server before shutting it down.
  for (int i = 0; i < 200 && server_->calls_started() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(server_->calls_started(), 1U);
  const Clock::time_point start = Clock::now();

  server_->shutdown();

  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
  caller.join();
}

// Writes a self-signed certificate for 127.0.0.1 and its key as PEM files; false on failure.
bool write_self_signed_certificate(const std::string& cert_path, const std::string& key_path) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  bool written = false;
  if (key != nullptr && cert != nullptr) {
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_set_pubkey(cert, key);
    X509V3_CTX context;
    X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* names =
        X509V3_EXT_conf_nid(nullptr, &context, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    if (names != nullptr && X509_add_ext(cert, names, -1) == 1 &&
        X509_sign(cert, key, EVP_sha256()) > 0) {
      FILE* cert_file = std::fopen(cert_path.c_str(), "w");
      FILE* key_file = std::fopen(key_path.c_str(), "w");
      written = cert_file != nullptr && key_file != nullptr &&
                PEM_write_X509(cert_file, cert) == 1 &&
                PEM_write_PrivateKey(key_file, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
      if (cert_file != nullptr) std::fclose(cert_file);
      if (key_file != nullptr) std::fclose(key_file);
    }
    X509_EXTENSION_free(names);
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  return written;
}

TEST(EchoUpstreamTlsTest, ServesOverTlsWithTheGivenCertificate) {
  const l402::test::TempDir directory("l402-grpc-echo");
  ASSERT_TRUE(write_self_signed_certificate(directory.file("cert.pem"), directory.file("key.pem")));
  l402::testing::EchoServerOptions options;
  options.tls_cert_path = directory.file("cert.pem");
  options.tls_key_path = directory.file("key.pem");
  const std::unique_ptr<EchoServer> server = EchoServer::start(options);
  ASSERT_NE(server, nullptr);
  std::ifstream cert_file(options.tls_cert_path);
  grpc::SslCredentialsOptions trust;
  trust.pem_root_certs.assign(std::istreambuf_iterator<char>(cert_file), {});
  const auto stub = Echo::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(server->port()),
                                                      grpc::SslCredentials(trust)));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  EchoRequest request;
  request.set_text("secret");
  EchoReply reply;

  const grpc::Status status = stub->Say(&context, request, &reply);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.text(), "secret");
}

TEST(EchoUpstreamTlsTest, CertificateWithoutKeyIsRefused) {
  l402::testing::EchoServerOptions options;
  options.tls_cert_path = "/nonexistent/cert.pem";
  std::string error;

  EXPECT_EQ(EchoServer::start(options, &error), nullptr);
  EXPECT_NE(error.find("both"), std::string::npos) << error;
}

TEST(EchoUpstreamProgramTest, PrintsItsAddressServesAndStopsOnSigterm) {
  l402::test::BackgroundProcess upstream(L402_GRPC_ECHO_PATH, {"--listen", "127.0.0.1:0"});
  ASSERT_TRUE(upstream.started());
  const std::optional<std::string> line = upstream.read_line();
  ASSERT_TRUE(line.has_value());
  const std::string prefix = R"({"listening":"127.0.0.1:)";
  ASSERT_EQ(line->rfind(prefix, 0), 0U) << *line;
  const std::string port = line->substr(prefix.size(), line->size() - prefix.size() - 2);

  const auto stub =
      Echo::NewStub(grpc::CreateChannel("127.0.0.1:" + port, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  EchoRequest request;
  request.set_text("ping");
  EchoReply reply;
  ASSERT_TRUE(stub->Say(&context, request, &reply).ok());
  EXPECT_EQ(reply.text(), "ping");

  EXPECT_EQ(upstream.stop(SIGTERM, std::chrono::seconds(5)), 0);
}

TEST(EchoUpstreamProgramTest, UnreadableCertificateIsAnErrorAtStart) {
  l402::test::BackgroundProcess upstream(
      L402_GRPC_ECHO_PATH, {"--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/nonexistent"},
      "/dev/null");
  ASSERT_TRUE(upstream.started());

  EXPECT_FALSE(upstream.read_line(std::chrono::seconds(10)).has_value());
  EXPECT_EQ(upstream.stop(SIGTERM, std::chrono::seconds(5)), 1);
}

}  // namespace
