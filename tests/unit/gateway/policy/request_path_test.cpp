// Host and path canonicalization for routing.
#include "gateway/policy/request_path.hpp"

#include <gtest/gtest.h>

namespace l402::gateway {
namespace {

TEST(HostWithoutPort, DropsThePortAndLowerCases) {
  EXPECT_EQ(host_without_port("Example.COM:8402"), "example.com");
  EXPECT_EQ(host_without_port("example.com"), "example.com");
  EXPECT_EQ(host_without_port("[::1]:8402"), "[::1]");
  EXPECT_EQ(host_without_port("[2001:DB8::1]"), "[2001:db8::1]");
  EXPECT_EQ(host_without_port(""), "");
}

TEST(PathOf, SplitsOffTheQuery) {
  EXPECT_EQ(path_of("/a/b?c=1&d"), "/a/b");
  EXPECT_EQ(path_of("/a#frag"), "/a");
  EXPECT_EQ(query_of("/a/b?c=1&d"), "?c=1&d");
  EXPECT_EQ(query_of("/a/b"), "");
  EXPECT_EQ(query_of("/a?b#c"), "?b");
}

TEST(NormalizePath, DecodesUnreservedCharactersOnly) {
  EXPECT_EQ(normalize_path("/api/%61dmin"), "/api/admin");
  EXPECT_EQ(normalize_path("/a%2fb"), "/a%2Fb");
  EXPECT_EQ(normalize_path("/a%20b%7e"), "/a%20b~");
  EXPECT_EQ(normalize_path("/bad%zz%4"), "/bad%zz%4");
}

TEST(NormalizePath, RemovesDotSegments) {
  EXPECT_EQ(normalize_path("/api/x/../admin/y"), "/api/admin/y");
  EXPECT_EQ(normalize_path("/api/./admin"), "/api/admin");
  EXPECT_EQ(normalize_path("/../../etc"), "/etc");
  EXPECT_EQ(normalize_path("/api/%2e%2e/admin"), "/admin");
  EXPECT_EQ(normalize_path("/api/.."), "/");
  EXPECT_EQ(normalize_path("/api/x/."), "/api/x/");
  EXPECT_EQ(normalize_path("/a..b/.c"), "/a..b/.c");
  EXPECT_EQ(normalize_path("/"), "/");
  EXPECT_EQ(normalize_path("*"), "*");
}

}  // namespace
}  // namespace l402::gateway
