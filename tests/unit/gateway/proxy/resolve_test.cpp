// Upstream name resolution against a resolver that hangs. This binary defines getaddrinfo, so
// the proxy's calls reach this one: it holds lookups of kHangingHost until the test releases
// them (as a resolver that never answers would) and passes every other name to the C library.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <netdb.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string_view>

#include "proxy_test_support.hpp"

namespace {

constexpr std::string_view kHangingHost = "hangs.resolver.test";

struct HangingLookups {
  std::mutex mu;
  std::condition_variable released_cv;
  bool released = false;
  int waiting = 0;
};

HangingLookups& hanging_lookups() {
  static HangingLookups lookups;
  return lookups;
}

using GetAddrInfo = int (*)(const char*, const char*, const addrinfo*, addrinfo**);

}  // namespace

extern "C" int getaddrinfo(const char* node, const char* service, const addrinfo* hints,
                           addrinfo** result) {
  if (node != nullptr && node == kHangingHost) {
    HangingLookups& lookups = hanging_lookups();
    std::unique_lock lock(lookups.mu);
    ++lookups.waiting;
    lookups.released_cv.wait_for(lock, std::chrono::seconds(30), [&] { return lookups.released; });
    --lookups.waiting;
    return EAI_AGAIN;
  }
  static const auto next = reinterpret_cast<GetAddrInfo>(dlsym(RTLD_NEXT, "getaddrinfo"));
  return next(node, service, hints, result);
}

namespace l402::gateway::proxy_test {
namespace {

// Lets held lookups return, so that the proxy's resolver thread can be joined.
struct ReleaseLookupsAtEnd {
  ~ReleaseLookupsAtEnd() {
    HangingLookups& lookups = hanging_lookups();
    const std::lock_guard lock(lookups.mu);
    lookups.released = true;
    lookups.released_cv.notify_all();
  }
};

Decision forward_to_host(std::string host, std::uint16_t port, const RequestHead& head) {
  Decision decision = forward_to(port, head);
  auto& plan = std::get<ForwardPlan>(decision.action);
  plan.upstream.host = std::move(host);
  plan.upstream_timeout = 300ms;
  return decision;
}

TEST(ProxyResolve, AResolverThatHangsGets504AtTheUpstreamTimeout) {
  TestHandler handler([&](const RequestHead& head) {
    return forward_to_host(std::string(kHangingHost), 80, head);
  });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;
  const ReleaseLookupsAtEnd release;

  TestClient client(proxy.port());
  const auto started = std::chrono::steady_clock::now();
  const StringResponse response = client.exchange(get("/x"));
  EXPECT_EQ(response.result_int(), 504);
  EXPECT_NE(response.body().find("timed out"), std::string::npos) << response.body();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  const std::lock_guard lock(hanging_lookups().mu);
  EXPECT_EQ(hanging_lookups().waiting, 1);  // the answer was not waited for
}

TEST(ProxyResolve, ANameThatResolvesInTimeIsForwarded) {
  TestUpstream upstream([](tcp::socket& socket, StringRequest& request) {
    return respond(socket, request, 200, "ok");
  });
  TestHandler handler(
      [&](const RequestHead& head) { return forward_to_host("localhost", upstream.port(), head); });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient client(proxy.port());
  const StringResponse response = client.exchange(get("/x"));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "ok");
}

}  // namespace
}  // namespace l402::gateway::proxy_test
