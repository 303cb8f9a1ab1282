// The scalar notations of the configuration (see value_parsers.hpp).
#include "gateway/config/value_parsers.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <regex>
#include <vector>

namespace l402::gateway::config_detail {
namespace {

// Ten years: anything longer in a configuration is a typo, and it keeps the arithmetic in
// 64 bits.
constexpr std::uint64_t kMaxDurationNs = 10ULL * 366 * 24 * 3600 * 1'000'000'000ULL;
constexpr std::size_t kMaxRegexLength = 1024;
constexpr int kMaxRegexNesting = 32;
constexpr std::uint64_t kMaxRegexRepeatProduct = 10'000;

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return std::nullopt;
  return a * b;
}

std::optional<std::uint64_t> unit_nanoseconds(std::string_view unit) {
  static constexpr std::pair<std::string_view, std::uint64_t> kUnits[] = {
      {"ns", 1ULL},
      {"us", 1'000ULL},
      {"\xC2\xB5s", 1'000ULL},  // µs, as Go writes it
      {"ms", 1'000'000ULL},
      {"s", 1'000'000'000ULL},
      {"m", 60'000'000'000ULL},
      {"h", 3'600'000'000'000ULL},
      {"d", 86'400'000'000'000ULL},
  };
  for (const auto& [name, ns] : kUnits) {
    if (unit == name) return ns;
  }
  return std::nullopt;
}

// "12" or "1.5": the integer part and up to 9 fraction digits (as a numerator over 10^digits).
struct Decimal {
  std::uint64_t whole = 0;
  std::uint64_t fraction = 0;
  std::uint64_t fraction_scale = 1;
};

// Reads a decimal number at the start of `text`; nullopt when there is none or it overflows.
std::optional<Decimal> read_decimal(std::string_view& text) {
  Decimal out;
  std::size_t i = 0;
  while (i < text.size() && is_digit(text[i])) {
    auto next = checked_mul(out.whole, 10);
    if (!next || *next > std::numeric_limits<std::uint64_t>::max() -
                             static_cast<std::uint64_t>(text[i] - '0')) {
      return std::nullopt;
    }
    out.whole = *next + static_cast<std::uint64_t>(text[i] - '0');
    ++i;
  }
  const bool had_whole = i > 0;
  bool had_fraction = false;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && is_digit(text[i])) {
      if (out.fraction_scale < 1'000'000'000ULL) {  // further digits are below a nanosecond
        out.fraction = out.fraction * 10 + static_cast<std::uint64_t>(text[i] - '0');
        out.fraction_scale *= 10;
      }
      had_fraction = true;
      ++i;
    }
  }
  if (!had_whole && !had_fraction) return std::nullopt;
  text.remove_prefix(i);
  return out;
}

// `value` units of `unit_ns` nanoseconds, or nullopt past the maximum.
std::optional<std::uint64_t> decimal_times(const Decimal& value, std::uint64_t unit_ns) {
  auto whole = checked_mul(value.whole, unit_ns);
  if (!whole || *whole > kMaxDurationNs) return std::nullopt;
  // fraction < scale <= 10^9 and unit_ns <= 8.64e13: the product may not fit, so divide first.
  const std::uint64_t part =
      unit_ns / value.fraction_scale * value.fraction +
      (unit_ns % value.fraction_scale) * value.fraction / value.fraction_scale;
  if (*whole + part > kMaxDurationNs) return std::nullopt;
  return *whole + part;
}

bool is_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_';
}

bool is_ipv6(const std::string& text) {
  std::array<unsigned char, 16> buffer{};
  return inet_pton(AF_INET6, text.c_str(), buffer.data()) == 1;
}

bool is_ipv4(const std::string& text) {
  std::array<unsigned char, 4> buffer{};
  return inet_pton(AF_INET, text.c_str(), buffer.data()) == 1;
}

// Refuses regexes that would make std::regex recurse deeply or build huge automata.
std::optional<std::string> check_regex_shape(const std::string& pattern) {
  if (pattern.size() > kMaxRegexLength) {
    return "longer than " + std::to_string(kMaxRegexLength) + " characters";
  }
  int depth = 0;
  bool in_class = false;
  std::uint64_t repeat_product = 1;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      continue;
    }
    if (c == '[') {
      in_class = true;
    } else if (c == '(') {
      if (++depth > kMaxRegexNesting) {
        return "nested deeper than " + std::to_string(kMaxRegexNesting) + " groups";
      }
    } else if (c == ')') {
      depth = std::max(0, depth - 1);
    } else if (c == '{') {
      // {m}, {m,} or {m,n}: the largest number bounds the copies the compiler makes.
      std::uint64_t largest = 0;
      std::size_t j = i + 1;
      std::uint64_t current = 0;
      while (j < pattern.size() && (is_digit(pattern[j]) || pattern[j] == ',')) {
        if (pattern[j] == ',') {
          current = 0;
        } else {
          current = std::min<std::uint64_t>(
              current * 10 + static_cast<std::uint64_t>(pattern[j] - '0'), 1'000'000);
          largest = std::max(largest, current);
        }
        ++j;
      }
      repeat_product *= largest + 1;
      if (repeat_product > kMaxRegexRepeatProduct) return "repeats too many times";
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::uint64_t> parse_unsigned(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (!is_digit(c)) return std::nullopt;
    auto next = checked_mul(value, 10);
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (!next || *next > std::numeric_limits<std::uint64_t>::max() - digit) return std::nullopt;
    value = *next + digit;
  }
  return value;
}

Parsed<std::chrono::milliseconds> parse_duration(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::string("is empty");
  if (text.front() == '-') return std::string("must not be negative");
  std::string_view rest = text;
  std::uint64_t total_ns = 0;
  bool bare_number = true;
  while (!rest.empty()) {
    std::optional<Decimal> number = read_decimal(rest);
    if (!number) {
      return std::string(
          "is not a duration (a number of seconds, or e.g. \"500ms\", \"10s\", "
          "\"5m\", \"1h\", \"1d\")");
    }
    std::size_t unit_length = 0;
    while (unit_length < rest.size() && !is_digit(rest[unit_length]) && rest[unit_length] != '.') {
      ++unit_length;
    }
    std::uint64_t unit_ns = 1'000'000'000ULL;
    if (unit_length > 0) {
      bare_number = false;
      std::optional<std::uint64_t> unit = unit_nanoseconds(trim(rest.substr(0, unit_length)));
      if (!unit) {
        return "has an unknown unit \"" + std::string(rest.substr(0, unit_length)) +
               "\" (use ms, s, m, h or d)";
      }
      unit_ns = *unit;
      rest.remove_prefix(unit_length);
    } else if (!bare_number || !rest.empty()) {
      return std::string("needs a unit after every number (e.g. \"1h30m\")");
    }
    std::optional<std::uint64_t> ns = decimal_times(*number, unit_ns);
    if (!ns || total_ns + *ns > kMaxDurationNs) return std::string("is longer than ten years");
    total_ns += *ns;
  }
  return std::chrono::milliseconds(total_ns / 1'000'000ULL);
}

Parsed<std::uint64_t> parse_size(std::string_view text) {
  text = trim(text);
  std::size_t digits = 0;
  while (digits < text.size() && is_digit(text[digits])) ++digits;
  std::optional<std::uint64_t> number = parse_unsigned(text.substr(0, digits));
  if (!number) {
    return std::string("is not a size (a number of bytes, or e.g. \"16KiB\", \"10MiB\", \"1GB\")");
  }
  const std::string_view unit = trim(text.substr(digits));
  static constexpr std::pair<std::string_view, std::uint64_t> kUnits[] = {
      {"", 1},
      {"B", 1},
      {"KiB", 1ULL << 10},
      {"MiB", 1ULL << 20},
      {"GiB", 1ULL << 30},
      {"KB", 1'000ULL},
      {"MB", 1'000'000ULL},
      {"GB", 1'000'000'000ULL},
  };
  for (const auto& [name, factor] : kUnits) {
    if (!equals_ignoring_case(unit, name)) continue;
    std::optional<std::uint64_t> bytes = checked_mul(*number, factor);
    if (!bytes) return std::string("is too large");
    return *bytes;
  }
  return "has an unknown unit \"" + std::string(unit) + "\" (use B, KiB, MiB, GiB, KB, MB or GB)";
}

Parsed<Msat> parse_price(std::string_view text) {
  text = trim(text);
  std::size_t digits = 0;
  while (digits < text.size() && is_digit(text[digits])) ++digits;
  std::optional<std::uint64_t> number = parse_unsigned(text.substr(0, digits));
  if (!number) {
    return std::string("is not a price (a number of satoshis, or \"1500 msat\" / \"2 sat\")");
  }
  const std::string_view unit = trim(text.substr(digits));
  if (unit.empty() || equals_ignoring_case(unit, "sat") || equals_ignoring_case(unit, "sats")) {
    std::optional<Msat> msat = Msat::from_sat(*number);
    if (!msat) return std::string("is too large");
    return *msat;
  }
  if (equals_ignoring_case(unit, "msat")) return Msat(*number);
  return "has an unknown unit \"" + std::string(unit) + "\" (use sat or msat)";
}

Parsed<HostPort> parse_host_port(std::string_view text, bool allow_empty_host) {
  text = trim(text);
  HostPort out;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::string("is not an address (\"[::1]:8402\")");
    }
    out.host = std::string(text.substr(1, close - 1));
    if (!is_ipv6(out.host)) return std::string("has an invalid IPv6 address in brackets");
    port_text = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return std::string("is not an address (\"host:port\", e.g. \"127.0.0.1:8402\")");
    }
    out.host = std::string(text.substr(0, colon));
    if (out.host.find(':') != std::string::npos) {
      return std::string("has an IPv6 address without brackets (write \"[::1]:8402\")");
    }
    if (out.host.empty() && !allow_empty_host) return std::string("has no host");
    if (!std::all_of(out.host.begin(), out.host.end(), is_host_char)) {
      return std::string("has an invalid host name");
    }
    port_text = text.substr(colon + 1);
  }
  std::optional<std::uint64_t> port = parse_unsigned(port_text);
  if (!port || *port > 65535) return std::string("has an invalid port (0 to 65535)");
  out.port = static_cast<std::uint16_t>(*port);
  return out;
}

Parsed<UpstreamUrl> parse_upstream_url(std::string_view text) {
  text = trim(text);
  UpstreamUrl out;
  std::uint16_t default_port = 0;
  if (text.size() >= 7 && equals_ignoring_case(text.substr(0, 7), "http://")) {
    out.scheme = "http";
    default_port = 80;
    text.remove_prefix(7);
  } else if (text.size() >= 8 && equals_ignoring_case(text.substr(0, 8), "https://")) {
    out.scheme = "https";
    default_port = 443;
    text.remove_prefix(8);
  } else if (text.size() >= 7 && equals_ignoring_case(text.substr(0, 7), "grpc://")) {
    out.scheme = "grpc";
    default_port = 80;
    text.remove_prefix(7);
  } else if (text.size() >= 8 && equals_ignoring_case(text.substr(0, 8), "grpcs://")) {
    out.scheme = "grpcs";
    default_port = 443;
    text.remove_prefix(8);
  } else {
    return std::string("must start with http://, https://, grpc:// or grpcs://");
  }
  const std::size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    if (slash + 1 != text.size()) {
      return std::string("must not have a path (use the service's rewrite to add a prefix)");
    }
    text = text.substr(0, slash);
  }
  if (text.find('@') != std::string_view::npos) {
    return std::string("must not carry credentials (use headers)");
  }
  const bool has_port = !text.empty() && text.back() != ']' &&
                        text.find(':') != std::string_view::npos &&
                        (text.front() == '[' || text.find(':') == text.rfind(':'));
  if (has_port) {
    Parsed<HostPort> address = parse_host_port(text);
    if (auto* error = std::get_if<std::string>(&address)) return *error;
    out.address = std::get<HostPort>(address);
  } else {
    std::string host(text);
    if (!host.empty() && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
      if (!is_ipv6(host)) return std::string("has an invalid IPv6 address in brackets");
    } else if (host.empty() || !std::all_of(host.begin(), host.end(), is_host_char)) {
      return std::string("has an invalid host name");
    }
    out.address = HostPort{host, default_port};
  }
  if (out.address.port == 0) return std::string("has port 0");
  return out;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  const std::string text(host);
  if (!is_ipv4(text)) return false;
  return text.rfind("127.", 0) == 0;
}

