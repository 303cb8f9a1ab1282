// ForwardPlan building: target rewrite, Host, proxy chain fields and injected headers.
#include "gateway/policy/forward_plan.hpp"

#include <gtest/gtest.h>

namespace l402::gateway {
namespace {

std::vector<std::string> values(const ForwardPlan& plan, std::string_view name) {
  std::vector<std::string> out;
  for (const Field& field : plan.set_fields) {
    if (field.name == name) out.push_back(field.value);
  }
  return out;
}

ServiceConfig rewriting(std::string from, std::string to) {
  ServiceConfig service;
  service.rewrite_from = std::move(from);
  service.rewrite_to = std::move(to);
  return service;
}

TEST(RewriteTarget, ReplacesThePrefixAtASegmentBoundaryAndKeepsTheQuery) {
  EXPECT_EQ(rewrite_target(rewriting("/api", "/"), "/api/x", "?a=1"), "/x?a=1");
  EXPECT_EQ(rewrite_target(rewriting("/api", "/"), "/api", ""), "/");
  EXPECT_EQ(rewrite_target(rewriting("/api", "/v2"), "/api/x", ""), "/v2/x");
  EXPECT_EQ(rewrite_target(rewriting("/api", "/v2"), "/apiary", ""), "/apiary");
  EXPECT_EQ(rewrite_target(rewriting("/api/", "/"), "/api/x", ""), "/x");
  EXPECT_EQ(rewrite_target(rewriting("/api", ""), "/api/x", ""), "/x");
  EXPECT_EQ(rewrite_target(rewriting("", ""), "/api/x", "?q"), "/api/x?q");
}

TEST(UpstreamAuthority, LeavesOutDefaultPortsAndBracketsIpv6) {
  UpstreamConfig upstream;
  upstream.host = "backend";
  upstream.port = 80;
  EXPECT_EQ(upstream_authority(upstream), "backend");
  upstream.port = 8080;
  EXPECT_EQ(upstream_authority(upstream), "backend:8080");
  upstream.scheme = "https";
  upstream.port = 443;
  upstream.host = "::1";
  EXPECT_EQ(upstream_authority(upstream), "[::1]");
}

TEST(MakeForwardPlan, SetsHostAndTheProxyChain) {
  ServiceConfig service;
  service.upstream.host = "10.1.1.1";
  service.upstream.port = 9000;
  service.max_body_bytes = 1234;
  service.upstream_timeout = std::chrono::milliseconds(777);
  RequestHead head;
  head.method = "POST";
  head.target = "/a?b";
  head.host = "api.example:8443";
  head.tls = true;
  head.fields = {{"X-Forwarded-For", "1.2.3.4"}, {"X-L402-Anything", "x"}};
  ClientAddress client;
  client.chain = {*parse_ip("2001:db8::7"), *parse_ip("10.0.0.1")};
  const ForwardPlan plan = make_forward_plan(service, head, "/a", client, nullptr);
  EXPECT_EQ(plan.target, "/a?b");
  EXPECT_EQ(plan.max_body_bytes, 1234u);
  EXPECT_EQ(plan.upstream_timeout, std::chrono::milliseconds(777));
  EXPECT_EQ(values(plan, "Host"), std::vector<std::string>{"10.1.1.1:9000"});
  EXPECT_EQ(values(plan, "X-Forwarded-For"), std::vector<std::string>{"2001:db8::7, 10.0.0.1"});
  EXPECT_EQ(values(plan, "X-Forwarded-Proto"), std::vector<std::string>{"https"});
  EXPECT_EQ(values(plan, "X-Forwarded-Host"), std::vector<std::string>{"api.example:8443"});
  EXPECT_EQ(values(plan, "Forwarded"),
            std::vector<std::string>{
                "for=\"[2001:db8::7]\", for=10.0.0.1;host=\"api.example:8443\";proto=https"});
  EXPECT_EQ(plan.remove_fields, std::vector<std::string>{"X-L402-Anything"});

  service.upstream.pass_host = true;
  EXPECT_EQ(values(make_forward_plan(service, head, "/a", client, nullptr), "Host"),
            std::vector<std::string>{"api.example:8443"});
}

TEST(MakeForwardPlan, InjectedHeadersReplaceTheGatewaysOwn) {
  ServiceConfig service;
  service.headers = {{"Host", "internal.example", false}, {"X-Api-Key", "k", true}};
  RequestHead head;
  head.target = "/";
  head.host = "public.example";
  ClientAddress client;
  client.chain = {*parse_ip("192.0.2.1")};
  const ForwardPlan plan = make_forward_plan(service, head, "/", client, nullptr);
  EXPECT_EQ(values(plan, "Host"), std::vector<std::string>{"internal.example"});
  EXPECT_EQ(values(plan, "X-Api-Key"), std::vector<std::string>{"k"});
}

}  // namespace
}  // namespace l402::gateway
