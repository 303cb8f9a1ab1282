// PROXY protocol v1 and v2 headers, read as HAProxy's proxy-protocol.txt describes them.
// Quotes are from that document.
#include "gateway/proxy/proxy_protocol.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <vector>

namespace l402::gateway::proxy {
namespace {

using Parsed = Result<std::optional<ProxyHeader>>;

// "The binary header format starts with a constant 12 bytes block containing the protocol
// signature: \x0D \x0A \x0D \x0A \x00 \x0D \x0A \x51 \x55 \x49 \x54 \x0A"
constexpr std::string_view kV2Signature{"\r\n\r\n\0\r\nQUIT\n", 12};
constexpr std::size_t kV2FixedBytes = 16;
// "PROXY" then "exactly one space".
constexpr std::string_view kV1Prefix = "PROXY ";

// v2 address families (high nibble of the 14th byte) and protocols (low nibble).
constexpr unsigned kFamilyUnspec = 0x0;
constexpr unsigned kFamilyInet = 0x1;
constexpr unsigned kFamilyInet6 = 0x2;
constexpr unsigned kFamilyUnix = 0x3;
constexpr unsigned kProtocolUnspec = 0x0;
constexpr unsigned kProtocolDgram = 0x2;
// Address block sizes: two addresses and, for IP, two ports.
constexpr std::size_t kInetBlockBytes = 2 * 4 + 2 * 2;
constexpr std::size_t kInet6BlockBytes = 2 * 16 + 2 * 2;
constexpr std::size_t kUnixBlockBytes = 2 * 108;
// A TLV: type, 2-byte length, value.
constexpr std::size_t kTlvHeadBytes = 3;

Error invalid(std::string_view what) {
  return Error(ErrorCode::kInvalidArgument, "PROXY protocol: " + std::string(what));
}

Error too_long(std::string_view what) {
  return Error(ErrorCode::kLimitExceeded, "PROXY protocol: " + std::string(what));
}

// Whether `received` and `expected` agree on their common length.
bool starts_like(std::string_view received, std::string_view expected) {
  const std::size_t n = std::min(received.size(), expected.size());
  return received.substr(0, n) == expected.substr(0, n);
}

std::uint8_t byte_at(std::string_view bytes, std::size_t i) {
  return static_cast<std::uint8_t>(bytes[i]);
}

std::uint16_t be16(std::string_view bytes, std::size_t at) {
  return static_cast<std::uint16_t>(byte_at(bytes, at) << 8 | byte_at(bytes, at + 1));
}

// inet_ntop's text of a 4- or 16-byte address in network order.
std::string address_text(int family, std::string_view raw) {
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (inet_ntop(family, raw.data(), text.data(), text.size()) == nullptr) return {};
  return text.data();
}

// "a series of exactly 4 integers in the range [0..255] inclusive written in decimal
// representation separated by exactly one dot between each other. Heading zeroes are not
// permitted in front of numbers in order to avoid any possible confusion with octal numbers."
// Ports: "a decimal integer in the range [0..65535] inclusive", no heading zeroes either.
std::optional<std::uint32_t> decimal(std::string_view text, std::uint32_t max) {
  if (text.empty() || text.size() > 5 || (text.size() > 1 && text.front() == '0')) {
    return std::nullopt;
  }
  std::uint32_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (value > max) return std::nullopt;
  return value;
}

std::optional<std::string> v1_ipv4(std::string_view text) {
  std::array<std::uint8_t, 4> raw{};
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const std::size_t dot = text.find('.');
    const bool last = i + 1 == raw.size();
    if (last != (dot == std::string_view::npos)) return std::nullopt;
    const std::optional<std::uint32_t> part = decimal(text.substr(0, dot), 255);
    if (!part) return std::nullopt;
    raw[i] = static_cast<std::uint8_t>(*part);
    if (!last) text.remove_prefix(dot + 1);
  }
  return address_text(AF_INET, {reinterpret_cast<const char*>(raw.data()), raw.size()});
}

// "series of sets of 4 hexadecimal digits (upper or lower case) delimited by colons ... with
// the acceptance of one double colon sequence"; read by inet_pton, which also takes shorter
// groups (as senders write them) and a trailing dotted quad.
std::optional<std::string> v1_ipv6(std::string_view text) {
  if (text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  const std::string terminated(text);
  std::array<char, 16> raw{};
  if (inet_pton(AF_INET6, terminated.c_str(), raw.data()) != 1) return std::nullopt;
  return address_text(AF_INET6, {raw.data(), raw.size()});
}

std::vector<std::string_view> split_spaces(std::string_view text) {
  std::vector<std::string_view> parts;
  for (;;) {
    const std::size_t space = text.find(' ');
    parts.push_back(text.substr(0, space));
    if (space == std::string_view::npos) return parts;
    text.remove_prefix(space + 1);
  }
}

// The protocol word after "PROXY ", possibly still arriving: wrong as soon as it cannot
// become "TCP4", "TCP6" or "UNKNOWN".
bool plausible_v1_protocol(std::string_view rest) {
  const std::size_t end = rest.find_first_of(" \r\n");
  const std::string_view word = rest.substr(0, end);
  for (const std::string_view known : {"TCP4", "TCP6", "UNKNOWN"}) {
    if (end == std::string_view::npos ? known.starts_with(word) : word == known) return true;
  }
  return false;
}

Parsed parse_v1_line(std::string_view line, std::size_t length) {
  const std::vector<std::string_view> parts = split_spaces(line.substr(kV1Prefix.size()));
  ProxyHeader header;
  header.version = 1;
  header.length = length;
  // "For "UNKNOWN", the rest of the line before the CRLF may be omitted by the sender, and
  // the receiver must ignore anything presented before the CRLF is found." ... "SHOULD
  // accept the connection and use the real connection's parameters".
  if (parts.front() == "UNKNOWN") return std::optional<ProxyHeader>(std::move(header));
  const bool ipv4 = parts.front() == "TCP4";
  if (!ipv4 && parts.front() != "TCP6") {
    return invalid("v1 protocol is not TCP4, TCP6 or UNKNOWN");
  }
  if (parts.size() != 5) {
    return invalid("v1 line is not \"PROXY <protocol> <source> <destination> <ports>\"");
  }
  const std::optional<std::string> source = ipv4 ? v1_ipv4(parts[1]) : v1_ipv6(parts[1]);
  if (!source)
    return invalid(ipv4 ? "v1 source is not an IPv4 address" : "v1 source is not an IPv6 address");
  const std::optional<std::string> destination = ipv4 ? v1_ipv4(parts[2]) : v1_ipv6(parts[2]);
  if (!destination) {
    return invalid(ipv4 ? "v1 destination is not an IPv4 address"
                        : "v1 destination is not an IPv6 address");
  }
  const std::optional<std::uint32_t> source_port = decimal(parts[3], 65535);
  const std::optional<std::uint32_t> destination_port = decimal(parts[4], 65535);
  if (!source_port || !destination_port) {
    return invalid("v1 port is not a decimal number from 0 to 65535");
  }
  header.relayed = true;
  header.source_address = *source;
  header.source_port = static_cast<std::uint16_t>(*source_port);
  return std::optional<ProxyHeader>(std::move(header));
}

// "one line of US-ASCII text" ... "If the CRLF sequence is not found in the first 107
// characters, the receiver should declare the line invalid." ... "The receiver must not
// tolerate a single CR or LF character to end the line".
Parsed parse_v1(std::string_view received) {
  const std::size_t limit = std::min(received.size(), kMaxV1HeaderBytes);
  for (std::size_t i = 0; i < limit; ++i) {
    const char c = received[i];
    if (c == '\n') return invalid("v1 line ends in LF without CR");
    if (c == '\r') {
      if (i + 2 > kMaxV1HeaderBytes) return too_long("v1 line has no CRLF in 107 bytes");
      if (i + 1 == received.size()) break;  // the LF may follow
      if (received[i + 1] != '\n') return invalid("v1 line holds a CR without LF");
      return parse_v1_line(received.substr(0, i), i + 2);
    }
    if (c < 0x20 || c > 0x7e) return invalid("v1 line holds a byte that is not printable ASCII");
  }
  if (received.size() >= kMaxV1HeaderBytes) return too_long("v1 line has no CRLF in 107 bytes");
  if (!plausible_v1_protocol(received.substr(kV1Prefix.size()))) {
    return invalid("v1 protocol is not TCP4, TCP6 or UNKNOWN");
  }
  return std::optional<ProxyHeader>();
}

// "the length of the protocol header in bytes is always exactly 16 + this value" ... "If the
// length specified in the PROXY protocol header indicates that additional bytes are part of
// the header beyond the address information, ... arranged in Type-Length-Value".
Result<void> check_tlvs(std::string_view tlvs) {
  while (!tlvs.empty()) {
    if (tlvs.size() < kTlvHeadBytes) return invalid("v2 TLV is truncated");
    const std::size_t value_bytes = be16(tlvs, 1);
    if (tlvs.size() - kTlvHeadBytes < value_bytes) return invalid("v2 TLV overruns the header");
    tlvs.remove_prefix(kTlvHeadBytes + value_bytes);
  }
  return ok_result();
}

Parsed parse_v2(std::string_view received) {
  if (received.size() < kV2FixedBytes) return std::optional<ProxyHeader>();
  // "The highest four bits contains the version. ... the receiver must only accept this
  // value." "Receivers must drop connections presenting unexpected values" of command.
  const std::uint8_t version_command = byte_at(received, 12);
  if (version_command >> 4 != 2) return invalid("v2 version nibble is not 2");
  const unsigned command = version_command & 0x0f;
  if (command > 1) return invalid("v2 command is neither LOCAL nor PROXY");
  const std::size_t length = kV2FixedBytes + be16(received, 14);
  if (length > kMaxV2HeaderBytes) return too_long("v2 header is longer than 552 bytes");
  // "The receiver must not start to parse an address before the whole address block is
  // received."
  if (received.size() < length) return std::optional<ProxyHeader>();
  ProxyHeader header;
  header.version = 2;
  header.length = length;
  // LOCAL: "the receiver must accept this connection as valid and must use the real
  // connection endpoints and discard the protocol block including the family which is
  // ignored."
  if (command == 0) return std::optional<ProxyHeader>(std::move(header));

  const unsigned family = byte_at(received, 13) >> 4;
  const unsigned protocol = byte_at(received, 13) & 0x0f;
  // "other values are unspecified ... and must be rejected as invalid by receivers."
  if (family > kFamilyUnix) return invalid("v2 address family is unknown");
  if (protocol > kProtocolDgram) return invalid("v2 transport protocol is unknown");
  // UNSPEC: "The receiver should ignore address information", whose size is then unknown,
  // so whatever follows cannot be told apart from TLVs either.
  if (family == kFamilyUnspec || protocol == kProtocolUnspec) {
    return std::optional<ProxyHeader>(std::move(header));
  }
  const std::string_view block = received.substr(kV2FixedBytes, length - kV2FixedBytes);
  const std::size_t address_bytes = family == kFamilyInet    ? kInetBlockBytes
                                    : family == kFamilyInet6 ? kInet6BlockBytes
                                                             : kUnixBlockBytes;
  if (block.size() < address_bytes) return invalid("v2 address block is shorter than its family's");
  L402_RETURN_IF_ERROR(check_tlvs(block.substr(address_bytes)));
  // AF_UNIX names no IP address: the TCP peer stays.
  if (family == kFamilyUnix) return std::optional<ProxyHeader>(std::move(header));
  const std::size_t ip_bytes = family == kFamilyInet ? 4 : 16;
  header.relayed = true;
  header.source_address =
      address_text(family == kFamilyInet ? AF_INET : AF_INET6, block.substr(0, ip_bytes));
  header.source_port = be16(block, 2 * ip_bytes);
  return std::optional<ProxyHeader>(std::move(header));
}

}  // namespace

Result<std::optional<ProxyHeader>> parse_proxy_header(std::string_view received,
                                                      ProxyProtocol accepted) {
  const bool accepts_v1 = accepted == ProxyProtocol::kV1 || accepted == ProxyProtocol::kAny;
  const bool accepts_v2 = accepted == ProxyProtocol::kV2 || accepted == ProxyProtocol::kAny;
  if (!accepts_v1 && !accepts_v2) return invalid("not expected on this listener");
  if (received.empty()) return std::optional<ProxyHeader>();
  // "if the incoming byte count is 16 or above and the 13 first bytes match the protocol
  // signature block followed by the protocol version 2" ... "otherwise, if the incoming
  // byte count is 8 or above, and the 5 first characters match the US-ASCII representation
  // of "PROXY" then the protocol must be parsed as version 1" ... "otherwise the protocol is
  // not covered by this specification and the connection must be dropped."
  const bool looks_v2 = starts_like(received, kV2Signature);
  const bool looks_v1 = starts_like(received, kV1Prefix);
  if (looks_v2 && accepts_v2) {
    if (received.size() < kV2Signature.size()) return std::optional<ProxyHeader>();
    return parse_v2(received);
  }
  if (looks_v1 && accepts_v1) {
    if (received.size() < kV1Prefix.size()) return std::optional<ProxyHeader>();
    return parse_v1(received);
  }
  // The version this listener does not accept, or something else.
  if (looks_v2 && received.size() >= kV2Signature.size()) {
    return invalid("a v2 header where only v1 is accepted");
  }
  if (looks_v1 && received.size() >= kV1Prefix.size()) {
    return invalid("a v1 header where only v2 is accepted");
  }
  if (!accepts_v2) return invalid("the connection does not start with a v1 header");
  if (!accepts_v1) return invalid("the connection does not start with a v2 header");
  return invalid("the connection does not start with a PROXY protocol header");
}

}  // namespace l402::gateway::proxy
