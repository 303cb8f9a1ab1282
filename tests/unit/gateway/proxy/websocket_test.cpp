// WebSocket upgrades through the ProxyServer over real loopback sockets: a Beast WebSocket
// echo server as the upstream and Beast WebSocket clients (plain and TLS), plus raw sockets
// where the bytes around the 101 matter. Messages both ways, closes from either side, the
// idle timeout, refused and unasked upgrades, handler replies to upgrades, and drain.
#include <gtest/gtest.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <fstream>
#include <future>
#include <regex>

#include "proxy_test_support.hpp"
#include "temp_dir.hpp"

namespace l402::gateway::proxy_test {
namespace {

namespace websocket = beast::websocket;
using WebSocket = websocket::stream<tcp::socket>;

// The text a client sends to make the echo upstream start the close handshake.
constexpr std::string_view kCloseRequest = "please close";
// A valid Sec-WebSocket-Key (RFC 6455 §1.3's example) for hand-written handshakes.
constexpr std::string_view kUpgradeFields =
    "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";

// A WebSocket echo server on 127.0.0.1:<ephemeral>: one thread per connection, every message
// echoed back as received (text or binary); kCloseRequest makes it close (code 1000).
class EchoUpstream {
 public:
  EchoUpstream() : acceptor_(ioc_) {
    acceptor_.open(tcp::v4());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(tcp::endpoint(net::ip::address_v4::loopback(), 0));
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { accept_loop(); });
  }
  ~EchoUpstream() { stop(); }

  void stop() {
    if (stopped_.exchange(true)) return;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    accept_thread_.join();
    {
      const std::lock_guard<std::mutex> lock(mu_);
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (std::thread& thread : threads_) thread.join();
  }

  std::uint16_t port() const { return port_; }
  int handshakes() const { return handshakes_.load(); }
  // Sessions ended by a close frame from the client, and sessions ended in any way.
  int closed_by_client() const { return closed_by_client_.load(); }
  int ended() const { return ended_.load(); }

  // Waits (bounded) until `count` sessions have ended.
  bool wait_ended(int count) const {
    for (int i = 0; i < 1000 && ended_.load() < count; ++i) std::this_thread::sleep_for(10ms);
    return ended_.load() >= count;
  }

 private:
  void accept_loop() {
    while (!stopped_.load()) {
      beast::error_code ec;
      tcp::socket socket(ioc_);
      acceptor_.accept(socket, ec);
      if (ec) return;
      set_receive_timeout(socket.native_handle(), std::chrono::milliseconds(kIoTimeout));
      const std::lock_guard<std::mutex> lock(mu_);
      open_fds_.push_back(socket.native_handle());
      threads_.emplace_back([this, s = std::make_shared<tcp::socket>(std::move(socket))]() mutable {
        serve(std::move(*s));
      });
    }
  }

  void serve(tcp::socket socket) {
    WebSocket ws(std::move(socket));
    beast::error_code ec;
    ws.accept(ec);
    if (!ec) {
      handshakes_.fetch_add(1);
      for (;;) {
        beast::flat_buffer message;
        ws.read(message, ec);
        if (ec == websocket::error::closed) closed_by_client_.fetch_add(1);
        if (ec) break;
        if (beast::buffers_to_string(message.data()) == kCloseRequest) {
          ws.close(websocket::close_code::normal, ec);
          break;
        }
        ws.text(ws.got_text());
        ws.write(message.data(), ec);
        if (ec) break;
      }
    }
    ended_.fetch_add(1);
  }

  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
  std::atomic<int> handshakes_{0};
  std::atomic<int> closed_by_client_{0};
  std::atomic<int> ended_{0};
  std::thread accept_thread_;
  std::mutex mu_;
  std::vector<int> open_fds_;
  std::vector<std::thread> threads_;
};

// A WebSocket client connected through the proxy, with a receive timeout.
struct Client {
  explicit Client(std::uint16_t port, std::string target = "/ws") : ws(ioc) {
    ws.next_layer().connect(tcp::endpoint(net::ip::address_v4::loopback(), port), error);
    if (error) return;
    set_receive_timeout(ws.next_layer().native_handle(), kIoTimeout);
    ws.read_message_max(8 * 1024 * 1024);
    ws.handshake(response, "proxy.test", target, error);
  }

