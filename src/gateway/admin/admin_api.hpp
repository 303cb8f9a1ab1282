// The admin API's decisions, without sockets: which endpoint a request names, whether its
// credential is right, and the answer. Answers that need the store or the Lightning backend
// come back as work for the worker pool, so that the I/O thread never blocks on them.
//
// Thread safety: route() and the work it returns may run on any thread at once.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gateway/admin/admin_server.hpp"
#include "l402/token.hpp"

namespace l402::gateway::admin {

struct AdminRequest {
  std::string method;         // "GET", "POST", ...
  std::string target;         // origin form: path and query, as sent
  std::string authorization;  // the Authorization field; empty when absent
  std::string body;
};

struct AdminReply {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> fields;  // further header fields

  // {"error": message} with `status`.
  static AdminReply error(unsigned status, std::string_view message);
};

// Either an answer at once, or `work` to run on the worker pool, returning the answer.
struct AdminRoute {
  std::optional<AdminReply> reply;
  std::function<AdminReply()> work;
};

// The answer when the worker pool refuses the work (full or stopping): 503 with Retry-After.
AdminReply busy_reply();

class AdminApi {
 public:
  // Uptime counts from construction (deps.now()).
  AdminApi(std::string credential, AdminDeps deps);

  AdminRoute route(const AdminRequest& request) const;

 private:
  bool authorized(const std::string& authorization) const;
  AdminReply info() const;
  AdminReply services() const;
  AdminReply tokens(const std::string& service, std::size_t limit) const;
  AdminReply revoke(const TokenId& token_id, const std::string& reason) const;
  AdminReply rotate() const;
  AdminReply stats() const;
  AdminReply ready() const;

  // Constant after construction.
  const std::string credential_;
  const AdminDeps deps_;
  const std::int64_t started_at_;
};

}  // namespace l402::gateway::admin
