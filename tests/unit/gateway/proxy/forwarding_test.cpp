// ProxyServer forwarding over real loopback sockets: header edits, keep-alive reuse, streamed
// bodies in both directions, chunked and event-stream relaying, replies, TLS listeners and
// handlers that answer from another thread.
#include <gtest/gtest.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <fstream>
#include <future>

#include "proxy_test_support.hpp"
#include "temp_dir.hpp"

namespace l402::gateway::proxy_test {
namespace {

std::string field_or_empty(const StringRequest& request, std::string_view name) {
  const auto it = request.find(beast::string_view(name.data(), name.size()));
  return it == request.end() ? std::string() : std::string(it->value());
}

TEST(ProxyForwarding, AppliesHeaderEditsAndRemovesHopByHopFields) {
  TestUpstream upstream([](tcp::socket& socket, StringRequest& request) {
    return respond(socket, request, 200, "hello",
                   {{"Connection", "X-Up-Hop"},
                    {"X-Up-Hop", "1"},
                    {"Keep-Alive", "timeout=5"},
                    {"X-Up", "kept"}});
  });
  TestHandler handler([&](const RequestHead& head) {
    Decision decision = forward_to(upstream.port(), head);
    auto& plan = std::get<ForwardPlan>(decision.action);
    plan.target = "/rewritten?q=1";
    plan.remove_fields = {"X-Remove-Me"};
    plan.set_fields.push_back({"X-Set", "one"});
    plan.set_fields.push_back({"X-Set", "two"});
    plan.set_fields.push_back({"X-Replace", "new"});
    return decision;
  });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient client(proxy.port());
  ASSERT_TRUE(client.connected());
  StringRequest request = get("/original?q=1");
  request.set("Connection", "keep-alive, X-Client-Hop");
  request.set("X-Client-Hop", "1");
  request.set("Keep-Alive", "timeout=5");
  request.set("TE", "trailers");
  request.set("X-Remove-Me", "1");
  request.set("X-Replace", "old");
  request.set("X-Kept", "yes");
  const StringResponse response = client.exchange(request);

  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "hello");
  EXPECT_EQ(response["X-Up"], "kept");
  EXPECT_EQ(response.find("X-Up-Hop"), response.end());
  EXPECT_EQ(response.find("Keep-Alive"), response.end());

  const std::vector<StringRequest> seen = upstream.requests();
  ASSERT_EQ(seen.size(), 1u);
  const StringRequest& forwarded = seen[0];
  EXPECT_EQ(forwarded.target(), "/rewritten?q=1");
  EXPECT_EQ(field_or_empty(forwarded, "Host"), "127.0.0.1:" + std::to_string(upstream.port()));
  EXPECT_EQ(field_or_empty(forwarded, "X-Kept"), "yes");
  EXPECT_EQ(field_or_empty(forwarded, "X-Replace"), "new");
  EXPECT_EQ(forwarded.count("X-Set"), 2u);
  for (const char* absent : {"X-Client-Hop", "Keep-Alive", "TE", "X-Remove-Me"}) {
    EXPECT_EQ(forwarded.find(absent), forwarded.end()) << absent;
  }
  ASSERT_EQ(handler.heads().size(), 1u);
  EXPECT_EQ(handler.heads()[0].target, "/original?q=1");
  EXPECT_EQ(handler.heads()[0].host, "proxy.test");
  EXPECT_EQ(handler.heads()[0].peer_address, "127.0.0.1");
}

TEST(ProxyForwarding, ReusesClientAndUpstreamConnections) {
  TestUpstream upstream([](tcp::socket& socket, StringRequest& request) {
    return respond(socket, request, 200, std::string(request.target()));
  });
  TestHandler handler([&](const RequestHead& head) { return forward_to(upstream.port(), head); });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient client(proxy.port());
  for (int i = 0; i < 5; ++i) {
    const std::string target = "/r" + std::to_string(i);
    const StringResponse response = client.exchange(get(target));
    ASSERT_EQ(response.result_int(), 200);
    EXPECT_EQ(response.body(), target);
  }
  EXPECT_EQ(upstream.accepts(), 1);
  EXPECT_EQ(handler.heads().size(), 5u);
}

TEST(ProxyForwarding, StreamsLargeBodiesBothWaysIntact) {
  const std::string download = pattern_bytes(50 * 1024 * 1024, 7);
  const std::string download_sum = sha256_hex(download);
  TestUpstream upstream([&](tcp::socket& socket, StringRequest& request) {
    if (request.method() == http::verb::post) {
      return respond(socket, request, 200, sha256_hex(request.body()));
    }
    return respond(socket, request, 200, download);
  });
  TestHandler handler([&](const RequestHead& head) { return forward_to(upstream.port(), head); });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient client(proxy.port());
  const std::string upload = pattern_bytes(20 * 1024 * 1024, 3);
  StringRequest post(http::verb::post, "/upload", 11);
  post.body() = upload;
  const StringResponse uploaded = client.exchange(post);
  ASSERT_EQ(uploaded.result_int(), 200);
  EXPECT_EQ(uploaded.body(), sha256_hex(upload));

  const StringResponse downloaded = client.exchange(get("/download"));
  ASSERT_EQ(downloaded.result_int(), 200);
  EXPECT_EQ(downloaded.body().size(), download.size());
  EXPECT_EQ(sha256_hex(downloaded.body()), download_sum);
}

TEST(ProxyForwarding, RelaysChunkedRequestAndChunkedResponse) {
  TestUpstream upstream([](tcp::socket& socket, StringRequest& request) {
    return respond_raw(socket, request,
                       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "5\r\nfirst\r\n6\r\nsecond\r\n0\r\n\r\n");
  });
  TestHandler handler([&](const RequestHead& head) { return forward_to(upstream.port(), head); });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient client(proxy.port());
  ASSERT_TRUE(
      client.send_raw("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"));
  const StringResponse response = client.read_response();
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_TRUE(response.chunked());
  EXPECT_EQ(response.body(), "firstsecond");

  const std::vector<StringRequest> seen = upstream.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].chunked());
  EXPECT_EQ(seen[0].body(), "abcdefg");
  ASSERT_EQ(handler.heads().size(), 1u);
  EXPECT_TRUE(handler.heads()[0].has_body);
}

