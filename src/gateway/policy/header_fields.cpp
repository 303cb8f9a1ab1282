// Field lookups on a RequestHead (see header_fields.hpp).
#include "gateway/policy/header_fields.hpp"

#include "token/header_syntax.hpp"

namespace l402::gateway {

// The token parsers' ASCII rules (locale-independent, table-driven), so that the policy reads
// field names and values exactly as the credential parser does.
namespace hs = header_syntax;

bool iequals(std::string_view a, std::string_view b) { return hs::iequals(a, b); }

bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && hs::iequals(text.substr(0, prefix.size()), prefix);
}

std::string_view trim_ows(std::string_view text) { return hs::trim_ows(text); }

bool is_tchar(char c) { return hs::is_tchar(c); }

std::optional<std::string_view> find_field(const RequestHead& head, std::string_view name) {
  for (const Field& field : head.fields) {
    if (iequals(field.name, name)) return std::string_view(field.value);
  }
  return std::nullopt;
}

std::vector<std::string_view> field_values(const RequestHead& head, std::string_view name) {
  std::vector<std::string_view> values;
  for (const Field& field : head.fields) {
    if (iequals(field.name, name)) values.push_back(field.value);
  }
  return values;
}

}  // namespace l402::gateway
