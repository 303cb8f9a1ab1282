// The admin API's routes and answers (see admin_api.hpp and admin_server.hpp).
#include "gateway/admin/admin_api.hpp"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <string_view>

#include "gateway/admin/admin_target.hpp"
#include "gateway/admin/admin_views.hpp"
#include "l402/crypto.hpp"
#include "l402/encoding.hpp"

namespace l402::gateway::admin {
namespace {

using Json = nlohmann::ordered_json;

// /api/tokens answers at most this many tokens per request.
constexpr std::size_t kMaxTokenLimit = 10'000;
constexpr std::size_t kDefaultTokenLimit = 100;
// Log lines name a token by this many hex digits of its ID.
constexpr std::size_t kTokenIdLogPrefix = 16;

constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4";

std::string serialize(const Json& json) {
  // Strings from the ledger or the node may hold invalid UTF-8: replaced, never thrown on.
  return json.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

AdminReply json_reply(unsigned status, const Json& json) {
  AdminReply reply;
  reply.status = status;
  reply.body = serialize(json);
  return reply;
}

// A failed store or backend call: 503 when retrying may help, 500 otherwise.
AdminReply failure_reply(std::string_view what, const Error& error) {
  const bool transient =
      error.code() == ErrorCode::kUnavailable || error.code() == ErrorCode::kDeadlineExceeded;
  return AdminReply::error(transient ? 503 : 500, std::string(what) + ": " + error.message());
}

AdminReply method_not_allowed(std::string_view allowed) {
  AdminReply reply = AdminReply::error(405, "method not allowed");
  reply.fields.emplace_back("Allow", std::string(allowed));
  return reply;
}

AdminRoute now(AdminReply reply) { return AdminRoute{std::move(reply), {}}; }

std::optional<std::size_t> parse_limit(std::string_view text) {
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (value == 0 || value > kMaxTokenLimit) return std::nullopt;
  return value;
}

// The optional body of a revoke: empty, or {"reason": "..."}.
std::optional<std::string> parse_revoke_reason(const std::string& body, std::string& problem) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return std::string();
  const Json json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    problem = "the body must be a JSON object such as {\"reason\": \"...\"}";
    return std::nullopt;
  }
  std::string reason;
  for (const auto& [key, value] : json.items()) {
    if (key != "reason") {
      problem = "unknown field \"" + key + "\" (only \"reason\" is accepted)";
      return std::nullopt;
    }
    if (!value.is_string()) {
      problem = "\"reason\" must be a string";
      return std::nullopt;
    }
    reason = value.get<std::string>();
  }
  return reason;
}

}  // namespace

AdminReply AdminReply::error(unsigned status, std::string_view message) {
  return json_reply(status, Json{{"error", message}});
}

AdminReply busy_reply() {
  AdminReply reply = AdminReply::error(503, "the gateway is busy; try again");
  reply.fields.emplace_back("Retry-After", "1");
  return reply;
}

AdminApi::AdminApi(std::string credential, AdminDeps deps)
    : credential_(std::move(credential)), deps_(std::move(deps)), started_at_(deps_.now()) {}

bool AdminApi::authorized(const std::string& authorization) const {
  const std::optional<std::string_view> presented = bearer_credential(authorization);
  return presented && constant_time_equal(*presented, credential_);
}

AdminRoute AdminApi::route(const AdminRequest& request) const {
  const Target target = split_target(request.target);
  const std::string& path = target.path;
  const bool get = request.method == "GET";
  const bool post = request.method == "POST";

  if (path == "/metrics") {
    if (!get) return now(method_not_allowed("GET"));
    AdminReply reply;
    reply.content_type = kMetricsContentType;
    reply.body = deps_.metrics.render();
    return now(std::move(reply));
  }
  if (path == "/healthz") {
    if (!get) return now(method_not_allowed("GET"));
    return now(json_reply(200, Json{{"status", "ok"}}));
  }
  if (path == "/readyz") {
    if (!get) return now(method_not_allowed("GET"));
    return AdminRoute{std::nullopt, [this] { return ready(); }};
  }
  if (path != "/api" && path.rfind("/api/", 0) != 0) {
    return now(AdminReply::error(404, "no such endpoint"));
  }

  // Everything under /api needs the credential, even to learn what exists there.
  if (!authorized(request.authorization)) {
    deps_.logger.warn("admin request refused: no valid credential",
                      {{"method", request.method}, {"path", path}});
    AdminReply reply = AdminReply::error(401, "a valid admin credential is required");
    reply.fields.emplace_back("WWW-Authenticate", "Bearer realm=\"l402d admin\"");
    return now(std::move(reply));
  }
  if (path == "/api/info") {
    if (!get) return now(method_not_allowed("GET"));
    return AdminRoute{std::nullopt, [this] { return info(); }};
  }
  if (path == "/api/services") {
    if (!get) return now(method_not_allowed("GET"));
    return now(services());
  }
  if (path == "/api/stats") {
    if (!get) return now(method_not_allowed("GET"));
    return AdminRoute{std::nullopt, [this] { return stats(); }};
  }
  if (path == "/api/tokens") {
    if (!get) return now(method_not_allowed("GET"));
    std::size_t limit = kDefaultTokenLimit;
    if (const auto text = query_parameter(target.query, "limit")) {
      const std::optional<std::size_t> parsed = parse_limit(*text);
      if (!parsed) {
        return now(AdminReply::error(
            400, "limit must be a number from 1 to " + std::to_string(kMaxTokenLimit)));
      }
      limit = *parsed;
    }
    std::string service = query_parameter(target.query, "service").value_or("");
    return AdminRoute{std::nullopt, [this, service = std::move(service), limit] {
                        return tokens(service, limit);
                      }};
  }
  if (path == "/api/keys/rotate") {
    if (!post) return now(method_not_allowed("POST"));
    return AdminRoute{std::nullopt, [this] { return rotate(); }};
  }
  constexpr std::string_view kTokensPrefix = "/api/tokens/";
  constexpr std::string_view kRevokeSuffix = "/revoke";
  if (path.size() > kTokensPrefix.size() + kRevokeSuffix.size() &&
      path.rfind(kTokensPrefix, 0) == 0 &&
      path.compare(path.size() - kRevokeSuffix.size(), kRevokeSuffix.size(), kRevokeSuffix) == 0) {
    if (!post) return now(method_not_allowed("POST"));
    const std::string_view id_text = std::string_view(path).substr(
        kTokensPrefix.size(), path.size() - kTokensPrefix.size() - kRevokeSuffix.size());
    const std::optional<TokenId> token_id = parse_token_id(id_text);
    if (!token_id) return now(AdminReply::error(400, "a token ID is 64 hex digits"));
    std::string problem;
    std::optional<std::string> reason = parse_revoke_reason(request.body, problem);
    if (!reason) return now(AdminReply::error(400, problem));
    return AdminRoute{std::nullopt, [this, id = *token_id, reason = std::move(*reason)] {
                        return revoke(id, reason);
                      }};
  }
  return now(AdminReply::error(404, "no such endpoint"));
}

