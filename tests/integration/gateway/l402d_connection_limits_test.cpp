// l402d against clients that misbehave at the connection level: a head trickled in too slowly
// is cut off after header_timeout while others are served; an oversized head gets 431.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "gateway_fixture.hpp"
#include "raw_connection.hpp"

namespace l402::test {
namespace {

using ConnectionLimitsTest = GatewayTest;

// One whole response (Content-Length or chunked body) read from `connection` within 5 s.
std::optional<std::string> read_response(RawConnection& connection) {
  std::string data;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  auto complete = [&data] {
    const std::size_t head_end = data.find("\r\n\r\n");
    if (head_end == std::string::npos) return false;
    const std::string head = lower_case(data.substr(0, head_end));
    const std::size_t length = head.find("content-length:");
    if (length != std::string::npos) {
      const std::size_t body = std::stoul(head.substr(length + 15));
      return data.size() >= head_end + 4 + body;
    }
    if (head.find("chunked") != std::string::npos) {
      return data.find("\r\n0\r\n\r\n", head_end) != std::string::npos;
    }
    return true;
  };
  while (!complete()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    const std::optional<std::string> got = connection.receive(left);
    if (!got) return std::nullopt;
    data += *got;
  }
  return data;
}

TEST_F(ConnectionLimitsTest, HeadTrickledSlowerThanHeaderTimeoutIsCutOff) {
  RawConnection slow(gateway().port());  // header_timeout is 1 s
  ASSERT_TRUE(slow.connected());
  ASSERT_TRUE(slow.send("GET /open/hello HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));

  bool closed = false;
  std::string answer;
  std::thread trickle([&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(8);
    while (std::chrono::steady_clock::now() < deadline) {
      const std::optional<std::string> got = slow.receive(std::chrono::milliseconds(100));
      if (!got) {
        closed = true;
        return;
      }
      answer += *got;
      if (!slow.send("a")) {
        closed = true;
        return;
      }
    }
  });
  // Meanwhile a well-behaved client is served.
  HttpRequest request;
  request.url = gateway().url() + "/open/hello";
  request.timeout = std::chrono::seconds(5);
  const HttpResponse normal = http(request);
  trickle.join();
  EXPECT_EQ(normal.status, 200) << normal.error;
  EXPECT_TRUE(closed) << "the trickling connection was still open after 8 s";
  EXPECT_EQ(answer.find("HTTP/1.1 200"), std::string::npos) << answer;
}

TEST_F(ConnectionLimitsTest, HeadLargerThanMaxHeaderBytesIs431) {
  RawConnection client(gateway().port());  // max_header_bytes is 8 KiB
  ASSERT_TRUE(client.connected());
  std::string head = "GET /open/hello HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (int i = 0; i < 16; ++i) {
    head += "X-Pad-" + std::to_string(i) + ": " + std::string(1000, 'a') + "\r\n";
  }
  head += "\r\n";
  ASSERT_TRUE(client.send(head));
  bool closed = false;
  const std::string answer = client.receive_until_closed(std::chrono::seconds(5), closed);
  EXPECT_EQ(answer.rfind("HTTP/1.1 431", 0), 0u) << answer.substr(0, 200);
}

TEST_F(ConnectionLimitsTest, KeepAliveConnectionServesSeveralRequests) {
  RawConnection client(gateway().port());
  ASSERT_TRUE(client.connected());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client.send("GET /open/hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    const std::optional<std::string> answer = read_response(client);
    ASSERT_TRUE(answer.has_value()) << "no complete response to request " << i;
    EXPECT_EQ(answer->rfind("HTTP/1.1 200", 0), 0u) << *answer;
  }
}

}  // namespace
}  // namespace l402::test
