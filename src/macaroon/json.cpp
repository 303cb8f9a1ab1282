// JSON forms of macaroons (go-macaroon marshal-v1.go / marshal-v2.go, libmacaroons v2.c).
// Output reproduces go-macaroon byte for byte: same key order, same choice between "x" and
// "x64", and Go's string escaping.
#include <nlohmann/json.hpp>

#include "internal.hpp"
#include "l402/encoding.hpp"
#include "l402/macaroon_format.hpp"

namespace l402 {
namespace mi = macaroon_internal;

namespace macaroon_internal {

bool is_valid_utf8(std::string_view text) { return utf8::is_valid(text); }

void append_go_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t pos = 0; pos < text.size();) {
    char32_t rune;
    const std::size_t length = utf8::decode_one(text, pos, &rune);
    if (length == 0) {
      out += "\\ufffd";
      ++pos;
      continue;
    }
    if (rune == '"' || rune == '\\') {
      out += '\\';
      out += static_cast<char>(rune);
    } else if (rune == '\n') {
      out += "\\n";
    } else if (rune == '\r') {
      out += "\\r";
    } else if (rune == '\t') {
      out += "\\t";
    } else if (rune < 0x20 || rune == '<' || rune == '>' || rune == '&') {
      out += "\\u00";
      out += kHex[rune >> 4];
      out += kHex[rune & 0xf];
    } else if (rune == 0x2028 || rune == 0x2029) {
      out += rune == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(text.substr(pos, length));
    }
    pos += length;
  }
  out += '"';
}

}  // namespace macaroon_internal

namespace {

using Json = nlohmann::json;

// go-macaroon's putJSONBinaryField: a string when the bytes are UTF-8 and the escaped string
// is no longer than the base64 form plus the two characters of the "64" suffix.
void append_binary_field(std::string& out, bool& first, std::string_view key,
                         std::string_view bytes) {
  if (bytes.empty()) return;
  std::string escaped;
  const bool as_string = mi::is_valid_utf8(bytes) && [&] {
    mi::append_go_json_string(escaped, bytes);
    const std::size_t b64_length = (bytes.size() * 4 + 2) / 3;
    return escaped.size() - 2 <= b64_length + 2;
  }();
  if (!first) out += ',';
  first = false;
  out += '"';
  out += key;
  if (as_string) {
    out += "\":";
    out += escaped;
  } else {
    out += "64\":\"";
    out += base64::encode_url(bytes);
    out += '"';
  }
}

void append_string_field(std::string& out, bool& first, std::string_view key,
                         std::string_view value, bool omit_empty) {
  if (omit_empty && value.empty()) return;
  if (!first) out += ',';
  first = false;
  out += '"';
  out += key;
  out += "\":";
  mi::append_go_json_string(out, value);
}

// Deeper nesting than any macaroon JSON needs is refused before parsing.
constexpr int kMaxJsonDepth = 8;

Result<void> check_depth(std::string_view json) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return mi::malformed("JSON nested too deeply");
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return ok_result();
}

Result<Json> parse_document(std::string_view json, const MacaroonLimits& limits) {
  if (json.size() > limits.max_serialized_size) {
    return mi::limit_exceeded("max_serialized_size", "JSON size", json.size(),
                              limits.max_serialized_size);
  }
  L402_RETURN_IF_ERROR(check_depth(json));
  Json document = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return mi::malformed("invalid JSON");
  return document;
}

Result<const std::string*> string_member(const Json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return static_cast<const std::string*>(nullptr);
  if (!it->is_string())
    return mi::malformed(std::string("JSON field \"") + key + "\" is not a string");
  return it->get_ptr<const std::string*>();
}

// A binary field given as "x" (UTF-8 text) or "x64" (base64), never both.
Result<std::string> binary_member(const Json& object, const char* key, const char* key64) {
  L402_ASSIGN_OR_RETURN(const std::string* text, string_member(object, key));
  L402_ASSIGN_OR_RETURN(const std::string* encoded, string_member(object, key64));
  if (text != nullptr && encoded != nullptr) {
    return mi::malformed(std::string("ambiguous JSON field: both \"") + key + "\" and \"" + key64 +
                         "\"");
  }
  if (encoded != nullptr && !encoded->empty()) {
    auto decoded = base64::decode(*encoded);
    if (!decoded.ok()) return decoded.error().with_context(std::string("macaroon: field ") + key64);
    return decoded;
  }
  return text != nullptr ? *text : std::string();
}

Result<Hash256> signature_from(std::string_view bytes) {
  if (bytes.size() != mi::kSignatureSize) {
    return mi::malformed("signature of " + std::to_string(bytes.size()) + " bytes, expected 32");
  }
  Hash256 signature;
  std::copy(bytes.begin(), bytes.end(), signature.begin());
  return signature;
}

