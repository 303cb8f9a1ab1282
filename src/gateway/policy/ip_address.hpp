// IP addresses and CIDR blocks for client resolution: parsing (IPv4, IPv6, IPv4-mapped IPv6
// taken as IPv4), membership in trusted proxy blocks, and the network a free-request counter
// is kept per (IPv4 /24, IPv6 /48).
//
// Thread safety: plain values.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "l402/result.hpp"

namespace l402::gateway {

struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // IPv4 in the first 4 bytes

  bool operator==(const IpAddress&) const = default;
};

// "203.0.113.7", "2001:db8::1", "::ffff:203.0.113.7" (-> IPv4). No brackets, ports or zones.
std::optional<IpAddress> parse_ip(std::string_view text);

// Canonical text: dotted quad, or RFC 5952 IPv6 (as inet_ntop writes it).
std::string format_ip(const IpAddress& address);

struct Cidr {
  IpAddress base;  // masked to `prefix_length` bits
  int prefix_length = 0;

  bool contains(const IpAddress& address) const;
};

// "10.0.0.0/8", "::1/128", or a bare address (a /32 or /128). Errors: kInvalidArgument.
Result<Cidr> parse_cidr(std::string_view text);

class CidrSet {
 public:
  // Errors: kInvalidArgument naming the entry that does not parse.
  static Result<CidrSet> parse(const std::vector<std::string>& entries);
  bool contains(const IpAddress& address) const;
  bool empty() const { return blocks_.empty(); }

 private:
  std::vector<Cidr> blocks_;
};

// The network a client's free requests are counted per: "203.0.113.0/24" or
// "2001:db8:1::/48".
std::string client_network(const IpAddress& address);

}  // namespace l402::gateway
