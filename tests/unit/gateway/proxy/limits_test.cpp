// ProxyServer limits and failures over real loopback sockets: oversized heads and bodies,
// slow heads, upstreams that refuse or never answer, and draining.
#include <gtest/gtest.h>

#include <future>

#include "proxy_test_support.hpp"

namespace l402::gateway::proxy_test {
namespace {

TEST(ProxyLimits, Answers431ToOversizedHead) {
  TestHandler handler([](const RequestHead&) { return Decision{}; });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient client(proxy.port());
  StringRequest request = get("/big");
  request.set("X-Padding", std::string(16 * 1024, 'a'));
  const StringResponse response = client.exchange(request);
  EXPECT_EQ(response.result_int(), 431);
  EXPECT_TRUE(client.closed_by_peer());
  EXPECT_TRUE(handler.heads().empty());
}

TEST(ProxyLimits, ClosesSlowHeadAfterHeaderTimeoutWhileServingOthers) {
  TestUpstream upstream([](tcp::socket& socket, StringRequest& request) {
    return respond(socket, request, 200, "fast");
  });
  TestHandler handler([&](const RequestHead& head) { return forward_to(upstream.port(), head); });
  ListenerConfig listener = test_listener();
  listener.header_timeout = 400ms;
  RunningProxy proxy(handler, listener);
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient slow(proxy.port());
  const std::string head = "GET /slow HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n";
  bool cut_off = false;
  // Trickles one byte every 50 ms, each read well within any per-read timeout; the head as
  // a whole takes longer than header_timeout. Bounded by the head's length (~2 s).
  for (std::size_t i = 0; i < head.size(); ++i) {
    if (!slow.send_raw(head.substr(i, 1))) {
      cut_off = true;
      break;
    }
    std::this_thread::sleep_for(50ms);
    if (i == 2) {  // meanwhile another client is served
      TestClient fast(proxy.port());
      const StringResponse response = fast.exchange(get("/fast"));
      EXPECT_EQ(response.result_int(), 200);
    }
  }
  EXPECT_TRUE(cut_off || slow.closed_by_peer());
  EXPECT_TRUE(handler.heads().size() >= 1u);
  for (const RequestHead& seen : handler.heads()) EXPECT_NE(seen.target, "/slow");
}

TEST(ProxyLimits, Answers413WhenContentLengthExceedsLimit) {
  TestUpstream upstream([](tcp::socket& socket, StringRequest& request) {
    return respond(socket, request, 200, "should not be reached");
  });
  TestHandler handler([&](const RequestHead& head) {
    Decision decision = forward_to(upstream.port(), head);
    std::get<ForwardPlan>(decision.action).max_body_bytes = 1000;
    return decision;
  });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient client(proxy.port());
  ASSERT_TRUE(client.send_raw("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"));
  const StringResponse response = client.read_response();
  EXPECT_EQ(response.result_int(), 413);
  EXPECT_EQ(upstream.accepts(), 0);
}

TEST(ProxyLimits, Answers413WhenChunkedBodyExceedsLimit) {
  TestUpstream upstream([](tcp::socket& socket, StringRequest& request) {
    return respond(socket, request, 200, "should not be reached");
  });
  TestHandler handler([&](const RequestHead& head) {
    Decision decision = forward_to(upstream.port(), head);
    std::get<ForwardPlan>(decision.action).max_body_bytes = 1000;
    return decision;
  });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient client(proxy.port());
  const std::string chunk(800, 'z');
  ASSERT_TRUE(
      client.send_raw("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "320\r\n" +
                      chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n"));
  const StringResponse response = client.read_response();
  EXPECT_EQ(response.result_int(), 413);
  for (const StringRequest& seen : upstream.requests()) EXPECT_LT(seen.body().size(), 1001u);
}

TEST(ProxyLimits, Answers502WhenNothingListensUpstream) {
  std::uint16_t dead_port = 0;
  {
    net::io_context ioc;
    tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::address_v4::loopback(), 0));
    dead_port = acceptor.local_endpoint().port();
  }  // closed: connecting is refused
  TestHandler handler([&](const RequestHead& head) { return forward_to(dead_port, head); });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient client(proxy.port());
  const StringResponse response = client.exchange(get("/x"));
  EXPECT_EQ(response.result_int(), 502);
  EXPECT_NE(response.body().find("refused"), std::string::npos) << response.body();
  // A bodiless request's failure leaves the client connection usable.
  EXPECT_EQ(client.exchange(get("/y")).result_int(), 502);
}

TEST(ProxyLimits, RetriesBodilessRequestWhenPooledConnectionWasClosed) {
  // Announces keep-alive but closes after every response, as an upstream whose idle timeout
  // fires just as the next request goes out.
  TestUpstream upstream([](tcp::socket& socket, StringRequest& request) {
    respond(socket, request, 200, "fresh");
    return false;
  });
  TestHandler handler([&](const RequestHead& head) { return forward_to(upstream.port(), head); });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient client(proxy.port());
  for (int i = 0; i < 3; ++i) {
    const StringResponse response = client.exchange(get("/again"));
    EXPECT_EQ(response.result_int(), 200);
    EXPECT_EQ(response.body(), "fresh");
  }
  EXPECT_EQ(upstream.accepts(), 3);
}

TEST(ProxyLimits, Answers504WhenUpstreamNeverAnswers) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  TestUpstream upstream([released](tcp::socket&, StringRequest&) {
    released.wait_for(kIoTimeout);
    return false;
  });
  TestHandler handler([&](const RequestHead& head) {
    Decision decision = forward_to(upstream.port(), head);
    std::get<ForwardPlan>(decision.action).upstream_timeout = 300ms;
    return decision;
  });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient client(proxy.port());
  const StringResponse response = client.exchange(get("/hang"));
  EXPECT_EQ(response.result_int(), 504);
  release.set_value();
}

TEST(ProxyLimits, DrainFinishesInFlightRequestAndRefusesNewConnections) {
  std::promise<void> request_arrived;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  TestUpstream upstream([&, released](tcp::socket& socket, StringRequest& request) {
    request_arrived.set_value();
    released.wait_for(kIoTimeout);
    return respond(socket, request, 200, "finished");
  });
  TestHandler handler([&](const RequestHead& head) { return forward_to(upstream.port(), head); });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;
  const std::uint16_t port = proxy.port();

  TestClient idle(port);  // connected, no request: closed at once by the drain
  TestClient busy(port);
  ASSERT_TRUE(busy.send_raw("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(request_arrived.get_future().wait_for(kIoTimeout), std::future_status::ready);

  std::future<std::size_t> drained =
      std::async(std::launch::async, [&] { return proxy.server->drain(5s); });
  EXPECT_TRUE(idle.closed_by_peer());
  TestClient late(port);
  EXPECT_TRUE(!late.connected() || late.closed_by_peer());

  release.set_value();
  const StringResponse response = busy.read_response();
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "finished");
  EXPECT_FALSE(response.keep_alive());
  ASSERT_EQ(drained.wait_for(kIoTimeout), std::future_status::ready);
  EXPECT_EQ(drained.get(), 0u);
}

TEST(ProxyLimits, DrainCutsRequestsThatOutlastTheTimeout) {
  std::promise<void> request_arrived;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  TestUpstream upstream([&, released](tcp::socket&, StringRequest&) {
    request_arrived.set_value();
    released.wait_for(kIoTimeout);
    return false;
  });
  TestHandler handler([&](const RequestHead& head) { return forward_to(upstream.port(), head); });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient busy(proxy.port());
  ASSERT_TRUE(busy.send_raw("GET /forever HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(request_arrived.get_future().wait_for(kIoTimeout), std::future_status::ready);
  EXPECT_EQ(proxy.server->drain(200ms), 1u);
  EXPECT_TRUE(busy.closed_by_peer());
  release.set_value();
}

TEST(ProxyLimits, ClosesConnectionsBeyondMaxConnections) {
  TestHandler handler([](const RequestHead&) {
    Decision decision;
    decision.action = Reply{200, {}, "ok"};
    return decision;
  });
  ListenerConfig listener = test_listener();
  listener.max_connections = 1;
  RunningProxy proxy(handler, listener);
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient first(proxy.port());
  EXPECT_EQ(first.exchange(get("/a")).result_int(), 200);
  TestClient second(proxy.port());
  EXPECT_TRUE(second.closed_by_peer());
  EXPECT_EQ(first.exchange(get("/b")).result_int(), 200);
}

}  // namespace
}  // namespace l402::gateway::proxy_test