AdminReply AdminApi::info() const {
  const std::shared_ptr<const GatewayConfig> config = deps_.config();
  if (config == nullptr) return AdminReply::error(500, "no configuration");
  InfoFacts facts;
  facts.version = deps_.version;
  facts.uptime_seconds = std::max<std::int64_t>(0, deps_.now() - started_at_);
  Result<NodeInfo> node = deps_.backend.get_info();
  if (node.ok()) {
    facts.node = std::move(node).value();
  } else {
    facts.node_error = node.error().message();
  }
  if (const std::shared_ptr<const KeySet> keys = deps_.shared.current(); keys != nullptr) {
    if (const KeySet::Entry* active = keys->active(); active != nullptr) {
      facts.active_key_id = active->id;
    }
  }
  facts.revoked_tokens = deps_.shared.revoked_count();
  return json_reply(200, info_json(*config, facts));
}

AdminReply AdminApi::services() const {
  const std::shared_ptr<const GatewayConfig> config = deps_.config();
  if (config == nullptr) return AdminReply::error(500, "no configuration");
  return json_reply(200, services_json(*config));
}

AdminReply AdminApi::tokens(const std::string& service, std::size_t limit) const {
  Result<std::vector<PaidToken>> listed = deps_.store.list_paid_tokens(service, limit);
  if (!listed.ok()) return failure_reply("store", listed.error());
  Json tokens = Json::array();
  for (const PaidToken& token : *listed) {
    tokens.push_back(token_json(token, deps_.shared.is_revoked(token.token_id)));
  }
  return json_reply(200, Json{{"tokens", std::move(tokens)}});
}

AdminReply AdminApi::revoke(const TokenId& token_id, const std::string& reason) const {
  const std::string id_hex = hex::encode(token_id);
  Result<bool> revoked = deps_.shared.revoke(token_id, deps_.now(), reason);
  if (!revoked.ok()) return failure_reply("revoke", revoked.error());
  deps_.logger.info("admin: token revoked", {{"token_id", id_hex.substr(0, kTokenIdLogPrefix)},
                                             {"already_revoked", !*revoked},
                                             {"reason", reason}});
  return json_reply(200, Json{{"token_id", id_hex}, {"revoked", *revoked}});
}

AdminReply AdminApi::rotate() const {
  Result<KeyId> rotated = deps_.shared.rotate_key();
  if (!rotated.ok()) return failure_reply("rotate", rotated.error());
  deps_.logger.info("admin: root key rotated", {{"key_id", std::uint64_t{*rotated}}});
  return json_reply(200, Json{{"key_id", *rotated}});
}

AdminReply AdminApi::stats() const {
  Result<std::vector<ServiceStats>> stats = deps_.store.service_stats();
  if (!stats.ok()) return failure_reply("store", stats.error());
  Result<LedgerSummary> summary = deps_.store.summary();
  if (!summary.ok()) return failure_reply("store", summary.error());
  return json_reply(200, stats_json(*stats, *summary));
}

AdminReply AdminApi::ready() const {
  // A primary-key lookup: reaches the database without counting the ledger or loading keys.
  const Result<std::optional<PaidToken>> probe = deps_.store.find_paid_token(TokenId{});
  const Result<NodeInfo> node = deps_.backend.get_info();
  const auto check = [](const auto& result) {
    return result.ok() ? Json{{"ok", true}}
                       : Json{{"ok", false}, {"error", result.error().message()}};
  };
  const bool ready = probe.ok() && node.ok();
  return json_reply(ready ? 200 : 503,
                    Json{{"ready", ready}, {"store", check(probe)}, {"lightning", check(node)}});
}

}  // namespace l402::gateway::admin