Result<void> check_sizes(const std::string& location, const std::string& identifier,
                         const std::vector<Caveat>& caveats, const MacaroonLimits& limits) {
  L402_RETURN_IF_ERROR(mi::check_field_size("location", location, limits));
  L402_RETURN_IF_ERROR(mi::check_field_size("identifier", identifier, limits));
  for (const Caveat& caveat : caveats) {
    L402_RETURN_IF_ERROR(mi::check_field_size("caveat id", caveat.id, limits));
    L402_RETURN_IF_ERROR(mi::check_field_size("caveat vid", caveat.verification_id, limits));
    L402_RETURN_IF_ERROR(mi::check_field_size("caveat location", caveat.location, limits));
  }
  return ok_result();
}

Result<Caveat> make_caveat(std::string id, std::string verification_id, std::string location,
                           std::size_t index) {
  const std::string where = "caveat " + std::to_string(index);
  if (verification_id.empty() && !location.empty()) {
    return mi::malformed(where + ": a first-party caveat cannot have a location");
  }
  return Caveat{std::move(id), std::move(verification_id), std::move(location)};
}

Result<const Json*> caveat_array(const Json& object, const char* key,
                                 const MacaroonLimits& limits) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return static_cast<const Json*>(nullptr);
  if (!it->is_array())
    return mi::malformed(std::string("JSON field \"") + key + "\" is not an array");
  if (it->size() > limits.max_caveats) {
    return mi::limit_exceeded("max_caveats", "caveat count", it->size(), limits.max_caveats);
  }
  return &*it;
}

Result<Macaroon> from_v2_object(const Json& object, const MacaroonLimits& limits) {
  L402_ASSIGN_OR_RETURN(const std::string* location, string_member(object, "l"));
  L402_ASSIGN_OR_RETURN(std::string identifier, binary_member(object, "i", "i64"));
  L402_ASSIGN_OR_RETURN(const std::string signature_bytes, binary_member(object, "s", "s64"));
  L402_ASSIGN_OR_RETURN(const Hash256 signature, signature_from(signature_bytes));
  L402_ASSIGN_OR_RETURN(const Json* array, caveat_array(object, "c", limits));
  std::vector<Caveat> caveats;
  if (array != nullptr) {
    for (const Json& entry : *array) {
      if (!entry.is_object()) return mi::malformed("JSON caveat is not an object");
      L402_ASSIGN_OR_RETURN(std::string id, binary_member(entry, "i", "i64"));
      L402_ASSIGN_OR_RETURN(std::string vid, binary_member(entry, "v", "v64"));
      L402_ASSIGN_OR_RETURN(const std::string* cl, string_member(entry, "l"));
      L402_ASSIGN_OR_RETURN(Caveat caveat, make_caveat(std::move(id), std::move(vid),
                                                       cl ? *cl : std::string(), caveats.size()));
      caveats.push_back(std::move(caveat));
    }
  }
  std::string location_value = location ? *location : std::string();
  L402_RETURN_IF_ERROR(check_sizes(location_value, identifier, caveats, limits));
  return Macaroon::from_parts(std::move(location_value), std::move(identifier), std::move(caveats),
                              signature);
}

Result<Macaroon> from_v1_object(const Json& object, const MacaroonLimits& limits) {
  L402_ASSIGN_OR_RETURN(const std::string* location, string_member(object, "location"));
  L402_ASSIGN_OR_RETURN(const std::string* identifier, string_member(object, "identifier"));
  L402_ASSIGN_OR_RETURN(const std::string* signature_hex, string_member(object, "signature"));
  if (signature_hex == nullptr) return mi::malformed("JSON V1 macaroon has no signature");
  auto signature_bytes = hex::decode(*signature_hex);
  if (!signature_bytes.ok()) return signature_bytes.error().with_context("macaroon: signature");
  L402_ASSIGN_OR_RETURN(const Hash256 signature, signature_from(*signature_bytes));
  L402_ASSIGN_OR_RETURN(const Json* array, caveat_array(object, "caveats", limits));
  std::vector<Caveat> caveats;
  if (array != nullptr) {
    for (const Json& entry : *array) {
      if (!entry.is_object()) return mi::malformed("JSON caveat is not an object");
      L402_ASSIGN_OR_RETURN(const std::string* cid, string_member(entry, "cid"));
      L402_ASSIGN_OR_RETURN(const std::string* vid_text, string_member(entry, "vid"));
      L402_ASSIGN_OR_RETURN(const std::string* cl, string_member(entry, "cl"));
      std::string vid;
      if (vid_text != nullptr && !vid_text->empty()) {
        auto decoded = base64::decode(*vid_text);
        if (!decoded.ok()) return decoded.error().with_context("macaroon: caveat vid");
        vid = std::move(*decoded);
      }
      L402_ASSIGN_OR_RETURN(Caveat caveat, make_caveat(cid ? *cid : std::string(), std::move(vid),
                                                       cl ? *cl : std::string(), caveats.size()));
      caveats.push_back(std::move(caveat));
    }
  }
  std::string location_value = location ? *location : std::string();
  std::string identifier_value = identifier ? *identifier : std::string();
  L402_RETURN_IF_ERROR(check_sizes(location_value, identifier_value, caveats, limits));
  return Macaroon::from_parts(std::move(location_value), std::move(identifier_value),
                              std::move(caveats), signature);
}

