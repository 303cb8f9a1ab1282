// WebSocket through l402d: an unpaid upgrade gets the 402 challenge; the client pays it on the
// gateway's devnet and upgrades again with the credential, and the demo upstream's /ws/echo
// answers messages through the gateway; a wrong preimage on an upgrade gets 401. The client
// is Beast's WebSocket client, so the handshake is checked as a WebSocket client checks it.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "gateway_fixture.hpp"
#include "l402/encoding.hpp"
#include "l402/token_header.hpp"
#include "lightning_test_helpers.hpp"

namespace l402::test {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

using WebSocketTest = GatewayTest;

constexpr std::string_view kEchoPath = "/api/ws/echo";  // the demo service: 1 sat

// Bounds every blocking read and write on `socket`, so that no test can hang.
void set_timeouts(tcp::socket& socket) {
  const timeval limit{10, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
}

// A WebSocket client's handshake with the gateway, through Beast's client: `error` says how it
// ended (Beast 1.74 keeps a declining response to itself; see handshake_by_hand).
struct Upgrade {
  Upgrade(std::uint16_t port, const std::string& authorization) : ws(ioc) {
    ws.next_layer().connect(tcp::endpoint(net::ip::address_v4::loopback(), port), error);
    if (error) return;
    set_timeouts(ws.next_layer());
    ws.set_option(websocket::stream_base::decorator([authorization](websocket::request_type& r) {
      if (!authorization.empty()) r.set(http::field::authorization, authorization);
    }));
    ws.handshake(response, "127.0.0.1:" + std::to_string(port), std::string(kEchoPath), error);
  }

  // Sends `message` and reads the answer ("" and `error` set on failure).
  std::string echo(const std::string& message, bool binary) {
    ws.binary(binary);
    ws.write(net::buffer(message), error);
    if (error) return {};
    beast::flat_buffer answer;
    ws.read(answer, error);
    if (error) return {};
    return beast::buffers_to_string(answer.data());
  }

  net::io_context ioc;
  websocket::stream<tcp::socket> ws;
  websocket::response_type response;
  beast::error_code error;
};

// The same handshake written by hand, its answer read as HTTP (status 0 when none came).
http::response<http::string_body> handshake_by_hand(std::uint16_t port,
                                                    const std::string& authorization) {
  net::io_context ioc;
  tcp::socket socket(ioc);
  beast::error_code ec;
  socket.connect(tcp::endpoint(net::ip::address_v4::loopback(), port), ec);
  if (ec) return {};
  set_timeouts(socket);
  http::request<http::empty_body> request(http::verb::get, std::string(kEchoPath), 11);
  request.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  request.set(http::field::connection, "Upgrade");
  request.set(http::field::upgrade, "websocket");
  request.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  request.set(http::field::sec_websocket_version, "13");
  if (!authorization.empty()) request.set(http::field::authorization, authorization);
  http::write(socket, request, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  if (!ec) http::read(socket, buffer, response, ec);
  if (ec) response.result(0);
  return response;
}

std::vector<std::string> challenges_of(const http::response<http::string_body>& response) {
  std::vector<std::string> values;
  for (const auto& field : response) {
    if (field.name() == http::field::www_authenticate) values.emplace_back(field.value());
  }
  return values;
}

// Pays the L402 challenge of a declined upgrade; returns the Authorization value.
Result<std::string> pay_challenge(const http::response<http::string_body>& declined,
                                  Backend& payer) {
  const std::vector<std::string> values = challenges_of(declined);
  const std::vector<std::string_view> views(values.begin(), values.end());
  L402_ASSIGN_OR_RETURN(const std::vector<Challenge> parsed, parse_challenges(views));
  // Only L402 and LSAT challenges are parsed; both lines carry the same invoice.
  if (parsed.empty()) return Error(ErrorCode::kNotFound, "no L402 challenge in the 402");
  const PayOutcome paid = payer.pay(pay_request(parsed.front().invoice, Msat(100'000)));
  if (!paid.ok()) return paid.to_error();
  return "L402 " + parsed.front().macaroon_base64 + ":" + hex::encode(paid.payment().preimage);
}

TEST_F(WebSocketTest, UnpaidUpgradeGetsThe402Challenge) {
  const http::response<http::string_body> unpaid = handshake_by_hand(gateway().port(), "");
  EXPECT_EQ(unpaid.result_int(), 402) << unpaid.body();
  EXPECT_EQ(unpaid.find(http::field::upgrade), unpaid.end());
  const std::vector<std::string> challenges = challenges_of(unpaid);
  ASSERT_FALSE(challenges.empty());
  EXPECT_NE(challenges.back().find("invoice="), std::string::npos) << challenges.back();
  // A WebSocket client sees the upgrade declined.
  const Upgrade client(gateway().port(), "");
  EXPECT_EQ(client.error, websocket::error::upgrade_declined) << client.error.message();
}

TEST_F(WebSocketTest, PaidUpgradeRelaysMessagesBothWaysUntilTheClientCloses) {
  const http::response<http::string_body> unpaid = handshake_by_hand(gateway().port(), "");
  ASSERT_EQ(unpaid.result_int(), 402) << unpaid.body();
  ASSERT_OK_AND_ASSIGN(const std::string authorization, pay_challenge(unpaid, *payer_));

  Upgrade paid(gateway().port(), authorization);
  ASSERT_FALSE(paid.error) << paid.error.message();
  EXPECT_EQ(paid.response.result_int(), 101);
  EXPECT_EQ(paid.echo("hello through l402d", /*binary=*/false), "hello through l402d");
  EXPECT_TRUE(paid.ws.got_text());
  std::string binary(256 * 1024, '\0');
  for (std::size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>(i * 7 + 3);
  EXPECT_EQ(paid.echo(binary, /*binary=*/true), binary) << paid.error.message();
  EXPECT_TRUE(paid.ws.got_binary());
  for (int i = 0; i < 10; ++i) {
    const std::string text = "message " + std::to_string(i);
    EXPECT_EQ(paid.echo(text, /*binary=*/false), text);
  }
  paid.ws.close(websocket::close_code::normal, paid.error);
  EXPECT_FALSE(paid.error) << paid.error.message();

  // The same credential upgrades again.
  Upgrade again(gateway().port(), authorization);
  ASSERT_FALSE(again.error) << again.error.message();
  EXPECT_EQ(again.echo("again", /*binary=*/false), "again");
}

TEST_F(WebSocketTest, WrongPreimageOnUpgradeIs401) {
  const http::response<http::string_body> unpaid = handshake_by_hand(gateway().port(), "");
  ASSERT_EQ(unpaid.result_int(), 402) << unpaid.body();
  ASSERT_OK_AND_ASSIGN(const std::string authorization, pay_challenge(unpaid, *payer_));
  std::string wrong = authorization;
  wrong.back() = wrong.back() == '0' ? '1' : '0';

  const http::response<http::string_body> refused = handshake_by_hand(gateway().port(), wrong);
  EXPECT_EQ(refused.result_int(), 401) << refused.body();
  const Upgrade client(gateway().port(), wrong);
  EXPECT_EQ(client.error, websocket::error::upgrade_declined) << client.error.message();
}

}  // namespace
}  // namespace l402::test
