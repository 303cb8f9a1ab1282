// canonical_origin and origin_host: one spelling per origin.
#include <gtest/gtest.h>

#include <string>

#include "l402/client_store.hpp"
#include "result_matchers.hpp"

namespace l402 {
namespace {

using test::HasError;

std::string canonical(std::string_view url) {
  Result<std::string> origin = canonical_origin(url);
  return origin.ok() ? *origin : "error: " + origin.error().message();
}

TEST(CanonicalOrigin, LowerCasesAndWritesTheDefaultPort) {
  EXPECT_EQ(canonical("HTTPS://Example.COM/x?y#z"), "https://example.com:443");
  EXPECT_EQ(canonical("http://example.com"), "http://example.com:80");
  EXPECT_EQ(canonical("http://example.com:80/"), "http://example.com:80");
  EXPECT_EQ(canonical("https://127.0.0.1:8443?q"), "https://127.0.0.1:8443");
  EXPECT_EQ(canonical("https://example.com:/"), "https://example.com:443");
}

TEST(CanonicalOrigin, KeepsIpv6LiteralsInBrackets) {
  EXPECT_EQ(canonical("http://[::1]:8080/p"), "http://[::1]:8080");
  EXPECT_EQ(canonical("https://[FE80::1]"), "https://[fe80::1]:443");
}

TEST(CanonicalOrigin, IsIdempotent) {
  for (const char* url : {"https://a.example:443", "http://[::1]:80", "http://x_y.example:1"}) {
    EXPECT_EQ(canonical(url), url);
  }
}

TEST(CanonicalOrigin, RefusesWhatIsNotAnHttpOrigin) {
  for (const char* url :
       {"example.com", "ftp://example.com", "https://", "https://user@example.com",
        "https://example.com:0", "https://example.com:65536", "https://example.com:+1",
        "https://exa mple.com", "https://[::1", "https://[zz]:1", "https://a.example:80x"}) {
    EXPECT_TRUE(HasError(canonical_origin(url), ErrorCode::kInvalidArgument)) << url;
  }
  EXPECT_TRUE(
      HasError(canonical_origin("https://" + std::string(254, 'a')), ErrorCode::kInvalidArgument));
}

TEST(OriginHost, ReturnsTheHostOfACanonicalOrigin) {
  EXPECT_EQ(origin_host("https://example.com:443"), "example.com");
  EXPECT_EQ(origin_host("http://[::1]:8080"), "[::1]");
  EXPECT_EQ(origin_host("garbage"), "");
}

}  // namespace
}  // namespace l402
