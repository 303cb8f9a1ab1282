// The transport against a real HTTP server on 127.0.0.1 (test_http_server.hpp).
#include "client/http/transport.hpp"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <fstream>
#include <thread>

#include "result_matchers.hpp"
#include "sink_choosers.hpp"
#include "temp_dir.hpp"
#include "test_http_server.hpp"

namespace l402::client {
namespace {

using client_test::always;
using client_test::Connection;
using client_test::StringRequest;
using client_test::TestHttpServer;
namespace http = client_test::http;
using test::HasError;
using test::HasErrorMentioning;
using namespace std::chrono_literals;

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char byte : digest) {
    out += kHex[byte >> 4];
    out += kHex[byte & 15];
  }
  return out;
}

std::string pattern(std::size_t size) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>((i * 31 + 7) % 251);
  return out;
}

// A sink that counts its writes, so a test can see a body arrive in pieces.
class CountingSink final : public BodySink {
 public:
  Result<void> begin(const ResponseHead& head) override {
    status = head.status;
    return ok_result();
  }
  Result<void> write(std::string_view bytes) override {
    data.append(bytes);
    ++writes;
    return ok_result();
  }
  int status = 0;
  std::string data;
  int writes = 0;
};

std::unique_ptr<Transport> make_transport(HttpOptions options = {}) {
  Result<std::unique_ptr<Transport>> transport = Transport::create(std::move(options));
  return std::move(transport).value();
}

HttpRequest get(std::string url) {
  HttpRequest request;
  request.url = std::move(url);
  return request;
}

TEST(Transport, CapturesTheHeadAndStreamsTheBody) {
  TestHttpServer server([](Connection& connection, const StringRequest& request) {
    return connection.respond(request, 200, "hello", {{"X-Many", "one"}, {"X-Many", "two"}});
  });
  auto transport = make_transport();
  MemorySink sink;
  ASSERT_OK_AND_ASSIGN(const Exchange exchange,
                       transport->exchange(get(server.url("/api/x?y=1")), always(sink)));
  EXPECT_EQ(exchange.head.status, 200);
  EXPECT_EQ(exchange.head.reason, "OK");
  const std::vector<std::string_view> many = exchange.head.values("x-many");
  ASSERT_EQ(many.size(), 2u);
  EXPECT_EQ(many[0], "one");
  EXPECT_EQ(many[1], "two");
  EXPECT_EQ(sink.data(), "hello");
  ASSERT_TRUE(sink.head().has_value());
  EXPECT_EQ(sink.head()->status, 200);
  EXPECT_EQ(exchange.body_bytes, 5u);
  EXPECT_EQ(exchange.method, "GET");
  EXPECT_EQ(exchange.url.path, "/api/x");
  EXPECT_EQ(exchange.redirects, 0);
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].target(), "/api/x?y=1");
}

TEST(Transport, ChoosesTheSinkFromTheHeadSoA402NeverReachesTheOutputFile) {
  TestHttpServer server([](Connection& connection, const StringRequest& request) {
    if (request.target() == "/paid") return connection.respond(request, 402, "pay me first");
    return connection.respond(request, 200, "the goods");
  });
  test::TempDir dir;
  const std::string output = dir.file("out.bin");
  std::ofstream(output) << "previous content";
  auto transport = make_transport();
  MemorySink refusal(16, MemorySink::Overflow::kTruncate);
  std::unique_ptr<BodySink> file = make_file_sink(output);
  const ChooseSink choose = [&](const ResponseHead& head) -> Result<BodySink*> {
    if (head.status == 402) return &refusal;
    return file.get();
  };
  ASSERT_OK_AND_ASSIGN(const Exchange paid, transport->exchange(get(server.url("/paid")), choose));
  EXPECT_EQ(paid.head.status, 402);
  EXPECT_EQ(refusal.data(), "pay me first");
  std::ifstream untouched(output);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(untouched), {}), "previous content");

  ASSERT_OK_AND_ASSIGN(const Exchange free, transport->exchange(get(server.url("/free")), choose));
  EXPECT_EQ(free.head.status, 200);
  file.reset();  // closes the file
  std::ifstream written(output);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(written), {}), "the goods");
}

TEST(Transport, KeepsTheConnectionAliveBetweenExchanges) {
  TestHttpServer server([](Connection& connection, const StringRequest& request) {
    return connection.respond(request, 200, "ok");
  });
  auto transport = make_transport();
  for (int i = 0; i < 3; ++i) {
    MemorySink sink;
    ASSERT_OK(transport->exchange(get(server.url("/")), always(sink)));
  }
  EXPECT_EQ(server.accepts(), 1);
}

