// Compiling a configuration for the request path (see policy_snapshot.hpp).
#include "gateway/policy/policy_snapshot.hpp"

#include <utility>

namespace l402::gateway {

Result<std::shared_ptr<const PolicySnapshot>> compile_snapshot(
    std::shared_ptr<const GatewayConfig> config, SharedState& shared, InvoiceSource& invoices,
    RandomSource& random) {
  if (config == nullptr) return Error(ErrorCode::kInvalidArgument, "no configuration");
  auto snapshot = std::make_shared<PolicySnapshot>();
  L402_ASSIGN_OR_RETURN(snapshot->router, Router::compile(*config));
  Result<CidrSet> trusted = CidrSet::parse(config->trusted_proxies);
  if (!trusted.ok()) return trusted.error().with_context("trusted_proxies");
  snapshot->trusted_proxies = std::move(trusted).value();
  AuthorityOptions options;
  options.status_mode = config->status_mode;
  snapshot->authority = std::make_unique<Authority>(shared, shared, invoices, random, options);
  snapshot->config = std::move(config);
  return std::shared_ptr<const PolicySnapshot>(std::move(snapshot));
}

Offer offer_for(const ServiceConfig& service, const GatewayConfig& config) {
  ServiceOffer offer;
  offer.name = service.name;
  offer.tier = service.tier;
  offer.capabilities = service.capabilities;
  offer.constraints = service.constraints;
  offer.valid_for_seconds = service.valid_for_seconds;
  Offer out;
  out.services.push_back(std::move(offer));
  out.invoice_memo = config.invoice_memo;
  out.invoice_expiry_seconds = config.invoice_expiry_seconds;
  return out;
}

}  // namespace l402::gateway
