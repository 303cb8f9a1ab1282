// canonical_origin and origin_host: the key tokens are filed under, so that "HTTPS://Host/"
// and "https://host:443/x" find the same tokens.
#include <cctype>
#include <charconv>
#include <string>
#include <string_view>

#include "l402/client_store.hpp"

namespace l402 {

namespace {

constexpr std::size_t kMaxHostSize = 253;

Error bad_origin(std::string_view what) {
  return Error(ErrorCode::kInvalidArgument, "origin: " + std::string(what));
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
}

bool is_ipv6_char(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
}

Result<std::string> parse_host(std::string_view host) {
  if (host.empty()) return bad_origin("the host is empty");
  if (host.size() > kMaxHostSize + 2) return bad_origin("the host is longer than 253 characters");
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return bad_origin("an IPv6 host lacks its ']'");
    for (const char c : host.substr(1, host.size() - 2)) {
      if (!is_ipv6_char(c)) return bad_origin("an IPv6 host may hold hex digits, ':' and '.'");
    }
    return lower(host);
  }
  if (host.size() > kMaxHostSize) return bad_origin("the host is longer than 253 characters");
  for (const char c : host) {
    if (!is_host_char(c)) {
      return bad_origin("the host may hold letters, digits, '-', '.' and '_' only");
    }
  }
  return lower(host);
}

}  // namespace

Result<std::string> canonical_origin(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return bad_origin("expected scheme://host[:port]");
  const std::string scheme = lower(url.substr(0, scheme_end));
  std::string_view default_port;
  if (scheme == "http") {
    default_port = "80";
  } else if (scheme == "https") {
    default_port = "443";
  } else {
    return bad_origin("the scheme must be http or https");
  }
  std::string_view authority = url.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    return bad_origin("user information (user@host) is not supported");
  }
  // The port follows the last ':' that is outside an IPv6 literal's brackets.
  const std::size_t bracket = authority.rfind(']');
  std::size_t colon = authority.rfind(':');
  if (bracket != std::string_view::npos && colon != std::string_view::npos && colon < bracket) {
    colon = std::string_view::npos;
  }
  std::string_view port = default_port;
  if (colon != std::string_view::npos) {
    port = authority.substr(colon + 1);
    authority = authority.substr(0, colon);
    if (port.empty()) port = default_port;
  }
  unsigned number = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (ec != std::errc() || end != port.data() + port.size() || number == 0 || number > 65535) {
    return bad_origin("the port must be a number from 1 to 65535");
  }
  L402_ASSIGN_OR_RETURN(const std::string host, parse_host(authority));
  return scheme + "://" + host + ":" + std::to_string(number);
}

std::string_view origin_host(std::string_view origin) {
  const std::size_t start = origin.find("://");
  const std::size_t colon = origin.rfind(':');
  if (start == std::string_view::npos || colon == std::string_view::npos || colon < start + 3) {
    return {};
  }
  return origin.substr(start + 3, colon - start - 3);
}

}  // namespace l402
