// HTTP field-value syntax shared by the challenge and credential parsers (RFC 9110 §5.6, the
// successor of RFC 7230 §3.2.6 and RFC 7235 §2.1). Private to the library's sources: src/token's
// parsers, and the gateway's field lookups and edits (gateway/policy/header_fields.cpp,
// gateway/proxy/header_edits.cpp).
//
//   token         = 1*tchar
//   tchar         = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`"
//                   / "|" / "~" / DIGIT / ALPHA
//   token68       = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
//   OWS           = *( SP / HTAB )
//   quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
//   qdtext        = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
//   quoted-pair   = "\" ( HTAB / SP / VCHAR / obs-text )
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "l402/result.hpp"

namespace l402::header_syntax {

namespace detail {

enum CharClass : std::uint8_t {
  kTchar = 1,
  kToken68 = 2,
  kHex = 4,
};

constexpr std::array<std::uint8_t, 256> make_classes() {
  std::array<std::uint8_t, 256> classes{};
  for (int c = '0'; c <= '9'; ++c) classes[static_cast<std::size_t>(c)] = kTchar | kToken68 | kHex;
  for (int c = 'a'; c <= 'z'; ++c) classes[static_cast<std::size_t>(c)] = kTchar | kToken68;
  for (int c = 'A'; c <= 'Z'; ++c) classes[static_cast<std::size_t>(c)] = kTchar | kToken68;
  for (int c = 'a'; c <= 'f'; ++c) classes[static_cast<std::size_t>(c)] |= kHex;
  for (int c = 'A'; c <= 'F'; ++c) classes[static_cast<std::size_t>(c)] |= kHex;
  for (const char c : std::string_view("!#$%&'*+-.^_`|~")) {
    classes[static_cast<unsigned char>(c)] |= kTchar;
  }
  for (const char c : std::string_view("-._~+/")) {
    classes[static_cast<unsigned char>(c)] |= kToken68;
  }
  return classes;
}

inline constexpr std::array<std::uint8_t, 256> kClasses = make_classes();

}  // namespace detail

inline bool is_tchar(char c) {
  return (detail::kClasses[static_cast<unsigned char>(c)] & detail::kTchar) != 0;
}
// A token68 character other than the '=' padding.
inline bool is_token68_char(char c) {
  return (detail::kClasses[static_cast<unsigned char>(c)] & detail::kToken68) != 0;
}
inline bool is_hex_digit(char c) {
  return (detail::kClasses[static_cast<unsigned char>(c)] & detail::kHex) != 0;
}
inline bool is_ows(char c) { return c == ' ' || c == '\t'; }
// CTL other than HTAB: never allowed in a field value (RFC 9110 §5.5).
inline bool is_forbidden_control(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return (byte < 0x20 && byte != '\t') || byte == 0x7f;
}

// The value of a hex digit of either case, or kNotHex for any other byte (a table, so that a
// run of digits decodes in one pass without branches).
inline constexpr std::uint8_t kNotHex = 0x10;
namespace detail {
constexpr std::array<std::uint8_t, 256> make_hex_values() {
  std::array<std::uint8_t, 256> values{};
  for (auto& value : values) value = kNotHex;
  for (int c = 0; c < 10; ++c)
    values[static_cast<std::size_t>('0' + c)] = static_cast<std::uint8_t>(c);
  for (int c = 0; c < 6; ++c) {
    values[static_cast<std::size_t>('a' + c)] = static_cast<std::uint8_t>(10 + c);
    values[static_cast<std::size_t>('A' + c)] = static_cast<std::uint8_t>(10 + c);
  }
  return values;
}
inline constexpr std::array<std::uint8_t, 256> kHexValues = make_hex_values();
}  // namespace detail
inline std::uint8_t hex_digit_value(char c) {
  return detail::kHexValues[static_cast<unsigned char>(c)];
}

inline char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// ASCII case-insensitive equality (header names, auth-schemes, auth-param names).
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

inline std::string_view trim_ows(std::string_view text) {
  while (!text.empty() && is_ows(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ows(text.back())) text.remove_suffix(1);
  return text;
}

// Whether any of the 8 bytes of `word` is below 0x20 or is 0x7f (HTAB counts: callers
// confirm byte by byte). The bit tricks are exact as a yes/no answer (Hacker's Delight 6-1).
inline bool word_may_have_control(std::uint64_t word) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  const std::uint64_t below_space = (word - kOnes * 0x20) & ~word & kHigh;
  const std::uint64_t del = word ^ (kOnes * 0x7f);
  const std::uint64_t is_del = (del - kOnes) & ~del & kHigh;
  return (below_space | is_del) != 0;
}

// Offset of the first CTL (other than HTAB) in `text`, if any.
inline std::optional<std::size_t> find_forbidden_control(std::string_view text) {
  // Nearly every value is clean, and credentials are hundreds of bytes: eight bytes at a time
  // decide that, and only a word that may hold a control character is looked at byte by byte.
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + i, sizeof word);
    if (!word_may_have_control(word)) continue;
    for (std::size_t k = i; k < i + 8; ++k) {
      if (is_forbidden_control(text[k])) return k;
    }
  }
  for (; i < text.size(); ++i) {
    if (is_forbidden_control(text[i])) return i;
  }
  return std::nullopt;
}

// "0x0a": how an error message names a byte.
inline std::string byte_name(char c) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const auto byte = static_cast<unsigned char>(c);
  return std::string{'0', 'x', kDigits[byte >> 4], kDigits[byte & 0x0f]};
}

// kLimitExceeded "<field>: <what> (<size>) exceeds <limit_name> (<limit>)", the shape the
// macaroon codecs use.
inline Error limit_exceeded(std::string_view field, std::string_view what, std::size_t size,
                            std::string_view limit_name, std::size_t limit) {
  std::string message(field);
  message += ": ";
  message += what;
  message += " (" + std::to_string(size) + ") exceeds ";
  message += limit_name;
  message += " (" + std::to_string(limit) + ")";
  return Error(ErrorCode::kLimitExceeded, std::move(message));
}

// The schemes this library speaks: L402 and its former name LSAT, in any case.
inline bool is_l402_scheme(std::string_view scheme) {
  return iequals(scheme, "L402") || iequals(scheme, "LSAT");
}

}  // namespace l402::header_syntax
