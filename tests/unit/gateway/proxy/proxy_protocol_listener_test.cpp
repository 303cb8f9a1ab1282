// A ProxyServer listener with proxy_protocol on, over real loopback sockets: the client that
// a v1 or v2 header names is the peer every request of the connection is handled with; the
// header's bytes and nothing more are taken off the connection (TLS handshake included); a
// connection without a valid header, or too slow to send it, is closed unanswered.
#include <gtest/gtest.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <fstream>
#include <sstream>

#include "proxy_test_support.hpp"
#include "temp_dir.hpp"

namespace l402::gateway::proxy_test {
namespace {

// A v2 PROXY header for TCP over IPv4 from 198.51.100.23:40000 to 127.0.0.1:80.
std::string v2_tcp4_header() {
  const unsigned char header[] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49,
                                  0x54, 0x0a, 0x21, 0x11, 0x00, 0x0c, 198,  51,   100,  23,
                                  127,  0,    0,    1,    0x9c, 0x40, 0x00, 0x50};
  return {reinterpret_cast<const char*>(header), sizeof header};
}

// A v2 LOCAL header (a load balancer's health check), with an address block to skip.
std::string v2_local_header() {
  std::string header = v2_tcp4_header();
  header[12] = 0x20;
  return header;
}

const std::string kV1Tcp6Header = "PROXY TCP6 2001:db8::7 2001:db8::1 40000 443\r\n";
const std::string kRequest = "GET /who HTTP/1.1\r\nHost: proxy.test\r\n\r\n";

ListenerConfig proxy_protocol_listener(ProxyProtocol version) {
  ListenerConfig listener = test_listener();
  listener.proxy_protocol = version;
  return listener;
}

// Answers every request with its peer address as the body.
TestHandler peer_echo() {
  return TestHandler([](const RequestHead& head) {
    Decision decision;
    decision.action = Reply{200, {{"Content-Type", "text/plain"}}, head.peer_address};
    decision.outcome.outcome = "free";
    return decision;
  });
}

std::string read_whole_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ProxyProtocolListener, V1HeaderNamesThePeerOfEveryRequestOnTheConnection) {
  TestHandler handler = peer_echo();
  RunningProxy proxy(handler, proxy_protocol_listener(ProxyProtocol::kV1));
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient client(proxy.port());
  // Header and request in one segment, as a load balancer sends them.
  ASSERT_TRUE(client.send_raw(kV1Tcp6Header + kRequest));
  StringResponse response = client.read_response();
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "2001:db8::7");
  response = client.exchange(get("/again"));  // keep-alive: still the same client
  EXPECT_EQ(response.body(), "2001:db8::7");
  ASSERT_EQ(handler.heads().size(), 2u);
  EXPECT_EQ(handler.heads()[0].target, "/who");
  EXPECT_EQ(handler.heads()[1].peer_address, "2001:db8::7");
}

TEST(ProxyProtocolListener, V2HeaderNamesThePeerEvenWhenItArrivesInPieces) {
  TestHandler handler = peer_echo();
  RunningProxy proxy(handler, proxy_protocol_listener(ProxyProtocol::kV2));
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient whole(proxy.port());
  ASSERT_TRUE(whole.send_raw(v2_tcp4_header() + kRequest));
  EXPECT_EQ(whole.read_response().body(), "198.51.100.23");

  TestClient pieces(proxy.port());
  const std::string header = v2_tcp4_header();
  ASSERT_TRUE(pieces.send_raw(header.substr(0, 5)));
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(pieces.send_raw(header.substr(5, 15)));
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(pieces.send_raw(header.substr(20) + kRequest));
  const StringResponse response = pieces.read_response();
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "198.51.100.23");
}

