// The text forms a macaroon arrives in: JSON, base64 of a binary stack (any alphabet, padded
// or not: headers use standard, JSON and libmacaroons use URL-safe), or hex (gRPC metadata).
#include "internal.hpp"
#include "l402/encoding.hpp"
#include "l402/macaroon_format.hpp"

namespace l402 {
namespace {
namespace mi = macaroon_internal;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

bool is_hex_text(std::string_view text) {
  for (char c : text) {
    const bool digit = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!digit) return false;
  }
  return true;
}

}  // namespace

Result<std::vector<Macaroon>> parse_text(std::string_view text, const MacaroonLimits& limits) {
  text = trim(text);
  if (text.empty()) return mi::malformed("empty input");
  const std::size_t max_text = 2 * limits.max_serialized_size;
  if (text.size() > max_text) {
    return mi::limit_exceeded("max_serialized_size", "text size", text.size(), max_text);
  }
  if (text.front() == '{' || text.front() == '[' || text.front() == '"') {
    return parse_json_stack(text, limits);
  }

  auto from_base64 = [&]() -> Result<std::vector<Macaroon>> {
    auto bytes = base64::decode(text);
    if (!bytes.ok()) return bytes.error().with_context("macaroon");
    return parse_binary_stack(*bytes, limits);
  };
  auto stack = from_base64();
  if (stack.ok() || !is_hex_text(text)) return stack;
  // Hex digits are base64 characters too: only when base64 does not give a macaroon is the
  // text read as hex.
  auto bytes = hex::decode(text);
  if (!bytes.ok()) return bytes.error().with_context("macaroon");
  return parse_binary_stack(*bytes, limits);
}

}  // namespace l402
