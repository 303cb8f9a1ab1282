// l402d in front of upstreams that fail (refused: 502; too slow: 504) and of ones that stream:
// large bodies both ways arrive intact, server-sent events arrive as they are sent.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "gateway_fixture.hpp"
#include "l402/encoding.hpp"

namespace l402::test {
namespace {

using UpstreamTest = GatewayTest;

// SHA-256 over data that arrives in pieces.
class StreamingSha256 {
 public:
  StreamingSha256() : context_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr);
  }
  void add(std::string_view bytes) {
    EVP_DigestUpdate(context_.get(), bytes.data(), bytes.size());
    size_ += bytes.size();
  }
  std::string hex() {
    unsigned char digest[32];
    unsigned int length = 0;
    EVP_DigestFinal_ex(context_.get(), digest, &length);
    return hex::encode(std::string_view(reinterpret_cast<const char*>(digest), length));
  }
  std::uint64_t size() const { return size_; }

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context_;
  std::uint64_t size_ = 0;
};

struct Digest {
  long status = 0;
  std::uint64_t size = 0;
  std::string sha256;
  std::string error;
};

Digest digest_of_get(const std::string& url) {
  StreamingSha256 hash;
  HttpRequest request;
  request.url = url;
  request.timeout = std::chrono::seconds(30);
  request.on_body = [&](std::string_view chunk) {
    hash.add(chunk);
    return true;
  };
  const HttpResponse response = http(request);
  return {response.status, hash.size(), hash.hex(), response.error};
}

TEST_F(UpstreamTest, UpstreamThatRefusesConnectionsIs502) {
  const HttpResponse response = http_get(gateway().url() + "/down/hello");
  EXPECT_EQ(response.status, 502) << response.error << response.body;
}

TEST_F(UpstreamTest, UpstreamSlowerThanItsTimeoutIs504) {
  HttpRequest request;
  request.url = gateway().url() + "/lazy/slow?ms=4000";
  request.timeout = std::chrono::seconds(8);
  const HttpResponse response = http(request);
  EXPECT_EQ(response.status, 504) << response.error << response.body;
}

TEST_F(UpstreamTest, TwentyMebibyteUploadArrivesIntact) {
  constexpr std::uint64_t kSize = 20 * 1024 * 1024;
  StreamingSha256 sent;
  std::uint64_t produced = 0;
  HttpRequest request;
  request.method = "POST";
  request.url = gateway().url() + "/open/echo";
  request.headers = {"Content-Type: application/octet-stream"};
  request.body_size = kSize;
  request.timeout = std::chrono::seconds(30);
  request.fill = [&](char* buffer, std::size_t capacity) {
    for (std::size_t i = 0; i < capacity; ++i) {
      buffer[i] = static_cast<char>((produced + i) * 2654435761u >> 13);
    }
    produced += capacity;
    sent.add(std::string_view(buffer, capacity));
    return capacity;
  };
  const HttpResponse response = http(request);
  ASSERT_EQ(response.status, 200) << response.error << response.body;
  const nlohmann::json echo = nlohmann::json::parse(response.body, nullptr, false);
  ASSERT_TRUE(echo.is_object()) << response.body;
  EXPECT_EQ(echo.value("bytes", std::uint64_t{0}), kSize);
  EXPECT_EQ(echo.value("sha256", ""), sent.hex());
}

TEST_F(UpstreamTest, BodyOverMaxBodyIs413) {
  HttpRequest request;
  request.method = "POST";
  request.url = gateway().url() + "/open/echo";
  request.url = gateway().url() + "/tiny/echo";  // max_body 1 KiB
  request.body = std::string(4096, 'x');
  const HttpResponse response = http(request);
  EXPECT_EQ(response.status, 413) << response.error;
}

TEST_F(UpstreamTest, FiftyMebibyteDownloadArrivesIntact) {
  const std::string path = "/bytes/52428800";
  const Digest direct = digest_of_get(upstream_url() + "/api" + path);
  ASSERT_EQ(direct.status, 200) << direct.error;
  ASSERT_EQ(direct.size, 52428800u);
  const Digest proxied = digest_of_get(gateway().url() + "/open" + path);
  ASSERT_EQ(proxied.status, 200) << proxied.error;
  EXPECT_EQ(proxied.size, direct.size);
  EXPECT_EQ(proxied.sha256, direct.sha256);

  const Digest chunked = digest_of_get(gateway().url() + "/open/bytes/1000000?chunked=1");
  const Digest chunked_direct = digest_of_get(upstream_url() + "/api/bytes/1000000?chunked=1");
  EXPECT_EQ(chunked.status, 200) << chunked.error;
  EXPECT_EQ(chunked.sha256, chunked_direct.sha256);
}

TEST_F(UpstreamTest, ServerSentEventsArriveBeforeTheStreamEnds) {
  // Five events 300 ms apart: a proxy that buffered the stream would deliver them together.
  std::string received_at_first_event;
  std::string all;
  HttpRequest request;
  request.url = gateway().url() + "/open/events?n=5&interval_ms=300";
  request.headers = {"Accept: text/event-stream"};
  request.timeout = std::chrono::seconds(15);
  request.on_body = [&](std::string_view chunk) {
    all.append(chunk);
    if (received_at_first_event.empty() && all.find("data:") != std::string::npos) {
      received_at_first_event = all;
    }
    return true;
  };
  const HttpResponse response = http(request);
  ASSERT_EQ(response.status, 200) << response.error;
  ASSERT_TRUE(response.header("Content-Type").has_value());
  EXPECT_NE(response.header("Content-Type")->find("text/event-stream"), std::string::npos);
  auto count = [](const std::string& text) {
    std::size_t events = 0;
    for (std::size_t at = text.find("data:"); at != std::string::npos;
         at = text.find("data:", at + 1)) {
      ++events;
    }
    return events;
  };
  EXPECT_EQ(count(all), 5u) << all;
  EXPECT_LT(count(received_at_first_event), 5u) << received_at_first_event;
}

}  // namespace
}  // namespace l402::test
