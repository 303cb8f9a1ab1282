// What the proxy and the payment logic hand each other for one request: the request head as
// received, and the decision (forward to an upstream with these header edits, or answer with
// this response). Neither side depends on the other's machinery: the proxy knows nothing of
// L402, the policy nothing of sockets.
//
// Thread safety: plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "gateway/config/config.hpp"

namespace l402::gateway {

struct Field {
  std::string name;
  std::string value;
};

// A request head as the proxy received it.
struct RequestHead {
  std::string method;
  std::string target;         // origin-form, e.g. "/api/x?y=1"
  std::string host;           // the Host field, as sent (may carry a port)
  unsigned version = 11;      // 10 or 11
  std::vector<Field> fields;  // every field, in order, names as sent
  std::string peer_address;   // the TCP peer's IP, e.g. "127.0.0.1" or "::1"
  bool tls = false;           // arrived over TLS
  bool has_body = false;      // Content-Length > 0 or chunked
  bool grpc = false;          // a gRPC call (target "/package.Service/Method"): gRPC services only
  std::optional<std::uint64_t> content_length;
};

// A complete response the gateway makes itself (402, 401, 403, 404, 503, ...).
struct Reply {
  int status = 402;
  std::vector<Field> fields;  // Content-Type among them; Content-Length is set by the proxy
  std::string body;
};

// How to forward: the proxy removes hop-by-hop fields (Connection and the fields it names,
// Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade), then every field in
// `remove_fields`, then sets every field in `set_fields` (replacing any of that name; several
// entries of one name all go out), streams the body, and relays the response.
struct ForwardPlan {
  UpstreamConfig upstream;
  std::string target;  // rewritten origin-form
  std::vector<std::string> remove_fields;
  std::vector<Field> set_fields;     // includes Host and X-Forwarded-*/Forwarded
  std::uint64_t max_body_bytes = 0;  // larger request bodies: 413
  std::chrono::milliseconds upstream_timeout{30000};
};

// What the access log and the metrics record about a request; filled by the policy, completed
// by the proxy (status, bytes, durations).
struct RequestOutcome {
  std::string service;         // "" when no service matched
  std::string outcome;         // "paid", "free", "freebie", "challenged", "denied", "limited",
                               // "unavailable", "not_found", "busy", "error"
  std::string denial;          // denial_code_name() when denied
  std::string token_id;        // first 8 hex digits of the token ID when a credential verified
  std::string client_address;  // after trusted proxies
  // Checking a credential (its cached grant, or parsing and Authority::verify); 0 when none.
  std::chrono::nanoseconds verify_time{0};
  // The request that was decided, when it is not the one on the wire: an auth_request
  // subrequest asks about the client's (its method, and its path without the query).
  std::string decided_method;
  std::string decided_path;
};

struct Decision {
  std::variant<ForwardPlan, Reply> action;
  RequestOutcome outcome;
};

// Decides what to do with a request. handle() is called on an I/O thread and must not block;
// it calls `done` exactly once, on any thread (inline when the answer needs no I/O).
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual void handle(const RequestHead& head, std::function<void(Decision)> done) = 0;
};

}  // namespace l402::gateway
