// L402 tokens: the macaroon identifier and the caveat conventions Aperture established.
//
//   identifier = version (uint16 big-endian, only 0) || payment hash (32) || token ID (32)
//
// Tokens minted by libl402 carry a key ID in the first bytes of the token ID (see
// authority.hpp and docs/tokens.md); to everyone else the token ID is 32 opaque bytes.
//
// Caveats are "condition=value" strings split at the first '='. The conditions understood
// here are `services`, `<service>_capabilities` and `<service>_valid_until`; a condition may be
// repeated, and each repetition may only narrow the one before (caveat_narrows).
//
// Thread safety: stateless; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "l402/crypto.hpp"
#include "l402/result.hpp"

namespace l402 {

inline constexpr std::uint16_t kIdentifierVersion = 0;
inline constexpr std::size_t kIdentifierSize = 66;
inline constexpr std::size_t kTokenIdSize = 32;

using TokenId = Hash256;

struct Identifier {
  std::uint16_t version = kIdentifierVersion;
  Hash256 payment_hash{};
  TokenId token_id{};
  bool operator==(const Identifier&) const = default;
};

// The 66 identifier bytes. Requires: identifier.version == kIdentifierVersion.
std::string encode_identifier(const Identifier& identifier);

// Decodes exactly 66 bytes of version 0. Errors (kInvalidArgument): another length, naming
// it; a version other than 0 ("unknown identifier version N").
Result<Identifier> decode_identifier(std::string_view bytes);

// A first-party caveat split at its first '='. Strings without '=' are not L402 caveats.
struct CaveatParts {
  std::string_view condition;
  std::string_view value;
};
std::optional<CaveatParts> split_caveat(std::string_view caveat);

namespace caveat {
inline constexpr std::string_view kServices = "services";
inline constexpr std::string_view kCapabilitiesSuffix = "_capabilities";
inline constexpr std::string_view kValidUntilSuffix = "_valid_until";
// What the gRPC and `Macaroon`-header forms carry the preimage in (ignored when verifying).
inline constexpr std::string_view kPreimage = "preimage";
}  // namespace caveat

// "<service>_capabilities" and "<service>_valid_until".
std::string capabilities_condition(std::string_view service);
std::string valid_until_condition(std::string_view service);

struct ServiceTier {
  std::string name;
  std::uint8_t tier = 0;
  bool operator==(const ServiceTier&) const = default;
};

// Parses "name:tier[,name:tier...]": at least one entry, names non-empty without ',' ':' '=',
// tiers decimal 0-255. Errors (kInvalidArgument) name the offending entry.
Result<std::vector<ServiceTier>> parse_services(std::string_view value);
// "name:tier,..." in the given order. Requires: valid names (as parse_services accepts).
std::string format_services(const std::vector<ServiceTier>& services);

// Splits "a,b,c" into names; the empty value is the empty list (no capability at all).
// Errors (kInvalidArgument): an empty name between commas.
Result<std::vector<std::string>> parse_capabilities(std::string_view value);

// Parses a decimal Unix time in seconds (0 to INT64_MAX, no sign, no leading zeros beyond
// "0"). Errors (kInvalidArgument) otherwise.
Result<std::int64_t> parse_unix_seconds(std::string_view value);

// Unix seconds as ISO 8601 UTC, e.g. "2100-01-01T00:00:00Z"; years past 9999 take the
// expanded form ("+10000-..."). Requires: unix_seconds >= 0 (what parse_unix_seconds returns).
std::string iso8601_utc(std::int64_t unix_seconds);

// Parses a decimal non-negative limit of a service constraint (the same grammar as
// parse_unix_seconds, up to UINT64_MAX).
Result<std::uint64_t> parse_limit(std::string_view value);

// What a repeated condition may do: `current` must be at least as narrow as `previous`.
enum class CaveatKind {
  kServices,      // names in current ⊆ names in previous (tiers are not compared)
  kCapabilities,  // items in current ⊆ items in previous
  kValidUntil,    // current ≤ previous
  kLimit,         // a numeric constraint: current ≤ previous
  kOther,         // not interpreted: any repetition is allowed
};

// Classifies `condition` for `service`: "services", "<service>_capabilities",
// "<service>_valid_until", or one of `limit_conditions`.
CaveatKind classify_condition(std::string_view condition, std::string_view service,
                              std::span<const std::string> limit_conditions);

// Ok when `current` narrows (or equals) `previous` under `kind`. Errors: kInvalidArgument when
// a value does not parse, kPermissionDenied ("widens ...") when `current` allows more.
Result<void> caveat_narrows(CaveatKind kind, std::string_view previous, std::string_view current);

}  // namespace l402