Result<Macaroon> from_json_value(const Json& value, const MacaroonLimits& limits) {
  if (value.is_string()) {
    auto binary = base64::decode(value.get_ref<const std::string&>());
    if (!binary.ok()) return binary.error().with_context("macaroon: JSON string");
    return parse_binary(*binary, limits);
  }
  if (!value.is_object()) return mi::malformed("JSON macaroon is neither an object nor a string");
  static constexpr const char* kV1Keys[] = {"caveats", "location", "identifier", "signature"};
  static constexpr const char* kV2Keys[] = {"c", "l", "i", "i64", "s", "s64"};
  bool v1 = false;
  bool v2 = false;
  for (const char* key : kV1Keys) v1 |= value.contains(key);
  for (const char* key : kV2Keys) v2 |= value.contains(key);
  if (v1 && v2) return mi::malformed("JSON mixes V1 and V2 field names");
  if (v1) return from_v1_object(value, limits);
  if (v2) return from_v2_object(value, limits);
  return mi::malformed("JSON object has no macaroon fields");
}

}  // namespace

std::string to_json_v2(const Macaroon& macaroon) {
  std::string out = "{";
  bool first = true;
  if (!macaroon.caveats().empty()) {
    out += "\"c\":[";
    bool first_caveat = true;
    for (const Caveat& caveat : macaroon.caveats()) {
      if (!first_caveat) out += ',';
      first_caveat = false;
      out += '{';
      bool first_field = true;
      append_binary_field(out, first_field, "i", caveat.id);
      append_binary_field(out, first_field, "v", caveat.verification_id);
      append_string_field(out, first_field, "l", caveat.location, /*omit_empty=*/true);
      out += '}';
    }
    out += ']';
    first = false;
  }
  append_string_field(out, first, "l", macaroon.location(), /*omit_empty=*/true);
  append_binary_field(out, first, "i", macaroon.identifier());
  append_binary_field(out, first, "s", as_view(macaroon.signature()));
  out += '}';
  return out;
}

Result<std::string> to_json_v1(const Macaroon& macaroon) {
  L402_RETURN_IF_ERROR(mi::check_v1_text_fields(macaroon));
  std::string out = "{\"caveats\":[";
  bool first_caveat = true;
  for (const Caveat& caveat : macaroon.caveats()) {
    if (!first_caveat) out += ',';
    first_caveat = false;
    out += '{';
    bool first_field = true;
    append_string_field(out, first_field, "cid", caveat.id, /*omit_empty=*/false);
    if (!caveat.verification_id.empty()) {
      out += ",\"vid\":\"" + base64::encode_url(caveat.verification_id) + "\"";
    }
    append_string_field(out, first_field, "cl", caveat.location, /*omit_empty=*/true);
    out += '}';
  }
  out += "],";
  bool first = true;
  append_string_field(out, first, "location", macaroon.location(), /*omit_empty=*/false);
  append_string_field(out, first, "identifier", macaroon.identifier(), /*omit_empty=*/false);
  out += ",\"signature\":\"" + hex::encode(as_view(macaroon.signature())) + "\"}";
  return out;
}

Result<Macaroon> parse_json(std::string_view json, const MacaroonLimits& limits) {
  L402_ASSIGN_OR_RETURN(const Json document, parse_document(json, limits));
  return from_json_value(document, limits);
}

Result<std::vector<Macaroon>> parse_json_stack(std::string_view json,
                                               const MacaroonLimits& limits) {
  L402_ASSIGN_OR_RETURN(const Json document, parse_document(json, limits));
  std::vector<Macaroon> stack;
  if (!document.is_array()) {
    L402_ASSIGN_OR_RETURN(Macaroon macaroon, from_json_value(document, limits));
    stack.push_back(std::move(macaroon));
    return stack;
  }
  if (document.empty()) return mi::malformed("empty JSON array");
  if (document.size() > limits.max_stack_size) {
    return mi::limit_exceeded("max_stack_size", "macaroons in stack", document.size(),
                              limits.max_stack_size);
  }
  for (const Json& entry : document) {
    auto macaroon = from_json_value(entry, limits);
    if (!macaroon.ok()) {
      return macaroon.error().with_context("stack entry " + std::to_string(stack.size()));
    }
    stack.push_back(std::move(*macaroon));
  }
  return stack;
}

}  // namespace l402
