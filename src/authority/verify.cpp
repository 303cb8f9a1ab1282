// Verification, cheapest check first, and never a branch on secret bytes except through
// constant_time_equal:
//
//   1. identifier: 66 bytes (kMalformed), version 0 (kUnknownVersion)
//   2. key ID known (kUnknownKeyId) and not retired (kKeyRetired)
//   3. sha256(preimage) == payment hash (kWrongPreimage)
//   4. the HMAC chain, discharges included, under the derived root key (kBadSignature)
//   5. the deny-list (kRevoked)
//   6. caveats: each repetition of an interpreted condition narrows the one before
//      (kWidenedCaveat; kMalformed when a value does not parse), then the last `services`
//      names the target (kWrongService), the last `<svc>_valid_until` is in the future
//      (kExpired; now < value, strictly, as Aperture) and the last `<svc>_capabilities` holds
//      the target capability (kMissingCapability).
//
// Conditions not interpreted here (`preimage`, other services' caveats, unknown conditions)
// are passed on in Grant::caveats for the upstream.
#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "authority/internal.hpp"
#include "l402/authority.hpp"
#include "l402/secret.hpp"
#include "token/caveat_rules.hpp"

namespace l402 {
namespace {

namespace ai = authority_internal;
namespace ti = token_internal;

// A reason is shown to the client (and may end up in a header): printable ASCII, bounded.
constexpr std::size_t kMaxReasonSize = 256;

int spec_status(DenialCode code) {
  switch (code) {
    case DenialCode::kMalformed:
    case DenialCode::kUnknownVersion:
    case DenialCode::kUnknownKeyId:
    case DenialCode::kBadSignature:
    case DenialCode::kWrongPreimage:
    case DenialCode::kWidenedCaveat:
      return 401;
    case DenialCode::kNoCredential:
    case DenialCode::kKeyRetired:
    case DenialCode::kRevoked:
    case DenialCode::kExpired:
    case DenialCode::kWrongService:
    case DenialCode::kMissingCapability:
      return 402;
  }
  return 402;
}

std::string signature_reason(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kNotFound:
      return "a third-party caveat has no discharge; send its discharge macaroon after the token";
    case ErrorCode::kInvalidArgument:
      return "the discharges do not match the token (" + error.message() + ")";
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kLimitExceeded:
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kFailedPrecondition:
    case ErrorCode::kUnavailable:
    case ErrorCode::kDeadlineExceeded:
    case ErrorCode::kInternal:
      break;
  }
  return "the macaroon does not verify: it was altered or not minted here (" + error.message() +
         ")";
}

struct Refusal {
  DenialCode code;
  std::string reason;
};

// The last value of each condition interpreted for the target service.
struct LastCaveats {
  std::optional<std::string_view> services;
  std::optional<std::string_view> capabilities;
  std::optional<std::string_view> valid_until;
};

// Checks that every repetition of an interpreted condition narrows the one before it, and
// finds the last value of each. The views point into `caveats`.
std::optional<Refusal> check_repetitions(const std::vector<std::string>& caveats,
                                         const Target& target, LastCaveats& last) {
  // One slot per declared limit condition; most targets declare none, so nothing is allocated.
  std::vector<std::optional<std::string_view>> last_limits;
  for (const std::string& caveat : caveats) {
    const std::optional<CaveatParts> parts = split_caveat(caveat);
    if (!parts) continue;  // not "condition=value": not an L402 caveat
    const CaveatKind kind =
        classify_condition(parts->condition, target.service, target.limit_conditions);
    std::optional<std::string_view>* slot = nullptr;
    switch (kind) {
      case CaveatKind::kServices:
        slot = &last.services;
        break;
      case CaveatKind::kCapabilities:
        slot = &last.capabilities;
        break;
      case CaveatKind::kValidUntil:
        slot = &last.valid_until;
        break;
      case CaveatKind::kLimit: {
        if (last_limits.empty()) last_limits.resize(target.limit_conditions.size());
        std::size_t index = 0;
        while (target.limit_conditions[index] != parts->condition) ++index;
        slot = &last_limits[index];
        break;
      }
      case CaveatKind::kOther:
        continue;
    }
    if (slot->has_value()) {
      const Result<void> narrows = caveat_narrows(kind, **slot, parts->value);
      if (!narrows.ok()) {
        if (narrows.error().code() == ErrorCode::kPermissionDenied) {
          // caveat_narrows says "<what> caveat widens the one before it: <detail>".
          const std::string& message = narrows.error().message();
          const std::size_t detail = message.find(": ");
          return Refusal{DenialCode::kWidenedCaveat,
                         "caveat " + ti::quote(parts->condition) + " widens the one before it" +
                             (detail == std::string::npos ? "" : message.substr(detail))};
        }
        return Refusal{DenialCode::kMalformed,
                       "caveat " + ti::quote(parts->condition) + ": " + narrows.error().message()};
      }
    }
    *slot = parts->value;
  }
  return std::nullopt;
}

}  // namespace