TEST(ProxyForwarding, RelaysTheTrailerFieldsOfChunkedBodiesBothWays) {
  TestUpstream upstream([](tcp::socket& socket, StringRequest& request) {
    return respond_raw(
        socket, request,
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"
        "4\r\nbody\r\n0\r\nX-Checksum: c1\r\nKeep-Alive: timeout=5\r\n"
        "Trailer: X-Other\r\n\r\n");
  });
  TestHandler handler([&](const RequestHead& head) { return forward_to(upstream.port(), head); });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient client(proxy.port());
  ASSERT_TRUE(
      client.send_raw("POST /t HTTP/1.1\r\nHost: x\r\nTrailer: X-Digest\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n"
                      "3\r\nabc\r\n0\r\nX-Digest: d1\r\nHost: elsewhere\r\n\r\n"));
  const StringResponse response = client.read_response();
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "body");
  EXPECT_EQ(response["X-Checksum"], "c1");
  EXPECT_EQ(response.count("Keep-Alive"), 0u);  // hop-by-hop: not passed on
  // The head's announcement goes on with the trailer section; one inside it does not.
  EXPECT_EQ(response["Trailer"], "X-Checksum");
  EXPECT_EQ(response.count("Trailer"), 1u);

  const std::vector<StringRequest> seen = upstream.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].body(), "abc");
  EXPECT_EQ(seen[0]["X-Digest"], "d1");
  EXPECT_EQ(seen[0]["Trailer"], "X-Digest");
  EXPECT_EQ(seen[0].count("Host"), 1u);  // the head's own, not the trailer's
  // The connection still carries a next exchange.
  EXPECT_EQ(client.exchange(get("/after")).result_int(), 200);
}

TEST(ProxyForwarding, AnnouncesTrailerFieldsOnlyWhereTheyCanFollow) {
  TestUpstream upstream([](tcp::socket& socket, StringRequest& request) {
    return respond_raw(
        socket, request,
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"
        "4\r\nbody\r\n0\r\nX-Checksum: c1\r\n\r\n");
  });
  TestHandler handler([&](const RequestHead& head) { return forward_to(upstream.port(), head); });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  // A body with a length carries no trailer fields upstream.
  TestClient sender(proxy.port());
  ASSERT_TRUE(sender.send_raw(
      "POST /t HTTP/1.1\r\nHost: x\r\nTrailer: X-Digest\r\nContent-Length: 3\r\n\r\nabc"));
  EXPECT_EQ(sender.read_response().result_int(), 200);
  const std::vector<StringRequest> seen = upstream.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].body(), "abc");
  EXPECT_EQ(seen[0].count("Trailer"), 0u);

  // An HTTP/1.0 client's response ends with the connection: no trailer section.
  TestClient old_client(proxy.port());
  ASSERT_TRUE(old_client.send_raw("GET /t HTTP/1.0\r\nHost: x\r\n\r\n"));
  const StringResponse response = old_client.read_response();
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "body");
  EXPECT_EQ(response.count("Trailer"), 0u);
  EXPECT_EQ(response.count("X-Checksum"), 0u);
}