TEST(ProxyProtocolListener, AnyListenerTakesBothVersions) {
  TestHandler handler = peer_echo();
  RunningProxy proxy(handler, proxy_protocol_listener(ProxyProtocol::kAny));
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient v1(proxy.port());
  ASSERT_TRUE(v1.send_raw("PROXY TCP4 203.0.113.9 127.0.0.1 5000 80\r\n" + kRequest));
  EXPECT_EQ(v1.read_response().body(), "203.0.113.9");
  TestClient v2(proxy.port());
  ASSERT_TRUE(v2.send_raw(v2_tcp4_header() + kRequest));
  EXPECT_EQ(v2.read_response().body(), "198.51.100.23");
}

TEST(ProxyProtocolListener, LocalAndUnknownKeepTheTcpPeer) {
  TestHandler handler = peer_echo();
  RunningProxy proxy(handler, proxy_protocol_listener(ProxyProtocol::kAny));
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient local(proxy.port());
  ASSERT_TRUE(local.send_raw(v2_local_header() + kRequest));
  EXPECT_EQ(local.read_response().body(), "127.0.0.1");
  TestClient unknown(proxy.port());
  ASSERT_TRUE(unknown.send_raw("PROXY UNKNOWN\r\n" + kRequest));
  EXPECT_EQ(unknown.read_response().body(), "127.0.0.1");
}

TEST(ProxyProtocolListener, ClosesConnectionsWithoutAValidHeaderUnanswered) {
  TestHandler handler = peer_echo();
  test::TempDir dir;
  const std::string log_path = dir.file("log");
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(log_fd, 0);
  {
    RunningProxy proxy(handler, proxy_protocol_listener(ProxyProtocol::kV1), {}, log_fd);
    ASSERT_TRUE(proxy.server) << proxy.error;
    const std::string refused[] = {
        kRequest,                                                    // no header at all
        v2_tcp4_header() + kRequest,                                 // v2 where v1 is expected
        "PROXY TCP4 203.0.113.9 127.0.0.1 70000 80\r\n" + kRequest,  // port out of range
        "PROXY TCP4 203.0.113.9 127.0.0.1 5000 80\n" + kRequest,     // LF without CR
        "PROXY UNKNOWN " + std::string(200, 'x'),                    // no CRLF in 107 bytes
    };
    for (const std::string& input : refused) {
      TestClient client(proxy.port());
      ASSERT_TRUE(client.send_raw(input));
      beast::error_code ec;
      client.read_response(&ec);
      EXPECT_TRUE(ec) << "answered: " << input;
      EXPECT_TRUE(client.closed_by_peer());
    }
  }
  ::close(log_fd);
  EXPECT_TRUE(handler.heads().empty());
  const std::string log = read_whole_file(log_path);
  EXPECT_NE(log.find("PROXY protocol header refused"), std::string::npos) << log;
  EXPECT_NE(log.find("v2 header where only v1 is accepted"), std::string::npos) << log;
  EXPECT_NE(log.find("127.0.0.1"), std::string::npos) << log;
}

TEST(ProxyProtocolListener, ClosesAConnectionWhoseHeaderDoesNotArriveInTime) {
  TestHandler handler = peer_echo();
  ListenerConfig listener = proxy_protocol_listener(ProxyProtocol::kAny);
  listener.header_timeout = 300ms;
  RunningProxy proxy(handler, listener);
  ASSERT_TRUE(proxy.server) << proxy.error;

  const auto started = std::chrono::steady_clock::now();
  TestClient silent(proxy.port());
  TestClient partial(proxy.port());
  ASSERT_TRUE(partial.send_raw("PROXY TCP4 203.0.113.9 "));
  EXPECT_TRUE(silent.closed_by_peer());
  EXPECT_TRUE(partial.closed_by_peer());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  // Meanwhile and afterwards, a prompt client is served.
  TestClient prompt(proxy.port());
  ASSERT_TRUE(prompt.send_raw(kV1Tcp6Header + kRequest));
  EXPECT_EQ(prompt.read_response().body(), "2001:db8::7");
  EXPECT_TRUE(handler.heads().size() == 1u);
}

