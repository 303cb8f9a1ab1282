// IP addresses, CIDR blocks, the Forwarded/X-Forwarded-For readers and client resolution.
#include "gateway/policy/client_address.hpp"

#include <gtest/gtest.h>

#include "result_matchers.hpp"

namespace l402::gateway {
namespace {

using ::l402::test::HasError;

IpAddress ip(std::string_view text) {
  const std::optional<IpAddress> parsed = parse_ip(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(IpAddress{});
}

TEST(ParseIp, ReadsBothFamiliesAndTakesMappedIpv6AsIpv4) {
  EXPECT_EQ(format_ip(ip("203.0.113.7")), "203.0.113.7");
  EXPECT_EQ(format_ip(ip("2001:DB8:0::1")), "2001:db8::1");
  EXPECT_EQ(ip("::ffff:203.0.113.7"), ip("203.0.113.7"));
  EXPECT_FALSE(parse_ip("203.0.113"));
  EXPECT_FALSE(parse_ip("[::1]"));
  EXPECT_FALSE(parse_ip("fe80::1%eth0"));
  EXPECT_FALSE(parse_ip(""));
  EXPECT_FALSE(parse_ip(std::string(100, '1')));
}

TEST(Cidr, ContainsTheBlockOnly) {
  ASSERT_OK_AND_ASSIGN(const CidrSet set,
                       CidrSet::parse({"10.0.0.0/8", "::1/128", "192.0.2.1", "2001:db8::/32"}));
  EXPECT_TRUE(set.contains(ip("10.255.0.1")));
  EXPECT_FALSE(set.contains(ip("11.0.0.1")));
  EXPECT_TRUE(set.contains(ip("::1")));
  EXPECT_FALSE(set.contains(ip("::2")));
  EXPECT_TRUE(set.contains(ip("192.0.2.1")));
  EXPECT_FALSE(set.contains(ip("192.0.2.2")));
  EXPECT_TRUE(set.contains(ip("2001:db8:ffff::1")));
  EXPECT_TRUE(set.contains(ip("::ffff:10.0.0.1")));
  EXPECT_TRUE(HasError(CidrSet::parse({"10.0.0.0/33"}), ErrorCode::kInvalidArgument));
  EXPECT_TRUE(HasError(CidrSet::parse({"nonsense"}), ErrorCode::kInvalidArgument));
  EXPECT_TRUE(HasError(CidrSet::parse({"10.0.0.0/"}), ErrorCode::kInvalidArgument));
}

TEST(ClientNetwork, IsTheSlash24OrSlash48) {
  EXPECT_EQ(client_network(ip("203.0.113.77")), "203.0.113.0/24");
  EXPECT_EQ(client_network(ip("2001:db8:1:2:3::4")), "2001:db8:1::/48");
  EXPECT_EQ(client_network(ip("::ffff:203.0.113.77")), "203.0.113.0/24");
}

TEST(ParseXForwardedFor, SplitsEveryFieldInOrder) {
  const std::vector<std::string_view> fields{"1.1.1.1, 2.2.2.2", " ,3.3.3.3 "};
  ASSERT_OK_AND_ASSIGN(const std::vector<std::string> hops, parse_x_forwarded_for(fields));
  EXPECT_EQ(hops, (std::vector<std::string>{"1.1.1.1", "2.2.2.2", "3.3.3.3"}));
  std::string forty;
  for (int i = 0; i < 40; ++i) forty += "1.1.1.1,";
  const std::vector<std::string_view> too_many{forty};
  EXPECT_TRUE(HasError(parse_x_forwarded_for(too_many), ErrorCode::kLimitExceeded));
  const std::string huge(9000, '1');
  const std::vector<std::string_view> too_long{huge};
  EXPECT_TRUE(HasError(parse_x_forwarded_for(too_long), ErrorCode::kLimitExceeded));
}

TEST(ParseForwardedFor, ReadsTheForParameterOfEachElement) {
  const std::vector<std::string_view> fields{
      "for=192.0.2.60;proto=http;by=203.0.113.43, For=\"[2001:db8:cafe::17]:4711\"",
      "proto=https;host=\"a.example:80\", for=unknown"};
  ASSERT_OK_AND_ASSIGN(const std::vector<std::string> nodes, parse_forwarded_for(fields));
  EXPECT_EQ(nodes,
            (std::vector<std::string>{"192.0.2.60", "[2001:db8:cafe::17]:4711", "", "unknown"}));
  for (const std::string_view bad :
       {"for", "for=\"unterminated", "for=a;for=b", "for=a b", "for=@", "for=\"\x01\""}) {
    const std::vector<std::string_view> one{bad};
    EXPECT_TRUE(HasError(parse_forwarded_for(one), ErrorCode::kInvalidArgument)) << bad;
  }
}

TEST(ParseNode, AcceptsPortsAndBracketsButNotNames) {
  EXPECT_EQ(parse_node("192.0.2.60:8080"), ip("192.0.2.60"));
  EXPECT_EQ(parse_node("[2001:db8::1]:4711"), ip("2001:db8::1"));
  EXPECT_EQ(parse_node("[2001:db8::1]"), ip("2001:db8::1"));
  EXPECT_EQ(parse_node("2001:db8::1"), ip("2001:db8::1"));
  EXPECT_FALSE(parse_node("unknown"));
  EXPECT_FALSE(parse_node("_hidden"));
  EXPECT_FALSE(parse_node("[2001:db8::1]x"));
  EXPECT_EQ(forwarded_node(ip("2001:db8::1")), "\"[2001:db8::1]\"");
  EXPECT_EQ(forwarded_node(ip("192.0.2.1")), "192.0.2.1");
}

RequestHead from(std::string peer, std::vector<Field> fields = {}) {
  RequestHead head;
  head.peer_address = std::move(peer);
  head.fields = std::move(fields);
  return head;
}

class ResolveClient : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(trusted_, CidrSet::parse({"10.0.0.0/8", "::1/128"}));
  }
  CidrSet trusted_;
};

TEST_F(ResolveClient, AnUntrustedPeerIsTheClientWhateverItClaims) {
  const ClientAddress client =
      resolve_client(from("192.0.2.9", {{"X-Forwarded-For", "198.51.100.1"}}), trusted_);
  EXPECT_EQ(client.address, "192.0.2.9");
  EXPECT_EQ(client.network, "192.0.2.0/24");
  ASSERT_EQ(client.chain.size(), 1u);
}

TEST_F(ResolveClient, BehindTrustedProxiesTheFirstUntrustedHopFromTheRightIsTheClient) {
  // The client put 1.1.1.1 in front itself; proxies 10.0.0.2 and 10.0.0.1 appended.
  const ClientAddress client = resolve_client(
      from("10.0.0.1",
           {{"X-Forwarded-For", "1.1.1.1, 198.51.100.7"}, {"x-forwarded-for", "10.0.0.2"}}),
      trusted_);
  EXPECT_EQ(client.address, "198.51.100.7");
  ASSERT_EQ(client.chain.size(), 3u);
  EXPECT_EQ(format_ip(client.chain[0]), "198.51.100.7");
  EXPECT_EQ(format_ip(client.chain[2]), "10.0.0.1");
}

TEST_F(ResolveClient, ForwardedIsReadWhenThereIsNoXForwardedFor) {
  const ClientAddress client = resolve_client(
      from("::1", {{"Forwarded", "for=\"[2001:db8::5]:1234\";proto=https"}}), trusted_);
  EXPECT_EQ(client.address, "2001:db8::5");
  EXPECT_EQ(client.network, "2001:db8::/48");
}

TEST_F(ResolveClient, AnUnreadableHopEndsTheWalkAtTheNearestTrustedHop) {
  EXPECT_EQ(
      resolve_client(from("10.0.0.1", {{"X-Forwarded-For", "198.51.100.7, garbage"}}), trusted_)
          .address,
      "10.0.0.1");
  EXPECT_EQ(resolve_client(from("10.0.0.1", {{"Forwarded", "for=\"broken"}}), trusted_).address,
            "10.0.0.1");
  std::string long_chain;
  for (int i = 0; i < 40; ++i) long_chain += "198.51.100.7, ";
  EXPECT_EQ(resolve_client(from("10.0.0.1", {{"X-Forwarded-For", long_chain}}), trusted_).address,
            "10.0.0.1");
}

TEST_F(ResolveClient, AnAllTrustedChainEndsAtItsLeftmostHop) {
  const ClientAddress client =
      resolve_client(from("10.0.0.1", {{"X-Forwarded-For", "10.9.9.9, 10.0.0.2"}}), trusted_);
  EXPECT_EQ(client.address, "10.9.9.9");
  EXPECT_EQ(resolve_client(from("10.0.0.1"), trusted_).address, "10.0.0.1");
}

}  // namespace
}  // namespace l402::gateway
