#include "client/http/header_text.hpp"

#include <array>

namespace l402::client {
namespace {

char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return kSymbols.find(c) != std::string_view::npos;
}

// Names whose values are credentials.
constexpr std::array<std::string_view, 3> kSecretFields = {"authorization", "proxy-authorization",
                                                           "cookie"};

}  // namespace

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_lower(a[i]) != to_lower(b[i])) return false;
  }
  return true;
}

bool is_token(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (!is_token_char(c)) return false;
  }
  return true;
}

bool is_safe_field_value(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::string_view trim_whitespace(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const std::size_t last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

std::string redact_header_line(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return std::string(line);
  const std::string_view name = trim_whitespace(line.substr(0, colon));
  bool secret = false;
  for (const std::string_view field : kSecretFields)
    secret = secret || equals_ignoring_case(name, field);
  if (!secret) return std::string(line);
  std::string shown(line.substr(0, colon + 1));
  const std::string_view value = trim_whitespace(line.substr(colon + 1));
  if (!equals_ignoring_case(name, "cookie")) {
    const std::size_t space = value.find(' ');
    // A lone word may be a bare credential: only a word followed by more is a scheme.
    if (space != std::string_view::npos) shown.append(" ").append(value.substr(0, space));
  }
  shown.append(" <redacted>");
  return shown;
}

}  // namespace l402::client
