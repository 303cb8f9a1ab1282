// Readers of the proxy chain a request carries: X-Forwarded-For ("client, proxy1, proxy2")
// and RFC 7239 Forwarded ("for=192.0.2.60;proto=http, for=\"[2001:db8::1]:4711\""), and the
// writer of a Forwarded node. Both readers are bounded (bytes of all values together, hops)
// and take every field of the name, in order, as one comma-separated list.
//
// Thread safety: stateless.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/policy/ip_address.hpp"
#include "l402/result.hpp"

namespace l402::gateway {

struct ForwardedLimits {
  std::size_t max_bytes = 8192;  // of all the field values together
  std::size_t max_hops = 32;
};

// The hops of X-Forwarded-For values, left (the original client) to right, each trimmed of
// spaces; empty list elements are skipped. Errors: kLimitExceeded.
Result<std::vector<std::string>> parse_x_forwarded_for(std::span<const std::string_view> values,
                                                       const ForwardedLimits& limits = {});

// The `for` node of each element of Forwarded values, left to right, unquoted; "" for an
// element without `for`. Errors: kInvalidArgument (not RFC 7239 syntax, a repeated parameter
// in one element), kLimitExceeded.
Result<std::vector<std::string>> parse_forwarded_for(std::span<const std::string_view> values,
                                                     const ForwardedLimits& limits = {});

// The address of a node as either header writes it: "192.0.2.60", "192.0.2.60:80",
// "[2001:db8::1]", "[2001:db8::1]:4711", "2001:db8::1"; nullopt for "unknown", obfuscated
// identifiers ("_hidden") and anything else.
std::optional<IpAddress> parse_node(std::string_view node);

// A Forwarded `for`/`by` value for `address`: "192.0.2.60" or "\"[2001:db8::1]\"".
std::string forwarded_node(const IpAddress& address);

// `text` as an RFC 7230 token when it is one, else as a quoted-string.
std::string forwarded_value(std::string_view text);

}  // namespace l402::gateway
