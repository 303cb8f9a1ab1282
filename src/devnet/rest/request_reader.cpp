// LND's input conventions: protojson field names and value encodings, query strings.
#include "rest/request_reader.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "l402/encoding.hpp"

namespace l402::devnet_rest {
namespace {

using nlohmann::json;

Error bad_value(std::string_view type, std::string_view field, const json& value) {
  return Error(ErrorCode::kInvalidArgument,
               "proto: invalid value for " + std::string(type) + " field " + std::string(field) +
                   ": " + value.dump(-1, ' ', false, json::error_handler_t::replace));
}

// protojson reads 64-bit integers from a JSON string or number; a number must be integral.
Result<std::int64_t> signed_of(const json& value, std::string_view type, std::string_view field,
                               std::int64_t min, std::int64_t max) {
  std::int64_t parsed = 0;
  if (value.is_number_integer()) {
    if (value.is_number_unsigned()) {
      if (value.get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
        return bad_value(type, field, value);
      }
      parsed = static_cast<std::int64_t>(value.get<std::uint64_t>());
    } else {
      parsed = value.get<std::int64_t>();
    }
  } else if (value.is_number_float()) {
    const double number = value.get<double>();
    if (!std::isfinite(number) || std::trunc(number) != number || number < -9.2e18 ||
        number > 9.2e18) {
      return bad_value(type, field, value);
    }
    parsed = static_cast<std::int64_t>(number);
  } else if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, parsed);
    if (text.empty() || ec != std::errc() || ptr != end) return bad_value(type, field, value);
  } else {
    return bad_value(type, field, value);
  }
  if (parsed < min || parsed > max) return bad_value(type, field, value);
  return parsed;
}

}  // namespace

Result<RequestBody> RequestBody::parse(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return RequestBody(json::object());  // grpc-gateway reads an empty body as {}
  }
  json parsed = json::parse(text, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return Error(ErrorCode::kInvalidArgument, "proto: syntax error: the body is not valid JSON");
  }
  if (!parsed.is_object()) {
    return Error(ErrorCode::kInvalidArgument, "proto: the body must be a JSON object");
  }
  return RequestBody(std::move(parsed));
}

const json* RequestBody::find(std::string_view proto_name) const {
  auto it = object_.find(proto_name);
  if (it == object_.end()) it = object_.find(lower_camel_case(proto_name));
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

bool RequestBody::has(std::string_view proto_name) const { return find(proto_name) != nullptr; }

Result<std::int64_t> RequestBody::int64_field(std::string_view proto_name) const {
  const json* value = find(proto_name);
  if (value == nullptr) return std::int64_t{0};
  return signed_of(*value, "int64", proto_name, std::numeric_limits<std::int64_t>::min(),
                   std::numeric_limits<std::int64_t>::max());
}

Result<std::uint64_t> RequestBody::uint64_field(std::string_view proto_name) const {
  const json* value = find(proto_name);
  if (value == nullptr) return std::uint64_t{0};
  if (value->is_number_unsigned()) return value->get<std::uint64_t>();
  if (value->is_string()) {
    const std::string& text = value->get_ref<const std::string&>();
    std::uint64_t parsed = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, parsed);
    if (text.empty() || ec != std::errc() || ptr != end) {
      return bad_value("uint64", proto_name, *value);
    }
    return parsed;
  }
  L402_ASSIGN_OR_RETURN(
      const std::int64_t parsed,
      signed_of(*value, "uint64", proto_name, 0, std::numeric_limits<std::int64_t>::max()));
  return static_cast<std::uint64_t>(parsed);
}

Result<std::int32_t> RequestBody::int32_field(std::string_view proto_name) const {
  const json* value = find(proto_name);
  if (value == nullptr) return std::int32_t{0};
  L402_ASSIGN_OR_RETURN(
      const std::int64_t parsed,
      signed_of(*value, "int32", proto_name, std::numeric_limits<std::int32_t>::min(),
                std::numeric_limits<std::int32_t>::max()));
  return static_cast<std::int32_t>(parsed);
}

