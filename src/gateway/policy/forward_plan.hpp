// How a request that may pass goes upstream: the target rewritten for the service, client-sent
// X-L402-* fields removed, the verified credential in Aperture's form (Authorization: LSAT ...
// then Authorization: L402 ..., X-L402-Token-Id, X-L402-Service), Host, the proxy chain
// (X-Forwarded-For/-Proto/-Host, Forwarded) and the service's injected headers.
//
// Thread safety: stateless.
#pragma once

#include <string>
#include <string_view>

#include "gateway/config/config.hpp"
#include "gateway/exchange.hpp"
#include "gateway/policy/client_address.hpp"
#include "l402/authority.hpp"
#include "l402/token_header.hpp"

namespace l402::gateway {

// A credential that verified, as it is passed on.
struct VerifiedCredential {
  std::string_view authorization;  // format_authorization() of the credential
  std::string_view token_id_hex;
};

// `path` is the request's normalized path (request_path.hpp); a prefix `rewrite_from` becomes
// `rewrite_to` (at a segment boundary). The query is kept as sent.
std::string rewrite_target(const ServiceConfig& service, std::string_view path,
                           std::string_view query);

// `paid` is null for auth off, free paths and freebies: then no credential fields are set.
ForwardPlan make_forward_plan(const ServiceConfig& service, const RequestHead& head,
                              std::string_view path, const ClientAddress& client,
                              const VerifiedCredential* paid);

}  // namespace l402::gateway
