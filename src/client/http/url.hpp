// URLs the client may fetch: absolute http:// or https:// URLs, parsed and resolved with
// libcurl's URL API so that what we check is what curl connects to. Private to src/client/.
//
// Thread safety: stateless.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "l402/result.hpp"

namespace l402::client {

// Longer URLs are refused (kLimitExceeded).
inline constexpr std::size_t kMaxUrlBytes = 8192;

struct ParsedUrl {
  std::string url;         // normalised, as curl will request it
  std::string scheme;      // "http" or "https"
  std::string host;        // lower case; an IPv6 address in brackets
  std::uint16_t port = 0;  // explicit or the scheme's default
  std::string path;        // at least "/"; without the query
  // "scheme://host:port" with the port always written: tokens are kept per origin.
  std::string origin;
};

// Errors: kInvalidArgument (not a URL, no scheme, a scheme other than http/https, no host),
// kLimitExceeded (over kMaxUrlBytes).
Result<ParsedUrl> parse_url(std::string_view url);

// `reference` (a Location value: absolute, or relative to `base`) made absolute and parsed.
// Errors as parse_url.
Result<ParsedUrl> resolve_url(std::string_view base, std::string_view reference);

}  // namespace l402::client
