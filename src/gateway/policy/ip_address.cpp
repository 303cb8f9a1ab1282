// IP address parsing and CIDR membership (see ip_address.hpp), on inet_pton/inet_ntop.
#include "gateway/policy/ip_address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace l402::gateway {
namespace {

constexpr std::array<std::uint8_t, 12> kMappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

IpAddress masked(const IpAddress& address, int prefix_length) {
  IpAddress out = address;
  const int total = address.v6 ? 128 : 32;
  for (int bit = prefix_length; bit < total; ++bit) {
    out.bytes[static_cast<std::size_t>(bit / 8)] &=
        static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  }
  return out;
}

}  // namespace

std::optional<IpAddress> parse_ip(std::string_view text) {
  // inet_pton needs a terminated string; the longest IPv6 text is 45 characters.
  if (text.empty() || text.size() > 45) return std::nullopt;
  char buffer[46];
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  IpAddress address;
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, buffer, address.bytes.data()) != 1) return std::nullopt;
    return address;
  }
  if (inet_pton(AF_INET6, buffer, address.bytes.data()) != 1) return std::nullopt;
  address.v6 = true;
  if (std::memcmp(address.bytes.data(), kMappedPrefix.data(), kMappedPrefix.size()) == 0) {
    IpAddress v4;
    std::memcpy(v4.bytes.data(), address.bytes.data() + 12, 4);
    return v4;
  }
  return address;
}

std::string format_ip(const IpAddress& address) {
  if (!address.v6) {
    // Every forwarded request formats its client's address; glibc's inet_ntop goes through
    // sprintf for IPv4.
    std::string text;
    text.reserve(15);
    for (std::size_t i = 0; i < 4; ++i) {
      if (i > 0) text += '.';
      const unsigned octet = address.bytes[i];
      if (octet >= 100) text += static_cast<char>('0' + octet / 100);
      if (octet >= 10) text += static_cast<char>('0' + octet / 10 % 10);
      text += static_cast<char>('0' + octet % 10);
    }
    return text;
  }
  char buffer[INET6_ADDRSTRLEN] = {};
  inet_ntop(address.v6 ? AF_INET6 : AF_INET, address.bytes.data(), buffer, sizeof buffer);
  return buffer;
}

bool Cidr::contains(const IpAddress& address) const {
  return address.v6 == base.v6 && masked(address, prefix_length) == base;
}

Result<Cidr> parse_cidr(std::string_view text) {
  const std::size_t slash = text.find('/');
  const std::optional<IpAddress> address = parse_ip(text.substr(0, slash));
  const auto bad = [&text] {
    return Error(ErrorCode::kInvalidArgument, "\"" + std::string(text) + "\" is not a CIDR block");
  };
  if (!address) return bad();
  const int total = address->v6 ? 128 : 32;
  int prefix_length = total;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    const auto [end, error] =
        std::from_chars(digits.data(), digits.data() + digits.size(), prefix_length);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
        prefix_length < 0 || prefix_length > total) {
      return bad();
    }
    // "::ffff:10.0.0.0/104" names the IPv4 block 10.0.0.0/8.
    const std::string_view written = text.substr(0, slash);
    if (!address->v6 && written.find(':') != std::string_view::npos) {
      if (prefix_length < 96) return bad();
      prefix_length -= 96;
    }
  }
  return Cidr{masked(*address, prefix_length), prefix_length};
}

Result<CidrSet> CidrSet::parse(const std::vector<std::string>& entries) {
  CidrSet set;
  for (const std::string& entry : entries) {
    L402_ASSIGN_OR_RETURN(Cidr block, parse_cidr(entry));
    set.blocks_.push_back(block);
  }
  return set;
}

bool CidrSet::contains(const IpAddress& address) const {
  for (const Cidr& block : blocks_) {
    if (block.contains(address)) return true;
  }
  return false;
}

std::string client_network(const IpAddress& address) {
  const int prefix_length = address.v6 ? 48 : 24;
  return format_ip(masked(address, prefix_length)) + (address.v6 ? "/48" : "/24");
}

}  // namespace l402::gateway
