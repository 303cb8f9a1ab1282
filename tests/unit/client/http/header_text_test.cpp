#include "client/http/header_text.hpp"

#include <gtest/gtest.h>

namespace l402::client {
namespace {

TEST(RedactHeaderLine, KeepsTheSchemeAndHidesTheCredential) {
  const std::string shown = redact_header_line("Authorization: L402 AgEEbHNhdA:0011aabb");
  EXPECT_EQ(shown, "Authorization: L402 <redacted>");
}

TEST(RedactHeaderLine, MatchesTheNameInAnyCase) {
  EXPECT_EQ(redact_header_line("proxy-AUTHORIZATION: Basic dXNlcjpwYXNz"),
            "proxy-AUTHORIZATION: Basic <redacted>");
  EXPECT_EQ(redact_header_line("cookie: session=secret; other=x"), "cookie: <redacted>");
}

TEST(RedactHeaderLine, HidesALoneWordEntirely) {
  EXPECT_EQ(redact_header_line("Authorization: sometoken"), "Authorization: <redacted>");
}

TEST(RedactHeaderLine, LeavesOtherLinesAlone) {
  EXPECT_EQ(redact_header_line("GET /paid HTTP/1.1"), "GET /paid HTTP/1.1");
  EXPECT_EQ(redact_header_line("X-Authorization-Hint: L402 abc"), "X-Authorization-Hint: L402 abc");
  EXPECT_EQ(redact_header_line("WWW-Authenticate: L402 macaroon=\"m\""),
            "WWW-Authenticate: L402 macaroon=\"m\"");
}

TEST(HeaderText, TokensAreTheCharactersRfc9110Allows) {
  EXPECT_TRUE(is_token("GET"));
  EXPECT_TRUE(is_token("X-Custom_Header.v2~!"));
  EXPECT_FALSE(is_token(""));
  EXPECT_FALSE(is_token("Bad Name"));
  EXPECT_FALSE(is_token("Name:"));
  EXPECT_FALSE(is_token("caf\xc3\xa9"));
}

TEST(HeaderText, ValuesWithLineBreaksOrNulAreUnsafe) {
  EXPECT_TRUE(is_safe_field_value("text/plain; charset=utf-8"));
  EXPECT_FALSE(is_safe_field_value("a\r\nInjected: yes"));
  EXPECT_FALSE(is_safe_field_value("a\nb"));
  EXPECT_FALSE(is_safe_field_value(std::string_view("a\0b", 3)));
}

TEST(HeaderText, ComparesNamesIgnoringAsciiCase) {
  EXPECT_TRUE(equals_ignoring_case("WWW-Authenticate", "www-authenticate"));
  EXPECT_FALSE(equals_ignoring_case("Host", "Hosts"));
  EXPECT_EQ(trim_whitespace(" \t value \t"), "value");
  EXPECT_EQ(trim_whitespace("   "), "");
}

}  // namespace
}  // namespace l402::client
