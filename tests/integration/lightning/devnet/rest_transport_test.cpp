// devnet's LND REST server as a server: TLS like LND's (and its reuse), plain HTTP, loopback
// only, malformed requests, limits, keep-alive, many connections, and a stop that ends open
// streams promptly.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "rest_test_client.hpp"

namespace l402::test {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// A raw TCP connection to 127.0.0.1:port, for bytes no HTTP client would send.
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    timeval timeout{5, 0};  // every read ends within 5 s
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~RawConnection() { ::close(fd_); }
  bool connected() const { return connected_; }
  void send(const std::string& bytes) { (void)!::write(fd_, bytes.data(), bytes.size()); }
  // Reads until the server closes the connection (or 5 s pass without data).
  std::string read_all() {
    std::string out;
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::read(fd_, buffer, sizeof buffer);
      if (n <= 0) break;
      out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  int fd_;
  bool connected_ = false;
};

class DevnetRestTransport : public DevnetRestFixture {};

TEST_F(DevnetRestTransport, TlsCertificateIsLndsKindAndVerifiesFor127001AndLocalhost) {
  ASSERT_EQ(server_->url(), "https://127.0.0.1:" + std::to_string(server_->port()));
  EXPECT_EQ(server_->tls_cert_path(), node_->data_dir() / "tls.cert");
  RestClient client(endpoint());
  HttpResponse response = client.get("/v1/getinfo");
  EXPECT_EQ(response.status, 200) << response.error;

  Endpoint by_name = endpoint();
  by_name.url = "https://localhost:" + std::to_string(server_->port());
  RestClient named(by_name);
  EXPECT_EQ(named.get("/v1/getinfo").status, 200);

  // Without the pinned certificate the connection is refused by the client.
  Endpoint unpinned = endpoint();
  unpinned.ca_file = "/dev/null";
  RestClient untrusting(unpinned);
  EXPECT_NE(untrusting.get("/v1/getinfo").result, CURLE_OK);

  struct stat key_stat {};
  ASSERT_EQ(::stat((node_->data_dir() / "tls.key").c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);

  FILE* file = std::fopen(server_->tls_cert_path().c_str(), "r");
  ASSERT_NE(file, nullptr);
  X509* cert = PEM_read_X509(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(X509_check_ca(cert), 1);
  EXPECT_EQ(X509_check_host(cert, "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert, "::1", 0), 1);
  EVP_PKEY* key = X509_get0_pubkey(cert);
  ASSERT_NE(key, nullptr);
  char group[64] = {};
  size_t group_length = 0;
  EXPECT_EQ(EVP_PKEY_get_group_name(key, group, sizeof group, &group_length), 1);
  EXPECT_STREQ(group, "prime256v1");
  // About 14 months of validity.
  int days = 0;
  int seconds = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(cert), X509_get0_notAfter(cert)),
            1);
  EXPECT_GT(days, 400);
  EXPECT_LT(days, 440);
  X509_free(cert);
}

TEST_F(DevnetRestTransport, SecondStartReusesTheCertificate) {
  const std::string cert = read_whole_file(server_->tls_cert_path().string());
  const std::string key = read_whole_file((node_->data_dir() / "tls.key").string());
  server_.reset();
  start_server();
  EXPECT_EQ(read_whole_file(server_->tls_cert_path().string()), cert);
  EXPECT_EQ(read_whole_file((node_->data_dir() / "tls.key").string()), key);
  RestClient client(endpoint());
  EXPECT_EQ(client.get("/v1/getinfo").status, 200);
}

TEST_F(DevnetRestTransport, UnreadableKeyFailsNamingTheFile) {
  server_.reset();
  const auto key_path = node_->data_dir() / "tls.key";
  {
    std::ofstream garbage(key_path, std::ios::trunc);
    garbage << "not a key";
  }
  Result<std::unique_ptr<DevnetRestServer>> server = DevnetRestServer::start(*node_, {});
  EXPECT_TRUE(HasErrorMentioning(server, ErrorCode::kFailedPrecondition, "tls.key"));
}

TEST_F(DevnetRestTransport, PlainHttpServesHttp) {
  DevnetServerOptions options;
  options.plain_http = true;
  Result<std::unique_ptr<DevnetRestServer>> plain = DevnetRestServer::start(*node_, options);
  ASSERT_OK(plain);
  EXPECT_EQ((*plain)->url(), "http://127.0.0.1:" + std::to_string((*plain)->port()));
  RestClient client({(*plain)->url(), "", macaroon_hex("default")});
  HttpResponse response = client.get("/v1/getinfo");
  EXPECT_EQ(response.status, 200) << response.error;
}

TEST_F(DevnetRestTransport, ListensOnLoopbackOnly) {
  for (const char* host : {"0.0.0.0", "192.168.1.10", "example.com", ""}) {
    DevnetServerOptions options;
    options.host = host;
    EXPECT_TRUE(HasError(DevnetRestServer::start(*node_, options), ErrorCode::kInvalidArgument))
        << host;
  }
  DevnetServerOptions v6;
  v6.host = "::1";
  v6.plain_http = true;
  Result<std::unique_ptr<DevnetRestServer>> server = DevnetRestServer::start(*node_, v6);
  // A host without IPv6 cannot bind ::1; one that can serves it.
  if (server.ok()) {
    EXPECT_EQ((*server)->url(), "http://[::1]:" + std::to_string((*server)->port()));
    RestClient client({(*server)->url(), "", macaroon_hex("default")});
    EXPECT_EQ(client.get("/v1/getinfo").status, 200);
  } else {
    EXPECT_TRUE(HasError(server, ErrorCode::kUnavailable));
  }
}

TEST_F(DevnetRestTransport, PortInUseIsUnavailable) {
  DevnetServerOptions options;
  options.port = server_->port();
  EXPECT_TRUE(HasError(DevnetRestServer::start(*node_, options), ErrorCode::kUnavailable));
}

TEST_F(DevnetRestTransport, UnknownPathsAndMethodsGetGatewayErrors) {
  RestClient client(endpoint());
  HttpResponse unknown = client.get("/v1/nothing/here");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.json(), json::parse(R"({"code":5,"message":"Not Found","details":[]})"));
  EXPECT_EQ(client.get("/").status, 404);
  EXPECT_EQ(client.get("/v1/invoice/").status, 404);
  EXPECT_EQ(client.get("/v1/invoice/aa/bb").status, 404);
  EXPECT_EQ(client.get("/%%%/..//..").status, 404);

  HttpResponse wrong_method = client.call("DELETE", "/v1/getinfo", nullptr, {});
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.json(),
            json::parse(R"({"code":12,"message":"Method Not Allowed","details":[]})"));
  EXPECT_EQ(client.get("/v2/router/send").status, 405);
}

TEST_F(DevnetRestTransport, MalformedBodiesAreInvalidArgument) {
  RestClient client(endpoint());
  for (const std::string body : {"{", "[1,2]", "\"text\"", "{\"value\": {}}", "\xff\xfe"}) {
    HttpResponse response = client.post("/v1/invoices", body);
    EXPECT_EQ(response.status, 400) << body;
    EXPECT_EQ(response.json()["code"], 3) << body;
    EXPECT_EQ(response.json()["details"], json::array());
  }
  // An empty body is the empty message: an any-amount invoice.
  EXPECT_EQ(client.post("/v1/invoices", "").status, 200);
}

TEST_F(DevnetRestTransport, OversizedBodyAndHeadersAreRefused) {
  RestClient client(endpoint());
  const std::string huge =
      "{\"memo\":\"" + std::string(DevnetServerOptions().max_body_bytes, 'm') + "\"}";
  HttpResponse body = client.post("/v1/invoices", huge);
  EXPECT_EQ(body.status, 413) << body.error;
  EXPECT_EQ(body.json()["code"], 8);

  HttpResponse headers =
      client.call("GET", "/v1/getinfo", nullptr, {"X-Padding: " + std::string(9000, 'p')});
  EXPECT_EQ(headers.status, 431) << headers.error;
  EXPECT_EQ(headers.json()["code"], 8);

  // The server is still serving.
  EXPECT_EQ(client.get("/v1/getinfo").status, 200);
}

class DevnetRestPlainTransport : public DevnetRestFixture {
 protected:
  void customize_server(DevnetServerOptions& options) override {
    options.plain_http = true;
    options.idle_timeout = std::chrono::milliseconds(300);
    options.max_body_bytes = 1024;
    options.max_connections = 8;
  }
};

TEST_F(DevnetRestPlainTransport, GarbageGetsAJsonErrorAndTheConnectionCloses) {
  for (const std::string& garbage :
       {std::string("NOT HTTP AT ALL\r\n\r\n"), std::string("GET /v1/getinfo HTTP/9.9\r\n\r\n"),
        std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + "\r\n\r\n",
        std::string("POST /v1/invoices HTTP/1.1\r\nContent-Length: x\r\n\r\n")}) {
    RawConnection connection(server_->port());
    ASSERT_TRUE(connection.connected());
    connection.send(garbage);
    const std::string answer = connection.read_all();
    EXPECT_EQ(answer.rfind("HTTP/1.1 400 ", 0), 0u) << answer;
    EXPECT_NE(answer.find("\"code\":3"), std::string::npos) << answer;
  }
}

TEST_F(DevnetRestPlainTransport, BodyOverTheLimitWithoutExpectIsRefused) {
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.connected());
  connection.send("POST /v1/invoices HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" +
                  std::string(5000, ' '));
  const std::string answer = connection.read_all();
  EXPECT_EQ(answer.rfind("HTTP/1.1 413 ", 0), 0u) << answer;
}

