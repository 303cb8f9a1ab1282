// Helpers shared by the macaroon builder, verifier and codecs. Private to src/macaroon.
#pragma once

#include <string>
#include <string_view>

#include "l402/crypto.hpp"
#include "l402/macaroon.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/result.hpp"

namespace l402::macaroon_internal {

// V2 binary field types (libmacaroons doc/format.txt).
inline constexpr std::uint64_t kFieldEos = 0;
inline constexpr std::uint64_t kFieldLocation = 1;
inline constexpr std::uint64_t kFieldIdentifier = 2;
inline constexpr std::uint64_t kFieldVerificationId = 4;
inline constexpr std::uint64_t kFieldSignature = 6;
inline constexpr unsigned char kVersion2 = 0x02;

inline constexpr std::size_t kSignatureSize = 32;
inline constexpr std::size_t kVerificationIdMinSize = secretbox::kNonceSize + secretbox::kMacSize;

Error malformed(std::string what);
Error limit_exceeded(std::string_view limit_name, std::string_view what, std::size_t size,
                     std::size_t limit);

// Fails with kLimitExceeded when `value` is longer than limits.max_field_size.
Result<void> check_field_size(std::string_view field_name, std::string_view value,
                              const MacaroonLimits& limits);

// HMAC(key, HMAC(key, a) || HMAC(key, b)): the third-party caveat step and discharge binding.
Hash256 keyed_hash2(const Hash256& key, std::string_view a, std::string_view b);

// Size of the V2 binary form of a macaroon with these parts, without building it.
std::size_t v2_size(const Macaroon& macaroon);

// Valid UTF-8 by Go's rules (no surrogates, no overlong forms, at most U+10FFFF).
bool is_valid_utf8(std::string_view text);

// Appends `text` as a JSON string literal escaped exactly as Go's encoding/json does
// (HTML-safe: <, >, & as \u003c...; U+2028/U+2029 escaped; invalid UTF-8 as \ufffd), so that
// our JSON agrees byte for byte with go-macaroon's.
void append_go_json_string(std::string& out, std::string_view text);

// Fails unless V1 (binary or JSON) can hold the macaroon: identifier, locations and caveat ids
// must be UTF-8 (go-macaroon refuses others).
Result<void> check_v1_text_fields(const Macaroon& macaroon);

// Parses one V1 (packet) macaroon at the front of `bytes`.
Result<ParsedMacaroon> parse_v1_prefix(std::string_view bytes, const MacaroonLimits& limits);

}  // namespace l402::macaroon_internal
