#include "delegate.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <span>

#include "l402/encoding.hpp"
#include "l402/macaroon.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/token.hpp"
#include "l402/token_header.hpp"

namespace l402::cli {
namespace {

// The value of the last first-party caveat with `condition`, if any.
std::optional<std::string> last_value(const Macaroon& macaroon, std::string_view condition) {
  std::optional<std::string> value;
  for (const Caveat& caveat : macaroon.caveats()) {
    if (!caveat.is_first_party()) continue;
    const std::optional<CaveatParts> parts = split_caveat(caveat.id);
    if (parts && parts->condition == condition) value = std::string(parts->value);
  }
  return value;
}

// Appends `condition=value` after checking it narrows the token's last one of that condition.
Result<void> append(Macaroon& macaroon, std::string_view service, const std::string& caveat,
                    std::vector<std::string>& added) {
  const std::optional<CaveatParts> parts = split_caveat(caveat);
  if (!parts || parts->condition.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "--caveat '" + caveat.substr(0, 80) + "': expected condition=value");
  }
  if (const std::optional<std::string> previous = last_value(macaroon, parts->condition)) {
    const CaveatKind kind = classify_condition(parts->condition, service, {});
    Result<void> narrows = caveat_narrows(kind, *previous, parts->value);
    if (!narrows.ok()) {
      return Error(narrows.error().code(), "caveat '" + caveat.substr(0, 80) +
                                               "' against the token's '" +
                                               std::string(parts->condition) + "=" + *previous +
                                               "': " + narrows.error().message());
    }
  }
  L402_RETURN_IF_ERROR(macaroon.add_first_party_caveat(caveat));
  added.push_back(caveat);
  return ok_result();
}

// The services the delegated credential names: --services resolved against the token's.
Result<std::vector<ServiceTier>> narrowed_services(const std::optional<std::string>& token_value,
                                                   const std::optional<std::string>& requested) {
  std::vector<ServiceTier> held;
  if (token_value) {
    L402_ASSIGN_OR_RETURN(held, parse_services(*token_value));
  }
  if (!requested) return held;
  std::vector<ServiceTier> chosen;
  std::string_view rest = *requested;
  while (!rest.empty() || chosen.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string_view entry = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const std::size_t colon = entry.find(':');
    const std::string name(entry.substr(0, colon));
    const auto found = std::find_if(held.begin(), held.end(),
                                    [&](const ServiceTier& tier) { return tier.name == name; });
    if (token_value && found == held.end()) {
      return Error(
          ErrorCode::kPermissionDenied,
          "--services: '" + name + "' is not among the token's services (" + *token_value + ")");
    }
    std::string text(entry);
    if (colon == std::string_view::npos) {
      text += ":" + std::to_string(found == held.end() ? 0 : found->tier);
    }
    L402_ASSIGN_OR_RETURN(std::vector<ServiceTier> one, parse_services(text));
    chosen.push_back(one.front());
    if (comma == std::string_view::npos) break;
  }
  return chosen;
}

}  // namespace

Result<DelegatedCredential> delegate_token(const StoredToken& token, const Delegation& delegation,
                                           std::int64_t now) {
  L402_ASSIGN_OR_RETURN(const std::string binary, base64::decode(token.macaroon_base64));
  L402_ASSIGN_OR_RETURN(Macaroon macaroon, parse_binary(binary));
  DelegatedCredential result;

  const std::optional<std::string> token_services = last_value(macaroon, caveat::kServices);
  L402_ASSIGN_OR_RETURN(const std::vector<ServiceTier> services,
                        narrowed_services(token_services, delegation.services));
  const std::string first_service = services.empty() ? std::string() : services.front().name;
  if (delegation.services) {
    L402_RETURN_IF_ERROR(append(macaroon, first_service,
                                std::string(caveat::kServices) + "=" + format_services(services),
                                result.added));
  }
  if ((delegation.capabilities || delegation.valid_for_seconds) && services.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "the token names no service: --capabilities and --valid-for need one "
                 "(give --services)");
  }
  for (const ServiceTier& service : services) {
    if (delegation.capabilities) {
      const Result<std::vector<std::string>> parsed = parse_capabilities(*delegation.capabilities);
      if (!parsed.ok()) return parsed.error().with_context("--capabilities");
      L402_RETURN_IF_ERROR(append(
          macaroon, service.name,
          capabilities_condition(service.name) + "=" + *delegation.capabilities, result.added));
    }
    if (delegation.valid_for_seconds) {
      const std::string condition = valid_until_condition(service.name);
      const std::int64_t until = now + *delegation.valid_for_seconds;
      const std::optional<std::string> previous = last_value(macaroon, condition);
      // A token that lapses sooner already says more than --valid-for would.
      Result<std::int64_t> previous_until =
          previous ? parse_unix_seconds(*previous)
                   : Result<std::int64_t>(std::numeric_limits<std::int64_t>::max());
      if (!previous_until.ok() || *previous_until > until) {
        L402_RETURN_IF_ERROR(
            append(macaroon, service.name, condition + "=" + std::to_string(until), result.added));
      }
    }
  }
  for (const std::string& caveat : delegation.caveats) {
    L402_RETURN_IF_ERROR(append(macaroon, first_service, caveat, result.added));
  }

  Credential credential{std::move(macaroon), {}, token.preimage, CredentialForm::kAuthorization};
  result.authorization = format_authorization(credential);
  return result;
}

}  // namespace l402::cli
