// l402d behind Debian's HAProxy speaking the PROXY protocol: HAProxy (TCP mode, run as this
// user with a configuration of the test's own) relays one frontend with send-proxy (v1) and
// another with send-proxy-v2 to two l402d listeners that require that version. Every
// connection reaches l402d from HAProxy's 127.0.0.1; the clients connect to HAProxy from other
// loopback addresses (127.0.0.2, 127.0.0.3), so what l402d reports as the client can only
// have come from the PROXY header.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
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

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct Answer {
  int status = 0;  // 0: no response
  std::string body;
  std::vector<std::string> challenges;  // WWW-Authenticate values
  std::string error;
};

// GET `target` from 127.0.0.1:port over a connection whose local address is `source` (any
// address of 127.0.0.0/8 is the loopback interface's), with `fields` as "Name: value".
Answer get_from(const std::string& source, std::uint16_t port, const std::string& target,
                const std::vector<std::pair<std::string, std::string>>& fields = {}) {
  Answer answer;
  net::io_context ioc;
  tcp::socket socket(ioc);
  beast::error_code ec;
  socket.open(tcp::v4(), ec);
  if (!ec) socket.bind(tcp::endpoint(net::ip::make_address(source), 0), ec);
  if (!ec) socket.connect(tcp::endpoint(net::ip::address_v4::loopback(), port), ec);
  if (ec) {
    answer.error = "connect: " + ec.message();
    return answer;
  }
  const timeval limit{10, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  http::request<http::empty_body> request(http::verb::get, target, 11);
  request.set(http::field::host, "api.example");
  request.set(http::field::connection, "close");
  for (const auto& [name, value] : fields) request.set(name, value);
  http::write(socket, request, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  if (!ec) http::read(socket, buffer, response, ec);
  if (ec) {
    answer.error = "exchange: " + ec.message();
    return answer;
  }
  answer.status = static_cast<int>(response.result_int());
  answer.body = response.body();
  for (const auto& field : response.base()) {
    if (field.name() == http::field::www_authenticate) {
      answer.challenges.emplace_back(field.value());
    }
  }
  return answer;
}

bool accepting(std::uint16_t port) { return RawConnection(port).connected(); }

std::uint16_t port_of(const std::string& url) {
  return static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
}

class HaproxyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("l402d-haproxy");
    upstream_ = new Upstream(start_upstream(dir_->file("upstream.stderr")));
    if (upstream_->url.empty()) return;
    GatewaySetup setup;
    setup.data_dir = dir_->file("data");
    // The first listener takes v1 headers; a second one, v2.
    setup.listener_options =
        "    proxy_protocol: v1\n"
        "  - address: 127.0.0.1:0\n"
        "    proxy_protocol: v2\n";
    setup.services = service_yaml("open", "/echo-headers", upstream_->url, {"auth: \"off\""}) +
                     service_yaml("gift", "/gift/.*", upstream_->url,
                                  {"auth: \"freebie 1\"", "rewrite: {from: /gift, to: /api}"}) +
                     service_yaml("demo", "/api/.*", upstream_->url, {"price: 1"});
    gateway_ =
        Gateway::start(dir_->file("l402d.yaml"), gateway_yaml(setup), dir_->file("l402d.stderr"))
            .release();
    if (gateway_->ready() && gateway_->ready_line()["listeners"].size() == 2) start_haproxy();
  }

  static void TearDownTestSuite() {
    delete haproxy_;
    haproxy_ = nullptr;
    delete gateway_;
    gateway_ = nullptr;
    delete upstream_;
    upstream_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }

  // HAProxy cannot report ephemeral ports: take two that nothing listens on, and others if
  // it cannot bind them after all.
  static void start_haproxy() {
    const nlohmann::json& listeners = gateway_->ready_line()["listeners"];
    const std::string v1_server = "127.0.0.1:" + std::to_string(port_of(listeners[0]));
    const std::string v2_server = "127.0.0.1:" + std::to_string(port_of(listeners[1]));
    const std::string config_path = dir_->file("haproxy.cfg");
    const std::string stderr_path = dir_->file("haproxy.stderr");
    for (int attempt = 0; attempt < 5; ++attempt) {
      const std::uint16_t v1_port = unused_port();
      const std::uint16_t v2_port = unused_port();
      if (v1_port == v2_port) continue;
      // Health checks go out with a PROXY header too (v2: the LOCAL command).
      std::ofstream(config_path) << "global\n"
                                    "  nbthread 1\n"
                                    "  maxconn 100\n"
                                    "defaults\n"
                                    "  mode tcp\n"
                                    "  timeout connect 5s\n"
                                    "  timeout client 30s\n"
                                    "  timeout server 30s\n"
                                    "frontend via_v1\n"
                                    "  bind 127.0.0.1:"
                                 << v1_port
                                 << "\n"
                                    "  default_backend l402d_v1\n"
                                    "backend l402d_v1\n"
                                    "  server l402d "
                                 << v1_server
                                 << " send-proxy check inter 500ms\n"
                                    "frontend via_v2\n"
                                    "  bind 127.0.0.1:"
                                 << v2_port
                                 << "\n"
                                    "  default_backend l402d_v2\n"
                                    "backend l402d_v2\n"
                                    "  server l402d "
                                 << v2_server << " send-proxy-v2 check inter 500ms\n";
      haproxy_ = new BackgroundProcess(L402_HAPROXY_PATH, {"-db", "-f", config_path}, stderr_path);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (std::chrono::steady_clock::now() < deadline) {
        if (accepting(v1_port) && accepting(v2_port)) {
          v1_port_ = v1_port;
          v2_port_ = v2_port;
          return;
        }
        // A configuration HAProxy refuses, or a port taken meanwhile: it logs an alert and
        // exits.
        if (read_whole_file(stderr_path).find("[ALERT]") != std::string::npos) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      delete haproxy_;
      haproxy_ = nullptr;
    }
  }

  void SetUp() override {
    ASSERT_FALSE(upstream_->url.empty()) << "l402-demo-upstream did not print its ready line";
    ASSERT_TRUE(gateway_->ready()) << "l402d did not print its ready line\n"
                                   << gateway_->log_tail();
    ASSERT_NE(v1_port_, 0) << "HAProxy did not start:\n"
                           << read_whole_file(dir_->file("haproxy.stderr"));
  }

  void TearDown() override {
    if (!HasFailure()) return;
    std::cerr << gateway_->log_tail() << "\nHAProxy stderr:\n"
              << read_whole_file(dir_->file("haproxy.stderr")) << "\n";
  }

  // The X-Forwarded-For the demo upstream received for a GET /echo-headers from `source`.
  static std::string forwarded_for(const std::string& source, std::uint16_t port) {
    // The client's own claim is not believed: its peer, as the header names it, is not a
    // trusted proxy.
    const Answer answer =
        get_from(source, port, "/echo-headers", {{"X-Forwarded-For", "192.0.2.66"}});
    EXPECT_EQ(answer.status, 200) << answer.error << answer.body;
    const nlohmann::json echoed = nlohmann::json::parse(answer.body, nullptr, false);
    if (!echoed.is_object() || !echoed["headers"].contains("x-forwarded-for")) {
      ADD_FAILURE() << "no X-Forwarded-For in " << answer.body;
      return "";
    }
    return echoed["headers"]["x-forwarded-for"].get<std::string>();
  }

  inline static TempDir* dir_ = nullptr;
  inline static Upstream* upstream_ = nullptr;
  inline static Gateway* gateway_ = nullptr;
  inline static BackgroundProcess* haproxy_ = nullptr;
  inline static std::uint16_t v1_port_ = 0;
  inline static std::uint16_t v2_port_ = 0;
};

TEST_F(HaproxyTest, UpstreamSeesTheClientHaproxySawThroughV1AndV2) {
  EXPECT_EQ(forwarded_for("127.0.0.2", v1_port_), "127.0.0.2");
  EXPECT_EQ(forwarded_for("127.0.0.3", v1_port_), "127.0.0.3");
  EXPECT_EQ(forwarded_for("127.0.0.2", v2_port_), "127.0.0.2");
  EXPECT_EQ(forwarded_for("127.0.0.3", v2_port_), "127.0.0.3");
}

TEST_F(HaproxyTest, AccessLogNamesTheClientFromTheHeader) {
  ASSERT_EQ(get_from("127.0.0.4", v2_port_, "/echo-headers?from=v2").status, 200);
  ASSERT_EQ(get_from("127.0.0.5", v1_port_, "/echo-headers?from=v1").status, 200);
  // The access line is written when the response is done: a short wait at most.
  bool v1_logged = false;
  bool v2_logged = false;
  for (int i = 0; i < 100 && !(v1_logged && v2_logged); ++i) {
    const std::string log = read_whole_file(gateway_->stderr_path());
    v1_logged = log.find("client=127.0.0.5") != std::string::npos;
    v2_logged = log.find("client=127.0.0.4") != std::string::npos;
    if (!(v1_logged && v2_logged)) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(v1_logged);
  EXPECT_TRUE(v2_logged);
}

TEST_F(HaproxyTest, PaidRequestGoesThroughHaproxy) {
  const Answer challenge = get_from("127.0.0.2", v1_port_, "/api/hello");
  ASSERT_EQ(challenge.status, 402) << challenge.error << challenge.body;
  const std::vector<std::string_view> views(challenge.challenges.begin(),
                                            challenge.challenges.end());
  ASSERT_OK_AND_ASSIGN(const std::vector<Challenge> parsed, parse_challenges(views));
  ASSERT_FALSE(parsed.empty());
  ASSERT_OK_AND_ASSIGN(const std::unique_ptr<Backend> payer, open_payer(*gateway_));
  const PayOutcome paid = payer->pay(pay_request(parsed.front().invoice, Msat(100'000)));
  ASSERT_TRUE(paid.ok()) << paid.message();
  const std::string authorization =
      "L402 " + parsed.front().macaroon_base64 + ":" + hex::encode(paid.payment().preimage);

  // Paid once, usable from either listener.
  for (const std::uint16_t port : {v2_port_, v1_port_}) {
    const Answer answer =
        get_from("127.0.0.2", port, "/api/hello", {{"Authorization", authorization}});
    EXPECT_EQ(answer.status, 200) << answer.error << answer.body;
    EXPECT_NE(answer.body.find("hello from the demo upstream"), std::string::npos) << answer.body;
  }
}

TEST_F(HaproxyTest, FreebiesAreCountedPerClientTheHeaderNames) {
  // One free request per client network (/24): 127.0.1.x and 127.0.2.x are two clients,
  // although every connection l402d accepts comes from HAProxy's 127.0.0.1.
  EXPECT_EQ(get_from("127.0.1.1", v1_port_, "/gift/hello").status, 200);
  EXPECT_EQ(get_from("127.0.1.1", v2_port_, "/gift/hello").status, 402);
  EXPECT_EQ(get_from("127.0.2.1", v2_port_, "/gift/hello").status, 200);
  EXPECT_EQ(get_from("127.0.2.1", v1_port_, "/gift/hello").status, 402);
}

TEST_F(HaproxyTest, DirectConnectionWithoutAHeaderIsClosedUnanswered) {
  const nlohmann::json& listeners = gateway_->ready_line()["listeners"];
  for (const auto& url : listeners) {
    RawConnection direct(port_of(url.get<std::string>()));
    ASSERT_TRUE(direct.connected());
    ASSERT_TRUE(direct.send("GET /echo-headers HTTP/1.1\r\nHost: x\r\n\r\n"));
    bool closed = false;
    const std::string received = direct.receive_until_closed(std::chrono::seconds(5), closed);
    EXPECT_TRUE(closed);
    EXPECT_EQ(received, "");
  }
}

}  // namespace
}  // namespace l402::test
