// L402 on the wire: the WWW-Authenticate challenge and the Authorization credential, in every
// form deployed clients and servers use (see docs/tokens.md and l402-protocol.md §1).
//
// Challenge out (format_challenge):
//   kAperture (default)  LSAT macaroon="<std b64>", invoice="<bolt11>", version="0"
//                        L402 macaroon="<std b64>", invoice="<bolt11>", version="0"
//   kSpec                only the L402 line.
// Parameters come in that order because Aperture's Go client matches the regex
// `(LSAT|L402) macaroon="(.*?)", invoice="(.*?)"`.
//
// Challenge in (parse_challenges): RFC 7235 auth-params; scheme L402 or LSAT in any case; the
// token in `token` or `macaroon`; unknown parameters ignored; several challenges per field
// value (folded lines) and several values; other schemes skipped.
//
// Credential in (parse_credential): `Authorization: L402|LSAT <tokens>:<preimage>` with the
// scheme in any case, each token base64 in either alphabet with or without padding, the
// preimage 64 hex digits of either case, tokens separated by ',' (the first is the L402
// macaroon, the rest its discharges); the first Authorization value that parses as L402 wins.
// Without an L402 Authorization value, `Grpc-Metadata-Macaroon` then `Macaroon`: hex of a
// binary macaroon carrying a `preimage=<hex>` caveat (the last one counts).
//
// Every size is bounded (HeaderLimits); an error names the limit it hit.
//
// Thread safety: stateless; safe from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "l402/crypto.hpp"
#include "l402/macaroon.hpp"
#include "l402/result.hpp"

namespace l402 {

struct HeaderLimits {
  // Bytes of one header field value (Authorization, WWW-Authenticate, Macaroon).
  std::size_t max_value_size = 8192;
  // Macaroons in one credential (the L402 macaroon and its discharges).
  std::size_t max_tokens = 4;
  // Challenges read from all WWW-Authenticate values together.
  std::size_t max_challenges = 16;
  // Auth-params in one challenge.
  std::size_t max_params = 16;
  // Applied to every macaroon decoded from a header. max_caveats bounds what verification
  // has to hash; 64 is far above the handful an L402 token carries.
  MacaroonLimits macaroon{
      .max_serialized_size = 4096, .max_caveats = 64, .max_field_size = 1024, .max_stack_size = 4};
};

// A header field as received; names are compared case-insensitively.
struct HeaderField {
  std::string_view name;
  std::string_view value;
};

enum class ChallengeStyle {
  kAperture,  // an LSAT line, then an L402 line
  kSpec,      // the L402 line only
};

// The WWW-Authenticate values to send, in order. `macaroon` is a V2 binary macaroon;
// `invoice` a BOLT 11 string (a '"' or '\\' in it is escaped and control characters are
// dropped, so that no input can break the header line).
std::vector<std::string> format_challenge(std::string_view macaroon_binary,
                                          std::string_view invoice, ChallengeStyle style);

struct Challenge {
  std::string scheme;           // as written, e.g. "L402" or "lsat"
  std::string macaroon_base64;  // the `token` or `macaroon` parameter, as written
  std::string invoice;          // the `invoice` parameter
  std::optional<std::string> version;
};

// Every L402/LSAT challenge in `values` (the WWW-Authenticate field values, in order), in
// order; other schemes are skipped. Fails with kInvalidArgument when a value is not valid
// RFC 7235 syntax or an L402 challenge lacks its token or invoice, with kLimitExceeded when a
// limit is hit; a value without any L402 challenge gives an empty list.
Result<std::vector<Challenge>> parse_challenges(std::span<const std::string_view> values,
                                                const HeaderLimits& limits = {});

enum class CredentialForm {
  kAuthorization,         // Authorization: L402|LSAT <tokens>:<preimage>
  kGrpcMetadataMacaroon,  // Grpc-Metadata-Macaroon: <hex with a preimage caveat>
  kMacaroonHeader,        // Macaroon: <hex with a preimage caveat> (gRPC `macaroon` metadata)
};

struct Credential {
  Macaroon macaroon;
  std::vector<Macaroon> discharges;
  Hash256 preimage{};
  CredentialForm form = CredentialForm::kAuthorization;
};

// Finds the credential among a request's header fields.
// Errors: kNotFound when no field carries an L402 credential (no Authorization with scheme
// L402/LSAT, no Macaroon or Grpc-Metadata-Macaroon field); kInvalidArgument for one that is
// malformed (bad base64 or hex, a preimage that is not 64 hex digits, a macaroon that does
// not decode, a Macaroon field without a preimage caveat), naming what; kLimitExceeded,
// naming the limit. When several Authorization values carry L402, the first that parses wins;
// if none parses, the first one's error is returned.
Result<Credential> parse_credential(std::span<const HeaderField> fields,
                                    const HeaderLimits& limits = {});

// Whether an Authorization value has the scheme L402 or LSAT (leading whitespace ignored):
// the values parse_credential reads.
bool is_l402_authorization(std::string_view value);

// Parses one Authorization value ("L402 <tokens>:<preimage>"). kNotFound when its scheme is
// not L402/LSAT.
Result<Credential> parse_authorization(std::string_view value, const HeaderLimits& limits = {});

// "L402 <std b64>[,<std b64>...]:<lower hex>" for `credential` (V2 binary macaroons).
std::string format_authorization(const Credential& credential);

}  // namespace l402
