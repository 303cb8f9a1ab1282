// l402d as nginx's auth_request server: Debian's nginx in front of the demo upstream, running
// the configuration of docs/front-proxy.md (read from that file, ports changed), and l402d
// with only an auth_request listener. Clients talk to nginx alone.
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "gateway_harness.hpp"
#include "l402/encoding.hpp"
#include "l402/token_header.hpp"
#include "lightning_test_helpers.hpp"
#include "raw_connection.hpp"
#include "result_matchers.hpp"
#include "temp_dir.hpp"

namespace l402::test {
namespace {

// The addresses the documented configuration uses, replaced by the test's.
constexpr std::string_view kDocListen = "listen 80;";
constexpr std::string_view kDocUpstream = "127.0.0.1:8080";
constexpr std::string_view kDocAuth = "127.0.0.1:8404";

void replace_all(std::string& text, std::string_view from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// The first ```nginx block of docs/front-proxy.md.
std::string documented_nginx_config() {
  const std::string doc = read_whole_file(L402_FRONT_PROXY_DOC);
  const std::size_t open = doc.find("```nginx\n");
  if (open == std::string::npos) return "";
  const std::size_t start = open + std::string_view("```nginx\n").size();
  const std::size_t close = doc.find("```", start);
  return close == std::string::npos ? "" : doc.substr(start, close - start);
}

// Whether something accepts connections on 127.0.0.1:port.
bool accepting(std::uint16_t port) { return RawConnection(port).connected(); }

class NginxAuthRequestTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("l402d-nginx");
    upstream_ = new Upstream(start_upstream(dir_->file("upstream.stderr")));
    if (upstream_->url.empty()) return;
    GatewaySetup setup;
    setup.data_dir = dir_->file("data");
    setup.listener_options = "    role: auth_request\n";
    // Every client reaches nginx from 127.0.0.1: with loopback trusted, the client is the
    // first untrusted address of the chain nginx passes on.
    setup.extra = "trusted_proxies: [\"127.0.0.1/32\"]\n";
    setup.services = service_yaml("open", "/.*", upstream_->url,
                                  {"host: \"free\\\\.example\"", "auth: \"off\""}) +
                     service_yaml("gift", "/.*", upstream_->url,
                                  {"host: \"gift\\\\.example\"", "auth: \"freebie 1\""}) +
                     service_yaml("demo", "/api/.*", upstream_->url,
                                  {"price: 1", "free_paths: [\"/api/quote\"]"});
    gateway_ =
        Gateway::start(dir_->file("l402d.yaml"), gateway_yaml(setup), dir_->file("l402d.stderr"))
            .release();
    if (gateway_->ready()) start_nginx();
  }

  static void TearDownTestSuite() {
    delete nginx_;
    nginx_ = nullptr;
    delete gateway_;
    gateway_ = nullptr;
    delete upstream_;
    upstream_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }

