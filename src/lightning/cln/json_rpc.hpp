// JSON-RPC 2.0 as lightningd speaks it on its unix socket: request encoding, reply framing
// (each reply is a JSON object followed by "\n\n"), reply parsing, and a client that keeps a
// small pool of idle connections.
//
// ReplyFramer, encode_request and parse_reply do no I/O, so the unit tests drive them with
// replies split at every byte. JsonRpcClient puts them on UnixSocketConnection.
//
// Thread safety: ReplyFramer is used by one thread at a time; JsonRpcClient from any number
// of threads (each call takes its own connection).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cln/unix_socket_connection.hpp"
#include "l402/result.hpp"

namespace l402::cln {

// Replies above this size are refused: the largest we expect (a listinvoices or listpays of
// one hash) is a few KiB, and a reply without end must not exhaust memory.
inline constexpr std::size_t kMaxReplyBytes = 4 * 1024 * 1024;

// Splits a byte stream into replies at "\n\n". JSON escapes newlines inside strings, so a
// blank line can only occur between top-level values.
class ReplyFramer {
 public:
  explicit ReplyFramer(std::size_t max_reply_bytes = kMaxReplyBytes)
      : max_reply_bytes_(max_reply_bytes) {}

  // Appends bytes read from the socket. Fails with kInternal when a reply in the buffer,
  // complete or still being assembled, exceeds the limit, so next() never returns one that does.
  Result<void> feed(std::string_view bytes);

  // The next complete reply (without its terminator and surrounding whitespace), if any.
  std::optional<std::string> next();

  // True when no bytes are buffered, i.e. the stream is between replies.
  bool empty() const;

  // Forgets buffered bytes, for a new connection.
  void clear() {
    buffer_.clear();
    scanned_ = 0;
  }

 private:
  const std::size_t max_reply_bytes_;
  std::string buffer_;
  // Where the search for "\n\n" resumes, so that a reply arriving in many pieces is scanned
  // once, not once per piece.
  std::size_t scanned_ = 0;
};

// The `error` member of a reply.
struct RpcError {
  std::int64_t code = 0;
  std::string message;
  nlohmann::json data;  // null when absent
};

struct RpcReply {
  std::string id;         // as sent (a number id is kept as its JSON text)
  nlohmann::json result;  // the `result` object; null when `error` is set
  std::optional<RpcError> error;
};

// One request: {"jsonrpc":"2.0","id":...,"method":...,"params":{...}}.
std::string encode_request(std::string_view id, std::string_view method,
                           const nlohmann::json& params);

// Parses one framed reply. Fails with kInternal ("cln: malformed response: ...") when it is
// not JSON, not an object, lacks an id, or has neither an object `result` nor a well-formed
// `error`.
Result<RpcReply> parse_reply(std::string_view text);

// JSON-RPC error codes lightningd uses (common/jsonrpc_errors.h) that the client acts on.
namespace rpc_code {
inline constexpr std::int64_t kMethodNotFound = -32601;
inline constexpr std::int64_t kInvalidParams = -32602;
inline constexpr std::int64_t kGeneric = -1;
inline constexpr std::int64_t kPluginTerminated = -4;
inline constexpr std::int64_t kShuttingDown = -5;
inline constexpr std::int64_t kPayInProgress = 200;
inline constexpr std::int64_t kPayRhashAlreadyUsed = 201;
inline constexpr std::int64_t kPayDestinationPermFail = 203;
inline constexpr std::int64_t kPayTryOtherRoute = 204;
inline constexpr std::int64_t kPayRouteNotFound = 205;
inline constexpr std::int64_t kPayRouteTooExpensive = 206;
inline constexpr std::int64_t kPayInvoiceExpired = 207;
inline constexpr std::int64_t kPayUnspecifiedError = 209;
inline constexpr std::int64_t kPayStoppedRetrying = 210;
inline constexpr std::int64_t kPayInsufficientFunds = 215;
inline constexpr std::int64_t kPayUnreachable = 216;
inline constexpr std::int64_t kPayAlreadyPaid = 219;
inline constexpr std::int64_t kPayDestinationInsufficientCapacity = 220;
inline constexpr std::int64_t kInvoiceLabelAlreadyExists = 900;
inline constexpr std::int64_t kInvoicePreimageAlreadyExists = 901;
inline constexpr std::int64_t kInvoiceExpiredDuringWait = 903;
inline constexpr std::int64_t kInvoiceWaitTimedOut = 904;
inline constexpr std::int64_t kInvoiceNotFound = 905;
}  // namespace rpc_code

// The Error for an RPC error answer to `method` (for calls other than pay, whose errors map
// to PayFailure instead): kInvalidArgument for bad params, kUnavailable while lightningd
// shuts down or a plugin died, kAlreadyExists, kNotFound, else kFailedPrecondition.
Error error_from_rpc(std::string_view method, const RpcError& error);

struct JsonRpcOptions {
  std::string socket_path;
  std::chrono::milliseconds call_timeout{10'000};
  std::size_t max_idle_connections = 4;
};

class JsonRpcClient {
 public:
  explicit JsonRpcClient(JsonRpcOptions options) : options_(std::move(options)) {}
  JsonRpcClient(const JsonRpcClient&) = delete;
  JsonRpcClient& operator=(const JsonRpcClient&) = delete;

  const JsonRpcOptions& options() const { return options_; }

  // Sends one request on a pooled connection and waits for its reply until `timeout`
  // (call_timeout when absent). An RPC error is a successful call whose reply has `error`.
  // Errors: kUnavailable (no socket, refused, closed mid-reply), kDeadlineExceeded (the
  // connection is then discarded), kInternal (a malformed reply).
  Result<RpcReply> call(std::string_view method, const nlohmann::json& params,
                        std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  // A new connection of its own, for a call that blocks (waitanyinvoice).
  Result<std::unique_ptr<UnixSocketConnection>> connect();

  // One request on `connection`, reading through `framer` (kept with the connection).
  Result<RpcReply> call_on(UnixSocketConnection& connection, ReplyFramer& framer,
                           std::string_view method, const nlohmann::json& params,
                           Clock::time_point deadline);

 private:
  // An idle connection that still looks open, or nullptr.
  std::unique_ptr<UnixSocketConnection> take_idle();
  void give_back(std::unique_ptr<UnixSocketConnection> connection);
  std::string next_id(std::string_view method);
  // Reads until the reply with `id` is complete.
  Result<RpcReply> read_reply(UnixSocketConnection& connection, ReplyFramer& framer,
                              std::string_view id, Clock::time_point deadline);

  const JsonRpcOptions options_;
  std::atomic<std::uint64_t> next_request_ = 1;

  std::mutex mutex_;
  std::vector<std::unique_ptr<UnixSocketConnection>> idle_;  // guarded by mutex_
};

}  // namespace l402::cln