TEST(ProxyProtocolListener, ARefusedConnectionGivesBackItsPlaceUnderMaxConnections) {
  TestHandler handler = peer_echo();
  ListenerConfig listener = proxy_protocol_listener(ProxyProtocol::kV1);
  listener.max_connections = 1;
  RunningProxy proxy(handler, listener);
  ASSERT_TRUE(proxy.server) << proxy.error;

  for (int i = 0; i < 3; ++i) {
    TestClient refused(proxy.port());
    ASSERT_TRUE(refused.send_raw("garbage\r\n"));
    EXPECT_TRUE(refused.closed_by_peer());
  }
  // The count is given back when the closed connection's reader is destroyed, just after
  // the close: a few tries at most.
  std::string body;
  for (int attempt = 0; attempt < 50 && body.empty(); ++attempt) {
    TestClient client(proxy.port());
    if (client.send_raw(kV1Tcp6Header + kRequest)) body = client.read_response().body();
    if (body.empty()) std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(body, "2001:db8::7");
}

TEST(ProxyProtocolListener, DrainClosesConnectionsStillWaitingForTheirHeader) {
  TestHandler handler = peer_echo();
  RunningProxy proxy(handler, proxy_protocol_listener(ProxyProtocol::kV2));
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient waiting(proxy.port());
  ASSERT_TRUE(waiting.send_raw(v2_tcp4_header().substr(0, 10)));
  std::this_thread::sleep_for(50ms);  // accepted and reading
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(proxy.server->drain(3s), 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_TRUE(waiting.closed_by_peer());
  proxy.server.reset();
}

TEST(ProxyProtocolListener, TlsListenerReadsTheHeaderBeforeTheHandshake) {
  test::TempDir dir;
  TestHandler handler([](const RequestHead& head) {
    Decision decision;
    decision.action = Reply{200, {}, head.peer_address + (head.tls ? " over tls" : " plain")};
    return decision;
  });
  ListenerConfig listener = proxy_protocol_listener(ProxyProtocol::kV2);
  listener.tls.enabled = true;
  listener.tls.self_signed = true;
  RunningProxy proxy(handler, listener, dir.path());
  ASSERT_TRUE(proxy.server) << proxy.error;

  net::io_context ioc;
  net::ssl::context context(net::ssl::context::tls_client);
  context.load_verify_file(proxy.server->self_signed_cert_path().string());
  context.set_verify_mode(net::ssl::verify_peer);
  beast::ssl_stream<tcp::socket> stream(ioc, context);
  stream.next_layer().connect(tcp::endpoint(net::ip::address_v4::loopback(), proxy.port()));
  set_receive_timeout(stream.next_layer().native_handle(), kIoTimeout);
  beast::error_code ec;
  net::write(stream.next_layer(), net::buffer(v2_tcp4_header()), ec);
  ASSERT_FALSE(ec) << ec.message();
  stream.handshake(net::ssl::stream_base::client, ec);
  ASSERT_FALSE(ec) << ec.message();
  StringRequest request = get("/secure");
  http::write(stream, request, ec);
  ASSERT_FALSE(ec) << ec.message();
  beast::flat_buffer buffer;
  StringResponse response;
  http::read(stream, buffer, response, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(response.body(), "198.51.100.23 over tls");
}

TEST(ProxyProtocolListener, AListenerWithoutItTakesAHeaderForABadRequest) {
  TestHandler handler = peer_echo();
  RunningProxy proxy(handler);  // proxy_protocol off
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient client(proxy.port());
  ASSERT_TRUE(client.send_raw(kV1Tcp6Header + kRequest));
  beast::error_code ec;
  const StringResponse response = client.read_response(&ec);
  EXPECT_TRUE(ec || response.result_int() == 400) << response.result_int();
  EXPECT_TRUE(handler.heads().empty());
}

}  // namespace
}  // namespace l402::gateway::proxy_test
