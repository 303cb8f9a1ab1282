// The scalar notations of l402d's configuration, as pure functions: durations ("500ms",
// "1h30m"), sizes ("16KiB"), prices ("1500 msat"), "host:port" addresses, upstream URLs,
// CIDRs, and the checks that keep a regex safe to compile. Each returns nullopt or an error
// sentence; none reads a file or the environment.
//
// Thread safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "l402/amount.hpp"

namespace l402::gateway::config_detail {

// A parsed value, or a sentence saying what is wrong with the text (without repeating it).
template <typename T>
using Parsed = std::variant<T, std::string>;

// "10s", "500ms", "5m", "1h", "1d", "1h30m", "1.5s"; also Go's "ns", "us", "µs". A bare
// number (as text) is seconds. Negative durations are refused.
Parsed<std::chrono::milliseconds> parse_duration(std::string_view text);

// "16KiB", "10MiB", "1GiB", "64KB" (1000-based), "512B"; a bare number is bytes.
Parsed<std::uint64_t> parse_size(std::string_view text);

// "1500 msat", "2 sat"; a bare number is satoshis.
Parsed<Msat> parse_price(std::string_view text);

// An unsigned decimal integer with no sign, no spaces and no overflow.
std::optional<std::uint64_t> parse_unsigned(std::string_view text);

struct HostPort {
  std::string host;  // without brackets for IPv6
  std::uint16_t port = 0;
};

// "host:port", "[::1]:port"; with `allow_empty_host`, ":port" gives an empty host.
Parsed<HostPort> parse_host_port(std::string_view text, bool allow_empty_host = false);

struct UpstreamUrl {
  std::string scheme;
  HostPort address;
};

// "http://host[:port][/]" or "https://host[:port][/]" (ports default to 80 / 443).
Parsed<UpstreamUrl> parse_upstream_url(std::string_view text);

// 127.0.0.0/8, ::1 or "localhost".
bool is_loopback_host(std::string_view host);

// "10.0.0.0/8", "::1/128" or a single address.
std::optional<std::string> check_cidr(std::string_view text);

// Whether std::regex (ECMAScript) compiles `pattern`; nullopt when it does, else why not.
// Patterns that are long, deeply nested or repeat a lot are refused before compiling: the
// standard library compiles and matches by recursion and expands counted repeats.
std::optional<std::string> check_regex(const std::string& pattern);

// An Aperture (Go, unanchored search) regex rewritten for an anchored match.
std::string anchored_from_search(const std::string& pattern);

// Levenshtein distance, for "did you mean" hints (inputs are short keys).
std::size_t edit_distance(std::string_view a, std::string_view b);

// HTTP field name (RFC 9110 token).
bool is_header_name(std::string_view name);

}  // namespace l402::gateway::config_detail
