// The L402 credential in a request: `Authorization: L402|LSAT <tokens>:<preimage>`, or the
// gRPC forms `Grpc-Metadata-Macaroon` / `Macaroon` (hex of a macaroon with a preimage caveat).
//
// SPEC grammar (l402-protocol.md §1.3):
//   auth-tokens     = base64 *( "," base64 )
//   L402-credential = auth-tokens ":" preimage
// This runs for every request the gateway sees: it works on views of the field values, decodes
// the preimage in place, checks the cheap things (scheme, sizes, structure, preimage) before
// decoding any macaroon, and builds error text only on failure.
//
// Where we are deliberately stricter than Aperture (l402/header.go), which matches an
// unanchored regex and decodes with go-macaroon's UnmarshalBinary:
// - the whole value must be the credential: text before the scheme or after the preimage is
//   an error, not ignored;
// - a token must decode to exactly one macaroon: bytes after its signature are an error
//   (Aperture ignores them); several macaroons go in separate comma-separated tokens;
// - control characters anywhere in a value are an error.
// And more lenient, as the SPEC and go-macaroon's Base64Decode allow: the scheme in any case,
// 1*SP after it, base64 in either alphabet with or without padding, hex of either case, and
// every Authorization value considered (the first L402 one that parses wins, where Aperture
// keeps the result of the last).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "header_syntax.hpp"
#include "l402/encoding.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/token_header.hpp"

