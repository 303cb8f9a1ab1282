// The paying gRPC interceptor (l402/grpc_client.hpp) against a real gRPC server in this
// process that sells the Echo service: each call without a valid credential gets a challenge
// minted by l402::Authority over an invoice of an in-process devnet node (gRPC status INTERNAL,
// "payment required", the challenge in www-authenticate trailing metadata, as Aperture and
// l402d answer), and a valid credential is served. The client's wallet is another account of
// the same node, so balances show exactly what was paid.
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "echo.grpc.pb.h"
#include "echo.pb.h"
#include "forwarding_backend.hpp"
#include "l402/authority.hpp"
#include "l402/client.hpp"
#include "l402/devnet.hpp"
#include "l402/encoding.hpp"
#include "l402/grpc_client.hpp"
#include "l402/keyring.hpp"
#include "l402/lightning.hpp"
#include "result_matchers.hpp"
#include "temp_dir.hpp"

namespace l402 {
namespace {

using namespace std::chrono_literals;
using l402::testing::EchoReply;
using l402::testing::EchoRequest;

constexpr Msat kPrice{5'000};
constexpr Msat kNodeFee{1'000};
constexpr Msat kPayerFunds{1'000'000};

// Sells every Echo method for kPrice, checking credentials with l402::Authority.
class EchoSeller final : public l402::testing::Echo::Service {
 public:
  explicit EchoSeller(Backend& invoices)
      : invoices_(invoices), authority_(keyring_, revocations_, invoices_, system_random()) {
    (void)keyring_.rotate(system_random());
  }

  int challenges() const { return challenges_.load(); }
  // Refuses `token_id` from now on, with a fresh challenge.
  void revoke(const TokenId& token_id) { revocations_.revoke(token_id); }
  int granted() const { return granted_.load(); }

  grpc::Status Say(grpc::ServerContext* context, const EchoRequest* request,
                   EchoReply* reply) override {
    if (!paid(*context)) return challenge(*context);
    fill(*context, *request, reply);
    return grpc::Status::OK;
  }

  grpc::Status Expand(grpc::ServerContext* context, const EchoRequest* request,
                      grpc::ServerWriter<EchoReply>* writer) override {
    if (!paid(*context)) return challenge(*context);
    for (std::uint32_t i = 0; i < std::max<std::uint32_t>(request->repeat(), 1); ++i) {
      EchoReply reply;
      fill(*context, *request, &reply);
      reply.set_index(i);
      if (!writer->Write(reply)) break;
    }
    return grpc::Status::OK;
  }

  grpc::Status Collect(grpc::ServerContext* context, grpc::ServerReader<EchoRequest>* reader,
                       EchoReply* reply) override {
    if (!paid(*context)) return challenge(*context);
    EchoRequest request;
    std::string texts;
    std::uint32_t count = 0;
    while (reader->Read(&request)) {
      texts += (count++ == 0 ? "" : ",") + request.text();
    }
    reply->set_text(texts);
    reply->set_index(count);
    return grpc::Status::OK;
  }

  grpc::Status Chat(grpc::ServerContext* context,
                    grpc::ServerReaderWriter<EchoReply, EchoRequest>* stream) override {
    if (!paid(*context)) return challenge(*context);
    EchoRequest request;
    std::uint32_t index = 0;
    while (stream->Read(&request)) {
      EchoReply reply;
      fill(*context, request, &reply);
      reply.set_index(index++);
      if (!stream->Write(reply)) break;
    }
    return grpc::Status::OK;
  }

 private:
  static std::uint64_t now() { return static_cast<std::uint64_t>(std::time(nullptr)); }

  static void fill(const grpc::ServerContext& context, const EchoRequest& request,
                   EchoReply* reply) {
    reply->set_text(request.text());
    reply->set_payload(request.payload());
    for (const auto& [key, value] : context.client_metadata()) {
      (*reply->mutable_metadata())[std::string(key.data(), key.size())] =
          std::string(value.data(), value.size());
    }
  }

  bool paid(const grpc::ServerContext& context) {
    std::vector<HeaderField> fields;
    for (const auto& [key, value] : context.client_metadata()) {
      fields.push_back(HeaderField{std::string_view(key.data(), key.size()),
                                   std::string_view(value.data(), value.size())});
    }
    const Target service{"echo", "", {}};
    if (!authority_.verify_request(fields, service, now()).granted()) return false;
    granted_.fetch_add(1);
    return true;
  }

  grpc::Status challenge(grpc::ServerContext& context) {
    challenges_.fetch_add(1);
    Offer offer;
    offer.services.push_back(ServiceOffer{"echo", 0, std::nullopt, {}, 0});
    Result<MintedChallenge> minted = authority_.mint(offer, kPrice, now());
    if (!minted.ok()) return grpc::Status(grpc::StatusCode::UNAVAILABLE, minted.error().message());
    for (const std::string& value : minted->header_values()) {
      context.AddTrailingMetadata("www-authenticate", value);
    }
    return grpc::Status(grpc::StatusCode::INTERNAL, "payment required");
  }

  Backend& invoices_;
  InMemoryKeyring keyring_;
  InMemoryRevocationList revocations_;
  Authority authority_;
  std::atomic<int> challenges_{0};
  std::atomic<int> granted_{0};
};

// The status a callback-API call ends with, waited for on the test's thread.
class CallEnd {
 public:
  std::function<void(grpc::Status)> callback() {
    return [this](grpc::Status status) {
      const std::lock_guard<std::mutex> lock(mutex_);
      status_ = std::move(status);
      ended_.notify_one();
    };
  }
  // nullopt when the call has not ended within `limit`.
  std::optional<grpc::Status> wait(std::chrono::seconds limit) {
    std::unique_lock<std::mutex> lock(mutex_);
    ended_.wait_for(lock, limit, [&] { return status_.has_value(); });
    return status_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ended_;
  std::optional<grpc::Status> status_;
};

// The payer's wallet, counting pay() calls.
class CountingWallet final : public test::ForwardingBackend {
 public:
  CountingWallet(std::unique_ptr<Backend> inner, std::atomic<int>& pays)
      : ForwardingBackend(*inner), owned_(std::move(inner)), pays_(pays) {}
  PayOutcome pay(const PayRequest& request) override {
    pays_.fetch_add(1);
    return ForwardingBackend::pay(request);
  }

 private:
  std::unique_ptr<Backend> owned_;
  std::atomic<int>& pays_;
};

class GrpcInterceptorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DevnetOptions devnet;
    devnet.data_dir = dir_.file("devnet");
    devnet.accounts = {{"payer", kPayerFunds}};
    devnet.fee_base = kNodeFee;
    ASSERT_OK_AND_ASSIGN(node_, DevnetNode::open(devnet));
    receiver_ = open_devnet_backend(*node_);
    seller_ = std::make_unique<EchoSeller>(*receiver_);

    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(seller_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
  }

  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + 5s);
  }

  std::string authority() const { return "127.0.0.1:" + std::to_string(port_); }

  ClientOptions client_options() {
    ClientOptions options;
    options.data_dir = dir_.file("client");
    options.wallet_network = Network::kRegtest;
    options.payment_timeout = 10s;
    return options;
  }

  std::shared_ptr<Client> open_client(ClientOptions options) {
    Result<std::unique_ptr<Client>> client =
        Client::open(std::move(options),
                     std::make_unique<CountingWallet>(open_devnet_backend(*node_, "payer"), pays_));
    EXPECT_TRUE(test::IsOk(client));
    return client.ok() ? std::shared_ptr<Client>(std::move(client).value()) : nullptr;
  }

  GrpcPayingOptions paying_options() {
    GrpcPayingOptions options;
    options.authority = authority();
    options.on_purchase = [this](std::string_view method, const PurchaseResult& result) {
      const std::lock_guard<std::mutex> lock(mu_);
      purchases_.emplace_back(std::string(method), result.outcome);
    };
    return options;
  }

  std::shared_ptr<grpc::Channel> channel(std::shared_ptr<Client> client,
                                         GrpcPayingOptions options) {
    std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
    factories.push_back(make_paying_interceptor_factory(std::move(client), std::move(options)));
    return grpc::experimental::CreateCustomChannelWithInterceptors(
        authority(), grpc::InsecureChannelCredentials(), grpc::ChannelArguments(),
        std::move(factories));
  }

  std::unique_ptr<l402::testing::Echo::Stub> paying_stub() {
    client_ = open_client(client_options());
    return l402::testing::Echo::NewStub(channel(client_, paying_options()));
  }

  static void set_deadline(grpc::ClientContext& context) {
    context.set_deadline(std::chrono::system_clock::now() + 30s);
  }

  grpc::Status say(l402::testing::Echo::Stub& stub, const std::string& text, EchoReply* reply) {
    grpc::ClientContext context;
    set_deadline(context);
    EchoRequest request;
    request.set_text(text);
    return stub.Say(&context, request, reply);
  }

  Msat spent() const {
    Result<Msat> balance = node_->balance("payer");
    EXPECT_TRUE(test::IsOk(balance));
    return kPayerFunds.checked_sub(balance.ok() ? *balance : kPayerFunds).value_or(Msat());
  }

  std::vector<std::pair<std::string, PerformOutcome>> purchases() {
    const std::lock_guard<std::mutex> lock(mu_);
    return purchases_;
  }

  test::TempDir dir_;
  std::unique_ptr<DevnetNode> node_;
  std::unique_ptr<Backend> receiver_;
  std::unique_ptr<EchoSeller> seller_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::atomic<int> pays_{0};
  std::shared_ptr<Client> client_;
  std::mutex mu_;
  std::vector<std::pair<std::string, PerformOutcome>> purchases_;
};

TEST(GrpcPaymentRequired, RecognisesAperturesChallengeStatuses) {
  EXPECT_TRUE(is_payment_required(grpc::Status(grpc::StatusCode::INTERNAL, "payment required")));
  EXPECT_TRUE(is_payment_required(
      grpc::Status(grpc::StatusCode::INTERNAL, "payment required: token expired")));
  EXPECT_TRUE(is_payment_required(grpc::Status(grpc::StatusCode::UNKNOWN, "Payment Required")));
  EXPECT_FALSE(
      is_payment_required(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "payment required")));
  EXPECT_FALSE(is_payment_required(grpc::Status(grpc::StatusCode::INTERNAL, "internal error")));
  EXPECT_FALSE(is_payment_required(grpc::Status::OK));
}

TEST_F(GrpcInterceptorTest, UnpaidUnaryCallIsPaidOnceAndRetriedTransparently) {
  auto stub = paying_stub();
  EchoReply reply;
  const grpc::Status status = say(*stub, "hello", &reply);
  ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  EXPECT_EQ(reply.text(), "hello");
  EXPECT_TRUE(reply.metadata().at("authorization").starts_with("L402 "));
  EXPECT_EQ(pays_.load(), 1);
  EXPECT_EQ(seller_->challenges(), 1);
  EXPECT_EQ(seller_->granted(), 1);
  EXPECT_EQ(spent(), Msat(kPrice.value() + kNodeFee.value()));
  ASSERT_EQ(purchases().size(), 1u);
  EXPECT_EQ(purchases()[0].first, "/l402.testing.Echo/Say");
  EXPECT_EQ(purchases()[0].second, PerformOutcome::kDone);
}

TEST_F(GrpcInterceptorTest, LaterCallsReuseTheStoredTokenWithoutPaying) {
  auto stub = paying_stub();
  EchoReply reply;
  ASSERT_TRUE(say(*stub, "one", &reply).ok());
  for (int i = 0; i < 3; ++i) {
    EchoReply again;
    ASSERT_TRUE(say(*stub, "again", &again).ok());
    EXPECT_EQ(again.text(), "again");
    EXPECT_EQ(again.metadata().at("authorization"), reply.metadata().at("authorization"));
  }
  EXPECT_EQ(pays_.load(), 1);
  EXPECT_EQ(seller_->challenges(), 1);
  EXPECT_EQ(seller_->granted(), 4);

  // A new channel over the same store sends the token from the start.
  auto other = l402::testing::Echo::NewStub(channel(client_, paying_options()));
  EchoReply fresh;
  ASSERT_TRUE(say(*other, "other channel", &fresh).ok());
  EXPECT_EQ(pays_.load(), 1);
  EXPECT_EQ(seller_->challenges(), 1);
}

TEST_F(GrpcInterceptorTest, ARefusedTokenIsMarkedStaleAndReplacedOnce) {
  auto stub = paying_stub();
  EchoReply reply;
  ASSERT_TRUE(say(*stub, "first", &reply).ok());
  ASSERT_OK_AND_ASSIGN(const std::vector<StoredToken> bought, client_->store().list_tokens());
  ASSERT_EQ(bought.size(), 1u);
  ASSERT_OK_AND_ASSIGN(const std::string id_bytes, hex::decode(bought[0].token_id));
  TokenId token_id{};
  ASSERT_EQ(id_bytes.size(), token_id.size());
  std::copy(id_bytes.begin(), id_bytes.end(), token_id.begin());
  seller_->revoke(token_id);

  const grpc::Status status = say(*stub, "second", &reply);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.text(), "second");
  ASSERT_OK_AND_ASSIGN(const StoredToken old, client_->store().find_token(bought[0].token_id));
  EXPECT_TRUE(old.stale);
  EXPECT_EQ(pays_.load(), 2);
  EXPECT_EQ(seller_->challenges(), 2);
  EXPECT_EQ(spent(), Msat(2 * (kPrice.value() + kNodeFee.value())));
}

