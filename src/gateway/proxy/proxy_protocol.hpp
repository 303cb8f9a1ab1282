// The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2) that a load
// balancer puts in front of the bytes of a connection it relays, naming the client it relays
// for. A pure parser: it reads the bytes received so far and says whether they hold a whole
// header, need more, or can never become one. No I/O; the listener side is in
// proxy_protocol_reader.hpp.
//
// What is accepted:
//   v1  "PROXY TCP4|TCP6 <src> <dst> <sport> <dport>\r\n" (IPv4 as four decimal numbers
//       without leading zeros, IPv6 in any form inet_pton reads, ports 0..65535 without
//       leading zeros), or "PROXY UNKNOWN[ anything]\r\n"; at most 107 bytes with the CRLF.
//   v2  the 12-byte signature, version 2, command LOCAL or PROXY, a known family and
//       protocol, an address block long enough for the family, then well-formed TLVs, which
//       are skipped (a CRC32C TLV is not checked). At most kMaxV2HeaderBytes in all.
// The client is taken from the header for TCP or UDP over IPv4 or IPv6. A v2 LOCAL command
// (a health check of the balancer's own), a v1 UNKNOWN, and a v2 PROXY command whose family
// or protocol is UNSPEC or whose family is AF_UNIX (no IP address to count freebies or
// match trusted proxies against) all mean: keep the TCP peer.
//
// Thread safety: stateless.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/config/config.hpp"
#include "l402/result.hpp"

namespace l402::gateway::proxy {

// "PROXY UNKNOWN ffff:...:ffff ffff:...:ffff 65535 65535\r\n": the longest v1 line.
inline constexpr std::size_t kMaxV1HeaderBytes = 107;
// 16 fixed bytes and at most 536 more (the smallest TCP segment every host must accept, which
// the specification sizes both formats to fit in).
inline constexpr std::size_t kMaxV2HeaderBytes = 16 + 536;
// Enough to hold any header this parser accepts.
inline constexpr std::size_t kMaxProxyHeaderBytes = kMaxV2HeaderBytes;

struct ProxyHeader {
  int version = 0;         // 1 or 2
  std::size_t length = 0;  // bytes the header takes on the wire; what follows is the payload
  // Whether the header names the client. False: keep the TCP peer (see above).
  bool relayed = false;
  // The client, when relayed: canonical text ("203.0.113.7", "2001:db8::1", as inet_ntop
  // writes it) and port.
  std::string source_address;
  std::uint16_t source_port = 0;
};

// Reads the start of a connection, `received` being every byte received so far, on a
// listener that accepts `accepted` (kOff accepts nothing). Returns the header once it is
// whole (bytes after it are not looked at), nullopt while a header could still follow with
// more bytes, or kInvalidArgument saying what is wrong (wrong version for the listener,
// bad signature or syntax, numbers out of range, kLimitExceeded for a header longer than the
// limits above). The reason never quotes the input.
Result<std::optional<ProxyHeader>> parse_proxy_header(std::string_view received,
                                                      ProxyProtocol accepted);

}  // namespace l402::gateway::proxy
