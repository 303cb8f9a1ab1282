// The scalar notations of the configuration: durations, sizes, prices, addresses, upstream
// URLs, CIDRs and the regex checks.
#include "gateway/config/value_parsers.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <variant>

namespace l402::gateway::config_detail {
namespace {

using std::chrono::milliseconds;

template <typename T>
bool failed(const Parsed<T>& parsed) {
  return std::holds_alternative<std::string>(parsed);
}

template <typename T>
T value(const Parsed<T>& parsed) {
  EXPECT_FALSE(failed(parsed)) << std::get<std::string>(parsed);
  return failed(parsed) ? T{} : std::get<T>(parsed);
}

TEST(ParseDuration, ReadsEveryUnitAndBareSeconds) {
  EXPECT_EQ(value(parse_duration("500ms")), milliseconds(500));
  EXPECT_EQ(value(parse_duration("10s")), milliseconds(10'000));
  EXPECT_EQ(value(parse_duration("5m")), milliseconds(300'000));
  EXPECT_EQ(value(parse_duration("1h")), milliseconds(3'600'000));
  EXPECT_EQ(value(parse_duration("1d")), milliseconds(86'400'000));
  EXPECT_EQ(value(parse_duration("30")), milliseconds(30'000));
  EXPECT_EQ(value(parse_duration("0")), milliseconds(0));
}

TEST(ParseDuration, ReadsGoStyleCompoundsAndFractions) {
  EXPECT_EQ(value(parse_duration("1h30m")), milliseconds(5'400'000));
  EXPECT_EQ(value(parse_duration("1.5s")), milliseconds(1'500));
  EXPECT_EQ(value(parse_duration("2500us")), milliseconds(2));
  EXPECT_EQ(value(parse_duration("3000000ns")), milliseconds(3));
  EXPECT_EQ(value(parse_duration("0.5")), milliseconds(500));
}

TEST(ParseDuration, RejectsMalformedNegativeAndHugeValues) {
  EXPECT_TRUE(failed(parse_duration("")));
  EXPECT_TRUE(failed(parse_duration("-1s")));
  EXPECT_TRUE(failed(parse_duration("10 parsecs")));
  EXPECT_TRUE(failed(parse_duration("s")));
  EXPECT_TRUE(failed(parse_duration("1h30")));
  EXPECT_TRUE(failed(parse_duration("99999999999999999999999h")));
  EXPECT_TRUE(failed(parse_duration("4000d")));
}

TEST(ParseSize, ReadsBinaryAndDecimalUnits) {
  EXPECT_EQ(value(parse_size("16KiB")), 16U * 1024);
  EXPECT_EQ(value(parse_size("10MiB")), 10U * 1024 * 1024);
  EXPECT_EQ(value(parse_size("1GiB")), 1ULL << 30);
  EXPECT_EQ(value(parse_size("64KB")), 64'000U);
  EXPECT_EQ(value(parse_size("2MB")), 2'000'000U);
  EXPECT_EQ(value(parse_size("512")), 512U);
  EXPECT_EQ(value(parse_size("512B")), 512U);
}

TEST(ParseSize, RejectsUnknownUnitsAndOverflow) {
  EXPECT_TRUE(failed(parse_size("10 furlongs")));
  EXPECT_TRUE(failed(parse_size("KiB")));
  EXPECT_TRUE(failed(parse_size("-5")));
  EXPECT_TRUE(failed(parse_size("99999999999GiB")));
}

TEST(ParsePrice, ReadsSatoshisAndMillisatoshis) {
  EXPECT_EQ(value(parse_price("1")), Msat(1000));
  EXPECT_EQ(value(parse_price("2 sat")), Msat(2000));
  EXPECT_EQ(value(parse_price("1500 msat")), Msat(1500));
  EXPECT_EQ(value(parse_price("7msat")), Msat(7));
}

TEST(ParsePrice, RejectsBadUnitsAndOverflow) {
  EXPECT_TRUE(failed(parse_price("1 btc")));
  EXPECT_TRUE(failed(parse_price("1.5")));
  EXPECT_TRUE(failed(parse_price("18446744073709551615")));
}

TEST(ParseHostPort, ReadsNamesIpv4AndBracketedIpv6) {
  HostPort a = value(parse_host_port("127.0.0.1:8402"));
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 8402);
  HostPort b = value(parse_host_port("[::1]:0"));
  EXPECT_EQ(b.host, "::1");
  EXPECT_EQ(b.port, 0);
  EXPECT_EQ(value(parse_host_port("localhost:80")).host, "localhost");
  EXPECT_EQ(value(parse_host_port(":8081", /*allow_empty_host=*/true)).host, "");
}

TEST(ParseHostPort, RejectsMissingPortsBadPortsAndBareIpv6) {
  EXPECT_TRUE(failed(parse_host_port("127.0.0.1")));
  EXPECT_TRUE(failed(parse_host_port("127.0.0.1:65536")));
  EXPECT_TRUE(failed(parse_host_port("127.0.0.1:http")));
  EXPECT_TRUE(failed(parse_host_port("::1:80")));
  EXPECT_TRUE(failed(parse_host_port("[zz]:80")));
  EXPECT_TRUE(failed(parse_host_port(":80")));
  EXPECT_TRUE(failed(parse_host_port("bad host:80")));
}

TEST(ParseUpstreamUrl, ReadsSchemeHostAndDefaultPorts) {
  UpstreamUrl a = value(parse_upstream_url("http://127.0.0.1:8080"));
  EXPECT_EQ(a.scheme, "http");
  EXPECT_EQ(a.address.host, "127.0.0.1");
  EXPECT_EQ(a.address.port, 8080);
  UpstreamUrl b = value(parse_upstream_url("https://api.example.com/"));
  EXPECT_EQ(b.scheme, "https");
  EXPECT_EQ(b.address.port, 443);
  EXPECT_EQ(value(parse_upstream_url("http://example.com")).address.port, 80);
  UpstreamUrl c = value(parse_upstream_url("https://[::1]:9443"));
  EXPECT_EQ(c.address.host, "::1");
  EXPECT_EQ(c.address.port, 9443);
  EXPECT_EQ(value(parse_upstream_url("http://[::1]")).address.port, 80);
  EXPECT_EQ(value(parse_upstream_url("grpc://127.0.0.1:50051")).scheme, "grpc");
  EXPECT_EQ(value(parse_upstream_url("GRPCS://h")).scheme, "grpcs");
  EXPECT_EQ(value(parse_upstream_url("grpcs://h")).address.port, 443);
}

TEST(ParseUpstreamUrl, RejectsOtherSchemesPathsCredentialsAndPortZero) {
  EXPECT_TRUE(failed(parse_upstream_url("ftp://127.0.0.1:21")));
  EXPECT_TRUE(failed(parse_upstream_url("127.0.0.1:8080")));
  EXPECT_TRUE(failed(parse_upstream_url("http://127.0.0.1:8080/api")));
  EXPECT_TRUE(failed(parse_upstream_url("http://user:pw@127.0.0.1:8080")));
  EXPECT_TRUE(failed(parse_upstream_url("http://127.0.0.1:0")));
  EXPECT_TRUE(failed(parse_upstream_url("http://")));
}

TEST(IsLoopbackHost, AcceptsOnlyLoopback) {
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.1.2.3"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_FALSE(is_loopback_host("0.0.0.0"));
  EXPECT_FALSE(is_loopback_host("10.0.0.1"));
  EXPECT_FALSE(is_loopback_host("::"));
  EXPECT_FALSE(is_loopback_host("127.example.com"));
}

TEST(CheckCidr, AcceptsAddressesAndPrefixesWithinRange) {
  EXPECT_FALSE(check_cidr("10.0.0.0/8"));
  EXPECT_FALSE(check_cidr("::1/128"));
  EXPECT_FALSE(check_cidr("192.0.2.7"));
  EXPECT_TRUE(check_cidr("10.0.0.0/33"));
  EXPECT_TRUE(check_cidr("::1/129"));
  EXPECT_TRUE(check_cidr("example.com/8"));
  EXPECT_TRUE(check_cidr("10.0.0.0/x"));
}

TEST(CheckRegex, AcceptsValidPatternsAndExplainsBadOnes) {
  EXPECT_FALSE(check_regex("/api/.*"));
  EXPECT_FALSE(check_regex("^(a|b)+[0-9]{2,3}$"));
  auto broken = check_regex("/api/(unclosed");
  ASSERT_TRUE(broken);
  EXPECT_NE(broken->find("does not compile"), std::string::npos);
}

TEST(CheckRegex, RefusesPatternsThatWouldExhaustTheRegexEngine) {
  EXPECT_TRUE(check_regex(std::string(2000, 'a')));
  EXPECT_TRUE(check_regex(std::string(40, '(') + "a" + std::string(40, ')')));
  EXPECT_TRUE(check_regex("a{1000}{1000}"));
  EXPECT_FALSE(check_regex("a{100}"));
}

TEST(AnchoredFromSearch, KeepsTheMeaningOfAnUnanchoredSearch) {
  EXPECT_EQ(anchored_from_search("^/.*$"), "(?:/.*)");
  EXPECT_EQ(anchored_from_search("service1.com"), ".*(?:service1.com).*");
  EXPECT_EQ(anchored_from_search("^/api"), "(?:/api).*");
  EXPECT_EQ(anchored_from_search("a|^b$"), ".*(?:a|^b$).*");
  EXPECT_EQ(anchored_from_search(""), ".*");
}

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(edit_distance("upstream", "upstream"), 0U);
  EXPECT_EQ(edit_distance("upstrem", "upstream"), 1U);
  EXPECT_EQ(edit_distance("prcie", "price"), 2U);
  EXPECT_EQ(edit_distance("", "abc"), 3U);
}

TEST(IsHeaderName, AcceptsTokensOnly) {
  EXPECT_TRUE(is_header_name("X-Api-Key"));
  EXPECT_FALSE(is_header_name("X Api"));
  EXPECT_FALSE(is_header_name(""));
  EXPECT_FALSE(is_header_name("X:Y"));
}

}  // namespace
}  // namespace l402::gateway::config_detail