  // Sends `message` and returns the answer ("" and `error` set on failure).
  std::string echo(std::string_view message, bool binary = false) {
    ws.binary(binary);
    ws.write(net::buffer(message), error);
    if (error) return {};
    beast::flat_buffer answer;
    ws.read(answer, error);
    if (error) return {};
    return beast::buffers_to_string(answer.data());
  }

  net::io_context ioc;
  WebSocket ws;
  websocket::response_type response;
  beast::error_code error;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The access log's line for the upgraded request, waited for (bounded): it is written when
// the tunnel ends.
std::string wait_for_upgrade_log_line(const std::string& path) {
  for (int i = 0; i < 500; ++i) {
    std::istringstream lines(read_file(path));
    for (std::string line; std::getline(lines, line);) {
      if (line.find("status=101") != std::string::npos) return line;
    }
    std::this_thread::sleep_for(10ms);
  }
  return {};
}

std::uint64_t logged_number(const std::string& line, const std::string& key) {
  std::smatch match;
  if (!std::regex_search(line, match, std::regex(key + "=([0-9]+)"))) return 0;
  return std::stoull(match[1].str());
}

// Reads from `client` until `size` bytes beyond its buffered response are there (bounded by
// the receive timeout).
std::string read_exactly(TestClient& client, std::size_t size) {
  beast::flat_buffer& buffer = client.buffer();
  beast::error_code ec;
  while (buffer.size() < size && !ec) {
    const std::size_t n = client.socket().read_some(buffer.prepare(size - buffer.size()), ec);
    buffer.commit(n);
  }
  std::string out = beast::buffers_to_string(buffer.data()).substr(0, size);
  buffer.consume(out.size());
  return out;
}

// A masked client text frame (RFC 6455 §5.2) of a short payload.
std::string masked_text_frame(std::string_view payload) {
  const std::array<unsigned char, 4> mask{0x12, 0x34, 0x56, 0x78};
  std::string frame;
  frame += static_cast<char>(0x81);
  frame += static_cast<char>(0x80 | payload.size());
  for (unsigned char byte : mask) frame += static_cast<char>(byte);
  for (std::size_t i = 0; i < payload.size(); ++i) {
    frame += static_cast<char>(static_cast<unsigned char>(payload[i]) ^ mask[i % 4]);
  }
  return frame;
}

std::string upgrade_request(std::string_view target) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: proxy.test\r\n" +
         std::string(kUpgradeFields) + "\r\n";
}

TEST(ProxyWebSocket, RelaysTextAndBinaryMessagesBothWaysThenTheClientsClose) {
  test::TempDir dir;
  const std::string log_path = dir.file("access.log");
  const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  EchoUpstream upstream;
  TestHandler handler([&](const RequestHead& head) { return forward_to(upstream.port(), head); });
  RunningProxy proxy(handler, test_listener(), {}, fd);
  ASSERT_TRUE(proxy.server) << proxy.error;

  Client client(proxy.port());
  ASSERT_FALSE(client.error) << client.error.message();
  EXPECT_EQ(client.response.result_int(), 101);
  EXPECT_EQ(client.echo("hello"), "hello");
  EXPECT_TRUE(client.ws.got_text());
  const std::string binary("\x00\x01\xff\r\n\x7f", 6);
  EXPECT_EQ(client.echo(binary, /*binary=*/true), binary);
  EXPECT_TRUE(client.ws.got_binary());
  const std::string large = pattern_bytes(1024 * 1024, 11);
  const std::string echoed = client.echo(large, /*binary=*/true);
  ASSERT_FALSE(client.error) << client.error.message();
  EXPECT_EQ(echoed.size(), large.size());
  EXPECT_EQ(sha256_hex(echoed), sha256_hex(large));
  for (int i = 0; i < 20; ++i) {
    const std::string text = "message " + std::to_string(i);
    EXPECT_EQ(client.echo(text), text);
  }

  client.ws.close(websocket::close_code::normal, client.error);
  EXPECT_FALSE(client.error) << client.error.message();
  ASSERT_TRUE(upstream.wait_ended(1));
  EXPECT_EQ(upstream.closed_by_client(), 1);

  const std::string line = wait_for_upgrade_log_line(log_path);
  ASSERT_FALSE(line.empty()) << read_file(log_path);
  EXPECT_GT(logged_number(line, "bytes_in"), large.size()) << line;
  EXPECT_GT(logged_number(line, "bytes_out"), large.size()) << line;
  EXPECT_NE(proxy.metrics.render().find("outcome=\"free\"} 1"), std::string::npos)
      << proxy.metrics.render();
  EXPECT_EQ(upstream.handshakes(), 1);
  proxy.server->drain(1s);
  ::close(fd);
}

TEST(ProxyWebSocket, PassesTheUpstreamsCloseToTheClient) {
  EchoUpstream upstream;
  TestHandler handler([&](const RequestHead& head) { return forward_to(upstream.port(), head); });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  Client client(proxy.port());
  ASSERT_FALSE(client.error) << client.error.message();
  client.echo(kCloseRequest);
  EXPECT_EQ(client.error, websocket::error::closed) << client.error.message();
  EXPECT_EQ(client.ws.reason().code, websocket::close_code::normal);
  EXPECT_TRUE(upstream.wait_ended(1));
}

TEST(ProxyWebSocket, ClosesAnUpgradedConnectionIdleForTheUpgradeIdleTimeout) {
  EchoUpstream upstream;
  TestHandler handler([&](const RequestHead& head) { return forward_to(upstream.port(), head); });
  ListenerConfig listener = test_listener();
  listener.upgrade_idle_timeout = 400ms;
  listener.idle_timeout = 100ms;  // not the deadline of an upgraded connection
  listener.body_timeout = 100ms;
  RunningProxy proxy(handler, listener);
  ASSERT_TRUE(proxy.server) << proxy.error;

  Client client(proxy.port());
  ASSERT_FALSE(client.error) << client.error.message();
  // Traffic every 100 ms keeps it open well past the timeout.
  for (int i = 0; i < 12; ++i) {
    std::this_thread::sleep_for(100ms);
    ASSERT_EQ(client.echo("tick"), "tick") << i << ": " << client.error.message();
  }
  // Silent from the last echo on.
  const auto silent_since = std::chrono::steady_clock::now();
  beast::flat_buffer buffer;
  client.ws.read(buffer, client.error);
  const auto waited = std::chrono::steady_clock::now() - silent_since;
  EXPECT_TRUE(client.error) << "read returned a message";
  EXPECT_NE(client.error, net::error::would_block) << "still open after the receive timeout";
  EXPECT_GE(waited, 350ms);
  EXPECT_LT(waited, 5s);
  EXPECT_TRUE(upstream.wait_ended(1));
}

TEST(ProxyWebSocket, RelaysBytesTheClientSentRightAfterItsRequestHead) {
  EchoUpstream upstream;
  TestHandler handler([&](const RequestHead& head) { return forward_to(upstream.port(), head); });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient client(proxy.port());
  ASSERT_TRUE(client.send_raw(upgrade_request("/early") + masked_text_frame("early")));
  http::response_parser<http::empty_body> parser;
  beast::error_code ec;
  http::read_header(client.socket(), client.buffer(), parser, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(parser.get().result_int(), 101);
  EXPECT_TRUE(beast::iequals(parser.get()[http::field::upgrade], "websocket"));
  EXPECT_TRUE(beast::iequals(parser.get()[http::field::connection], "upgrade"));
  EXPECT_EQ(parser.get()[http::field::sec_websocket_accept], "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  // The echo: an unmasked text frame of the same payload.
  EXPECT_EQ(read_exactly(client, 7), std::string("\x81\x05") + "early");
}

TEST(ProxyWebSocket, RelaysBytesTheUpstreamSentWithItsSwitchAndPassesHalfCloses) {
  TestUpstream upstream([](tcp::socket& socket, StringRequest&) {
    const std::string switched =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nX-Upstream: yes\r\n\r\n"
        "\x81\x07welcome";
    beast::error_code ec;
    net::write(socket, net::buffer(switched), ec);
    // Then a byte echo until the client has finished sending.
    std::array<char, 4096> bytes{};
    while (!ec) {
      const std::size_t n = socket.read_some(net::buffer(bytes), ec);
      if (n > 0) net::write(socket, net::buffer(bytes.data(), n), ec);
    }
    return false;  // the connection is shut down for sending, then closed
  });
  TestHandler handler([&](const RequestHead& head) { return forward_to(upstream.port(), head); });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient client(proxy.port());
  StringRequest request = get("/raw");
  request.set(http::field::connection, "keep-alive, Upgrade");
  request.set(http::field::upgrade, "websocket");
  request.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  request.set(http::field::sec_websocket_version, "13");
  request.prepare_payload();
  beast::error_code ec;
  http::write(client.socket(), request, ec);
  ASSERT_FALSE(ec) << ec.message();
  http::response_parser<http::empty_body> parser;
  http::read_header(client.socket(), client.buffer(), parser, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(parser.get().result_int(), 101);
  EXPECT_EQ(parser.get()["X-Upstream"], "yes");
  EXPECT_TRUE(beast::iequals(parser.get()[http::field::upgrade], "websocket"));
  EXPECT_EQ(read_exactly(client, 9), "\x81\x07welcome");

  const std::string payload = pattern_bytes(300 * 1024, 5);
  ASSERT_TRUE(client.send_raw(payload));
  EXPECT_EQ(sha256_hex(read_exactly(client, payload.size())), sha256_hex(payload));
  // The client's end of sending reaches the upstream, which ends too.
  client.socket().shutdown(tcp::socket::shutdown_send, ec);
  EXPECT_TRUE(client.closed_by_peer());

  const std::vector<StringRequest> seen = upstream.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0][http::field::connection], "Upgrade");
  EXPECT_EQ(seen[0][http::field::upgrade], "websocket");
  EXPECT_EQ(seen[0][http::field::sec_websocket_key], "dGhlIHNhbXBsZSBub25jZQ==");
  EXPECT_EQ(seen[0][http::field::sec_websocket_version], "13");
}

TEST(ProxyWebSocket, RelaysARefusedUpgradeAndDoesNotReuseThatUpstreamConnection) {
  TestUpstream upstream([](tcp::socket& socket, StringRequest& request) {
    if (request[http::field::upgrade] == "websocket") {
      return respond(socket, request, 403, "no websocket here");
    }
    return respond(socket, request, 200, "plain");
  });
  TestHandler handler([&](const RequestHead& head) { return forward_to(upstream.port(), head); });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient client(proxy.port());
  ASSERT_TRUE(client.send_raw(upgrade_request("/refused")));
  const StringResponse refused = client.read_response();
  EXPECT_EQ(refused.result_int(), 403);
  EXPECT_EQ(refused.body(), "no websocket here");
  EXPECT_EQ(refused.find(http::field::upgrade), refused.end());

  const StringResponse plain = client.exchange(get("/after"));
  EXPECT_EQ(plain.result_int(), 200);
  EXPECT_EQ(plain.body(), "plain");
  EXPECT_EQ(upstream.accepts(), 2);
}

TEST(ProxyWebSocket, StripsUpgradesToOtherProtocols) {
  TestUpstream upstream([](tcp::socket& socket, StringRequest& request) {
    return respond(socket, request, 200, "http/1.1 it is");
  });
  TestHandler handler([&](const RequestHead& head) { return forward_to(upstream.port(), head); });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient client(proxy.port());
  ASSERT_TRUE(
      client.send_raw("GET /h2c HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                      "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n"));
  const StringResponse response = client.read_response();
  EXPECT_EQ(response.result_int(), 200);
  const std::vector<StringRequest> seen = upstream.requests();
  ASSERT_EQ(seen.size(), 1u);
  for (const char* absent : {"Upgrade", "HTTP2-Settings", "Connection"}) {
    EXPECT_EQ(seen[0].find(absent), seen[0].end()) << absent;
  }
  // A WebSocket upgrade with a body (or over HTTP/1.0) is no upgrade either.
  ASSERT_TRUE(client.send_raw("POST /ws HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n" +
                              std::string(kUpgradeFields) + "\r\nhi"));
  EXPECT_EQ(client.read_response().result_int(), 200);
  const std::vector<StringRequest> both = upstream.requests();
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[1].find("Upgrade"), both[1].end());
}

TEST(ProxyWebSocket, WritesTheHandlersReplyToAnUpgradeAndServesTheNextRequest) {
  TestUpstream upstream([](tcp::socket& socket, StringRequest& request) {
    return respond(socket, request, 200, std::string(request.target()));
  });
  TestHandler handler([&](const RequestHead& head) {
    if (head.target == "/ws") {
      Decision decision;
      decision.action = Reply{
          402, {{"WWW-Authenticate", "L402 macaroon=\"m\", invoice=\"i\""}}, "payment required\n"};
      decision.outcome.outcome = "challenged";
      return decision;
    }
    return forward_to(upstream.port(), head);
  });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  // (Beast 1.74's client keeps the declining response to itself.)
  Client refused(proxy.port(), "/ws");
  EXPECT_EQ(refused.error, websocket::error::upgrade_declined) << refused.error.message();

  TestClient client(proxy.port());
  ASSERT_TRUE(client.send_raw(upgrade_request("/ws")));
  const StringResponse challenge = client.read_response();
  EXPECT_EQ(challenge.result_int(), 402);
  EXPECT_FALSE(challenge[http::field::www_authenticate].empty());
  EXPECT_EQ(challenge.find(http::field::upgrade), challenge.end());
  const StringResponse next = client.exchange(get("/next"));
  EXPECT_EQ(next.result_int(), 200);
  EXPECT_EQ(next.body(), "/next");
  EXPECT_EQ(upstream.requests().size(), 1u);
}

TEST(ProxyWebSocket, Answers502WhenTheUpstreamSwitchesProtocolsUnasked) {
  TestUpstream upstream([](tcp::socket& socket, StringRequest&) {
    const std::string_view switched =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
    beast::error_code ec;
    net::write(socket, net::buffer(switched), ec);
    return false;
  });
  TestHandler handler([&](const RequestHead& head) { return forward_to(upstream.port(), head); });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient client(proxy.port());
  EXPECT_EQ(client.exchange(get("/plain")).result_int(), 502);
}

TEST(ProxyWebSocket, DrainLetsAnUpgradedConnectionRunUntilTheTimeoutThenCutsIt) {
  EchoUpstream upstream;
  TestHandler handler([&](const RequestHead& head) { return forward_to(upstream.port(), head); });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  Client client(proxy.port());
  ASSERT_FALSE(client.error) << client.error.message();
  const auto started = std::chrono::steady_clock::now();
  std::future<std::size_t> drained =
      std::async(std::launch::async, [&] { return proxy.server->drain(1500ms); });
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(client.echo("still here"), "still here") << client.error.message();
  ASSERT_EQ(drained.wait_for(kIoTimeout), std::future_status::ready);
  EXPECT_EQ(drained.get(), 1u);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1400ms);
  beast::flat_buffer buffer;
  client.ws.read(buffer, client.error);
  EXPECT_TRUE(client.error);
  EXPECT_NE(client.error, net::error::would_block);
  EXPECT_TRUE(upstream.wait_ended(1));
}

TEST(ProxyWebSocket, RelaysMessagesOverATlsListener) {
  test::TempDir dir;
  EchoUpstream upstream;
  TestHandler handler([&](const RequestHead& head) { return forward_to(upstream.port(), head); });
  ListenerConfig listener = test_listener();
  listener.tls.enabled = true;
  listener.tls.self_signed = true;
  RunningProxy proxy(handler, listener, dir.path());
  ASSERT_TRUE(proxy.server) << proxy.error;

  net::io_context ioc;
  net::ssl::context context(net::ssl::context::tls_client);
  context.load_verify_file(proxy.server->self_signed_cert_path().string());
  context.set_verify_mode(net::ssl::verify_peer);
  websocket::stream<beast::ssl_stream<tcp::socket>> ws(ioc, context);
  beast::get_lowest_layer(ws).connect(tcp::endpoint(net::ip::address_v4::loopback(), proxy.port()));
  set_receive_timeout(beast::get_lowest_layer(ws).native_handle(), kIoTimeout);
  beast::error_code ec;
  ws.next_layer().handshake(net::ssl::stream_base::client, ec);
  ASSERT_FALSE(ec) << ec.message();
  ws.handshake("proxy.test", "/wss", ec);
  ASSERT_FALSE(ec) << ec.message();
  const std::string large = pattern_bytes(1024 * 1024, 13);
  for (const std::string& message : {std::string("over tls"), large}) {
    ws.binary(message.size() > 100);
    ws.write(net::buffer(message), ec);
    ASSERT_FALSE(ec) << ec.message();
    beast::flat_buffer answer;
    ws.read(answer, ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(sha256_hex(beast::buffers_to_string(answer.data())), sha256_hex(message));
  }
  ws.close(websocket::close_code::normal, ec);
  EXPECT_TRUE(upstream.wait_ended(1));
  EXPECT_EQ(upstream.closed_by_client(), 1);
}

}  // namespace
}  // namespace l402::gateway::proxy_test