Result<bool> RequestBody::bool_field(std::string_view proto_name) const {
  const json* value = find(proto_name);
  if (value == nullptr) return false;
  if (!value->is_boolean()) return bad_value("bool", proto_name, *value);
  return value->get<bool>();
}

Result<std::string> RequestBody::string_field(std::string_view proto_name) const {
  const json* value = find(proto_name);
  if (value == nullptr) return std::string();
  if (!value->is_string()) return bad_value("string", proto_name, *value);
  return value->get<std::string>();
}

Result<std::string> RequestBody::bytes_field(std::string_view proto_name) const {
  const json* value = find(proto_name);
  if (value == nullptr) return std::string();
  if (!value->is_string()) return bad_value("bytes", proto_name, *value);
  Result<std::string> decoded = base64::decode(value->get_ref<const std::string&>());
  if (!decoded.ok()) return bad_value("bytes", proto_name, *value);
  return decoded;
}

Result<std::optional<RequestBody>> RequestBody::message_field(std::string_view proto_name) const {
  const json* value = find(proto_name);
  if (value == nullptr) return std::optional<RequestBody>();
  if (!value->is_object()) return bad_value("message", proto_name, *value);
  return std::optional<RequestBody>(RequestBody(*value));
}

std::string lower_camel_case(std::string_view proto_name) {
  std::string out;
  bool upper_next = false;
  for (const char c : proto_name) {
    if (c == '_') {
      upper_next = true;
      continue;
    }
    out.push_back(upper_next && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
    upper_next = false;
  }
  return out;
}

Result<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= text.size()) {
        return Error(ErrorCode::kInvalidArgument,
                     "invalid URL escape at position " + std::to_string(i));
      }
      Result<std::string> byte = hex::decode(text.substr(i + 1, 2));
      if (!byte.ok()) {
        return Error(ErrorCode::kInvalidArgument,
                     "invalid URL escape at position " + std::to_string(i));
      }
      out += *byte;
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<std::map<std::string, std::string, std::less<>>> parse_query(std::string_view query) {
  std::map<std::string, std::string, std::less<>> out;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    L402_ASSIGN_OR_RETURN(std::string key,
                          percent_decode(pair.substr(0, eq), /*plus_is_space=*/true));
    std::string value;
    if (eq != std::string_view::npos) {
      L402_ASSIGN_OR_RETURN(value, percent_decode(pair.substr(eq + 1), /*plus_is_space=*/true));
    }
    out.emplace(std::move(key), std::move(value));
  }
  return out;
}

std::optional<std::string> query_value(const std::map<std::string, std::string, std::less<>>& query,
                                       std::string_view proto_name) {
  auto it = query.find(proto_name);
  if (it == query.end()) it = query.find(lower_camel_case(proto_name));
  if (it == query.end()) return std::nullopt;
  return it->second;
}

Result<std::uint64_t> parse_uint64_text(std::string_view text, std::string_view field) {
  std::uint64_t parsed = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, parsed);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return Error(ErrorCode::kInvalidArgument, "type mismatch, parameter: " + std::string(field) +
                                                  ", error: strconv.ParseUint: parsing \"" +
                                                  std::string(text) + "\": invalid syntax");
  }
  return parsed;
}

Result<bool> parse_bool_text(std::string_view text, std::string_view field) {
  // Exactly the spellings of Go's strconv.ParseBool, which grpc-gateway uses.
  if (text == "true" || text == "1" || text == "True" || text == "TRUE" || text == "t" ||
      text == "T") {
    return true;
  }
  if (text == "false" || text == "0" || text == "False" || text == "FALSE" || text == "f" ||
      text == "F") {
    return false;
  }
  return Error(ErrorCode::kInvalidArgument, "type mismatch, parameter: " + std::string(field) +
                                                ", error: strconv.ParseBool: parsing \"" +
                                                std::string(text) + "\": invalid syntax");
}

}  // namespace l402::devnet_rest
