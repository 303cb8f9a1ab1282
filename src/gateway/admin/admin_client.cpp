// `l402d admin ...`: one request to a running gateway's admin API (see admin_server.hpp).
//
// Asynchronous Beast operations on a private io_context, so that the stream's deadline bounds
// connecting, sending and reading together; the call itself is synchronous.
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "gateway/admin/admin_server.hpp"
#include "gateway/admin/admin_target.hpp"

namespace l402::gateway {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr std::chrono::seconds kTimeout{10};
// The largest answer read (a long token list).
constexpr std::uint64_t kMaxAnswerBytes = 64 * 1024 * 1024;

struct Plan {
  http::verb method = http::verb::get;
  std::string target;
  std::string body;
};

Result<Plan> plan_for(const AdminCommand& command) {
  if (command.command == "info") return Plan{http::verb::get, "/api/info", ""};
  if (command.command == "services") return Plan{http::verb::get, "/api/services", ""};
  if (command.command == "stats") return Plan{http::verb::get, "/api/stats", ""};
  if (command.command == "rotate-keys") return Plan{http::verb::post, "/api/keys/rotate", ""};
  if (command.command == "tokens") {
    std::string target = "/api/tokens?limit=" + std::to_string(command.limit);
    if (!command.service.empty()) target += "&service=" + admin::percent_encode(command.service);
    return Plan{http::verb::get, std::move(target), ""};
  }
  if (command.command == "revoke") {
    if (!admin::parse_token_id(command.token_id)) {
      return Error(ErrorCode::kInvalidArgument, "revoke: a token ID is 64 hex digits");
    }
    std::string body;
    if (!command.reason.empty()) {
      body = nlohmann::json{{"reason", command.reason}}.dump(
          -1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    return Plan{http::verb::post, "/api/tokens/" + command.token_id + "/revoke", std::move(body)};
  }
  return Error(ErrorCode::kInvalidArgument,
               "unknown admin command \"" + command.command +
                   "\" (info, services, tokens, stats, revoke, rotate-keys)");
}

Result<net::ip::address> address_of(const std::string& host) {
  if (host == "localhost") return net::ip::address(net::ip::address_v4::loopback());
  std::string_view text = host;
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  beast::error_code ec;
  const net::ip::address address = net::ip::make_address(std::string(text), ec);
  if (ec) {
    return Error(ErrorCode::kInvalidArgument,
                 "admin host \"" + host + "\" is not an IP address or localhost");
  }
  return address;
}

}  // namespace

Result<AdminAnswer> run_admin_command(const AdminCommand& command) {
  L402_ASSIGN_OR_RETURN(const Plan plan, plan_for(command));
  L402_ASSIGN_OR_RETURN(const net::ip::address address, address_of(command.host));
  const tcp::endpoint endpoint(address, command.port);
  const std::string where =
      (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" +
      std::to_string(command.port);

  http::request<http::string_body> request{plan.method, plan.target, 11};
  request.set(http::field::host, where);
  request.set(http::field::user_agent, "l402d-admin");
  request.set(http::field::authorization, "Bearer " + command.credential);
  request.set(http::field::accept, "application/json");
  request.set(http::field::connection, "close");
  if (!plan.body.empty()) {
    request.set(http::field::content_type, "application/json");
    request.body() = plan.body;
  }
  request.prepare_payload();

  net::io_context io;
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxAnswerBytes);
  beast::error_code failure;
  std::string_view stage = "connect";

  stream.expires_after(kTimeout);  // one deadline for the whole exchange
  stream.async_connect(endpoint, [&](beast::error_code connected) {
    if (connected) {
      failure = connected;
      return;
    }
    stage = "send";
    http::async_write(stream, request, [&](beast::error_code sent, std::size_t) {
      if (sent) {
        failure = sent;
        return;
      }
      stage = "read";
      http::async_read(stream, buffer, parser,
                       [&](beast::error_code read, std::size_t) { failure = read; });
    });
  });
  try {
    io.run();
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternal, std::string("admin client: ") + e.what());
  }
  if (failure == beast::error::timeout) {
    return Error(ErrorCode::kUnavailable, "no answer from the admin API at " + where + " within " +
                                              std::to_string(kTimeout.count()) + " s (" +
                                              std::string(stage) + ")");
  }
  if (failure) {
    return Error(ErrorCode::kUnavailable, "cannot reach the admin API at " + where + " (" +
                                              std::string(stage) + "): " + failure.message());
  }
  http::response<http::string_body> response = parser.release();
  return AdminAnswer{static_cast<int>(response.result_int()), std::move(response.body())};
}

}  // namespace l402::gateway
