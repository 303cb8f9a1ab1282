// gRPC through l402d: challenges as trailers-only statuses, every call kind relayed with its
// metadata, the three credential forms, denials with their gRPC codes, deadlines, cancellation,
// limits, upstream failures and TLS.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <future>
#include <string>
#include <thread>
#include <vector>

#include "grpc_gateway_fixture.hpp"
#include "http_client.hpp"
#include "l402/client.hpp"
#include "l402/grpc_client.hpp"
#include "l402/token_header.hpp"
#include "raw_connection.hpp"
#include "temp_dir.hpp"

namespace l402::test {
namespace {

using l402::testing::EchoRequest;

constexpr const char* kSay = "/l402.testing.Echo/Say";
constexpr const char* kCollect = "/l402.testing.Echo/Collect";
constexpr const char* kExpand = "/l402.testing.Echo/Expand";
constexpr const char* kChat = "/l402.testing.Echo/Chat";

std::string metadata_seen(const CallResult& result, const std::string& key) {
  if (result.replies.empty()) return "";
  const auto& seen = result.replies.front().metadata();
  const auto it = seen.find(key);
  return it == seen.end() ? "" : it->second;
}

TEST_F(GrpcGatewayTest, UnpaidCallGetsATrailersOnlyChallengeAsAperturesClientExpects) {
  const CallResult result = call(*channel(), kSay, {echo_request("hi")});
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(result.status.error_message(), "payment required");
  EXPECT_TRUE(result.replies.empty());
  // Trailers-only: nothing arrives as initial metadata, the challenge is in the trailers.
  EXPECT_TRUE(result.initial_metadata.empty());
  const std::vector<std::string> values = result.trailing("www-authenticate");
  ASSERT_EQ(values.size(), 2u);
  EXPECT_TRUE(values[0].starts_with("LSAT macaroon=\"")) << values[0];
  EXPECT_TRUE(values[1].starts_with("L402 macaroon=\"")) << values[1];
  const std::vector<std::string_view> views(values.begin(), values.end());
  ASSERT_OK_AND_ASSIGN(const std::vector<Challenge> parsed, parse_challenges(views));
  EXPECT_EQ(parsed.size(), 2u);
  EXPECT_EQ(upstream().calls_started(), upstream().calls_started());  // never reached: below
}

TEST_F(GrpcGatewayTest, UnpaidCallsNeverReachTheUpstream) {
  const std::size_t before = upstream().calls_started();
  for (const char* method : {kSay, kCollect, kExpand, kChat}) {
    const CallResult result = call(*channel(), method, {echo_request("x")});
    EXPECT_EQ(result.status.error_code(), grpc::StatusCode::INTERNAL) << method;
    EXPECT_FALSE(result.trailing("www-authenticate").empty()) << method;
  }
  EXPECT_EQ(upstream().calls_started(), before);
}

TEST_F(GrpcGatewayTest, PricesFollowTheMethodThroughTheServicesPaths) {
  const GrpcPurchase say = buy(kSay);
  const GrpcPurchase expand = buy(kExpand);
  EXPECT_EQ(say.amount, Msat(1000));
  EXPECT_EQ(expand.amount, Msat(2000));
}

TEST_F(GrpcGatewayTest, PaidUnaryCallReachesTheUpstreamWithTheCredentialInAperturesForm) {
  const GrpcPurchase token = buy(kSay);
  const CallResult result = call(*channel(), kSay, {echo_request("hello")},
                                 {{"authorization", token.authorization}, {"x-trace", "t-1"}});
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  ASSERT_EQ(result.replies.size(), 1u);
  EXPECT_EQ(result.replies[0].text(), "hello");
  EXPECT_EQ(metadata_seen(result, "x-trace"), "t-1");
  EXPECT_EQ(metadata_seen(result, "x-l402-token-id"), token.token_id_hex);
  EXPECT_EQ(metadata_seen(result, "x-l402-service"), "say");
  const std::string authorization = metadata_seen(result, "authorization");
  EXPECT_NE(authorization.find("LSAT "), std::string::npos) << authorization;
  EXPECT_NE(authorization.find("L402 "), std::string::npos) << authorization;
  EXPECT_EQ(metadata_seen(result, "x-forwarded-for"), "127.0.0.1");
  // The upstream's own metadata comes back both ways.
  EXPECT_EQ(result.initial_metadata.count("x-echo-initial"), 1u);
  EXPECT_EQ(result.trailing("x-echo-trailing"), std::vector<std::string>{"done"});
}

TEST_F(GrpcGatewayTest, ClientStreamingCarriesEveryMessage) {
  const GrpcPurchase token = buy(kCollect);
  std::vector<EchoRequest> requests;
  std::string expected;
  for (int i = 0; i < 100; ++i) {
    requests.push_back(echo_request(std::to_string(i)));
    expected += (i == 0 ? "" : ",") + std::to_string(i);
  }
  const CallResult result =
      call(*channel(), kCollect, requests, {{"authorization", token.authorization}});
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  ASSERT_EQ(result.replies.size(), 1u);
  EXPECT_EQ(result.replies[0].text(), expected);
  EXPECT_EQ(result.replies[0].index(), 100u);
}

TEST_F(GrpcGatewayTest, ServerStreamingCanBuyAndUseATokenAndGetsEveryMessageInOrder) {
  // Aperture cannot challenge a server-streaming call (its issue 191): here the unpaid stream
  // ends with the challenge, and the token bought from it opens the stream.
  const GrpcPurchase token = buy(kExpand);
  ASSERT_FALSE(token.authorization.empty());
  const CallResult result =
      call(*channel(), kExpand, {echo_request("s", 500)}, {{"authorization", token.authorization}});
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  ASSERT_EQ(result.replies.size(), 500u);
  for (std::uint32_t i = 0; i < 500; ++i) EXPECT_EQ(result.replies[i].index(), i);
}

TEST_F(GrpcGatewayTest, BidirectionalStreamingEchoesEveryMessage) {
  const GrpcPurchase token = buy(kChat);
  std::vector<EchoRequest> requests;
  for (int i = 0; i < 200; ++i) {
    EchoRequest request = echo_request("m" + std::to_string(i));
    request.set_payload(std::string(1000, static_cast<char>('a' + i % 26)));
    requests.push_back(request);
  }
  const CallResult result =
      call(*channel(), kChat, requests, {{"authorization", token.authorization}});
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  ASSERT_EQ(result.replies.size(), 200u);
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(result.replies[static_cast<std::size_t>(i)].text(), "m" + std::to_string(i));
    EXPECT_EQ(result.replies[static_cast<std::size_t>(i)].payload(),
              requests[static_cast<std::size_t>(i)].payload());
  }
}

TEST_F(GrpcGatewayTest, ApertureMacaroonAndSpecTokenMetadataAreAccepted) {
  const GrpcPurchase token = buy(kSay);
  ASSERT_OK_AND_ASSIGN(const std::string hex, aperture_macaroon_hex(token));
  const CallResult by_macaroon = call(*channel(), kSay, {echo_request("a")}, {{"macaroon", hex}});
  EXPECT_TRUE(by_macaroon.status.ok()) << by_macaroon.status.error_message();
  EXPECT_TRUE(metadata_seen(by_macaroon, "macaroon").empty());  // not passed on
  const CallResult by_token = call(*channel(), kSay, {echo_request("b")}, {{"token", hex}});
  EXPECT_TRUE(by_token.status.ok()) << by_token.status.error_message();
  EXPECT_TRUE(metadata_seen(by_token, "token").empty());
  EXPECT_EQ(metadata_seen(by_token, "x-l402-token-id"), token.token_id_hex);
}

TEST_F(GrpcGatewayTest, BadCredentialsGetTheirStatusWithAReasonNeverABareInternal) {
  const GrpcPurchase token = buy(kSay);
  const std::string wrong_preimage = "L402 " + token.macaroon_base64 + ":" + std::string(64, '0');
  const CallResult forged =
      call(*channel(), kSay, {echo_request("x")}, {{"authorization", wrong_preimage}});
  EXPECT_EQ(forged.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_FALSE(forged.status.error_message().empty());

  const CallResult malformed =
      call(*channel(), kSay, {echo_request("x")}, {{"authorization", "L402 not-a-credential"}});
  EXPECT_NE(malformed.status.error_code(), grpc::StatusCode::OK);
  if (malformed.status.error_code() == grpc::StatusCode::INTERNAL) {
    EXPECT_NE(malformed.status.error_message().find("payment required"), std::string::npos);
  }
  EXPECT_FALSE(malformed.status.error_message().empty());

  // A token of another service: a fresh challenge for this one, with the reason.
  const CallResult other =
      call(*channel(), kExpand, {echo_request("x")}, {{"authorization", token.authorization}});
  EXPECT_EQ(other.status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_TRUE(other.status.error_message().starts_with("payment required: "))
      << other.status.error_message();
  EXPECT_EQ(other.trailing("www-authenticate").size(), 2u);
}

TEST_F(GrpcGatewayTest, ExpiredTokenGetsAFreshChallenge) {
  const GrpcPurchase token = buy("/short.Echo/Say");
  const CallResult fresh = call(*channel(), "/short.Echo/Say", {echo_request("x")},
                                {{"authorization", token.authorization}});
  // Valid for 3 s from the challenge (whole seconds): at least 2 s, ample to buy and use.
  EXPECT_TRUE(fresh.status.ok()) << fresh.status.error_message();
  std::this_thread::sleep_for(std::chrono::milliseconds(4100));
  const CallResult expired = call(*channel(), "/short.Echo/Say", {echo_request("x")},
                                  {{"authorization", token.authorization}});
  EXPECT_EQ(expired.status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_NE(expired.status.error_message().find("payment required"), std::string::npos);
  EXPECT_EQ(expired.trailing("www-authenticate").size(), 2u);
}

TEST_F(GrpcGatewayTest, FreeServiceIsRelayedWithItsPathRewritten) {
  const CallResult result = call(*channel(), "/open.Echo/Expand", {echo_request("r", 3)});
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  EXPECT_EQ(result.replies.size(), 3u);
}

TEST_F(GrpcGatewayTest, DeadlineReachesTheUpstreamAndEndsTheCall) {
  const std::size_t cancelled = upstream().calls_cancelled();
  const auto started = std::chrono::steady_clock::now();
  const CallResult result = call(*channel(), "/open.Echo/Say", {echo_request("slow", 0, 5000)}, {},
                                 std::chrono::milliseconds(300));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4));
  // The upstream's call was given the same deadline, so it ends there too.
  EXPECT_TRUE(upstream().wait_for_cancelled(cancelled + 1, std::chrono::seconds(4)));
}

TEST_F(GrpcGatewayTest, ClientCancellationReachesTheUpstream) {
  const std::size_t cancelled = upstream().calls_cancelled();
  grpc::GenericStub stub(channel());
  grpc::ClientContext context;
  std::promise<grpc::Status> done;
  grpc::ByteBuffer response;
  const std::string bytes = echo_request("forever", 0, 5000).SerializeAsString();
  grpc::Slice slice(bytes);
  const grpc::ByteBuffer request(&slice, 1);
  stub.UnaryCall(&context, "/open.Echo/Say", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status status) { done.set_value(status); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  context.TryCancel();
  auto future = done.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(future.get().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(upstream().wait_for_cancelled(cancelled + 1, std::chrono::seconds(4)));
}

TEST_F(GrpcGatewayTest, UpstreamStatusAndMessagePassThrough) {
  EchoRequest failing = echo_request("no such thing");
  failing.set_fail_code(static_cast<int>(grpc::StatusCode::NOT_FOUND));
  const CallResult result = call(*channel(), "/open.Echo/Say", {failing});
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(result.status.error_message(), "no such thing");
}

TEST_F(GrpcGatewayTest, UpstreamDownIsUnavailable) {
  const CallResult result = call(*channel(), "/down.Echo/Say", {echo_request("x")});
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GrpcGatewayTest, UnknownMethodIsUnimplementedWithAReason) {
  const CallResult result = call(*channel(), "/other.Service/Call", {echo_request("x")});
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(result.status.error_message(), "no service for this host and path");
}

TEST_F(GrpcGatewayTest, MessagesAboveTheServicesMaxBodyAreRefused) {
  const GrpcPurchase token = buy(kChat);
  EchoRequest big = echo_request("big");
  big.set_payload(std::string(100 * 1024, 'x'));
  const CallResult result = call(*channel(), kChat, {echo_request("small"), big},
                                 {{"authorization", token.authorization}});
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(result.status.error_message().find("max_body"), std::string::npos);
}

TEST_F(GrpcGatewayTest, HttpListenerDoesNotServeGrpcServicesNorTheOtherWayRound) {
  EXPECT_EQ(http_get(gateway().url() + kSay).status, 404);
  const CallResult result = call(*channel(), "/api/x", {echo_request("x")});
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(GrpcGatewayTest, TlsListenerServesTheSameCalls) {
  const CallResult challenged = call(*tls_channel(), kSay, {echo_request("tls")});
  ASSERT_EQ(challenged.status.error_code(), grpc::StatusCode::INTERNAL)
      << challenged.status.error_message();
  ASSERT_OK_AND_ASSIGN(const GrpcPurchase token, pay_challenge(challenged, *payer_));
  const CallResult paid =
      call(*tls_channel(), kSay, {echo_request("tls")}, {{"authorization", token.authorization}});
  ASSERT_TRUE(paid.status.ok()) << paid.status.error_message();
  EXPECT_EQ(paid.replies.at(0).text(), "tls");
}

// The listener's header_timeout (1 s here) bounds the HTTP/2 handshake: a connection that
// stops halfway through the client preface is closed while a regular call is served.
TEST_F(GrpcGatewayTest, ConnectionStalledInTheHandshakeIsClosedAfterHeaderTimeout) {
  const std::string url = gateway().url_with_scheme("grpc");
  const std::uint16_t port = static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
  RawConnection stalled(port);
  ASSERT_TRUE(stalled.connected());
  ASSERT_TRUE(stalled.send("PRI * HTTP/2.0\r\n"));
  const CallResult regular = call(*channel(), "/open.Echo/Say", {echo_request("meanwhile")});
  EXPECT_TRUE(regular.status.ok()) << regular.status.error_message();
  // Without the limit gRPC would wait 120 s, and l402d's default header_timeout is 10 s.
  bool closed = false;
  stalled.receive_until_closed(std::chrono::seconds(8), closed);
  EXPECT_TRUE(closed) << "the stalled connection was still open after 8 s";
}

TEST_F(GrpcGatewayTest, GatewayWithOnlyAGrpcListenerServesAndDrainsOnSigterm) {
  TempDir dir("l402d-grpc-only");
  const std::string yaml =
      "data_dir: " + dir.file("data") +
      "\nlisten:\n  - address: 127.0.0.1:0\n    role: grpc\n"
      "admin: {enabled: false}\n"
      "lightning: {backend: devnet, devnet: {listen: \"off\"}}\n"
      "drain_timeout: 3s\n"
      "services:\n" +
      service_yaml("open", "/l402\\\\.testing\\\\.Echo/.*",
                   "grpc://127.0.0.1:" + std::to_string(upstream().port()), {"auth: \"off\""});
  const auto only = Gateway::start(dir.file("l402d.yaml"), yaml, dir.file("l402d.stderr"));
  ASSERT_TRUE(only->ready()) << only->log_tail();
  const std::string url = only->url_with_scheme("grpc");
  ASSERT_FALSE(url.empty()) << only->ready_line().dump();
  const auto own = grpc::CreateChannel(url.substr(std::string("grpc://").size()),
                                       grpc::InsecureChannelCredentials());
  // A stream in flight when SIGTERM comes is allowed to finish within drain_timeout.
  std::promise<CallResult> slow;
  std::thread caller([&] { slow.set_value(call(*own, kSay, {echo_request("slow", 0, 800)})); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(only->stop(SIGTERM), 0) << only->log_tail();
  caller.join();
  const CallResult result = slow.get_future().get();
  EXPECT_TRUE(result.status.ok()) << result.status.error_message();
}

// libl402's paying interceptor against l402d: the generated stubs of echo.proto, a wallet on
// the gateway's devnet, every call kind paying for itself once and reusing the token after.
TEST_F(GrpcGatewayTest, PayingInterceptorBuysOnceAndEveryCallKindSucceeds) {
  TempDir client_dir("l402-grpc-buyer");
  ClientOptions options;
  options.data_dir = client_dir.file("client");
  options.budget.max_price = Msat(10'000);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Backend> wallet, open_payer(gateway()));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> opened, Client::open(options, std::move(wallet)));
  const std::shared_ptr<Client> client = std::move(opened);
  const std::string target =
      gateway().url_with_scheme("grpc").substr(std::string("grpc://").size());
  GrpcPayingOptions paying;
  paying.authority = target;
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  factories.push_back(make_paying_interceptor_factory(client, paying));
  const auto paid_channel = grpc::experimental::CreateCustomChannelWithInterceptors(
      target, grpc::InsecureChannelCredentials(), grpc::ChannelArguments(), std::move(factories));
  const auto stub = l402::testing::Echo::NewStub(paid_channel);
  const auto tokens = [&] {
    Result<std::vector<StoredToken>> list = client->store().list_tokens();
    return list.ok() ? list->size() : 0u;
  };

  {  // unary: the "say" service, 1 sat
    grpc::ClientContext context;
    l402::testing::EchoReply reply;
    const grpc::Status status = stub->Say(&context, echo_request("unary"), &reply);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(reply.text(), "unary");
    EXPECT_EQ(tokens(), 1u);
  }
  {  // server streaming: the "echo" service, 2 sat, a token of its own
    grpc::ClientContext context;
    auto reader = stub->Expand(&context, echo_request("stream", 20));
    l402::testing::EchoReply reply;
    std::uint32_t count = 0;
    while (reader->Read(&reply)) EXPECT_EQ(reply.index(), count++);
    const grpc::Status status = reader->Finish();
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(count, 20u);
  }
  const std::size_t bought = tokens();
  EXPECT_EQ(bought, 2u);
  {  // client streaming on the same service
    grpc::ClientContext context;
    l402::testing::EchoReply reply;
    auto writer = stub->Collect(&context, &reply);
    for (const char* text : {"a", "b", "c"}) ASSERT_TRUE(writer->Write(echo_request(text)));
    ASSERT_TRUE(writer->WritesDone());
    const grpc::Status status = writer->Finish();
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(reply.text(), "a,b,c");
  }
  {  // bidirectional
    grpc::ClientContext context;
    auto stream = stub->Chat(&context);
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(stream->Write(echo_request("m" + std::to_string(i))));
      l402::testing::EchoReply reply;
      ASSERT_TRUE(stream->Read(&reply));
      EXPECT_EQ(reply.text(), "m" + std::to_string(i));
    }
    ASSERT_TRUE(stream->WritesDone());
    const grpc::Status status = stream->Finish();
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  {  // the first token again: no payment
    grpc::ClientContext context;
    l402::testing::EchoReply reply;
    ASSERT_TRUE(stub->Say(&context, echo_request("again"), &reply).ok());
  }
  // Collect and Chat are priced like Expand (one service): at most one more purchase for
  // them, and none for the second Say.
  EXPECT_LE(tokens(), bought + 1);
}

TEST_F(GrpcGatewayTest, CallsAreCountedInTheMetricsAndTheAccessLog) {
  (void)call(*channel(), kSay, {echo_request("x")});
  const HttpResponse metrics = http_get(gateway().admin_url() + "/metrics");
  EXPECT_NE(metrics.body.find("l402d_challenges_total{service=\"say\"}"), std::string::npos);
  // The access log line is written once the call is over on l402d's side, which may be just
  // after the client has its status.
  bool logged = false;
  for (int i = 0; i < 100 && !logged; ++i) {
    logged = gateway().log_tail(20000).find("path=/l402.testing.Echo/Say") != std::string::npos;
    if (!logged) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(logged) << gateway().log_tail();
}

}  // namespace
}  // namespace l402::test