TEST(Transport, StreamsALargeBodyInPieces) {
  const std::string body = pattern(8 * 1024 * 1024 + 13);
  TestHttpServer server([&](Connection& connection, const StringRequest& request) {
    return connection.respond(request, 200, body);
  });
  auto transport = make_transport();
  CountingSink sink;
  ASSERT_OK_AND_ASSIGN(const Exchange exchange,
                       transport->exchange(get(server.url("/big")), always(sink)));
  EXPECT_EQ(exchange.body_bytes, body.size());
  EXPECT_GT(sink.writes, 10);
  EXPECT_EQ(sha256_hex(sink.data), sha256_hex(body));
}

TEST(Transport, SendsAMemoryBodyAgainOnEveryExchange) {
  TestHttpServer server([](Connection& connection, const StringRequest& request) {
    return connection.respond(request, 200, sha256_hex(request.body()));
  });
  auto transport = make_transport();
  HttpRequest request;
  request.method = "POST";
  request.url = server.url("/api/echo");
  request.body = RequestBody::memory("{\"question\":42}");
  for (int i = 0; i < 2; ++i) {
    MemorySink sink;
    ASSERT_OK(transport->exchange(request, always(sink)));
    EXPECT_EQ(sink.data(), sha256_hex("{\"question\":42}"));
  }
  const std::vector<StringRequest> seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  for (const StringRequest& one : seen) {
    EXPECT_EQ(one.method_string(), "POST");
    EXPECT_EQ(one[http::field::content_length], "15");
    // No form type slipped in by libcurl, and no 100-continue wait.
    EXPECT_EQ(one.count(http::field::content_type), 0u);
    EXPECT_EQ(one.count(http::field::expect), 0u);
  }
}

TEST(Transport, StreamsAFileBodyFromDiskAndReopensItForTheNextSend) {
  test::TempDir dir;
  const std::string path = dir.file("upload.bin");
  const std::string first = pattern(3 * 1024 * 1024 + 5);
  std::ofstream(path, std::ios::binary) << first;
  TestHttpServer server([](Connection& connection, const StringRequest& request) {
    return connection.respond(request, 200, sha256_hex(request.body()));
  });
  auto transport = make_transport();
  HttpRequest request;
  request.method = "PUT";
  request.url = server.url("/api/echo");
  request.headers = {{"Content-Type", "application/octet-stream"}};
  request.body = RequestBody::file(path);
  MemorySink sink;
  ASSERT_OK(transport->exchange(request, always(sink)));
  EXPECT_EQ(sink.data(), sha256_hex(first));

  const std::string second = "replaced";
  std::ofstream(path, std::ios::binary | std::ios::trunc) << second;
  ASSERT_OK(transport->exchange(request, always(sink)));
  EXPECT_EQ(sink.data(), sha256_hex(second));
  const std::vector<StringRequest> seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method_string(), "PUT");
  EXPECT_EQ(seen[0][http::field::content_type], "application/octet-stream");
}

TEST(Transport, ReportsAnUnreadableBodyFileBeforeConnecting) {
  TestHttpServer server([](Connection& connection, const StringRequest& request) {
    return connection.respond(request, 200, "");
  });
  test::TempDir dir;
  auto transport = make_transport();
  MemorySink sink;
  HttpRequest request;
  request.method = "POST";
  request.url = server.url("/");
  request.body = RequestBody::file(dir.file("missing"));
  EXPECT_TRUE(HasErrorMentioning(transport->exchange(request, always(sink)), ErrorCode::kNotFound,
                                 "missing"));
  request.body = RequestBody::file(dir.path());
  EXPECT_TRUE(HasError(transport->exchange(request, always(sink)), ErrorCode::kInvalidArgument));
  EXPECT_EQ(server.accepts(), 0);
}

TEST(Transport, SendsEachMethodTheWayHttpExpects) {
  TestHttpServer server([](Connection& connection, const StringRequest& request) {
    return connection.respond(request, 200, "body");
  });
  auto transport = make_transport();
  MemorySink sink;
  HttpRequest head = get(server.url("/h"));
  head.method = "HEAD";
  ASSERT_OK_AND_ASSIGN(const Exchange headed, transport->exchange(head, always(sink)));
  EXPECT_EQ(headed.head.status, 200);
  EXPECT_EQ(sink.data(), "");
  HttpRequest remove = get(server.url("/d"));
  remove.method = "DELETE";
  ASSERT_OK(transport->exchange(remove, always(sink)));
  HttpRequest empty_post = get(server.url("/p"));
  empty_post.method = "POST";
  ASSERT_OK(transport->exchange(empty_post, always(sink)));
  const std::vector<StringRequest> seen = server.requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].method_string(), "HEAD");
  EXPECT_EQ(seen[1].method_string(), "DELETE");
  EXPECT_EQ(seen[1].count(http::field::content_length), 0u);
  EXPECT_EQ(seen[2].method_string(), "POST");
  EXPECT_EQ(seen[2][http::field::content_length], "0");
}

