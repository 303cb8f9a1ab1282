// The admin API's JSON documents (see admin_views.hpp).
#include "gateway/admin/admin_views.hpp"

#include <string_view>

#include "l402/bolt11.hpp"
#include "l402/encoding.hpp"

namespace l402::gateway::admin {
namespace {

using Json = nlohmann::ordered_json;

std::string_view lightning_kind_name(LightningKind kind) {
  switch (kind) {
    case LightningKind::kDevnet:
      return "devnet";
    case LightningKind::kLnd:
      return "lnd";
    case LightningKind::kCln:
      return "cln";
  }
  return "unknown";
}

std::string_view store_kind_name(StoreKind kind) {
  switch (kind) {
    case StoreKind::kSqlite:
      return "sqlite";
    case StoreKind::kPostgres:
      return "postgres";
  }
  return "unknown";
}

std::string_view auth_mode_name(AuthMode mode) {
  switch (mode) {
    case AuthMode::kOn:
      return "on";
    case AuthMode::kOff:
      return "off";
    case AuthMode::kFreebie:
      return "freebie";
  }
  return "unknown";
}

Json node_json(const NodeInfo& node) {
  return Json{{"implementation", node.implementation},
              {"version", node.version},
              {"alias", node.alias},
              {"pubkey", hex::encode(node.node_id)},
              {"network", network_name(node.network)},
              {"block_height", node.block_height},
              {"synced_to_chain", node.synced_to_chain}};
}

Json service_json(const ServiceConfig& service) {
  Json capability_paths = Json::array();
  for (const CapabilityRule& rule : service.capability_rules) {
    capability_paths.push_back({{"path", rule.path_regex}, {"capability", rule.capability}});
  }
  Json constraints = Json::array();
  for (const auto& [name, value] : service.constraints) {
    constraints.push_back({{"name", name}, {"value", value}});
  }
  Json header_names = Json::array();
  for (const InjectedHeader& header : service.headers) header_names.push_back(header.name);
  const UpstreamConfig& upstream = service.upstream;
  return Json{
      {"name", service.name},
      {"host", service.host_regex},
      {"path", service.path_regex},
      {"upstream", origin_of(upstream.scheme, upstream.host, upstream.port)},
      {"price_msat", service.price.value()},
      {"auth", auth_mode_name(service.auth)},
      {"freebies", service.freebies},
      {"free_paths", service.free_paths},
      {"timeout_seconds",
       service.valid_for_seconds == 0 ? Json(nullptr) : Json(service.valid_for_seconds)},
      {"tier", service.tier},
      {"capabilities", service.capabilities ? Json(*service.capabilities) : Json(nullptr)},
      {"capability_paths", std::move(capability_paths)},
      {"constraints", std::move(constraints)},
      {"headers", std::move(header_names)},
  };
}

}  // namespace

std::string origin_of(const std::string& scheme, const std::string& host, std::uint16_t port) {
  return scheme + "://" + host_and_port(host, port);
}

Json info_json(const GatewayConfig& config, const InfoFacts& facts) {
  Json listeners = Json::array();
  for (const ListenerConfig& listener : config.listeners) {
    listeners.push_back(origin_of(listener_scheme(listener), listener.host, listener.port));
  }
  Json lightning{{"kind", lightning_kind_name(config.lightning.kind)}};
  if (facts.node) {
    lightning["node"] = node_json(*facts.node);
  } else {
    lightning["node"] = nullptr;
    lightning["error"] = facts.node_error;
  }
  return Json{
      {"version", facts.version},
      {"uptime_seconds", facts.uptime_seconds},
      {"data_dir", config.data_dir.string()},
      {"listeners", std::move(listeners)},
      {"lightning", std::move(lightning)},
      {"store", {{"kind", store_kind_name(config.store.kind)}}},
      {"services", config.services.size()},
      {"active_key_id", facts.active_key_id ? Json(*facts.active_key_id) : Json(nullptr)},
      {"revoked_tokens", facts.revoked_tokens},
  };
}

Json services_json(const GatewayConfig& config) {
  Json services = Json::array();
  for (const ServiceConfig& service : config.services) services.push_back(service_json(service));
  return Json{{"services", std::move(services)}};
}

Json token_json(const PaidToken& token, bool revoked) {
  return Json{{"token_id", hex::encode(token.token_id)},
              {"payment_hash", hex::encode(token.payment_hash)},
              {"service", token.service},
              {"first_used_at", token.first_used_at},
              {"last_used_at", token.last_used_at},
              {"request_count", token.request_count},
              {"revenue_msat", token.revenue.value()},
              {"revoked", revoked}};
}

Json stats_json(const std::vector<ServiceStats>& stats, const LedgerSummary& summary) {
  Json services = Json::array();
  std::uint64_t challenges = 0, paid_tokens = 0, paid_requests = 0, revenue = 0;
  for (const ServiceStats& entry : stats) {
    services.push_back({{"service", entry.service},
                        {"challenges", entry.challenges},
                        {"paid_tokens", entry.paid_tokens},
                        {"paid_requests", entry.paid_requests},
                        {"revenue_msat", entry.revenue.value()}});
    challenges += entry.challenges;
    paid_tokens += entry.paid_tokens;
    paid_requests += entry.paid_requests;
    revenue += entry.revenue.value();
  }
  return Json{{"services", std::move(services)},
              {"totals",
               {{"challenges", challenges},
                {"paid_tokens", paid_tokens},
                {"paid_requests", paid_requests},
                {"revenue_msat", revenue},
                {"settlements", summary.settlements},
                {"settled_msat", summary.settled.value()}}}};
}

}  // namespace l402::gateway::admin
