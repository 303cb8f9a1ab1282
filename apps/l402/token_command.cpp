#include "token_command.hpp"

#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "exit_codes.hpp"
#include "input.hpp"
#include "invoice_json.hpp"
#include "l402/bolt11.hpp"
#include "l402/crypto.hpp"
#include "l402/encoding.hpp"
#include "l402/macaroon.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/token.hpp"
#include "l402/token_header.hpp"

namespace l402::cli {
namespace {

using Json = nlohmann::ordered_json;

// A bare macaroon in hex may be twice the binary limit; header values are far smaller and are
// held to HeaderLimits by the parsers.
constexpr std::size_t kMaxInputSize = 2 * MacaroonLimits{}.max_serialized_size + 2;

constexpr std::string_view kKeyIdNote =
    "the first 4 bytes of the token ID: the master key ID for tokens minted by l402d "
    "(libl402's Authority); random bytes for any other minter";

constexpr std::string_view kSpace = " \t\r\n\v\f";

std::string_view trim(std::string_view text) {
  const std::size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const std::size_t last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The first word of a header value (its auth-scheme).
std::string_view first_word(std::string_view value) {
  return value.substr(0, value.find_first_of(kSpace));
}

bool is_l402_scheme(std::string_view word) {
  return equals_ignoring_case(word, "L402") || equals_ignoring_case(word, "LSAT");
}

// RFC 9110 tchar: what a header field name is made of.
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string hex_of(const Hash256& bytes) { return hex::encode(as_view(bytes)); }

// ---- macaroons

bool ends_with_suffix_of_service(std::string_view condition, std::string_view suffix) {
  return condition.size() > suffix.size() && condition.ends_with(suffix);
}

// What an L402 caveat means, under "interpretation"; a value that does not parse gives
// "interpretation_error" instead. Conditions libl402 does not know get neither.
void interpret(std::string_view condition, std::string_view value, Json& out) {
  const auto put_error = [&out](const Error& error) {
    out["interpretation_error"] = error.message();
  };
  if (condition == caveat::kServices) {
    auto services = parse_services(value);
    if (!services.ok()) return put_error(services.error());
    Json list = Json::array();
    for (const ServiceTier& service : *services) {
      list.push_back(Json{{"name", service.name}, {"tier", service.tier}});
    }
    out["interpretation"] = std::move(list);
  } else if (ends_with_suffix_of_service(condition, caveat::kCapabilitiesSuffix)) {
    auto capabilities = parse_capabilities(value);
    if (!capabilities.ok()) return put_error(capabilities.error());
    out["interpretation"] = *capabilities;
  } else if (ends_with_suffix_of_service(condition, caveat::kValidUntilSuffix)) {
    auto seconds = parse_unix_seconds(value);
    if (!seconds.ok()) return put_error(seconds.error());
    out["interpretation"] = Json{{"unix", *seconds}, {"iso", iso8601_utc(*seconds)}};
  } else if (condition == caveat::kPreimage) {
    auto bytes = hex::decode(value);
    if (!bytes.ok()) return put_error(bytes.error());
    if (bytes->size() != 32) {
      return put_error(Error(ErrorCode::kInvalidArgument,
                             "a preimage is 32 bytes, got " + std::to_string(bytes->size())));
    }
    out["interpretation"] = hex::encode(*bytes);
  }
}

Json describe_caveat(const Caveat& caveat) {
  Json out;
  if (!caveat.is_first_party()) {
    out["third_party"] = true;
    out["caveat_id_hex"] = hex::encode(caveat.id);
    out["location"] = caveat.location;
    return out;
  }
  if (!utf8::is_valid(caveat.id)) {
    out["raw_hex"] = hex::encode(caveat.id);
    return out;
  }
  out["raw"] = caveat.id;
  const std::optional<CaveatParts> parts = split_caveat(caveat.id);
  if (!parts) return out;  // not condition=value: no L402 meaning
  out["condition"] = std::string(parts->condition);
  out["value"] = std::string(parts->value);
  interpret(parts->condition, parts->value, out);
  return out;
}

Json describe_macaroon(const Macaroon& macaroon) {
  Json out;
  out["location"] = macaroon.location();
  out["identifier_hex"] = hex::encode(macaroon.identifier());
  auto id = decode_identifier(macaroon.identifier());
  if (id.ok()) {
    out["identifier"] = Json{{"version", id->version},
                             {"payment_hash", hex_of(id->payment_hash)},
                             {"token_id", hex_of(id->token_id)},
                             {"key_id", hex::encode(as_view(id->token_id).substr(0, 4))},
                             {"key_id_note", kKeyIdNote}};
  } else {
    out["identifier_error"] = id.error().message();
  }
  Json caveats = Json::array();
  for (const Caveat& caveat : macaroon.caveats()) caveats.push_back(describe_caveat(caveat));
  out["caveats"] = std::move(caveats);
  out["signature_hex"] = hex_of(macaroon.signature());
  return out;
}

std::optional<Hash256> identifier_payment_hash(const Macaroon& macaroon) {
  auto id = decode_identifier(macaroon.identifier());
  if (!id.ok()) return std::nullopt;
  return id->payment_hash;
}

// ---- the three kinds

Json skeleton(std::string_view kind, Json schemes) {
  Json out;
  out["kind"] = std::string(kind);
  out["schemes"] = std::move(schemes);
  return out;
}

Result<Json> describe_challenges(std::span<const std::string_view> values) {
  const HeaderLimits limits;
  auto challenges = parse_challenges(values, limits);
  if (!challenges.ok()) return challenges.error().with_context("WWW-Authenticate");
  if (challenges->empty()) {
    return Error(ErrorCode::kInvalidArgument, "no L402 or LSAT challenge in WWW-Authenticate");
  }
  Json schemes = Json::array();
  for (const Challenge& challenge : *challenges) schemes.push_back(challenge.scheme);
  Json out = skeleton("challenge", std::move(schemes));
  Json list = Json::array();
  for (std::size_t i = 0; i < challenges->size(); ++i) {
    const Challenge& challenge = (*challenges)[i];
    const std::string context =
        "challenge " + std::to_string(i + 1) + " (" + challenge.scheme + "): macaroon";
    auto binary = base64::decode(challenge.macaroon_base64);
    if (!binary.ok()) return binary.error().with_context(context);
    auto macaroon = parse_binary(*binary, limits.macaroon);
    if (!macaroon.ok()) return macaroon.error().with_context(context);

    Json entry;
    entry["scheme"] = challenge.scheme;
    entry["version"] = challenge.version ? Json(*challenge.version) : Json(nullptr);
    entry["macaroon"] = describe_macaroon(*macaroon);
    bool matches = false;
    auto invoice = decode_invoice(challenge.invoice);
    if (invoice.ok()) {
      entry["invoice"] = invoice_json(*invoice);
      const std::optional<Hash256> hash = identifier_payment_hash(*macaroon);
      matches = hash && *hash == invoice->payment_hash;
    } else {
      entry["invoice_error"] = invoice.error().message();
    }
    entry["payment_hash_matches_identifier"] = matches;
    list.push_back(std::move(entry));
  }
  out["challenges"] = std::move(list);
  return out;
}

std::string_view form_name(CredentialForm form) {
  switch (form) {
    case CredentialForm::kAuthorization:
      return "authorization";
    case CredentialForm::kGrpcMetadataMacaroon:
      return "grpc_metadata_macaroon";
    case CredentialForm::kMacaroonHeader:
      return "macaroon_header";
  }
  return "unknown";
}

Json describe_credential(const Credential& credential, Json schemes) {
  Json out = skeleton("credential", std::move(schemes));
  out["form"] = std::string(form_name(credential.form));
  out["macaroon"] = describe_macaroon(credential.macaroon);
  out["discharges"] = credential.discharges.size();
  out["preimage"] = hex_of(credential.preimage);
  const std::optional<Hash256> hash = identifier_payment_hash(credential.macaroon);
  out["preimage_matches_payment_hash"] =
      hash && constant_time_equal(as_view(sha256(as_view(credential.preimage))), as_view(*hash));
  return out;
}

Result<Json> describe_credential_fields(std::span<const HeaderField> fields) {
  auto credential = parse_credential(fields);
  if (!credential.ok()) {
    if (credential.error().code() == ErrorCode::kNotFound) {
      return Error(ErrorCode::kInvalidArgument,
                   "no L402 or LSAT credential: " + credential.error().message());
    }
    return credential.error();
  }
  // The L402 schemes of the Authorization values, as written (Aperture's client sends an LSAT
  // and an L402 line; the first that parses is the credential).
  Json schemes = Json::array();
  for (const HeaderField& field : fields) {
    if (!equals_ignoring_case(field.name, "Authorization")) continue;
    const std::string_view scheme = first_word(field.value);
    if (is_l402_scheme(scheme)) schemes.push_back(std::string(scheme));
  }
  return describe_credential(*credential, std::move(schemes));
}

Json describe_bare_macaroon(const std::vector<Macaroon>& stack) {
  Json out = skeleton("macaroon", Json::array());
  out["macaroon"] = describe_macaroon(stack.front());
  out["discharges"] = stack.size() - 1;
  return out;
}

// ---- reading the input

constexpr std::string_view kHeaderNames[] = {"WWW-Authenticate", "Authorization", "Macaroon",
                                             "Grpc-Metadata-Macaroon"};

// "Name: value" when the line starts with a header field name and a colon.
std::optional<HeaderField> split_header_line(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) return std::nullopt;
  for (std::size_t i = 0; i < colon; ++i) {
    if (!is_tchar(line[i])) return std::nullopt;
  }
  return HeaderField{line.substr(0, colon), trim(line.substr(colon + 1))};
}

bool is_known_header(std::string_view name) {
  for (const std::string_view known : kHeaderNames) {
    if (equals_ignoring_case(name, known)) return true;
  }
  return false;
}

Error unknown_header(std::string_view name) {
  return Error(ErrorCode::kInvalidArgument,
               "unsupported header \"" + std::string(name) +
                   "\" (expected WWW-Authenticate, Authorization, Macaroon or "
                   "Grpc-Metadata-Macaroon)");
}

// Input of one or more "Name: value" lines, all challenges or all credential fields.
Result<Json> describe_header_lines(std::string_view text) {
  std::vector<std::string_view> challenge_values;
  std::vector<HeaderField> credential_fields;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    if (line.empty()) continue;
    const std::optional<HeaderField> field = split_header_line(line);
    if (!field) {
      return Error(ErrorCode::kInvalidArgument,
                   "line " + std::to_string(line_number) + ": expected \"Name: value\"");
    }
    if (!is_known_header(field->name)) return unknown_header(field->name);
    if (equals_ignoring_case(field->name, "WWW-Authenticate")) {
      challenge_values.push_back(field->value);
    } else {
      credential_fields.push_back(*field);
    }
  }
  if (!challenge_values.empty() && !credential_fields.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "the input mixes WWW-Authenticate with credential headers; inspect one at a "
                 "time");
  }
  if (!challenge_values.empty()) return describe_challenges(challenge_values);
  return describe_credential_fields(credential_fields);
}

