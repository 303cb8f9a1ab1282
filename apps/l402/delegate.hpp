// `l402 tokens delegate`: narrows a stored token for another program or agent by appending
// first-party caveats (no key needed: anyone holding a macaroon may narrow it). Pure: the
// time is an argument.
//
// A narrowing caveat repeats a condition the token already has, or adds one it lacks; the
// gateway applies every caveat, so a repetition can only narrow (token.hpp's rules). Each
// caveat added here is checked against the token's last one of the same condition with
// caveat_narrows(), so a credential that would be refused for widening is never printed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "l402/client_store.hpp"
#include "l402/result.hpp"

namespace l402::cli {

struct Delegation {
  // Seconds from `now` the delegated credential stays valid: `<service>_valid_until` for
  // each service, unless the token already expires sooner.
  std::optional<std::int64_t> valid_for_seconds;
  // "a" or "a:0,b:1": names among the token's services (tiers default to the token's).
  std::optional<std::string> services;
  // "read" or "read,write": `<service>_capabilities` for each service.
  std::optional<std::string> capabilities;
  // Further conditions, "condition=value", appended as they are (after the above).
  std::vector<std::string> caveats;
};

struct DelegatedCredential {
  std::string authorization;       // "L402 <base64>:<preimage hex>"
  std::vector<std::string> added;  // the caveats appended, in order
};

// Errors: kInvalidArgument for a malformed option (naming it) or a token without a services
// caveat when --valid-for/--capabilities need a service name; kPermissionDenied when a
// caveat would widen the token ("widens ...").
Result<DelegatedCredential> delegate_token(const StoredToken& token, const Delegation& delegation,
                                           std::int64_t now);

}  // namespace l402::cli
