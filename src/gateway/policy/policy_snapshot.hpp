// One configuration compiled for the request path: the routes, the trusted proxy blocks and an
// Authority with the configuration's options. Built once per (re)load and shared immutably by
// every request decided under it.
//
// Thread safety: immutable after compile_snapshot().
#pragma once

#include <memory>

#include "gateway/config/config.hpp"
#include "gateway/policy/ip_address.hpp"
#include "gateway/policy/routing.hpp"
#include "l402/authority.hpp"
#include "l402/lightning.hpp"
#include "l402/store.hpp"

namespace l402::gateway {

struct PolicySnapshot {
  std::shared_ptr<const GatewayConfig> config;
  Router router;  // points into *config
  CidrSet trusted_proxies;
  std::unique_ptr<Authority> authority;
};

// The Authority reads `shared` (keys, deny-list), `invoices` and `random`, which must outlive
// the snapshot. Errors: kInvalidArgument for a regex or CIDR that does not parse.
Result<std::shared_ptr<const PolicySnapshot>> compile_snapshot(
    std::shared_ptr<const GatewayConfig> config, SharedState& shared, InvoiceSource& invoices,
    RandomSource& random);

// What a challenge for `service` offers: its name, tier, capabilities, constraints and token
// lifetime, and the configuration's invoice memo and expiry.
Offer offer_for(const ServiceConfig& service, const GatewayConfig& config);

}  // namespace l402::gateway
