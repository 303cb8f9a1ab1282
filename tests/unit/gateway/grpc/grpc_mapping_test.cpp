// gRPC calls as the policy sees them, the gateway's answers as gRPC statuses, and the metadata
// a forwarded call carries.
#include "gateway/grpc/grpc_mapping.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace l402::gateway {
namespace {

std::vector<std::string> values_of(const std::vector<Field>& fields, const std::string& name) {
  std::vector<std::string> out;
  for (const Field& field : fields) {
    if (field.name == name) out.push_back(field.value);
  }
  return out;
}

Reply reply(int status, std::string body, std::vector<Field> fields = {}) {
  Reply out;
  out.status = status;
  out.body = std::move(body);
  out.fields = std::move(fields);
  return out;
}

TEST(GrpcRequestHead, IsAGrpcPostToTheMethodPathWithTheMetadataAsFields) {
  const RequestHead head =
      grpc_request_head("/l402.testing.Echo/Say", "gateway:8443",
                        {{"authorization", "L402 abc:00"}, {"x-trace", "1"}}, "127.0.0.1", true);
  EXPECT_TRUE(head.grpc);
  EXPECT_EQ(head.method, "POST");
  EXPECT_EQ(head.target, "/l402.testing.Echo/Say");
  EXPECT_EQ(head.host, "gateway:8443");
  EXPECT_EQ(head.peer_address, "127.0.0.1");
  EXPECT_TRUE(head.tls);
  EXPECT_EQ(values_of(head.fields, "authorization"), std::vector<std::string>{"L402 abc:00"});
  EXPECT_EQ(values_of(head.fields, "x-trace"), std::vector<std::string>{"1"});
}

TEST(GrpcRequestHead, ReadsTheSpecTokenKeyAsAMacaroonUnlessOneIsThere) {
  const RequestHead token_only =
      grpc_request_head("/s/m", "h", {{"token", "0201ab"}}, "127.0.0.1", false);
  EXPECT_EQ(values_of(token_only.fields, "macaroon"), std::vector<std::string>{"0201ab"});
  const RequestHead both = grpc_request_head(
      "/s/m", "h", {{"macaroon", "0201cd"}, {"token", "0201ab"}}, "127.0.0.1", false);
  EXPECT_EQ(values_of(both.fields, "macaroon"), std::vector<std::string>{"0201cd"});
}

TEST(GrpcPeerAddress, ReadsIpv4AndIpv6PeersAndNothingElse) {
  EXPECT_EQ(grpc_peer_address("ipv4:127.0.0.1:43210"), "127.0.0.1");
  EXPECT_EQ(grpc_peer_address("ipv6:[::1]:43210"), "::1");
  EXPECT_EQ(grpc_peer_address("ipv6:%5B::1%5D:43210"), "::1");
  EXPECT_EQ(grpc_peer_address("ipv6:%5b2001:db8::1%5d:1"), "2001:db8::1");
  EXPECT_EQ(grpc_peer_address("unix:/run/socket"), "");
  EXPECT_EQ(grpc_peer_address("ipv6:[::1"), "");
  EXPECT_EQ(grpc_peer_address(""), "");
}

TEST(GrpcAnswer, ChallengeIsInternalPaymentRequiredWithTheChallengeInTrailers) {
  const GrpcAnswer answer =
      grpc_answer(reply(402, "payment required\n",
                        {{"Cache-Control", "no-store"},
                         {"WWW-Authenticate", "LSAT macaroon=\"m\", invoice=\"i\""},
                         {"WWW-Authenticate", "L402 macaroon=\"m\", invoice=\"i\""},
                         {"Access-Control-Allow-Origin", "*"}}));
  EXPECT_EQ(answer.code, GrpcCode::kInternal);
  EXPECT_EQ(answer.message, "payment required");
  EXPECT_EQ(values_of(answer.trailing_metadata, "www-authenticate"),
            (std::vector<std::string>{"LSAT macaroon=\"m\", invoice=\"i\"",
                                      "L402 macaroon=\"m\", invoice=\"i\""}));
  EXPECT_EQ(answer.trailing_metadata.size(), 2u);  // nothing of HTTP's own
}

TEST(GrpcAnswer, ChallengeAfterADenialKeepsTheWordsClientsLookForAndTheReason) {
  const GrpcAnswer answer = grpc_answer(
      reply(402, "token expired (expired): valid until 100\n", {{"WWW-Authenticate", "L402 x"}}));
  EXPECT_EQ(answer.code, GrpcCode::kInternal);
  EXPECT_EQ(answer.message, "payment required: token expired (expired): valid until 100");
  // Aperture's client check: code 13 or 2 and "payment required" in the lower-cased message.
  EXPECT_NE(answer.message.find(kPaymentRequiredMessage), std::string::npos);
}

TEST(GrpcAnswer, ForgedCredentialIsUnauthenticatedAndKeepsTheChallenge) {
  const GrpcAnswer answer =
      grpc_answer(reply(401, "credential rejected (bad_preimage): preimage does not match\n",
                        {{"WWW-Authenticate", "L402 macaroon=\"m\", invoice=\"i\""}}));
  EXPECT_EQ(answer.code, GrpcCode::kUnauthenticated);
  EXPECT_EQ(answer.message, "credential rejected (bad_preimage): preimage does not match");
  EXPECT_EQ(values_of(answer.trailing_metadata, "www-authenticate").size(), 1u);
}

TEST(GrpcAnswer, OtherAnswersMapToTheirGrpcCodesWithTheReason) {
  const auto code_of = [](int status) { return grpc_answer(reply(status, "why\n")).code; };
  EXPECT_EQ(code_of(400), GrpcCode::kInvalidArgument);
  EXPECT_EQ(code_of(401), GrpcCode::kUnauthenticated);
  EXPECT_EQ(code_of(403), GrpcCode::kPermissionDenied);
  EXPECT_EQ(code_of(404), GrpcCode::kUnimplemented);
  EXPECT_EQ(code_of(408), GrpcCode::kDeadlineExceeded);
  EXPECT_EQ(code_of(413), GrpcCode::kResourceExhausted);
  EXPECT_EQ(code_of(429), GrpcCode::kResourceExhausted);
  EXPECT_EQ(code_of(431), GrpcCode::kResourceExhausted);
  EXPECT_EQ(code_of(502), GrpcCode::kUnavailable);
  EXPECT_EQ(code_of(503), GrpcCode::kUnavailable);
  EXPECT_EQ(code_of(504), GrpcCode::kUnavailable);
  EXPECT_EQ(code_of(500), GrpcCode::kInternal);
  EXPECT_EQ(code_of(418), GrpcCode::kUnknown);
  const GrpcAnswer denied =
      grpc_answer(reply(401, "credential rejected (bad_signature): macaroon signature\n"));
  EXPECT_EQ(denied.message, "credential rejected (bad_signature): macaroon signature");
  EXPECT_TRUE(denied.trailing_metadata.empty());
}

TEST(GrpcAnswer, UnavailableKeepsRetryAfterAndInternalNeverLacksAReason) {
  const GrpcAnswer busy = grpc_answer(
      reply(503, "service unavailable: lightning backend down\n", {{"Retry-After", "5"}}));
  EXPECT_EQ(busy.code, GrpcCode::kUnavailable);
  EXPECT_EQ(busy.message, "service unavailable: lightning backend down");
  EXPECT_EQ(values_of(busy.trailing_metadata, "retry-after"), std::vector<std::string>{"5"});
  const GrpcAnswer bare = grpc_answer(reply(500, ""));
  EXPECT_EQ(bare.code, GrpcCode::kInternal);
  EXPECT_EQ(bare.message, "HTTP status 500");
}

TEST(GrpcAnswer, MessageIsOneBoundedLineWithoutControlCharacters) {
  const GrpcAnswer answer = grpc_answer(reply(401, "a\tb" + std::string(2000, 'x') + "\nsecond"));
  EXPECT_EQ(answer.message.size(), 512u);
  EXPECT_EQ(answer.message.find('\t'), std::string::npos);
  EXPECT_EQ(answer.message.find("second"), std::string::npos);
}

TEST(GrpcUpstreamMetadata, DropsTransportKeysAndRemovalsThenSetsThePlansFields) {
  ForwardPlan plan;
  plan.remove_fields = {"Macaroon", "Token"};
  plan.set_fields = {{"Host", "127.0.0.1:50051"},   {"X-Forwarded-For", "127.0.0.1"},
                     {"Authorization", "LSAT m:p"}, {"Authorization", "L402 m:p"},
                     {"X-L402-Token-Id", "ab"},     {"X-Api-Key", "secret"}};
  const std::vector<Field> client = {{"authorization", "L402 client:00"},
                                     {"macaroon", "0201"},
                                     {"token", "0201"},
                                     {"x-trace", "t1"},
                                     {"trace-bin", std::string("\x00\x01", 2)},
                                     {"grpc-timeout", "1S"},
                                     {"user-agent", "grpc-c++/1.51"},
                                     {"te", "trailers"},
                                     {"content-type", "application/grpc"},
                                     {"x-bad", "line\nbreak"}};
  const std::vector<Field> out = grpc_upstream_metadata(plan, client);
  EXPECT_EQ(values_of(out, "authorization"), (std::vector<std::string>{"LSAT m:p", "L402 m:p"}));
  EXPECT_TRUE(values_of(out, "macaroon").empty());
  EXPECT_TRUE(values_of(out, "token").empty());
  EXPECT_EQ(values_of(out, "x-trace"), std::vector<std::string>{"t1"});
  EXPECT_EQ(values_of(out, "trace-bin"), std::vector<std::string>{std::string("\x00\x01", 2)});
  for (const char* dropped :
       {"grpc-timeout", "user-agent", "te", "content-type", "x-bad", "host"}) {
    EXPECT_TRUE(values_of(out, dropped).empty()) << dropped;
  }
  EXPECT_EQ(values_of(out, "x-forwarded-for"), std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(values_of(out, "x-l402-token-id"), std::vector<std::string>{"ab"});
  EXPECT_EQ(values_of(out, "x-api-key"), std::vector<std::string>{"secret"});
}

TEST(GrpcUpstreamAuthority, IsTheClientsOnlyWhenTheServicePassesTheHost) {
  ForwardPlan plan;
  const RequestHead head = grpc_request_head("/s/m", "api.example:443", {}, "127.0.0.1", true);
  EXPECT_EQ(grpc_upstream_authority(plan, head), "");
  plan.upstream.pass_host = true;
  EXPECT_EQ(grpc_upstream_authority(plan, head), "api.example:443");
}

}  // namespace
}  // namespace l402::gateway
