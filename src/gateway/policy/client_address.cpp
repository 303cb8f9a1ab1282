// Client address resolution behind trusted proxies (see client_address.hpp).
#include "gateway/policy/client_address.hpp"

#include <algorithm>
#include <optional>
#include <string_view>

#include "gateway/policy/header_fields.hpp"

namespace l402::gateway {
namespace {

// The hops the trusted peer passed on, left to right; nullopt when the chain is unusable.
std::optional<std::vector<std::string>> passed_on_hops(const RequestHead& head,
                                                       const ForwardedLimits& limits) {
  const std::vector<std::string_view> xff = field_values(head, "X-Forwarded-For");
  if (!xff.empty()) {
    Result<std::vector<std::string>> hops = parse_x_forwarded_for(xff, limits);
    if (!hops.ok()) return std::nullopt;
    return std::move(hops).value();
  }
  const std::vector<std::string_view> forwarded = field_values(head, "Forwarded");
  if (forwarded.empty()) return std::vector<std::string>{};
  Result<std::vector<std::string>> nodes = parse_forwarded_for(forwarded, limits);
  if (!nodes.ok()) return std::nullopt;
  return std::move(nodes).value();
}

ClientAddress finish(std::vector<IpAddress> reversed_chain) {
  ClientAddress client;
  std::reverse(reversed_chain.begin(), reversed_chain.end());
  client.address = format_ip(reversed_chain.front());
  client.network = client_network(reversed_chain.front());
  client.chain = std::move(reversed_chain);
  return client;
}

}  // namespace

ClientAddress resolve_client(const RequestHead& head, const CidrSet& trusted_proxies,
                             const ForwardedLimits& limits) {
  const std::optional<IpAddress> peer = parse_ip(head.peer_address);
  if (!peer) return ClientAddress{head.peer_address, head.peer_address, {}};
  std::vector<IpAddress> reversed_chain{*peer};
  if (!trusted_proxies.contains(*peer)) return finish(std::move(reversed_chain));

  const std::optional<std::vector<std::string>> hops = passed_on_hops(head, limits);
  if (!hops) return finish(std::move(reversed_chain));
  for (auto hop = hops->rbegin(); hop != hops->rend(); ++hop) {
    const std::optional<IpAddress> address = parse_node(*hop);
    if (!address) break;
    reversed_chain.push_back(*address);
    if (!trusted_proxies.contains(*address)) break;
  }
  return finish(std::move(reversed_chain));
}

}  // namespace l402::gateway
