#include "client/jar/token_document.hpp"

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "client/jar/records.hpp"
#include "l402/encoding.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/token.hpp"
#include "l402/token_header.hpp"

namespace l402::client_jar {

namespace {

using Json = nlohmann::json;

// The document is an object holding an array of flat objects: depth 3.
constexpr std::size_t kMaxNesting = 3;

// The deepest nesting of arrays and objects, counted without building anything, so that a
// hostile document cannot make the parser or the value's destructor recurse deeply.
std::size_t nesting_depth(std::string_view text) {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

std::string hash_hex(const Hash256& hash) { return hex::encode(hash); }

Json token_json(const StoredToken& token) {
  return Json{{"token_id", token.token_id},
              {"origin", token.origin},
              {"service", token.service},
              {"path_scope", token.path_scope},
              {"macaroon", token.macaroon_base64},
              {"payment_hash", hash_hex(token.payment_hash)},
              {"preimage", hash_hex(token.preimage)},
              {"amount_msat", token.amount.value()},
              {"fee_msat", token.fee.value()},
              {"bought_at", token.bought_at},
              {"expires_at", token.expires_at ? Json(*token.expires_at) : Json(nullptr)},
              {"stale", token.stale}};
}

// Reads the fields of one token object, naming the first that is missing or mistyped.
class FieldReader {
 public:
  FieldReader(const Json& object, std::size_t index) : object_(object), index_(index) {}

  std::string text(const char* name) {
    const Json* value = find(name);
    if (value == nullptr) return {};
    if (!value->is_string()) return fail(name, "must be a string"), std::string();
    return value->get<std::string>();
  }

  Hash256 hash(const char* name) {
    Hash256 out{};
    const std::string digits = text(name);
    if (problem_) return out;
    const Result<std::string> bytes = hex::decode(digits);
    if (!bytes.ok() || bytes->size() != out.size()) {
      fail(name, "must be 64 hex digits");
      return out;
    }
    std::copy(bytes->begin(), bytes->end(), out.begin());
    return out;
  }

  std::int64_t integer(const char* name, std::int64_t min) {
    const Json* value = find(name);
    if (value == nullptr) return 0;
    if (!value->is_number_integer()) return fail(name, "must be an integer"), 0;
    if (value->is_number_unsigned() &&
        value->get<std::uint64_t>() > std::uint64_t{std::numeric_limits<std::int64_t>::max()}) {
      return fail(name, "is above INT64_MAX"), 0;
    }
    const std::int64_t number = value->get<std::int64_t>();
    if (number < min) return fail(name, "is below " + std::to_string(min)), 0;
    return number;
  }

  std::optional<std::int64_t> optional_integer(const char* name) {
    const Json* value = find(name);
    if (value == nullptr || value->is_null()) return std::nullopt;
    return integer(name, std::numeric_limits<std::int64_t>::min());
  }

  bool boolean(const char* name) {
    const Json* value = find(name);
    if (value == nullptr) return false;
    if (!value->is_boolean()) return fail(name, "must be true or false"), false;
    return value->get<bool>();
  }

  void fail(std::string_view name, std::string_view what) {
    if (!problem_) {
      problem_ =
          Error(ErrorCode::kInvalidArgument, "token " + std::to_string(index_) + ": " +
                                                 std::string(name) + " " + std::string(what));
    }
  }

  const std::optional<Error>& problem() const { return problem_; }

 private:
  const Json* find(const char* name) {
    const auto found = object_.find(name);
    if (found == object_.end()) {
      fail(name, "is missing");
      return nullptr;
    }
    return &*found;
  }

  const Json& object_;
  std::size_t index_;
  std::optional<Error> problem_;
};

// The macaroon must be the token it claims to be: its identifier names this token ID and
// payment hash (what the server checks), so a document cannot file a token under another.
Result<void> check_identifier(const StoredToken& token) {
  const HeaderLimits limits;
  L402_ASSIGN_OR_RETURN(const std::string binary, base64::decode(token.macaroon_base64));
  L402_ASSIGN_OR_RETURN(const Macaroon macaroon, parse_binary(binary, limits.macaroon));
  L402_ASSIGN_OR_RETURN(const Identifier identifier, decode_identifier(macaroon.identifier()));
  if (hex::encode(identifier.token_id) != token.token_id) {
    return Error(ErrorCode::kInvalidArgument, "token_id: differs from the macaroon's identifier");
  }
  if (identifier.payment_hash != token.payment_hash) {
    return Error(ErrorCode::kInvalidArgument,
                 "payment_hash: differs from the macaroon's identifier");
  }
  return ok_result();
}

Result<StoredToken> read_token_object(const Json& object, std::size_t index,
                                      const ClientStoreLimits& limits) {
  if (!object.is_object()) {
    return Error(ErrorCode::kInvalidArgument,
                 "token " + std::to_string(index) + ": must be an object");
  }
  static const std::set<std::string> kKnown = {
      "token_id", "origin",      "service",  "path_scope", "macaroon",   "payment_hash",
      "preimage", "amount_msat", "fee_msat", "bought_at",  "expires_at", "stale"};
  FieldReader reader(object, index);
  for (const auto& item : object.items()) {
    if (kKnown.count(item.key()) == 0) reader.fail(item.key(), "is not a field of version 1");
  }
  StoredToken token;
  token.token_id = reader.text("token_id");
  token.origin = reader.text("origin");
  token.service = reader.text("service");
  token.path_scope = reader.text("path_scope");
  token.macaroon_base64 = reader.text("macaroon");
  token.payment_hash = reader.hash("payment_hash");
  token.preimage = reader.hash("preimage");
  token.amount = Msat(static_cast<std::uint64_t>(reader.integer("amount_msat", 0)));
  token.fee = Msat(static_cast<std::uint64_t>(reader.integer("fee_msat", 0)));
  token.bought_at = reader.integer("bought_at", 0);
  token.expires_at = reader.optional_integer("expires_at");
  token.stale = reader.boolean("stale");
  if (reader.problem()) return *reader.problem();
  Result<void> checked = check_token(token, limits);
  if (checked.ok()) checked = check_identifier(token);
  if (!checked.ok()) {
    return Error(checked.error().code() == ErrorCode::kLimitExceeded ? ErrorCode::kLimitExceeded
                                                                     : ErrorCode::kInvalidArgument,
                 "token " + std::to_string(index) + ": " + checked.error().message());
  }
  return token;
}

}  // namespace

std::string write_token_document(std::span<const StoredToken> tokens) {
  Json list = Json::array();
  for (const StoredToken& token : tokens) list.push_back(token_json(token));
  const Json document{{"format", kTokenDocumentFormat},
                      {"version", kTokenDocumentVersion},
                      {"tokens", std::move(list)}};
  // Stored text is checked UTF-8; replacing would only matter for a damaged row.
  return document.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

Result<std::vector<StoredToken>> read_token_document(std::string_view json,
                                                     const ClientStoreLimits& limits) {
  if (json.size() > limits.max_import_size) {
    return Error(ErrorCode::kLimitExceeded, "token document: larger than " +
                                                std::to_string(limits.max_import_size) + " bytes");
  }
  if (nesting_depth(json) > kMaxNesting) {
    return Error(ErrorCode::kLimitExceeded, "token document: nested deeper than a token list");
  }
  const Json document = Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded())
    return Error(ErrorCode::kInvalidArgument, "token document: not JSON");
  if (!document.is_object()) {
    return Error(ErrorCode::kInvalidArgument, "token document: not a JSON object");
  }
  const auto format = document.find("format");
  if (format == document.end() || !format->is_string() ||
      format->get<std::string>() != kTokenDocumentFormat) {
    return Error(ErrorCode::kInvalidArgument, "token document: \"format\" must be \"l402-tokens\"");
  }
  const auto version = document.find("version");
  if (version == document.end() || !version->is_number_integer() ||
      version->get<std::int64_t>() != kTokenDocumentVersion) {
    return Error(ErrorCode::kInvalidArgument,
                 "token document: unsupported \"version\" (this build reads version 1)");
  }
  const auto tokens = document.find("tokens");
  if (tokens == document.end() || !tokens->is_array()) {
    return Error(ErrorCode::kInvalidArgument, "token document: \"tokens\" must be an array");
  }
  if (tokens->size() > limits.max_import_tokens) {
    return Error(
        ErrorCode::kLimitExceeded,
        "token document: more than " + std::to_string(limits.max_import_tokens) + " tokens");
  }
  std::vector<StoredToken> out;
  out.reserve(tokens->size());
  for (std::size_t i = 0; i < tokens->size(); ++i) {
    L402_ASSIGN_OR_RETURN(StoredToken token, read_token_object((*tokens)[i], i, limits));
    out.push_back(std::move(token));
  }
  return out;
}

}  // namespace l402::client_jar