  // nginx cannot report an ephemeral port: take one nothing listens on, and another if nginx
  // cannot bind it after all.
  static void start_nginx() {
    std::string server = documented_nginx_config();
    if (server.empty() || ::access(L402_NGINX_PATH, X_OK) != 0) return;
    const std::string auth = gateway_->url().substr(std::string_view("http://").size());
    replace_all(server, kDocAuth, auth);
    replace_all(server, kDocUpstream, upstream_->url.substr(std::string_view("http://").size()));
    const std::string prefix = dir_->file("nginx");
    std::filesystem::create_directories(prefix + "/logs");
    std::string user_line;
    if (geteuid() == 0) {
      // As root, nginx would hand its workers to `nobody`, who cannot read the test's files.
      user_line = std::string("user ") + getpwuid(geteuid())->pw_name + " " +
                  getgrgid(getegid())->gr_name + ";\n";
    }
    for (int attempt = 0; attempt < 5; ++attempt) {
      const std::uint16_t port = unused_port();
      std::string config = user_line + "daemon off;\nworker_processes 1;\npid " + prefix +
                           "/nginx.pid;\nerror_log " + prefix + "/logs/error.log info;\n" +
                           "events { worker_connections 256; }\nhttp {\n" + "  access_log " +
                           prefix + "/logs/access.log;\n" + "  client_body_temp_path " + prefix +
                           "/client_body;\n" + "  proxy_temp_path " + prefix + "/proxy;\n" +
                           "  fastcgi_temp_path " + prefix + "/fastcgi;\n" + "  uwsgi_temp_path " +
                           prefix + "/uwsgi;\n" + "  scgi_temp_path " + prefix + "/scgi;\n" +
                           server + "}\n";
      replace_all(config, kDocListen, "listen 127.0.0.1:" + std::to_string(port) + ";");
      std::ofstream(prefix + "/nginx.conf") << config;
      nginx_ = new BackgroundProcess(
          L402_NGINX_PATH,
          {"-p", prefix, "-c", prefix + "/nginx.conf", "-e", prefix + "/logs/error.log"},
          dir_->file("nginx.stderr"));
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (std::chrono::steady_clock::now() < deadline) {
        if (accepting(port)) {
          nginx_url_ = "http://127.0.0.1:" + std::to_string(port);
          return;
        }
        // A configuration nginx refuses, or a port taken meanwhile: it logs [emerg] and exits.
        if (read_whole_file(prefix + "/logs/error.log").find("[emerg]") != std::string::npos) {
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      delete nginx_;
      nginx_ = nullptr;
    }
  }

  void SetUp() override {
    ASSERT_FALSE(upstream_->url.empty()) << "l402-demo-upstream did not print its ready line";
    ASSERT_TRUE(gateway_->ready()) << "l402d did not print its ready line\n"
                                   << gateway_->log_tail();
    ASSERT_FALSE(documented_nginx_config().empty())
        << "no ```nginx block in " << L402_FRONT_PROXY_DOC;
    ASSERT_FALSE(nginx_url_.empty()) << L402_NGINX_PATH << " did not start (scripts/setup "
                                     << "installs nginx):\n"
                                     << read_whole_file(dir_->file("nginx.stderr"))
                                     << read_whole_file(dir_->file("nginx/logs/error.log"));
    ASSERT_OK_AND_ASSIGN(payer_, open_payer(*gateway_));
  }

  void TearDown() override {
    if (!HasFailure()) return;
    std::cerr << gateway_->log_tail() << "\nnginx error log:\n"
              << read_whole_file(dir_->file("nginx/logs/error.log")) << "\n";
  }

  static HttpResponse through_nginx(const std::string& path,
                                    std::vector<std::string> headers = {}) {
    return http_get(nginx_url_ + path, std::move(headers));
  }

  // GETs `path` unpaid through nginx, pays its L402 challenge; "L402 <macaroon>:<preimage>".
  std::string buy(const std::string& path) {
    const HttpResponse challenge = through_nginx(path);
    EXPECT_EQ(challenge.status, 402) << challenge.body;
    const std::vector<std::string> lines = challenge.values("WWW-Authenticate");
    const std::vector<std::string_view> views(lines.begin(), lines.end());
    const Result<std::vector<Challenge>> parsed = parse_challenges(views);
    if (!parsed.ok() || parsed->empty()) {
      ADD_FAILURE() << "no challenge in " << ::testing::PrintToString(lines);
      return "";
    }
    const PayOutcome paid = payer_->pay(pay_request(parsed->front().invoice, Msat(100'000)));
    EXPECT_TRUE(paid.ok()) << paid.message();
    if (!paid.ok()) return "";
    return "L402 " + parsed->front().macaroon_base64 + ":" + hex::encode(paid.payment().preimage);
  }

  std::unique_ptr<Backend> payer_;

  inline static TempDir* dir_ = nullptr;
  inline static Upstream* upstream_ = nullptr;
  inline static Gateway* gateway_ = nullptr;
  inline static BackgroundProcess* nginx_ = nullptr;
  inline static std::string nginx_url_;
};

TEST_F(NginxAuthRequestTest, UnpaidRequestGets402WithAnL402Challenge) {
  const HttpResponse response = through_nginx("/api/hello");
  EXPECT_EQ(response.status, 402) << response.body;
  const std::vector<std::string> lines = response.values("WWW-Authenticate");
  ASSERT_EQ(lines.size(), 1u) << ::testing::PrintToString(lines);
  // The form Aperture's and lsat-js's clients match: macaroon first, then invoice.
  EXPECT_TRUE(lines[0].starts_with("L402 macaroon=\"")) << lines[0];
  EXPECT_NE(lines[0].find("\", invoice=\"lnbcrt"), std::string::npos) << lines[0];
  const std::string_view view = lines[0];
  const Result<std::vector<Challenge>> parsed = parse_challenges({&view, 1});
  ASSERT_OK(parsed);
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ(parsed->front().scheme, "L402");
  EXPECT_EQ(response.header("Cache-Control"), "no-store");
  EXPECT_EQ(response.body, "payment required\n");
}

TEST_F(NginxAuthRequestTest, PaidRequestReachesTheUpstreamWithTokenIdAndService) {
  const std::string authorization = buy("/api/echo-headers");
  ASSERT_FALSE(authorization.empty());
  const HttpResponse response =
      through_nginx("/api/echo-headers?x=1", {"Authorization: " + authorization});
  ASSERT_EQ(response.status, 200) << response.body;
  const nlohmann::json echoed = nlohmann::json::parse(response.body, nullptr, false);
  ASSERT_TRUE(echoed.is_object()) << response.body;
  EXPECT_EQ(echoed["target"], "/api/echo-headers?x=1");
  const nlohmann::json& headers = echoed["headers"];
  const std::string macaroon = authorization.substr(5, authorization.find(':') - 5);
  ASSERT_OK_AND_ASSIGN(const std::string token_id, token_id_of(macaroon));
  EXPECT_EQ(headers.value("x-l402-token-id", ""), token_id);
  EXPECT_EQ(headers.value("x-l402-service", ""), "demo");
  EXPECT_EQ(headers.value("authorization", ""), authorization);

  // The token is for the service: another of its paths is paid for too.
  const HttpResponse hello = through_nginx("/api/hello", {"Authorization: " + authorization});
  EXPECT_EQ(hello.status, 200) << hello.body;
  EXPECT_NE(hello.body.find("hello from the demo upstream"), std::string::npos) << hello.body;
}

TEST_F(NginxAuthRequestTest, WrongPreimageIs401) {
  const std::string authorization = buy("/api/hello");
  ASSERT_FALSE(authorization.empty());
  const std::string wrong =
      authorization.substr(0, authorization.rfind(':') + 1) + std::string(64, '0');
  const HttpResponse response = through_nginx("/api/hello", {"Authorization: " + wrong});
  EXPECT_EQ(response.status, 401) << response.body;
  EXPECT_EQ(response.body, "invalid credential\n");
  EXPECT_EQ(through_nginx("/api/hello", {"Authorization: " + authorization}).status, 200);
}

TEST_F(NginxAuthRequestTest, FreePathPassesWithoutACredential) {
  const HttpResponse response = through_nginx("/api/quote");
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_TRUE(response.values("WWW-Authenticate").empty());
  EXPECT_NE(response.body.find("\"quote\""), std::string::npos) << response.body;
}

TEST_F(NginxAuthRequestTest, ClientCannotPoseAsAPaidRequest) {
  // A service with auth off (chosen by the Host nginx passes on): the request goes through,
  // but the client's own X-L402-* fields do not.
  const HttpResponse response =
      through_nginx("/echo-headers",
                    {"Host: free.example", "X-L402-Token-Id: spoofed", "X-L402-Service: spoofed"});
  ASSERT_EQ(response.status, 200) << response.body;
  const nlohmann::json echoed = nlohmann::json::parse(response.body, nullptr, false);
  ASSERT_TRUE(echoed.is_object()) << response.body;
  EXPECT_FALSE(echoed["headers"].contains("x-l402-token-id")) << response.body;
  EXPECT_FALSE(echoed["headers"].contains("x-l402-service")) << response.body;
}

TEST_F(NginxAuthRequestTest, NoServiceForThePathIs404) {
  const HttpResponse response = through_nginx("/nothing/here");
  EXPECT_EQ(response.status, 404) << response.body;
}

TEST_F(NginxAuthRequestTest, FreebiesAreCountedPerClientNotPerNginx) {
  // nginx appends its peer (127.0.0.1, trusted) to what the client sent: the client named
  // here is the first untrusted hop, as a client behind another trusted proxy would be.
  const std::string host = "Host: gift.example";
  const std::string first_client = "X-Forwarded-For: 198.51.100.1";
  const std::string second_client = "X-Forwarded-For: 203.0.113.50";
  EXPECT_EQ(through_nginx("/hello", {host, first_client}).status, 200);
  EXPECT_EQ(through_nginx("/hello", {host, first_client}).status, 402);
  EXPECT_EQ(through_nginx("/hello", {host, second_client}).status, 200);
}

TEST_F(NginxAuthRequestTest, ClientCannotReachTheSubrequestLocation) {
  EXPECT_EQ(through_nginx("/.l402-auth").status, 404);
}

}  // namespace
}  // namespace l402::test
