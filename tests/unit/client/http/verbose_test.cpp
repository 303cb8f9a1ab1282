#include <gtest/gtest.h>

#include "client/http/transport.hpp"
#include "result_matchers.hpp"
#include "test_http_server.hpp"

namespace l402::client {
namespace {

using client_test::Connection;
using client_test::StringRequest;
using client_test::TestHttpServer;

TEST(TransportVerbose, ShowsBothHeadsAndRedactsTheAuthorization) {
  TestHttpServer server([](Connection& connection, const StringRequest& request) {
    return connection.respond(request, 200, "secret body", {{"X-Reply", "yes"}});
  });
  std::vector<std::pair<VerboseKind, std::string>> lines;
  HttpOptions options;
  options.verbose = [&](VerboseKind kind, std::string_view line) {
    lines.emplace_back(kind, std::string(line));
  };
  auto transport = Transport::create(options).value();
  MemorySink sink;
  HttpRequest request;
  request.url = server.url("/paid");
  const std::string preimage(64, 'f');
  const Authorize authorize = [&](const ParsedUrl&) -> std::optional<std::string> {
    return "L402 AgEDbWFjYXJvb24:" + preimage;
  };
  ASSERT_OK(transport->exchange(
      request, [&](const ResponseHead&) -> Result<BodySink*> { return &sink; }, authorize));
  const auto has = [&](VerboseKind kind, std::string_view text) {
    for (const auto& [k, line] : lines) {
      if (k == kind && line == text) return true;
    }
    return false;
  };
  EXPECT_TRUE(has(VerboseKind::kRequestLine, "GET /paid HTTP/1.1"));
  EXPECT_TRUE(has(VerboseKind::kRequestLine, "Authorization: L402 <redacted>"));
  EXPECT_TRUE(has(VerboseKind::kResponseLine, "HTTP/1.1 200 OK"));
  EXPECT_TRUE(has(VerboseKind::kResponseLine, "X-Reply: yes"));
  bool info = false;
  for (const auto& [kind, line] : lines) {
    EXPECT_EQ(line.find(preimage), std::string::npos) << line;
    EXPECT_EQ(line.find("AgEDbWFjYXJvb24"), std::string::npos) << line;
    EXPECT_EQ(line.find("secret body"), std::string::npos) << line;
    EXPECT_FALSE(line.ends_with("\r") || line.ends_with("\n")) << line;
    info = info || kind == VerboseKind::kInfo;
  }
  EXPECT_TRUE(info);
}

}  // namespace
}  // namespace l402::client
