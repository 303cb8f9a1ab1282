#include "cln/json_rpc.hpp"

#include <array>
#include <string>
#include <utility>

namespace l402::cln {
namespace {

using nlohmann::json;

Error malformed(std::string_view what) {
  return Error(ErrorCode::kInternal, "cln: malformed response: " + std::string(what));
}

constexpr std::string_view kWhitespace = " \t\r\n";

}  // namespace

// ---- ReplyFramer ------------------------------------------------------------------------

Result<void> ReplyFramer::feed(std::string_view bytes) {
  buffer_.append(bytes);
  // Each reply counts against the limit on its own: the unterminated one, and every complete
  // one next() has yet to take (one read can hold several, and a later one can be too large).
  // The buffer starts at a reply, and holds no terminator before scanned_ - 1.
  std::size_t start = 0;
  for (std::size_t from = scanned_ > 0 ? scanned_ - 1 : 0;; from = start) {
    const std::size_t end = buffer_.find("\n\n", from);
    const std::size_t length = (end == std::string::npos ? buffer_.size() : end) - start;
    if (length > max_reply_bytes_) {
      return malformed("reply larger than " + std::to_string(max_reply_bytes_) + " bytes");
    }
    if (end == std::string::npos) return ok_result();
    start = end + 2;
  }
}

std::optional<std::string> ReplyFramer::next() {
  for (;;) {
    // Resume one byte early: the first '\n' of a terminator may have ended the last piece.
    const std::size_t from = scanned_ > 0 ? scanned_ - 1 : 0;
    const std::size_t end = buffer_.find("\n\n", from);
    if (end == std::string::npos) {
      scanned_ = buffer_.size();
      return std::nullopt;
    }
    std::string reply = buffer_.substr(0, end);
    buffer_.erase(0, end + 2);
    scanned_ = 0;
    const std::size_t first = reply.find_first_not_of(kWhitespace);
    if (first == std::string::npos) continue;  // blank lines between replies
    const std::size_t last = reply.find_last_not_of(kWhitespace);
    return reply.substr(first, last - first + 1);
  }
}

bool ReplyFramer::empty() const {
  return buffer_.find_first_not_of(kWhitespace) == std::string::npos;
}

// ---- Requests and replies ---------------------------------------------------------------

std::string encode_request(std::string_view id, std::string_view method, const json& params) {
  json request = {{"jsonrpc", "2.0"},
                  {"id", std::string(id)},
                  {"method", std::string(method)},
                  {"params", params}};
  // Replace invalid UTF-8 rather than throw: our parameters are ours, but a memo is not.
  return request.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<RpcReply> parse_reply(std::string_view text) {
  json reply = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (reply.is_discarded()) return malformed("not JSON");
  if (!reply.is_object()) return malformed("not a JSON object");

  RpcReply out;
  const auto id = reply.find("id");
  if (id == reply.end()) return malformed("no id");
  out.id = id->is_string() ? id->get<std::string>() : id->dump();

  const auto error = reply.find("error");
  if (error != reply.end() && !error->is_null()) {
    if (!error->is_object()) return malformed("error is not an object");
    const auto code = error->find("code");
    const auto message = error->find("message");
    if (code == error->end() || !code->is_number_integer()) {
      return malformed("error without an integer code");
    }
    RpcError rpc_error;
    rpc_error.code = code->get<std::int64_t>();
    if (message != error->end() && message->is_string()) {
      rpc_error.message = message->get<std::string>();
    }
    const auto data = error->find("data");
    if (data != error->end()) rpc_error.data = *data;
    out.error = std::move(rpc_error);
    return out;
  }
  const auto result = reply.find("result");
  if (result == reply.end() || !result->is_object()) {
    return malformed("neither a result object nor an error");
  }
  out.result = std::move(*result);
  return out;
}

Error error_from_rpc(std::string_view method, const RpcError& error) {
  ErrorCode code = ErrorCode::kFailedPrecondition;
  switch (error.code) {
    case rpc_code::kInvalidParams:
      code = ErrorCode::kInvalidArgument;
      break;
    case rpc_code::kShuttingDown:
    case rpc_code::kPluginTerminated:
      code = ErrorCode::kUnavailable;
      break;
    case rpc_code::kInvoiceLabelAlreadyExists:
    case rpc_code::kInvoicePreimageAlreadyExists:
      code = ErrorCode::kAlreadyExists;
      break;
    case rpc_code::kInvoiceNotFound:
      code = ErrorCode::kNotFound;
      break;
    default:
      break;  // every other refusal: the node's state does not allow the call
  }
  return Error(code, "cln: " + std::string(method) + " failed (code " + std::to_string(error.code) +
                         "): " + error.message);
}

// ---- JsonRpcClient ----------------------------------------------------------------------

std::string JsonRpcClient::next_id(std::string_view method) {
  // CLN suggests "prefix:method#n" ids; they also make lightningd's logs readable.
  return "l402:" + std::string(method) + "#" + std::to_string(next_request_.fetch_add(1));
}

Result<std::unique_ptr<UnixSocketConnection>> JsonRpcClient::connect() {
  return UnixSocketConnection::connect(options_.socket_path, Clock::now() + options_.call_timeout);
}

std::unique_ptr<UnixSocketConnection> JsonRpcClient::take_idle() {
  std::lock_guard lock(mutex_);
  while (!idle_.empty()) {
    std::unique_ptr<UnixSocketConnection> connection = std::move(idle_.back());
    idle_.pop_back();
    if (connection->idle_and_open()) return connection;
  }
  return nullptr;
}

void JsonRpcClient::give_back(std::unique_ptr<UnixSocketConnection> connection) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(connection));
}