namespace l402 {
namespace {
namespace hs = header_syntax;

constexpr std::string_view kAuthorization = "Authorization";
constexpr std::string_view kGrpcMetadataMacaroon = "Grpc-Metadata-Macaroon";
constexpr std::string_view kMacaroon = "Macaroon";
constexpr std::string_view kPreimageCaveatPrefix = "preimage=";
constexpr std::size_t kPreimageHexDigits = 64;
constexpr std::size_t kSchemeSize = 4;  // "L402" and "LSAT"

Error invalid(std::string_view field, std::string_view what) {
  std::string message(field);
  message += ": ";
  message += what;
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

// Fails when `value` is longer than max_value_size or holds a control character.
Result<void> check_value(std::string_view field, std::string_view value,
                         const HeaderLimits& limits) {
  if (value.size() > limits.max_value_size) {
    return hs::limit_exceeded(field, "value size", value.size(), "max_value_size",
                              limits.max_value_size);
  }
  if (const auto offset = hs::find_forbidden_control(value)) {
    return invalid(field, "control character " + hs::byte_name(value[*offset]) + " at offset " +
                              std::to_string(*offset));
  }
  return ok_result();
}

// 64 hex digits of either case into 32 bytes.
Result<Hash256> decode_preimage(std::string_view field, std::string_view text,
                                std::string_view what) {
  if (text.size() != kPreimageHexDigits) {
    return invalid(
        field, std::string(what) + " must be 64 hex digits, got " + std::to_string(text.size()));
  }
  // One pass without early exit (every credential carries a preimage); a bad digit is located
  // afterwards for the message.
  Hash256 preimage{};
  unsigned bad_seen = 0;
  for (std::size_t i = 0; i < preimage.size(); ++i) {
    const std::uint8_t high = hs::hex_digit_value(text[2 * i]);
    const std::uint8_t low = hs::hex_digit_value(text[2 * i + 1]);
    bad_seen |= static_cast<unsigned>(high | low) & hs::kNotHex;
    preimage[i] = static_cast<std::uint8_t>((high << 4) | (low & 0x0f));
  }
  if (bad_seen == 0) return preimage;
  for (std::size_t digit = 0; digit < text.size(); ++digit) {
    if (!hs::is_hex_digit(text[digit])) {
      return invalid(field, std::string(what) + " has a non-hex character at digit " +
                                std::to_string(digit + 1));
    }
  }
  return preimage;  // unreachable: some digit was not hex
}

// One base64 token (any alphabet, padded or not) holding exactly one binary macaroon.
Result<Macaroon> decode_token(std::string_view token, std::size_t number,
                              const HeaderLimits& limits) {
  auto context = [number] {
    return std::string(kAuthorization) + ": token " + std::to_string(number);
  };
  if (token.empty()) return Error(ErrorCode::kInvalidArgument, context() + " is empty");
  // Bound the decoded size before decoding: 4 characters carry at most 3 bytes.
  const std::size_t max_size = limits.macaroon.max_serialized_size;
  if (token.size() / 4 * 3 > max_size) {
    return hs::limit_exceeded(context(), "decoded size", token.size() / 4 * 3,
                              "max_serialized_size", max_size);
  }
  auto bytes = base64::decode(token);
  if (!bytes.ok()) return bytes.error().with_context(context());
  if (bytes->size() > max_size) {
    return hs::limit_exceeded(context(), "decoded size", bytes->size(), "max_serialized_size",
                              max_size);
  }
  // parse_binary, not parse_binary_prefix: trailing bytes after the signature are rejected.
  auto macaroon = parse_binary(*bytes, limits.macaroon);
  if (!macaroon.ok()) return macaroon.error().with_context(context());
  return macaroon;
}

// True when `value` (leading OWS removed) starts with the auth-scheme L402 or LSAT.
bool has_l402_scheme(std::string_view value) {
  if (value.size() < kSchemeSize || !hs::is_l402_scheme(value.substr(0, kSchemeSize))) {
    return false;
  }
  return value.size() == kSchemeSize || !hs::is_tchar(value[kSchemeSize]);
}

// The hex form: a binary macaroon whose last `preimage=` caveat holds the preimage.
Result<Credential> parse_macaroon_field(std::string_view field, std::string_view value,
                                        CredentialForm form, const HeaderLimits& limits) {
  L402_RETURN_IF_ERROR(check_value(field, value, limits));
  value = hs::trim_ows(value);
  if (value.empty()) return invalid(field, "empty value");
  auto bytes = hex::decode(value);
  if (!bytes.ok()) return bytes.error().with_context(field);
  if (bytes->size() > limits.macaroon.max_serialized_size) {
    return hs::limit_exceeded(field, "decoded size", bytes->size(), "max_serialized_size",
                              limits.macaroon.max_serialized_size);
  }
  auto macaroon = parse_binary(*bytes, limits.macaroon);
  if (!macaroon.ok()) return macaroon.error().with_context(field);

  // Aperture's HasCaveat: the last caveat with this condition counts. Only first-party
  // caveats are conditions; a third-party caveat id is the third party's business.
  const Caveat* preimage_caveat = nullptr;
  for (const Caveat& caveat : macaroon->caveats()) {
    if (caveat.is_first_party() && caveat.id.starts_with(kPreimageCaveatPrefix)) {
      preimage_caveat = &caveat;
    }
  }
  if (preimage_caveat == nullptr) return invalid(field, "macaroon has no preimage caveat");
  const std::string_view hex_preimage =
      std::string_view(preimage_caveat->id).substr(kPreimageCaveatPrefix.size());
  L402_ASSIGN_OR_RETURN(const Hash256 preimage,
                        decode_preimage(field, hex_preimage, "preimage caveat"));
  Credential credential{std::move(macaroon).value(), {}, preimage, form};
  return credential;
}

// Every field named `name`, in order: the first that parses wins; if none does, the first
// error. kNotFound when there is no such field.
Result<Credential> parse_macaroon_fields(std::span<const HeaderField> fields, std::string_view name,
                                         CredentialForm form, const HeaderLimits& limits) {
  std::optional<Error> first_error;
  for (const HeaderField& field : fields) {
    if (!hs::iequals(field.name, name)) continue;
    auto credential = parse_macaroon_field(name, field.value, form, limits);
    if (credential.ok()) return credential;
    if (!first_error) first_error = std::move(credential).error();
  }
  if (first_error) return *std::move(first_error);
  return Error(ErrorCode::kNotFound, "no " + std::string(name) + " field");
}

}  // namespace

bool is_l402_authorization(std::string_view value) { return has_l402_scheme(hs::trim_ows(value)); }

Result<Credential> parse_authorization(std::string_view value, const HeaderLimits& limits) {
  // RFC 9110 §5.5: leading and trailing whitespace is not part of the field value.
  std::string_view rest = value;
  while (!rest.empty() && hs::is_ows(rest.front())) rest.remove_prefix(1);
  // The scheme decides before the size: a large credential of another scheme (a JWT) is not
  // ours to refuse.
  if (!has_l402_scheme(rest)) {
    return Error(ErrorCode::kNotFound, std::string(kAuthorization) + ": scheme is not L402");
  }
  L402_RETURN_IF_ERROR(check_value(kAuthorization, value, limits));
  const std::size_t scheme_end = static_cast<std::size_t>(rest.data() - value.data()) + kSchemeSize;
  rest = hs::trim_ows(rest.substr(kSchemeSize));
  if (rest.empty()) return invalid(kAuthorization, "no credential after the scheme");
  // auth-scheme 1*SP: the byte after the scheme is a space (trim_ows above only removed it).
  if (value[scheme_end] != ' ') {
    return invalid(kAuthorization, "expected a space after the scheme");
  }

  // Tokens and preimage split at the last ':' (base64 has none).
  const std::size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) {
    return invalid(kAuthorization, "expected <tokens>:<preimage>, found no ':'");
  }
  L402_ASSIGN_OR_RETURN(const Hash256 preimage,
                        decode_preimage(kAuthorization, rest.substr(colon + 1), "preimage"));
  std::string_view tokens = rest.substr(0, colon);
  if (tokens.empty()) return invalid(kAuthorization, "no token before ':'");

