// The admin API's JSON documents, built from plain values (no I/O): what /api/info,
// /api/services, /api/tokens and /api/stats answer. Service header values never appear: only
// their names.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "gateway/config/config.hpp"
#include "l402/lightning.hpp"
#include "l402/store.hpp"

namespace l402::gateway::admin {

// What /api/info reports, gathered by the caller.
struct InfoFacts {
  std::string version;
  std::int64_t uptime_seconds = 0;
  std::optional<NodeInfo> node;  // nullopt when get_info failed
  std::string node_error;        // why, when it failed
  std::optional<KeyId> active_key_id;
  std::size_t revoked_tokens = 0;
};

nlohmann::ordered_json info_json(const GatewayConfig& config, const InfoFacts& facts);
nlohmann::ordered_json services_json(const GatewayConfig& config);
nlohmann::ordered_json token_json(const PaidToken& token, bool revoked);
// Per service, and the totals over all of them (plus settlements from `summary`).
nlohmann::ordered_json stats_json(const std::vector<ServiceStats>& stats,
                                  const LedgerSummary& summary);

// "http://127.0.0.1:8080" ("[::1]" for an IPv6 host).
std::string origin_of(const std::string& scheme, const std::string& host, std::uint16_t port);

}  // namespace l402::gateway::admin