std::string_view denial_code_name(DenialCode code) {
  switch (code) {
    case DenialCode::kNoCredential:
      return "no_credential";
    case DenialCode::kMalformed:
      return "malformed";
    case DenialCode::kUnknownVersion:
      return "unknown_version";
    case DenialCode::kUnknownKeyId:
      return "unknown_key_id";
    case DenialCode::kKeyRetired:
      return "key_retired";
    case DenialCode::kBadSignature:
      return "bad_signature";
    case DenialCode::kWrongPreimage:
      return "wrong_preimage";
    case DenialCode::kRevoked:
      return "revoked";
    case DenialCode::kExpired:
      return "expired";
    case DenialCode::kWrongService:
      return "wrong_service";
    case DenialCode::kMissingCapability:
      return "missing_capability";
    case DenialCode::kWidenedCaveat:
      return "widened_caveat";
  }
  return "unknown";
}

Denial Authority::deny(DenialCode code, std::string reason) const {
  if (reason.size() > kMaxReasonSize) {
    reason.resize(kMaxReasonSize - 3);
    reason += "...";
  }
  for (char& c : reason) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  const int status = options_.status_mode == DenialStatusMode::kAperture ? 402 : spec_status(code);
  return Denial{code, std::move(reason), status, /*fresh_challenge=*/true};
}