TEST_F(DevnetRestPlainTransport, KeepAliveServesManyRequestsOnOneConnection) {
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.connected());
  std::string requests;
  const std::string request =
      "GET /v1/getinfo HTTP/1.1\r\nHost: x\r\nGrpc-Metadata-macaroon: " + macaroon_hex("default") +
      "\r\n\r\n";
  for (int i = 0; i < 3; ++i) requests += request;
  // Pipelined; the last asks to close so that read_all() ends.
  requests += "GET /v1/getinfo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  connection.send(requests);
  const std::string answers = connection.read_all();
  std::size_t ok_count = 0;
  for (std::size_t at = answers.find("HTTP/1.1 200 OK"); at != std::string::npos;
       at = answers.find("HTTP/1.1 200 OK", at + 1)) {
    ++ok_count;
  }
  EXPECT_EQ(ok_count, 3u) << answers;
  EXPECT_NE(answers.find("HTTP/1.1 500 "), std::string::npos);  // the one without a macaroon
}

TEST_F(DevnetRestPlainTransport, IdleConnectionsAreClosed) {
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.connected());
  const auto start = Clock::now();
  EXPECT_EQ(connection.read_all(), "");  // the server closes after idle_timeout (300 ms)
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
}

TEST_F(DevnetRestPlainTransport, ConnectionsBeyondTheLimitAreRefused) {
  std::vector<std::unique_ptr<StreamReader>> streams;
  for (int i = 0; i < 8; ++i) {
    streams.push_back(std::make_unique<StreamReader>(endpoint(), "/v1/invoices/subscribe"));
    ASSERT_TRUE(streams.back()->wait_started());
  }
  RestClient client(endpoint());
  HttpResponse refused = client.get("/v1/getinfo");
  EXPECT_NE(refused.result, CURLE_OK);
  EXPECT_EQ(refused.status, 0);

  streams.pop_back();  // frees one slot (once the server notices the close)
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  long status = 0;
  while (status != 200 && Clock::now() < deadline) {
    RestClient retry(endpoint());
    status = retry.get("/v1/getinfo").status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(status, 200);
}

TEST_F(DevnetRestTransport, StoppingTheServerEndsOpenStreamsPromptly) {
  std::vector<std::unique_ptr<StreamReader>> streams;
  for (int i = 0; i < 4; ++i) {
    streams.push_back(std::make_unique<StreamReader>(endpoint(), "/v1/invoices/subscribe"));
    ASSERT_TRUE(streams.back()->wait_started());
  }
  // An idle keep-alive connection too.
  RestClient idle(endpoint());
  ASSERT_EQ(idle.get("/v1/getinfo").status, 200);

  const auto start = Clock::now();
  server_.reset();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
  for (auto& stream : streams) EXPECT_TRUE(stream->wait_finished(std::chrono::seconds(3)));
  // The node no longer calls any listener of the server's.
  Result<DevnetInvoice> invoice = node_->add_invoice({});
  EXPECT_OK(invoice);
}

TEST_F(DevnetRestTransport, ManyConcurrentConnections) {
  constexpr int kClients = 24;
  constexpr int kRequestsEach = 10;
  std::atomic<int> succeeded{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      RestClient client(endpoint(i % 2 == 0 ? "default" : "payer"));
      for (int j = 0; j < kRequestsEach; ++j) {
        HttpResponse response = j % 2 == 0 ? client.get("/v1/getinfo")
                                           : client.post_json("/v1/invoices", {{"value", "1"}});
        if (response.status == 200) ++succeeded;
      }
    });
  }
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(succeeded.load(), kClients * kRequestsEach);
  // Every invoice got its own add_index.
  Result<std::vector<DevnetInvoice>> all = node_->invoices_added_after(0, 1000);
  ASSERT_OK(all);
  EXPECT_EQ(all->size(), static_cast<std::size_t>(kClients * kRequestsEach / 2));
}

TEST_F(DevnetRestTransport, KeepAliveInvoiceThroughput) {
  RestClient client(endpoint());
  constexpr int kRequests = 300;
  const auto start = Clock::now();
  int ok = 0;
  for (int i = 0; i < kRequests; ++i) {
    ok += client.post_json("/v1/invoices", {{"value", "1"}, {"memo", "bench"}}).status == 200;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(ok, kRequests);
  std::printf("POST /v1/invoices over one keep-alive TLS connection: %d in %.3f s (%.0f/s)\n",
              kRequests, seconds, kRequests / seconds);
}

}  // namespace
}  // namespace l402::test