  std::size_t token_count = 1;
  for (const char c : tokens) token_count += c == ',' ? 1 : 0;
  if (token_count > limits.max_tokens) {
    return hs::limit_exceeded(kAuthorization, "token count", token_count, "max_tokens",
                              limits.max_tokens);
  }

  // The first token is the L402 macaroon, the rest its discharges.
  std::size_t comma = tokens.find(',');
  L402_ASSIGN_OR_RETURN(Macaroon macaroon, decode_token(tokens.substr(0, comma), 1, limits));
  Credential credential{std::move(macaroon), {}, preimage, CredentialForm::kAuthorization};
  if (token_count > 1) credential.discharges.reserve(token_count - 1);
  for (std::size_t number = 2; comma != std::string_view::npos; ++number) {
    tokens.remove_prefix(comma + 1);
    comma = tokens.find(',');
    L402_ASSIGN_OR_RETURN(Macaroon discharge,
                          decode_token(tokens.substr(0, comma), number, limits));
    credential.discharges.push_back(std::move(discharge));
  }
  return credential;
}

Result<Credential> parse_credential(std::span<const HeaderField> fields,
                                    const HeaderLimits& limits) {
  std::optional<Error> first_error;
  for (const HeaderField& field : fields) {
    if (!hs::iequals(field.name, kAuthorization)) continue;
    auto credential = parse_authorization(field.value, limits);
    if (credential.ok()) return credential;
    // kNotFound: another scheme (Bearer, Basic, ...), which is not ours to judge.
    if (credential.error().code() == ErrorCode::kNotFound) continue;
    if (!first_error) first_error = std::move(credential).error();
  }
  if (first_error) return *std::move(first_error);

  // No L402 Authorization value: the gRPC forms, as Aperture checks them. The first of the two
  // names that is present decides.
  auto grpc = parse_macaroon_fields(fields, kGrpcMetadataMacaroon,
                                    CredentialForm::kGrpcMetadataMacaroon, limits);
  if (grpc.ok() || grpc.error().code() != ErrorCode::kNotFound) return grpc;
  auto metadata = parse_macaroon_fields(fields, kMacaroon, CredentialForm::kMacaroonHeader, limits);
  if (metadata.ok() || metadata.error().code() != ErrorCode::kNotFound) return metadata;
  return Error(ErrorCode::kNotFound,
               "no L402 credential (no Authorization L402/LSAT, Grpc-Metadata-Macaroon or "
               "Macaroon field)");
}

std::string format_authorization(const Credential& credential) {
  std::string out = "L402 ";
  out += base64::encode_std(to_binary_v2(credential.macaroon));
  for (const Macaroon& discharge : credential.discharges) {
    out += ',';
    out += base64::encode_std(to_binary_v2(discharge));
  }
  out += ':';
  out += hex::encode(as_view(credential.preimage));
  return out;
}

}  // namespace l402