// A value without a header name: an Authorization value, a WWW-Authenticate value or a
// macaroon, tried in that order.
Result<Json> describe_bare_value(std::string_view value) {
  auto credential = parse_authorization(value);
  if (credential.ok()) {
    return describe_credential(*credential, Json::array({std::string(first_word(value))}));
  }
  const std::string_view values[] = {value};
  auto challenges = parse_challenges(values);
  if (challenges.ok() && !challenges->empty()) return describe_challenges(values);

  if (is_l402_scheme(first_word(value))) {
    // Looks like L402 but is neither: a credential has "<tokens>:<preimage>", a challenge
    // has auth-params; report the error of the one it resembles.
    const bool looks_like_credential =
        value.find('"') == std::string_view::npos && value.find(':') != std::string_view::npos;
    if (looks_like_credential || challenges.ok()) {
      return credential.error().with_context("not a valid L402 credential");
    }
    return challenges.error().with_context("not a valid L402 challenge");
  }
  auto stack = parse_text(value);
  if (!stack.ok()) {
    return stack.error().with_context(
        "not an L402 challenge, credential or macaroon; read as a macaroon");
  }
  return describe_bare_macaroon(*stack);
}

Result<Json> inspect(std::string_view text) {
  text = trim(text);
  if (text.empty()) return Error(ErrorCode::kInvalidArgument, "empty input");
  const std::string_view first_line = trim(text.substr(0, text.find('\n')));
  if (const std::optional<HeaderField> field = split_header_line(first_line)) {
    if (!is_known_header(field->name)) return unknown_header(field->name);
    return describe_header_lines(text);
  }
  return describe_bare_value(text);
}

void add_inspect(CLI::App& parent, int& exit_code) {
  auto input = std::make_shared<std::string>();
  CLI::App* command = parent.add_subcommand(
      "inspect", "Take an L402 challenge, credential or macaroon apart and print it as JSON");
  command
      ->add_option("value", *input,
                   "WWW-Authenticate or Authorization value (optionally with the header name), "
                   "or a macaroon; - for stdin, @file")
      ->required();
  command->callback([input, &exit_code] {
    exit_code = [&]() -> int {
      auto text = read_argument(*input, kMaxInputSize);
      if (!text.ok()) {
        std::cerr << "l402: " << text.error().message() << '\n';
        return kExitBadInput;
      }
      auto json = inspect(*text);
      if (!json.ok()) {
        std::cerr << "l402: " << json.error().message() << '\n';
        return kExitBadInput;
      }
      // Locations, caveats and descriptions that are not UTF-8 print with U+FFFD.
      std::cout << json->dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
      return kExitOk;
    }();
  });
}

}  // namespace

void add_token_command(CLI::App& app, int& exit_code) {
  CLI::App* token = app.add_subcommand("token", "L402 challenges, credentials and tokens");
  token->require_subcommand(1);
  add_inspect(*token, exit_code);
}

}  // namespace l402::cli