std::optional<std::string> check_cidr(std::string_view text) {
  const std::size_t slash = text.find('/');
  const std::string address(text.substr(0, slash));
  int max_prefix = 0;
  if (is_ipv4(address)) {
    max_prefix = 32;
  } else if (is_ipv6(address)) {
    max_prefix = 128;
  } else {
    return std::string("is not an IP address or CIDR (\"10.0.0.0/8\", \"::1/128\")");
  }
  if (slash == std::string_view::npos) return std::nullopt;
  std::optional<std::uint64_t> prefix = parse_unsigned(text.substr(slash + 1));
  if (!prefix || *prefix > static_cast<std::uint64_t>(max_prefix)) {
    return "has an invalid prefix length (0 to " + std::to_string(max_prefix) + ")";
  }
  return std::nullopt;
}

std::optional<std::string> check_regex(const std::string& pattern) {
  if (std::optional<std::string> shape = check_regex_shape(pattern)) return shape;
  try {
    std::regex compiled(pattern, std::regex::ECMAScript);
    (void)compiled;
  } catch (const std::regex_error& error) {
    return std::string("does not compile: ") + error.what();
  } catch (const std::exception& error) {  // e.g. bad_alloc from a huge automaton
    return std::string("does not compile: ") + error.what();
  }
  return std::nullopt;
}

std::string anchored_from_search(const std::string& pattern) {
  if (pattern.empty()) return ".*";
  const bool starts = pattern.front() == '^';
  const bool ends =
      pattern.size() >= 2 && pattern.back() == '$' && pattern[pattern.size() - 2] != '\\';
  // Without a top-level '|' (approximated: none at all), stripping the anchors keeps the
  // meaning; otherwise ".*(?:R).*" is exact since ^ and $ only match at the ends.
  if (pattern.find('|') == std::string::npos) {
    std::string inner = pattern.substr(starts ? 1 : 0);
    if (ends) inner.pop_back();
    return (starts ? "" : ".*") + ("(?:" + inner + ")") + (ends ? "" : ".*");
  }
  return ".*(?:" + pattern + ").*";
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

bool is_header_name(std::string_view name) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           kSpecials.find(c) != std::string_view::npos;
  });
}

}  // namespace l402::gateway::config_detail
