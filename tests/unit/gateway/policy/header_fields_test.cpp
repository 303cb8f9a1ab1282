// Field lookups and the character classes the policy checks field values against.
#include "gateway/policy/header_fields.hpp"

#include <gtest/gtest.h>

#include <string_view>

namespace l402::gateway {
namespace {

TEST(HeaderFields, TcharsAreExactlyThoseOfRfc9110) {
  constexpr std::string_view kTchars =
      "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  for (int byte = 0; byte < 256; ++byte) {
    const char c = static_cast<char>(byte);
    EXPECT_EQ(is_tchar(c), kTchars.find(c) != std::string_view::npos) << "byte " << byte;
  }
}

TEST(HeaderFields, NamesCompareWithoutRegardToAsciiCase) {
  EXPECT_TRUE(iequals("X-L402-Token-Id", "x-l402-token-id"));
  EXPECT_FALSE(iequals("X-L402-Token-Id", "X-L402-Token-I"));
  EXPECT_TRUE(istarts_with("x-L402-Service", "X-l402-"));
  EXPECT_FALSE(istarts_with("X-L40", "X-L402-"));
  // Only ASCII letters fold: 0xC9 and 0xE9 (É and é in Latin-1) stay distinct.
  EXPECT_FALSE(iequals("\xC9", "\xE9"));
}

}  // namespace
}  // namespace l402::gateway
