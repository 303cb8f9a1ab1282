// Reading requests the way LND's REST gateway does (grpc-gateway v2 + protojson with
// DiscardUnknown). Pure functions, no I/O. Private to src/devnet/rest/.
//
// A body is a JSON object; an empty body is the empty message. Fields are found by their
// proto name or their lowerCamelCase JSON name; unknown fields are ignored; null is the zero
// value. int64/uint64 may be a JSON string or number, int32 a number (or string), `bytes`
// standard or URL-safe base64, padded or not. Errors are kInvalidArgument with a message
// naming the field; the routes answer them with gRPC code 3 (what grpc-gateway answers a body
// it cannot decode with).
//
// Thread safety: stateless functions; a RequestBody is a plain value.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "l402/result.hpp"

namespace l402::devnet_rest {

class RequestBody {
 public:
  // Errors: kInvalidArgument for text that is not JSON, or JSON that is not an object.
  static Result<RequestBody> parse(std::string_view text);

  // True when the field is present and not null.
  bool has(std::string_view proto_name) const;
  // Each returns the zero value for an absent or null field.
  Result<std::int64_t> int64_field(std::string_view proto_name) const;
  Result<std::uint64_t> uint64_field(std::string_view proto_name) const;
  Result<std::int32_t> int32_field(std::string_view proto_name) const;
  Result<bool> bool_field(std::string_view proto_name) const;
  Result<std::string> string_field(std::string_view proto_name) const;
  // The decoded bytes.
  Result<std::string> bytes_field(std::string_view proto_name) const;
  // A sub-message; nullopt when absent or null.
  Result<std::optional<RequestBody>> message_field(std::string_view proto_name) const;

 private:
  explicit RequestBody(nlohmann::json object) : object_(std::move(object)) {}
  const nlohmann::json* find(std::string_view proto_name) const;

  nlohmann::json object_;
};

// "value_msat" -> "valueMsat".
std::string lower_camel_case(std::string_view proto_name);

// Decodes %XX escapes (and '+' as a space when `plus_is_space`, as in query strings).
// Errors: kInvalidArgument for a truncated or non-hex escape.
Result<std::string> percent_decode(std::string_view text, bool plus_is_space);

// "a=1&b=x%3D" -> {a: "1", b: "x="}; a repeated key keeps its first value.
Result<std::map<std::string, std::string, std::less<>>> parse_query(std::string_view query);

// A query parameter by proto or lowerCamelCase name.
std::optional<std::string> query_value(const std::map<std::string, std::string, std::less<>>& query,
                                       std::string_view proto_name);

// Decimal uint64 / bool (Go's strconv.ParseBool spellings) as grpc-gateway reads query
// parameters.
Result<std::uint64_t> parse_uint64_text(std::string_view text, std::string_view field);
Result<bool> parse_bool_text(std::string_view text, std::string_view field);

}  // namespace l402::devnet_rest