TEST(Transport, RefusesAHeaderInjectionWithoutConnecting) {
  TestHttpServer server([](Connection& connection, const StringRequest& request) {
    return connection.respond(request, 200, "");
  });
  auto transport = make_transport();
  MemorySink sink;
  HttpRequest request = get(server.url("/"));
  request.headers = {{"X-Note", "a\r\nAuthorization: stolen"}};
  EXPECT_TRUE(HasError(transport->exchange(request, always(sink)), ErrorCode::kInvalidArgument));
  EXPECT_EQ(server.accepts(), 0);
}

TEST(Transport, FailsWhenTheSinkFails) {
  TestHttpServer server([](Connection& connection, const StringRequest& request) {
    return connection.respond(request, 200, std::string(4096, 'x'));
  });
  auto transport = make_transport();
  MemorySink small(100, MemorySink::Overflow::kFail);
  EXPECT_TRUE(HasError(transport->exchange(get(server.url("/")), always(small)),
                       ErrorCode::kLimitExceeded));
  const ChooseSink refuse = [](const ResponseHead&) -> Result<BodySink*> {
    return Error(ErrorCode::kPermissionDenied, "not this one");
  };
  EXPECT_TRUE(HasErrorMentioning(transport->exchange(get(server.url("/")), refuse),
                                 ErrorCode::kPermissionDenied, "not this one"));
}

TEST(Transport, RefusesAResponseHeadOverTheLimit) {
  TestHttpServer server([](Connection& connection, const StringRequest& request) {
    return connection.respond(request, 200, "", {{"X-Huge", std::string(20000, 'h')}});
  });
  HttpOptions options;
  options.max_header_bytes = 8192;
  auto transport = make_transport(options);
  MemorySink sink;
  EXPECT_TRUE(HasErrorMentioning(transport->exchange(get(server.url("/")), always(sink)),
                                 ErrorCode::kLimitExceeded, "8192"));
}

TEST(Transport, SaysWhenNothingListens) {
  std::uint16_t port = 0;
  {
    TestHttpServer closed([](Connection&, const StringRequest&) { return false; });
    port = closed.port();
  }
  auto transport = make_transport();
  MemorySink sink;
  EXPECT_TRUE(HasErrorMentioning(
      transport->exchange(get("http://127.0.0.1:" + std::to_string(port) + "/"), always(sink)),
      ErrorCode::kUnavailable, "cannot connect to 127.0.0.1:" + std::to_string(port)));
}

TEST(Transport, SaysWhenTheServerClosesWithoutAnswering) {
  TestHttpServer server([](Connection&, const StringRequest&) { return false; });
  auto transport = make_transport();
  MemorySink sink;
  EXPECT_TRUE(HasErrorMentioning(transport->exchange(get(server.url("/")), always(sink)),
                                 ErrorCode::kUnavailable, "without answering"));
}

TEST(Transport, SaysWhenTheBodyEndsEarly) {
  TestHttpServer server([](Connection& connection, const StringRequest&) {
    connection.write_raw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b");
    return false;
  });
  auto transport = make_transport();
  MemorySink sink;
  EXPECT_TRUE(
      HasError(transport->exchange(get(server.url("/")), always(sink)), ErrorCode::kUnavailable));
  EXPECT_EQ(sink.data(), "only ten b");
}

TEST(Transport, EnforcesTheTotalTimeout) {
  TestHttpServer server([](Connection& connection, const StringRequest& request) {
    std::this_thread::sleep_for(1500ms);
    return connection.respond(request, 200, "late");
  });
  HttpOptions options;
  options.total_timeout = 300ms;
  auto transport = make_transport(options);
  MemorySink sink;
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(HasErrorMentioning(transport->exchange(get(server.url("/slow")), always(sink)),
                                 ErrorCode::kDeadlineExceeded, "total timeout"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1400ms);
}

TEST(Transport, EnforcesTheIdleTimeoutOnAStalledBody) {
  TestHttpServer server([](Connection& connection, const StringRequest&) {
    connection.write_raw("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab");
    std::this_thread::sleep_for(3500ms);
    return false;
  });
  HttpOptions options;
  options.idle_timeout = 1s;
  auto transport = make_transport(options);
  MemorySink sink;
  EXPECT_TRUE(HasErrorMentioning(transport->exchange(get(server.url("/")), always(sink)),
                                 ErrorCode::kDeadlineExceeded, "idle timeout"));
}

}  // namespace
}  // namespace l402::client
