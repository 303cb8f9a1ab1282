// Router: compiled services, first match wins, free and capability paths.
#include "gateway/policy/routing.hpp"

#include <gtest/gtest.h>

#include "result_matchers.hpp"

namespace l402::gateway {
namespace {

using ::l402::test::HasError;

ServiceConfig service(std::string name, std::string host, std::string path) {
  ServiceConfig out;
  out.name = std::move(name);
  out.host_regex = std::move(host);
  out.path_regex = std::move(path);
  return out;
}

TEST(Router, FirstMatchingServiceWins) {
  GatewayConfig config;
  config.services = {service("a", "a\\.example", "/x/.*"), service("b", ".*", "/x/.*"),
                     service("c", ".*", ".*")};
  ASSERT_OK_AND_ASSIGN(const Router router, Router::compile(config));
  EXPECT_EQ(router.match("a.example", "/x/1")->service->name, "a");
  EXPECT_EQ(router.match("b.example", "/x/1")->service->name, "b");
  EXPECT_EQ(router.match("a.example", "/y")->service->name, "c");
}

TEST(Router, GrpcCallsMatchOnlyGrpcServicesAndHttpRequestsOnlyTheOthers) {
  GatewayConfig config;
  ServiceConfig grpc = service("grpc", ".*", "/l402\\.testing\\.Echo/.*");
  grpc.upstream.scheme = "grpc";
  ServiceConfig grpcs = service("grpcs", ".*", ".*");
  grpcs.upstream.scheme = "grpcs";
  config.services = {grpc, service("http", ".*", ".*"), grpcs};
  ASSERT_OK_AND_ASSIGN(const Router router, Router::compile(config));
  EXPECT_EQ(router.match("h", "/l402.testing.Echo/Say", /*grpc=*/true)->service->name, "grpc");
  EXPECT_EQ(router.match("h", "/other.Service/Call", /*grpc=*/true)->service->name, "grpcs");
  EXPECT_EQ(router.match("h", "/l402.testing.Echo/Say", /*grpc=*/false)->service->name, "http");
  config.services = {grpc};
  ASSERT_OK_AND_ASSIGN(const Router only_grpc, Router::compile(config));
  EXPECT_EQ(only_grpc.match("h", "/l402.testing.Echo/Say", /*grpc=*/false), nullptr);
}

TEST(Router, PatternsAreAnchored) {
  GatewayConfig config;
  config.services = {service("a", "example\\.com", "/api/.*")};
  ASSERT_OK_AND_ASSIGN(const Router router, Router::compile(config));
  EXPECT_NE(router.match("example.com", "/api/x"), nullptr);
  EXPECT_EQ(router.match("www.example.com", "/api/x"), nullptr);
  EXPECT_EQ(router.match("example.com.evil", "/api/x"), nullptr);
  EXPECT_EQ(router.match("example.com", "/v1/api/x"), nullptr);
  EXPECT_EQ(router.match("example.com", "/api"), nullptr);
}

TEST(Router, FreeAndCapabilityPathsBelongToTheMatchedService) {
  GatewayConfig config;
  ServiceConfig demo = service("demo", ".*", "/api/.*");
  demo.free_paths = {"/api/health", "/api/public/.*"};
  demo.capability_rules = {{"/api/admin/.*", "write"}, {"/api/.*", "read"}};
  demo.constraints = {{"demo_max_requests", "1000"}, {"demo_plan", "gold"}};
  config.services = {demo};
  ASSERT_OK_AND_ASSIGN(const Router router, Router::compile(config));
  const Route* route = router.match("h", "/api/x");
  ASSERT_NE(route, nullptr);
  EXPECT_TRUE(route->is_free_path("/api/health"));
  EXPECT_TRUE(route->is_free_path("/api/public/a/b"));
  EXPECT_FALSE(route->is_free_path("/api/health2"));
  EXPECT_EQ(route->capability_for("/api/admin/users"), "write");
  EXPECT_EQ(route->capability_for("/api/data"), "read");
  EXPECT_EQ(route->capability_for("/elsewhere"), "");
  EXPECT_EQ(route->limit_conditions, std::vector<std::string>{"demo_max_requests"});
}

TEST(Router, ABadRegexNamesTheServiceAndField) {
  GatewayConfig config;
  ServiceConfig bad = service("broken", ".*", "/api/.*");
  bad.free_paths = {"(unclosed"};
  config.services = {bad};
  const Result<Router> router = Router::compile(config);
  ASSERT_TRUE(HasError(router, ErrorCode::kInvalidArgument));
  EXPECT_NE(router.error().message().find("broken"), std::string::npos);
  EXPECT_NE(router.error().message().find("free_paths"), std::string::npos);
}

}  // namespace
}  // namespace l402::gateway