Verdict Authority::verify(const Credential& credential, const Target& target,
                          std::uint64_t now) const {
  const Macaroon& macaroon = credential.macaroon;

  // 1. The identifier.
  const Result<Identifier> identifier = decode_identifier(macaroon.identifier());
  if (!identifier.ok()) {
    const std::string& raw = macaroon.identifier();
    const bool other_version = raw.size() >= 2 && (raw[0] != '\0' || raw[1] != '\0');
    return deny(other_version ? DenialCode::kUnknownVersion : DenialCode::kMalformed,
                identifier.error().message());
  }
  const TokenId& token_id = identifier->token_id;

  // 2. The master key. The snapshot is held until the root key has been derived.
  const std::shared_ptr<const KeySet> keys = keyring_.current();
  const KeyId key_id = key_id_of(token_id);
  const KeySet::Entry* key = keys->find(key_id);
  if (key == nullptr) {
    return deny(DenialCode::kUnknownKeyId,
                "the token's key ID " + ai::key_id_hex(key_id) + " is not known here");
  }
  if (key->state == KeyState::kRetired) {
    return deny(DenialCode::kKeyRetired, "the token's key " + ai::key_id_hex(key_id) +
                                             " has been retired; pay for a new one");
  }

  // 3. The preimage.
  const Hash256 preimage_hash = sha256(as_view(credential.preimage));
  if (!constant_time_equal(as_view(preimage_hash), as_view(identifier->payment_hash))) {
    return deny(DenialCode::kWrongPreimage,
                "the preimage does not hash to the token's payment hash");
  }

  // 4. The signature chain.
  Hash256 root_key = derive_root_key(key->key, token_id);
  Result<std::vector<std::string>> verified =
      verify_macaroon(macaroon, as_view(root_key), credential.discharges, nullptr);
  secure_wipe(root_key.data(), root_key.size());
  if (!verified.ok()) return deny(DenialCode::kBadSignature, signature_reason(verified.error()));
  std::vector<std::string>& caveats = verified.value();

  // 5. Revocation.
  if (revocations_.is_revoked(token_id)) {
    return deny(DenialCode::kRevoked, "the token has been revoked; pay for a new one");
  }

  // 6. Caveats.
  LastCaveats last;
  if (std::optional<Refusal> refusal = check_repetitions(caveats, target, last)) {
    return deny(refusal->code, std::move(refusal->reason));
  }
  const auto service_refusal = [&target] {
    return "the token does not grant service " + ti::quote(target.service);
  };
  if (!last.services) return deny(DenialCode::kWrongService, service_refusal());
  const Result<std::optional<std::uint8_t>> tier =
      ti::find_service_tier(*last.services, target.service);
  if (!tier.ok()) {
    return deny(DenialCode::kMalformed, "caveat \"services\": " + tier.error().message());
  }
  if (!tier->has_value()) return deny(DenialCode::kWrongService, service_refusal());

  std::optional<std::int64_t> valid_until;
  if (last.valid_until) {
    const Result<std::int64_t> until = parse_unix_seconds(*last.valid_until);
    if (!until.ok()) {
      return deny(DenialCode::kMalformed, "caveat " +
                                              ti::quote(valid_until_condition(target.service)) +
                                              ": " + until.error().message());
    }
    // Aperture's timeout satisfier: now < valid_until, so the second it names is expired.
    if (now >= static_cast<std::uint64_t>(*until)) {
      return deny(DenialCode::kExpired, "the token expired at " + iso8601_utc(*until));
    }
    valid_until = *until;
  }

  std::optional<std::vector<std::string>> capabilities;
  if (last.capabilities) {
    Result<std::vector<std::string>> parsed = parse_capabilities(*last.capabilities);
    if (!parsed.ok()) {
      return deny(DenialCode::kMalformed, "caveat " +
                                              ti::quote(capabilities_condition(target.service)) +
                                              ": " + parsed.error().message());
    }
    capabilities = std::move(parsed).value();
    if (!target.capability.empty() && std::find(capabilities->begin(), capabilities->end(),
                                                target.capability) == capabilities->end()) {
      return deny(DenialCode::kMissingCapability, "the token does not grant capability " +
                                                      ti::quote(target.capability) +
                                                      " of service " + ti::quote(target.service));
    }
  }

  Grant grant;
  grant.token_id = token_id;
  grant.payment_hash = identifier->payment_hash;
  grant.key_id = key_id;
  grant.service = std::string(target.service);
  grant.tier = **tier;
  grant.capabilities = std::move(capabilities);
  grant.valid_until = valid_until;
  // The views in `last` are no longer used: moving the vector keeps its strings in place anyway.
  grant.caveats = std::move(caveats);
  return grant;
}

bool Authority::grant_lapsed(const Grant& grant, std::uint64_t now) const {
  if (grant.valid_until && now >= static_cast<std::uint64_t>(*grant.valid_until)) return true;
  return revocations_.is_revoked(grant.token_id);
}

Verdict Authority::verify_request(std::span<const HeaderField> fields, const Target& target,
                                  std::uint64_t now) const {
  Result<Credential> credential = parse_credential(fields, options_.limits);
  if (!credential.ok()) {
    if (credential.error().code() == ErrorCode::kNotFound) {
      return deny(DenialCode::kNoCredential,
                  "no L402 credential; pay the invoice and send "
                  "Authorization: L402 <macaroon>:<preimage>");
    }
    return deny(DenialCode::kMalformed, credential.error().message());
  }
  return verify(*credential, target, now);
}

}  // namespace l402
