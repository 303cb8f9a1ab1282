// Requests l402d lets through without payment: freebies, free paths, services with auth off.
#include <gtest/gtest.h>

#include <string>

#include "gateway_fixture.hpp"

namespace l402::test {
namespace {

using FreeAccessTest = GatewayTest;

TEST_F(FreeAccessTest, FreebieServiceGivesTwoFreeRequestsThenChallenges) {
  const HttpResponse first = http_get(gateway().url() + "/gift/hello");
  const HttpResponse second = http_get(gateway().url() + "/gift/hello");
  const HttpResponse third = http_get(gateway().url() + "/gift/hello");
  EXPECT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(third.status, 402) << third.body;
  EXPECT_FALSE(third.values("WWW-Authenticate").empty());
  EXPECT_EQ(first.body, http_get(upstream_url() + "/api/hello").body);
}

TEST_F(FreeAccessTest, FreePathPassesWithoutPayment) {
  const HttpResponse response = http_get(gateway().url() + "/api/quote");
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_TRUE(response.values("WWW-Authenticate").empty());
  // Other paths of the same service still need payment.
  EXPECT_EQ(http_get(gateway().url() + "/api/hello").status, 402);
}

TEST_F(FreeAccessTest, ServiceWithAuthOffPassesWithoutPayment) {
  const HttpResponse response = http_get(gateway().url() + "/open/hello");
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.body, http_get(upstream_url() + "/api/hello").body);
}

TEST_F(FreeAccessTest, UpstreamStatusIsRelayed) {
  EXPECT_EQ(http_get(gateway().url() + "/open/status/418").status, 418);
  EXPECT_EQ(http_get(gateway().url() + "/open/status/500").status, 500);
}

}  // namespace
}  // namespace l402::test
