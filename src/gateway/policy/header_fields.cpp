// Field lookups on a RequestHead (see header_fields.hpp).
#include "gateway/policy/header_fields.hpp"

#include <array>

namespace l402::gateway {
namespace {

// Not std::tolower: field names are ASCII whatever the locale, and this runs for every field
// of every request.
char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

constexpr std::array<bool, 256> make_tchar_table() {
  std::array<bool, 256> table{};
  for (char c = '0'; c <= '9'; ++c) table[static_cast<unsigned char>(c)] = true;
  for (char c = 'a'; c <= 'z'; ++c) table[static_cast<unsigned char>(c)] = true;
  for (char c = 'A'; c <= 'Z'; ++c) table[static_cast<unsigned char>(c)] = true;
  for (const char c : std::string_view("!#$%&'*+-.^_`|~"))
    table[static_cast<unsigned char>(c)] = true;
  return table;
}

// A table, not std::isalnum: tchars are ASCII whatever the locale, and every byte of a host
// goes through here on every forwarded request.
constexpr std::array<bool, 256> kTchars = make_tchar_table();

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && istarts_with(a, b);
}

bool istarts_with(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (ascii_lower(text[i]) != ascii_lower(prefix[i])) {
      return false;
    }
  }
  return true;
}

std::string_view trim_ows(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool is_tchar(char c) { return kTchars[static_cast<unsigned char>(c)]; }

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