TEST(ProxyForwarding, DeliversEventStreamEventByEvent) {
  std::promise<void> first_event_seen;
  std::future<void> first_seen = first_event_seen.get_future();
  TestUpstream upstream([&](tcp::socket& socket, StringRequest&) {
    beast::error_code ec;
    // A close-delimited event stream, as many SSE servers send it.
    net::write(socket,
               net::buffer(std::string("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                       "Connection: close\r\n\r\ndata: one\n\n")),
               ec);
    // Holds the stream open until the client has the first event (bounded).
    first_seen.wait_for(kIoTimeout);
    net::write(socket, net::buffer(std::string("data: two\n\n")), ec);
    return false;
  });
  TestHandler handler([&](const RequestHead& head) { return forward_to(upstream.port(), head); });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient client(proxy.port());
  ASSERT_TRUE(client.send_raw("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  http::response_parser<http::buffer_body> parser;
  beast::error_code ec;
  http::read_header(client.socket(), client.buffer(), parser, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(parser.get().result_int(), 200);
  EXPECT_TRUE(parser.get().chunked());
  std::string received;
  char piece[256];
  while (received.find("data: one\n\n") == std::string::npos && !parser.is_done()) {
    parser.get().body().data = piece;
    parser.get().body().size = sizeof piece;
    http::read_some(client.socket(), client.buffer(), parser, ec);
    if (ec == http::error::need_buffer) ec = {};
    ASSERT_FALSE(ec) << ec.message();
    received.append(piece, sizeof piece - parser.get().body().size);
  }
  EXPECT_EQ(received, "data: one\n\n");  // and the upstream still holds "two" back
  first_event_seen.set_value();
  while (!parser.is_done()) {
    parser.get().body().data = piece;
    parser.get().body().size = sizeof piece;
    http::read_some(client.socket(), client.buffer(), parser, ec);
    if (ec == http::error::need_buffer) ec = {};
    ASSERT_FALSE(ec) << ec.message();
    received.append(piece, sizeof piece - parser.get().body().size);
  }
  EXPECT_EQ(received, "data: one\n\ndata: two\n\n");
}

TEST(ProxyForwarding, WritesReplyAsGiven) {
  TestHandler handler([](const RequestHead&) {
    Decision decision;
    Reply reply;
    reply.status = 402;
    reply.fields = {{"WWW-Authenticate", "LSAT macaroon=\"a\""},
                    {"WWW-Authenticate", "L402 macaroon=\"a\""},
                    {"Content-Type", "text/plain"}};
    reply.body = "payment required\n";
    decision.action = std::move(reply);
    decision.outcome.outcome = "challenged";
    return decision;
  });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient client(proxy.port());
  for (int i = 0; i < 2; ++i) {  // and the connection stays usable
    const StringResponse response = client.exchange(get("/paid"));
    EXPECT_EQ(response.result_int(), 402);
    EXPECT_EQ(response.count("WWW-Authenticate"), 2u);
    EXPECT_EQ(response[http::field::content_length], "17");
    EXPECT_EQ(response.body(), "payment required\n");
  }
  // HEAD: the same head, no body.
  StringRequest head(http::verb::head, "/paid", 11);
  head.set(http::field::host, "x");
  beast::error_code ec;
  http::write(client.socket(), head, ec);
  ASSERT_FALSE(ec);
  const StringResponse response = client.read_response(&ec, /*head_request=*/true);
  EXPECT_EQ(response.result_int(), 402);
  EXPECT_EQ(response[http::field::content_length], "17");
  EXPECT_EQ(proxy.metrics.open_connections(), 1);
}

TEST(ProxyForwarding, AcceptsDecisionsFromAnotherThread) {
  TestUpstream upstream([](tcp::socket& socket, StringRequest& request) {
    return respond(socket, request, 200, "late but fine");
  });
  TestHandler handler([&](const RequestHead& head) { return forward_to(upstream.port(), head); },
                      /*from_other_thread=*/true);
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient client(proxy.port());
  for (int i = 0; i < 3; ++i) {
    const StringResponse response = client.exchange(get("/x"));
    EXPECT_EQ(response.result_int(), 200);
    EXPECT_EQ(response.body(), "late but fine");
  }
}

TEST(ProxyForwarding, ServesTlsListenerWithSelfSignedCertificate) {
  test::TempDir dir;
  TestUpstream upstream([](tcp::socket& socket, StringRequest& request) {
    return respond(socket, request, 200, "over tls");
  });
  TestHandler handler([&](const RequestHead& head) {
    EXPECT_TRUE(head.tls);
    return forward_to(upstream.port(), head);
  });
  ListenerConfig listener = test_listener();
  listener.tls.enabled = true;
  listener.tls.self_signed = true;
  RunningProxy proxy(handler, listener, dir.path());
  ASSERT_TRUE(proxy.server) << proxy.error;
  const std::filesystem::path cert = proxy.server->self_signed_cert_path();
  ASSERT_TRUE(std::filesystem::exists(cert)) << cert;

  net::io_context ioc;
  net::ssl::context context(net::ssl::context::tls_client);
  context.load_verify_file(cert.string());
  context.set_verify_mode(net::ssl::verify_peer);
  beast::ssl_stream<tcp::socket> stream(ioc, context);
  stream.set_verify_callback(net::ssl::host_name_verification("127.0.0.1"));
  stream.next_layer().connect(tcp::endpoint(net::ip::address_v4::loopback(), proxy.port()));
  set_receive_timeout(stream.next_layer().native_handle(), kIoTimeout);
  beast::error_code ec;
  stream.handshake(net::ssl::stream_base::client, ec);
  ASSERT_FALSE(ec) << ec.message();
  StringRequest request = get("/secure");
  http::write(stream, request, ec);
  ASSERT_FALSE(ec) << ec.message();
  beast::flat_buffer buffer;
  StringResponse response;
  http::read(stream, buffer, response, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "over tls");
}

TEST(ProxyForwarding, ForwardsToHttpsUpstreamVerifyingItsCertificate) {
  // The upstream is a second proxy with a self-signed TLS listener that answers by itself.
  test::TempDir dir;
  TestHandler upstream_handler([](const RequestHead& head) {
    Decision decision;
    decision.action = Reply{200, {}, head.tls ? "tls upstream" : "plain?"};
    return decision;
  });
  ListenerConfig tls_listener = test_listener();
  tls_listener.tls.enabled = true;
  tls_listener.tls.self_signed = true;
  RunningProxy upstream(upstream_handler, tls_listener, dir.path());
  ASSERT_TRUE(upstream.server) << upstream.error;

  std::atomic<bool> trust_cert{true};
  TestHandler handler([&](const RequestHead& head) {
    Decision decision = forward_to(upstream.port(), head);
    auto& plan = std::get<ForwardPlan>(decision.action);
    plan.upstream.scheme = "https";
    // Either the generated certificate, or a CA file it does not chain to.
    plan.upstream.ca_file = trust_cert
                                ? upstream.server->self_signed_cert_path()
                                : std::filesystem::path("/etc/ssl/certs/ca-certificates.crt");
    return decision;
  });
  RunningProxy proxy(handler);
  ASSERT_TRUE(proxy.server) << proxy.error;

  TestClient client(proxy.port());
  const StringResponse response = client.exchange(get("/s"));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "tls upstream");

  trust_cert = false;
  TestClient other(proxy.port());
  const StringResponse refused = other.exchange(get("/s"));
  EXPECT_EQ(refused.result_int(), 502);
  EXPECT_NE(refused.body().find("TLS"), std::string::npos) << refused.body();
}

TEST(ProxyForwarding, WritesAccessLogWithoutQueryString) {
  test::TempDir dir;
  const std::string log_path = dir.file("access.log");
  const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  TestUpstream upstream([](tcp::socket& socket, StringRequest& request) {
    return respond(socket, request, 200, "ok");
  });
  TestHandler handler([&](const RequestHead& head) {
    Decision decision = forward_to(upstream.port(), head);
    decision.outcome.token_id = "abcd1234";
    return decision;
  });
  {
    RunningProxy proxy(handler, test_listener(), {}, fd);
    ASSERT_TRUE(proxy.server) << proxy.error;
    TestClient client(proxy.port());
    EXPECT_EQ(client.exchange(get("/logged?api_key=s3cret")).result_int(), 200);
  }
  ::close(fd);
  std::ifstream in(log_path);
  const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(log.find("request"), std::string::npos) << log;
  EXPECT_NE(log.find("/logged"), std::string::npos) << log;
  EXPECT_NE(log.find("abcd1234"), std::string::npos) << log;
  EXPECT_EQ(log.find("s3cret"), std::string::npos) << log;
}

TEST(ProxyForwarding, LogsTheDecidedRequestInPlaceOfTheOneOnTheWire) {
  test::TempDir dir;
  const std::string log_path = dir.file("access.log");
  const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  TestHandler handler([&](const RequestHead&) {
    Decision decision;
    decision.action = Reply{200, {}, ""};
    decision.outcome.outcome = "paid";
    decision.outcome.decided_method = "PUT";
    decision.outcome.decided_path = "/api/decided";
    return decision;
  });
  {
    RunningProxy proxy(handler, test_listener(), {}, fd);
    ASSERT_TRUE(proxy.server) << proxy.error;
    TestClient client(proxy.port());
    EXPECT_EQ(client.exchange(get("/auth")).result_int(), 200);
  }
  ::close(fd);
  std::ifstream in(log_path);
  const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(log.find("/api/decided"), std::string::npos) << log;
  EXPECT_NE(log.find("PUT"), std::string::npos) << log;
  EXPECT_EQ(log.find("/auth"), std::string::npos) << log;
}

}  // namespace
}  // namespace l402::gateway::proxy_test