TEST_F(GrpcInterceptorTest, BudgetRefusalReturnsTheChallengeAndPaysNothing) {
  ClientOptions options = client_options();
  options.budget.max_price = Msat(kPrice.value() - 1);
  client_ = open_client(std::move(options));
  auto stub = l402::testing::Echo::NewStub(channel(client_, paying_options()));

  grpc::ClientContext context;
  set_deadline(context);
  EchoRequest request;
  request.set_text("too dear");
  EchoReply reply;
  const grpc::Status status = stub->Say(&context, request, &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(status.error_message(), "payment required");
  EXPECT_TRUE(is_payment_required(status));
  // The challenge reaches the caller as the server sent it.
  const auto& trailers = context.GetServerTrailingMetadata();
  EXPECT_EQ(trailers.count("www-authenticate"), 2u);
  EXPECT_EQ(pays_.load(), 0);
  EXPECT_EQ(spent(), Msat());
  ASSERT_EQ(purchases().size(), 1u);
  EXPECT_EQ(purchases()[0].second, PerformOutcome::kBudgetRefused);
}

TEST_F(GrpcInterceptorTest, ConcurrentCallsPayOnce) {
  auto stub = paying_stub();
  constexpr int kCalls = 8;
  std::vector<std::thread> callers;
  std::atomic<int> succeeded{0};
  for (int i = 0; i < kCalls; ++i) {
    callers.emplace_back([&, i] {
      EchoReply reply;
      if (say(*stub, "call " + std::to_string(i), &reply).ok() &&
          reply.text() == "call " + std::to_string(i)) {
        succeeded.fetch_add(1);
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(succeeded.load(), kCalls);
  EXPECT_EQ(pays_.load(), 1);
  EXPECT_EQ(spent(), Msat(kPrice.value() + kNodeFee.value()));
}

TEST_F(GrpcInterceptorTest, ServerStreamingCallIsRetriedTransparently) {
  auto stub = paying_stub();
  grpc::ClientContext context;
  set_deadline(context);
  EchoRequest request;
  request.set_text("many");
  request.set_repeat(3);
  std::unique_ptr<grpc::ClientReader<EchoReply>> reader = stub->Expand(&context, request);
  std::vector<std::uint32_t> indexes;
  EchoReply reply;
  while (reader->Read(&reply)) {
    EXPECT_EQ(reply.text(), "many");
    indexes.push_back(reply.index());
  }
  const grpc::Status status = reader->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(indexes, (std::vector<std::uint32_t>{0, 1, 2}));
  EXPECT_EQ(pays_.load(), 1);
  EXPECT_EQ(seller_->challenges(), 1);
}

TEST_F(GrpcInterceptorTest, CallbackUnaryCallIsRetriedWithoutBlockingGrpcThreads) {
  auto stub = paying_stub();
  grpc::ClientContext context;
  set_deadline(context);
  EchoRequest request;
  request.set_text("callback");
  EchoReply reply;
  CallEnd end;
  stub->async()->Say(&context, &request, &reply, end.callback());
  const std::optional<grpc::Status> result = end.wait(30s);
  ASSERT_TRUE(result.has_value());
  ASSERT_TRUE(result->ok()) << result->error_message();
  EXPECT_EQ(reply.text(), "callback");
  EXPECT_EQ(pays_.load(), 1);
}

TEST_F(GrpcInterceptorTest, AsyncUnaryCallIsRetried) {
  auto stub = paying_stub();
  grpc::CompletionQueue queue;
  grpc::ClientContext context;
  set_deadline(context);
  EchoRequest request;
  request.set_text("async");
  EchoReply reply;
  grpc::Status status;
  auto call = stub->AsyncSay(&context, request, &queue);
  call->Finish(&reply, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  ASSERT_EQ(queue.AsyncNext(&tag, &ok, std::chrono::system_clock::now() + 30s),
            grpc::CompletionQueue::GOT_EVENT);
  EXPECT_TRUE(ok);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.text(), "async");
  EXPECT_EQ(pays_.load(), 1);
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
}

grpc::Status collect(l402::testing::Echo::Stub& stub, const std::vector<std::string>& words,
                     std::string* text) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 30s);
  EchoReply reply;
  std::unique_ptr<grpc::ClientWriter<EchoRequest>> writer = stub.Collect(&context, &reply);
  for (const std::string& word : words) {
    EchoRequest request;
    request.set_text(word);
    if (!writer->Write(request)) break;
  }
  writer->WritesDone();
  const grpc::Status status = writer->Finish();
  *text = reply.text();
  return status;
}

grpc::Status chat(l402::testing::Echo::Stub& stub, const std::vector<std::string>& words,
                  std::vector<std::string>* answers) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 30s);
  auto stream = stub.Chat(&context);
  for (const std::string& word : words) {
    EchoRequest request;
    request.set_text(word);
    if (!stream->Write(request)) break;
    EchoReply reply;
    if (!stream->Read(&reply)) break;
    answers->push_back(reply.text());
  }
  stream->WritesDone();
  return stream->Finish();
}

TEST_F(GrpcInterceptorTest, ClientStreamingCallIsRetriedTransparently) {
  auto stub = paying_stub();
  std::string text;
  const grpc::Status status = collect(*stub, {"a", "b", "c"}, &text);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(text, "a,b,c");
  EXPECT_EQ(pays_.load(), 1);
  EXPECT_EQ(seller_->challenges(), 1);
  EXPECT_EQ(seller_->granted(), 1);
}

TEST_F(GrpcInterceptorTest, BidiCallIsRetriedTransparently) {
  auto stub = paying_stub();
  std::vector<std::string> answers;
  const grpc::Status status = chat(*stub, {"x", "y", "z"}, &answers);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(answers, (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(pays_.load(), 1);
  EXPECT_EQ(seller_->challenges(), 1);
}

TEST_F(GrpcInterceptorTest, CancellingAHijackedCallEndsItCancelled) {
  auto stub = paying_stub();
  grpc::ClientContext context;
  set_deadline(context);
  auto stream = stub->Chat(&context);
  EchoRequest request;
  request.set_text("before cancel");
  ASSERT_TRUE(stream->Write(request));
  EchoReply reply;
  ASSERT_TRUE(stream->Read(&reply));
  EXPECT_EQ(reply.text(), "before cancel");
  context.TryCancel();
  EXPECT_FALSE(stream->Read(&reply));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(pays_.load(), 1);
}

TEST_F(GrpcInterceptorTest, StreamOverTheReplayBoundEndsWithTheChallengeAndTheNextCallPays) {
  client_ = open_client(client_options());
  GrpcPayingOptions options = paying_options();
  options.max_replay_bytes = 16;
  auto stub = l402::testing::Echo::NewStub(channel(client_, std::move(options)));
  const std::vector<std::string> words = {std::string(10, 'a'), std::string(10, 'b'),
                                          std::string(10, 'c')};
  std::string text;
  // The server refuses before reading: the writes past the bound fail, the call is not
  // retried, and the challenge is paid for the next call.
  const grpc::Status first = collect(*stub, words, &text);
  EXPECT_TRUE(is_payment_required(first)) << first.error_message();
  EXPECT_EQ(pays_.load(), 1);
  const grpc::Status second = collect(*stub, words, &text);
  ASSERT_TRUE(second.ok()) << second.error_message();
  EXPECT_EQ(text, words[0] + "," + words[1] + "," + words[2]);
  EXPECT_EQ(pays_.load(), 1);
  EXPECT_EQ(seller_->challenges(), 1);
}

TEST_F(GrpcInterceptorTest, WithoutRetryStreamingCallsEndWithTheChallengeAndTheNextOnePays) {
  client_ = open_client(client_options());
  GrpcPayingOptions options = paying_options();
  options.retry = false;
  auto stub = l402::testing::Echo::NewStub(channel(client_, std::move(options)));
  std::vector<std::string> answers;
  const grpc::Status first = chat(*stub, {"x", "y"}, &answers);
  EXPECT_TRUE(is_payment_required(first)) << first.error_message();
  EXPECT_TRUE(answers.empty());
  EXPECT_EQ(pays_.load(), 1);
  const grpc::Status second = chat(*stub, {"x", "y"}, &answers);
  ASSERT_TRUE(second.ok()) << second.error_message();
  EXPECT_EQ(answers, (std::vector<std::string>{"x", "y"}));
  std::string text;
  ASSERT_TRUE(collect(*stub, {"a", "b"}, &text).ok());
  EXPECT_EQ(text, "a,b");
  EXPECT_EQ(pays_.load(), 1);
}

TEST_F(GrpcInterceptorTest, CallerOwnAuthorizationIsSentAsIsAndItsChallengeNotPaid) {
  auto stub = paying_stub();
  grpc::ClientContext context;
  set_deadline(context);
  context.AddMetadata("authorization", "Bearer caller-token");
  EchoRequest request;
  request.set_text("mine");
  EchoReply reply;
  const grpc::Status status = stub->Say(&context, request, &reply);
  EXPECT_TRUE(is_payment_required(status));
  EXPECT_EQ(pays_.load(), 0);
  EXPECT_TRUE(purchases().empty());
}

TEST_F(GrpcInterceptorTest, WithoutRetryTheChallengeIsPaidForTheNextCall) {
  client_ = open_client(client_options());
  GrpcPayingOptions options = paying_options();
  options.retry = false;
  auto stub = l402::testing::Echo::NewStub(channel(client_, std::move(options)));
  EchoReply reply;
  EXPECT_TRUE(is_payment_required(say(*stub, "first", &reply)));
  EXPECT_EQ(pays_.load(), 1);
  const grpc::Status second = say(*stub, "second", &reply);
  ASSERT_TRUE(second.ok()) << second.error_message();
  EXPECT_EQ(reply.text(), "second");
  EXPECT_EQ(pays_.load(), 1);
}

TEST_F(GrpcInterceptorTest, GenericStubCallsReceiveByteBuffers) {
  client_ = open_client(client_options());
  GrpcPayingOptions options = paying_options();
  options.messages = GrpcMessages::kByteBuffer;
  grpc::GenericStub stub(channel(client_, std::move(options)));

  EchoRequest request;
  request.set_text("bytes");
  std::string serialized;
  ASSERT_TRUE(request.SerializeToString(&serialized));
  grpc::Slice slice(serialized);
  grpc::ByteBuffer request_bytes(&slice, 1);
  grpc::ByteBuffer reply_bytes;
  grpc::ClientContext context;
  set_deadline(context);
  CallEnd end;
  stub.UnaryCall(&context, "/l402.testing.Echo/Say", grpc::StubOptions(), &request_bytes,
                 &reply_bytes, end.callback());
  const std::optional<grpc::Status> result = end.wait(30s);
  ASSERT_TRUE(result.has_value());
  ASSERT_TRUE(result->ok()) << result->error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(reply_bytes.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& piece : slices) {
    bytes.append(reinterpret_cast<const char*>(piece.begin()), piece.size());
  }
  EchoReply reply;
  ASSERT_TRUE(reply.ParseFromString(bytes));
  EXPECT_EQ(reply.text(), "bytes");
  EXPECT_EQ(pays_.load(), 1);
}

TEST_F(GrpcInterceptorTest, ExpiredDeadlineEndsTheCallUnpaid) {
  // The retried call carries the caller's deadline: an expired one ends the call, unpaid.
  auto stub = paying_stub();
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() - 1s);
  EchoRequest request;
  request.set_text("late");
  EchoReply reply;
  const grpc::Status status = stub->Say(&context, request, &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(pays_.load(), 0);
}

}  // namespace
}  // namespace l402