Result<RpcReply> JsonRpcClient::read_reply(UnixSocketConnection& connection, ReplyFramer& framer,
                                           std::string_view id, Clock::time_point deadline) {
  std::array<char, 16 * 1024> chunk{};
  for (;;) {
    while (std::optional<std::string> text = framer.next()) {
      L402_ASSIGN_OR_RETURN(RpcReply reply, parse_reply(*text));
      // Another id is the late reply to a request abandoned on this connection: skip it.
      if (reply.id == id) return reply;
    }
    L402_ASSIGN_OR_RETURN(const std::size_t count,
                          connection.read_some(chunk.data(), chunk.size(), deadline));
    L402_RETURN_IF_ERROR(framer.feed(std::string_view(chunk.data(), count)));
  }
}

Result<RpcReply> JsonRpcClient::call_on(UnixSocketConnection& connection, ReplyFramer& framer,
                                        std::string_view method, const json& params,
                                        Clock::time_point deadline) {
  const std::string id = next_id(method);
  L402_RETURN_IF_ERROR(connection.write_all(encode_request(id, method, params), deadline));
  return read_reply(connection, framer, id, deadline);
}

Result<RpcReply> JsonRpcClient::call(std::string_view method, const json& params,
                                     std::optional<std::chrono::milliseconds> timeout) {
  const Clock::time_point deadline = Clock::now() + timeout.value_or(options_.call_timeout);
  const std::string id = next_id(method);
  const std::string request = encode_request(id, method, params);

  std::unique_ptr<UnixSocketConnection> connection = take_idle();
  if (connection != nullptr) {
    // A pooled connection can die between idle_and_open() and this write (lightningd
    // restarted). A closed unix socket refuses the write, so the request did not reach the
    // node and sending it on a fresh connection is safe. After a successful write we never
    // resend: the node may be acting on it.
    if (!connection->write_all(request, deadline).ok()) connection.reset();
  }
  if (connection == nullptr) {
    L402_ASSIGN_OR_RETURN(connection,
                          UnixSocketConnection::connect(options_.socket_path, deadline));
    L402_RETURN_IF_ERROR(connection->write_all(request, deadline));
  }
  ReplyFramer framer;
  Result<RpcReply> reply = read_reply(*connection, framer, id, deadline);
  // Only a connection that is between replies can carry the next call; after a timeout or a
  // malformed reply its stream position is unknown.
  if (reply.ok() && framer.empty()) give_back(std::move(connection));
  return reply;
}

}  // namespace l402::cln
