// Tests of the PROXY protocol header parser (no sockets): the examples of HAProxy's
// proxy-protocol.txt, the longest lines it allows, every prefix of a valid header, and each
// way a header can be malformed or of a version the listener does not accept.
#include "gateway/proxy/proxy_protocol.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace l402::gateway::proxy {
namespace {

// The v2 signature, then the version/command, family/protocol and length bytes.
std::string v2(std::uint8_t version_command, std::uint8_t family_protocol, std::string_view block) {
  std::string out("\r\n\r\n\0\r\nQUIT\n", 12);
  out += static_cast<char>(version_command);
  out += static_cast<char>(family_protocol);
  out += static_cast<char>(block.size() >> 8);
  out += static_cast<char>(block.size() & 0xff);
  out += block;
  return out;
}

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (const int value : values) out += static_cast<char>(value);
  return out;
}

// 192.0.2.1:51000 -> 198.51.100.7:443
std::string inet_block() {
  return bytes({192, 0, 2, 1, 198, 51, 100, 7, 51000 >> 8, 51000 & 0xff, 443 >> 8, 443 & 0xff});
}

// 2001:db8::1:4660 -> 2001:db8::2:443
std::string inet6_block() {
  std::string block(36, '\0');
  block[0] = 0x20, block[1] = 0x01, block[2] = 0x0d, block[3] = static_cast<char>(0xb8);
  block[15] = 1;
  block[16] = 0x20, block[17] = 0x01, block[18] = 0x0d, block[19] = static_cast<char>(0xb8);
  block[31] = 2;
  block[32] = 0x12, block[33] = 0x34, block[34] = 0x01, block[35] = static_cast<char>(0xbb);
  return block;
}

ProxyHeader parse_whole(std::string_view input, ProxyProtocol accepted = ProxyProtocol::kAny) {
  const Result<std::optional<ProxyHeader>> parsed = parse_proxy_header(input, accepted);
  EXPECT_TRUE(parsed.ok()) << parsed.error().message();
  if (!parsed.ok()) return {};
  EXPECT_TRUE(parsed->has_value());
  return parsed->value_or(ProxyHeader{});
}

bool needs_more(std::string_view input, ProxyProtocol accepted = ProxyProtocol::kAny) {
  const Result<std::optional<ProxyHeader>> parsed = parse_proxy_header(input, accepted);
  return parsed.ok() && !parsed->has_value();
}

// The error code of a refused input; kInternal when it was not refused.
ErrorCode refusal(std::string_view input, ProxyProtocol accepted = ProxyProtocol::kAny) {
  const Result<std::optional<ProxyHeader>> parsed = parse_proxy_header(input, accepted);
  return parsed.ok() ? ErrorCode::kInternal : parsed.error().code();
}

std::string reason(std::string_view input, ProxyProtocol accepted) {
  const Result<std::optional<ProxyHeader>> parsed = parse_proxy_header(input, accepted);
  return parsed.ok() ? std::string() : parsed.error().message();
}

TEST(ProxyProtocolV1, ReadsTheSpecificationsExampleAndLeavesTheRequest) {
  const std::string line = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";
  const ProxyHeader header =
      parse_whole(line + "GET / HTTP/1.1\r\nHost: 192.168.0.11\r\n\r\n", ProxyProtocol::kV1);
  EXPECT_EQ(header.version, 1);
  EXPECT_EQ(header.length, line.size());
  EXPECT_TRUE(header.relayed);
  EXPECT_EQ(header.source_address, "192.168.0.1");
  EXPECT_EQ(header.source_port, 56324);
}

TEST(ProxyProtocolV1, ReadsTcp6InCanonicalText) {
  const ProxyHeader full =
      parse_whole("PROXY TCP6 2001:0DB8:0000:0000:0000:0000:0000:0001 2001:db8::2 4660 443\r\n");
  EXPECT_TRUE(full.relayed);
  EXPECT_EQ(full.source_address, "2001:db8::1");
  EXPECT_EQ(full.source_port, 4660);
  EXPECT_EQ(parse_whole("PROXY TCP6 ::1 ::1 0 65535\r\n").source_address, "::1");
  EXPECT_EQ(parse_whole("PROXY TCP6 ::ffff:192.0.2.1 ::1 1 2\r\n").source_address,
            "::ffff:192.0.2.1");
}

TEST(ProxyProtocolV1, AcceptsTheLongestLinesTheSpecificationAllows) {
  const std::string ipv4 = "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n";
  EXPECT_EQ(ipv4.size(), 56u);
  EXPECT_EQ(parse_whole(ipv4).source_port, 65535);
  const std::string f = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  const std::string ipv6 = "PROXY TCP6 " + f + " " + f + " 65535 65535\r\n";
  EXPECT_EQ(ipv6.size(), 104u);
  EXPECT_EQ(parse_whole(ipv6).source_address, f);
  const std::string unknown = "PROXY UNKNOWN " + f + " " + f + " 65535 65535\r\n";
  EXPECT_EQ(unknown.size(), 107u);
  const ProxyHeader header = parse_whole(unknown);
  EXPECT_EQ(header.length, 107u);
  EXPECT_FALSE(header.relayed);
}

TEST(ProxyProtocolV1, RefusesALineLongerThan107Bytes) {
  const std::string f = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  EXPECT_EQ(refusal("PROXY UNKNOWN " + f + " " + f + " 65535 655350\r\n"),
            ErrorCode::kLimitExceeded);
  EXPECT_EQ(refusal("PROXY UNKNOWN " + std::string(93, 'x')), ErrorCode::kLimitExceeded);
  EXPECT_TRUE(needs_more("PROXY UNKNOWN " + std::string(92, 'x')));
  // CR as the 107th byte: the LF would be the 108th.
  EXPECT_EQ(refusal("PROXY UNKNOWN " + std::string(92, 'x') + "\r"), ErrorCode::kLimitExceeded);
}

TEST(ProxyProtocolV1, UnknownKeepsTheTcpPeerWithOrWithoutAddresses) {
  const ProxyHeader short_form = parse_whole("PROXY UNKNOWN\r\nGET");
  EXPECT_EQ(short_form.version, 1);
  EXPECT_EQ(short_form.length, 15u);
  EXPECT_FALSE(short_form.relayed);
  EXPECT_TRUE(short_form.source_address.empty());
  EXPECT_FALSE(parse_whole("PROXY UNKNOWN anything at all\r\n").relayed);
}

TEST(ProxyProtocolV1, NeedsMoreOnEveryPrefixOfAValidLine) {
  const std::string line = "PROXY TCP6 2001:db8::1 2001:db8::2 4660 443\r\n";
  for (std::size_t n = 0; n < line.size(); ++n) {
    EXPECT_TRUE(needs_more(line.substr(0, n), ProxyProtocol::kV1)) << n;
    EXPECT_TRUE(needs_more(line.substr(0, n), ProxyProtocol::kAny)) << n;
  }
}

TEST(ProxyProtocolV1, RefusesMalformedLines) {
  const char* const kMalformed[] = {
      "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\n",             // LF without CR
      "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\rX",            // CR without LF
      "PROXY TCP4 192.0.2.1 192.0.2.2 1\r2\r\n",          // CR inside the line
      "PROXY TCP4 192.0.2.1  192.0.2.2 1 2\r\n",          // two spaces
      "PROXY TCP4 192.0.2.1 192.0.2.2 1 2 \r\n",          // trailing space
      "PROXY  TCP4 192.0.2.1 192.0.2.2 1 2\r\n",          // two spaces after PROXY
      "PROXY TCP4 192.0.2.1 192.0.2.2 1\r\n",             // a port missing
      "PROXY TCP4 192.0.2.1 192.0.2.2 1 2 3\r\n",         // a field too many
      "PROXY TCP4 192.0.2.1\r\n",                         // no destination
      "PROXY TCP4\r\n",                                   // nothing
      "PROXY \r\n",                                       // no protocol
      "PROXY TCP5 192.0.2.1 192.0.2.2 1 2\r\n",           // unknown protocol
      "PROXY tcp4 192.0.2.1 192.0.2.2 1 2\r\n",           // protocol is case-sensitive
      "PROXY UNKNOWNX\r\n",                               // not UNKNOWN
      "PROXY TCP4 256.0.2.1 192.0.2.2 1 2\r\n",           // octet out of range
      "PROXY TCP4 192.0.2.1 192.0.2.999 1 2\r\n",         // destination octet out of range
      "PROXY TCP4 192.0.02.1 192.0.2.2 1 2\r\n",          // heading zero
      "PROXY TCP4 192.0.2 192.0.2.2 1 2\r\n",             // three octets
      "PROXY TCP4 192.0.2.1.5 192.0.2.2 1 2\r\n",         // five octets
      "PROXY TCP4 192.0.2. 192.0.2.2 1 2\r\n",            // empty octet
      "PROXY TCP4 192..2.1 192.0.2.2 1 2\r\n",            // empty octet
      "PROXY TCP4 +92.0.2.1 192.0.2.2 1 2\r\n",           // sign
      "PROXY TCP4 0x7f.0.0.1 192.0.2.2 1 2\r\n",          // hexadecimal
      "PROXY TCP4 2001:db8::1 192.0.2.2 1 2\r\n",         // IPv6 under TCP4
      "PROXY TCP6 192.0.2.1 2001:db8::2 1 2\r\n",         // IPv4 under TCP6
      "PROXY TCP6 2001:db8:::1 2001:db8::2 1 2\r\n",      // not IPv6
      "PROXY TCP6 2001:db8::1%eth0 2001:db8::2 1 2\r\n",  // zone
      "PROXY TCP6 [2001:db8::1] 2001:db8::2 1 2\r\n",     // brackets
      "PROXY TCP4 192.0.2.1 192.0.2.2 65536 2\r\n",       // port > 65535
      "PROXY TCP4 192.0.2.1 192.0.2.2 1 99999\r\n",       // port > 65535
      "PROXY TCP4 192.0.2.1 192.0.2.2 100000 2\r\n",      // six digits
      "PROXY TCP4 192.0.2.1 192.0.2.2 080 2\r\n",         // heading zero
      "PROXY TCP4 192.0.2.1 192.0.2.2 -1 2\r\n",          // sign
      "PROXY TCP4 192.0.2.1 192.0.2.2 http 2\r\n",        // not a number
      "PROXY TCP4 192.0.2.1 192.0.2.2 1 \r\n",            // empty port
      "PROXY TCP4 192.0.2.1\t192.0.2.2 1 2\r\n",          // tab
      "PROXY XYZ",                                        // refused before the CRLF
      "PROXY TCP44",                                      // refused before the CRLF
      "PROXY TCP7 192.0.2.1 192.0.2.2 1 2\r",             // refused before the LF
  };
  for (const char* input : kMalformed) {
    EXPECT_EQ(refusal(input, ProxyProtocol::kV1), ErrorCode::kInvalidArgument) << input;
  }
  EXPECT_EQ(refusal(std::string("PROXY TCP4 192.0.2.1\0 192.0.2.2 1 2\r\n", 37)),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(refusal("PROXY TCP4 192.0.2.1 192.0.2.2 1 2\xc3\xa9\r\n"), ErrorCode::kInvalidArgument);
}

TEST(ProxyProtocolV2, ReadsTcpOverIpv4AndLeavesThePayload) {
  const std::string header = v2(0x21, 0x11, inet_block());
  const ProxyHeader parsed = parse_whole(header + "GET / HTTP/1.1\r\n", ProxyProtocol::kV2);
  EXPECT_EQ(parsed.version, 2);
  EXPECT_EQ(parsed.length, 28u);
  EXPECT_TRUE(parsed.relayed);
  EXPECT_EQ(parsed.source_address, "192.0.2.1");
  EXPECT_EQ(parsed.source_port, 51000);
}

TEST(ProxyProtocolV2, ReadsAHeaderAsHaproxySendsIt) {
  // send-proxy-v2 of a connection from 172.19.0.1:42578 to 172.19.0.3:80, then the request.
  const std::string captured =
      bytes({0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11,
             0x00, 0x0c, 0xac, 0x13, 0x00, 0x01, 0xac, 0x13, 0x00, 0x03, 0xa6, 0x52, 0x00, 0x50}) +
      "GET / HTTP/1.1\r\n";
  const ProxyHeader parsed = parse_whole(captured);
  EXPECT_EQ(parsed.length, 28u);
  EXPECT_EQ(parsed.source_address, "172.19.0.1");
  EXPECT_EQ(parsed.source_port, 42578);
}

TEST(ProxyProtocolV2, ReadsTcpAndUdpOverIpv6) {
  const ProxyHeader tcp = parse_whole(v2(0x21, 0x21, inet6_block()));
  EXPECT_EQ(tcp.length, 52u);
  EXPECT_TRUE(tcp.relayed);
  EXPECT_EQ(tcp.source_address, "2001:db8::1");
  EXPECT_EQ(tcp.source_port, 0x1234);
  const ProxyHeader udp = parse_whole(v2(0x21, 0x22, inet6_block()));
  EXPECT_TRUE(udp.relayed);
  EXPECT_EQ(udp.source_address, "2001:db8::1");
  EXPECT_EQ(parse_whole(v2(0x21, 0x12, inet_block())).source_address, "192.0.2.1");
}

TEST(ProxyProtocolV2, SkipsWellFormedTlvs) {
  const std::string alpn = bytes({0x01, 0x00, 0x02}) + "h2";
  const std::string noop = bytes({0x04, 0x00, 0x00});
  const std::string unique_id = bytes({0x05, 0x00, 0x04, 1, 2, 3, 4});
  const std::string header = v2(0x21, 0x11, inet_block() + alpn + noop + unique_id);
  const ProxyHeader parsed = parse_whole(header + "payload");
  EXPECT_EQ(parsed.length, header.size());
  EXPECT_EQ(parsed.source_address, "192.0.2.1");
}

TEST(ProxyProtocolV2, LocalKeepsTheTcpPeerAndSkipsWhateverItCarries) {
  const ProxyHeader bare = parse_whole(v2(0x20, 0x00, ""));
  EXPECT_EQ(bare.length, 16u);
  EXPECT_FALSE(bare.relayed);
  // "must not assume zero is presented for LOCAL connections"; the family is ignored.
  const ProxyHeader with_block = parse_whole(v2(0x20, 0x11, inet_block()) + "GET");
  EXPECT_EQ(with_block.length, 28u);
  EXPECT_FALSE(with_block.relayed);
  EXPECT_FALSE(parse_whole(v2(0x20, 0xff, "xyz")).relayed);
}

TEST(ProxyProtocolV2, UnspecAndUnixKeepTheTcpPeer) {
  EXPECT_FALSE(parse_whole(v2(0x21, 0x00, "")).relayed);
  EXPECT_FALSE(parse_whole(v2(0x21, 0x10, inet_block())).relayed);
  EXPECT_FALSE(parse_whole(v2(0x21, 0x01, "abc")).relayed);
  const ProxyHeader unix_stream = parse_whole(v2(0x21, 0x31, std::string(216, 'u')));
  EXPECT_EQ(unix_stream.length, 232u);
  EXPECT_FALSE(unix_stream.relayed);
  EXPECT_FALSE(parse_whole(v2(0x21, 0x32, std::string(216, 'u'))).relayed);
}

TEST(ProxyProtocolV2, NeedsMoreOnEveryPrefixOfAValidHeader) {
  const std::string header = v2(0x21, 0x21, inet6_block() + bytes({0x04, 0x00, 0x01, 0}));
  for (std::size_t n = 0; n < header.size(); ++n) {
    EXPECT_TRUE(needs_more(header.substr(0, n), ProxyProtocol::kV2)) << n;
    EXPECT_TRUE(needs_more(header.substr(0, n), ProxyProtocol::kAny)) << n;
  }
  EXPECT_EQ(parse_whole(header).length, header.size());
}

TEST(ProxyProtocolV2, RefusesEverySignatureByteChanged) {
  const std::string header = v2(0x21, 0x11, inet_block());
  for (std::size_t i = 0; i < 12; ++i) {
    std::string changed = header;
    changed[i] = static_cast<char>(changed[i] ^ 0x40);
    EXPECT_EQ(refusal(changed, ProxyProtocol::kV2), ErrorCode::kInvalidArgument) << i;
    // Refused as soon as the changed byte arrives.
    EXPECT_EQ(refusal(changed.substr(0, i + 1), ProxyProtocol::kV2), ErrorCode::kInvalidArgument)
        << i;
  }
}

TEST(ProxyProtocolV2, RefusesBadVersionCommandFamilyAndProtocol) {
  EXPECT_EQ(refusal(v2(0x11, 0x11, inet_block())), ErrorCode::kInvalidArgument);  // version 1
  EXPECT_EQ(refusal(v2(0x31, 0x11, inet_block())), ErrorCode::kInvalidArgument);  // version 3
  EXPECT_EQ(refusal(v2(0x01, 0x11, inet_block())), ErrorCode::kInvalidArgument);  // version 0
  EXPECT_EQ(refusal(v2(0x22, 0x11, inet_block())), ErrorCode::kInvalidArgument);  // command 2
  EXPECT_EQ(refusal(v2(0x2f, 0x11, inet_block())), ErrorCode::kInvalidArgument);  // command 15
  EXPECT_EQ(refusal(v2(0x21, 0x41, inet_block())), ErrorCode::kInvalidArgument);  // family 4
  EXPECT_EQ(refusal(v2(0x21, 0x13, inet_block())), ErrorCode::kInvalidArgument);  // protocol 3
  // Refused from the fixed 16 bytes alone, before the address block arrives.
  EXPECT_EQ(refusal(v2(0x11, 0x11, inet_block()).substr(0, 16)), ErrorCode::kInvalidArgument);
}

TEST(ProxyProtocolV2, RefusesAddressBlocksShorterThanTheirFamily) {
  EXPECT_EQ(refusal(v2(0x21, 0x11, inet_block().substr(0, 11))), ErrorCode::kInvalidArgument);
  EXPECT_EQ(refusal(v2(0x21, 0x21, inet6_block().substr(0, 35))), ErrorCode::kInvalidArgument);
  EXPECT_EQ(refusal(v2(0x21, 0x21, inet_block())), ErrorCode::kInvalidArgument);
  EXPECT_EQ(refusal(v2(0x21, 0x31, std::string(215, 'u'))), ErrorCode::kInvalidArgument);
}

TEST(ProxyProtocolV2, RefusesMalformedTlvs) {
  EXPECT_EQ(refusal(v2(0x21, 0x11, inet_block() + bytes({0x04, 0x00}))),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(refusal(v2(0x21, 0x11, inet_block() + bytes({0x01, 0x00, 0x05}) + "h2")),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(refusal(v2(0x21, 0x11, inet_block() + bytes({0x04, 0x00, 0x00, 0x04}))),
            ErrorCode::kInvalidArgument);
}

TEST(ProxyProtocolV2, RefusesAHeaderLongerThanTheLimitFromItsLengthField) {
  const std::string longest =
      v2(0x21, 0x11, inet_block() + bytes({0x04, 0x02, 0x09}) + std::string(0x209, '\0'));
  EXPECT_EQ(longest.size(), kMaxV2HeaderBytes);
  EXPECT_EQ(parse_whole(longest).length, kMaxV2HeaderBytes);
  const std::string too_long =
      v2(0x21, 0x11, inet_block() + bytes({0x04, 0x02, 0x0a}) + std::string(0x20a, '\0'));
  // Known from the first 16 bytes, before the rest arrives.
  EXPECT_EQ(refusal(too_long.substr(0, 16)), ErrorCode::kLimitExceeded);
  EXPECT_EQ(refusal(v2(0x21, 0x11, std::string(0xffff, '\0')).substr(0, 16)),
            ErrorCode::kLimitExceeded);
}

TEST(ProxyProtocolVersions, AListenerRefusesTheVersionItDoesNotAccept) {
  const std::string line = "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n";
  const std::string binary = v2(0x21, 0x11, inet_block());
  EXPECT_EQ(refusal(binary, ProxyProtocol::kV1), ErrorCode::kInvalidArgument);
  EXPECT_NE(reason(binary, ProxyProtocol::kV1).find("v2 header where only v1"), std::string::npos);
  EXPECT_EQ(refusal(line, ProxyProtocol::kV2), ErrorCode::kInvalidArgument);
  EXPECT_NE(reason(line, ProxyProtocol::kV2).find("v1 header where only v2"), std::string::npos);
  // Refused from the first byte that cannot be the accepted version's.
  EXPECT_EQ(refusal("\r", ProxyProtocol::kV1), ErrorCode::kInvalidArgument);
  EXPECT_EQ(refusal("P", ProxyProtocol::kV2), ErrorCode::kInvalidArgument);
  EXPECT_EQ(parse_whole(line, ProxyProtocol::kAny).version, 1);
  EXPECT_EQ(parse_whole(binary, ProxyProtocol::kAny).version, 2);
  EXPECT_EQ(refusal(line, ProxyProtocol::kOff), ErrorCode::kInvalidArgument);
  EXPECT_EQ(refusal(binary, ProxyProtocol::kOff), ErrorCode::kInvalidArgument);
}

TEST(ProxyProtocolVersions, RefusesOtherProtocolsAtTheirFirstByte) {
  EXPECT_TRUE(needs_more(""));
  EXPECT_EQ(refusal("G"), ErrorCode::kInvalidArgument);
  EXPECT_EQ(refusal("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), ErrorCode::kInvalidArgument);
  EXPECT_EQ(refusal("POST"), ErrorCode::kInvalidArgument);
  EXPECT_EQ(refusal("proxy TCP4 192.0.2.1 192.0.2.2 1 2\r\n"), ErrorCode::kInvalidArgument);
  EXPECT_EQ(refusal("PROXY"), ErrorCode::kInternal);  // still a possible v1 line
  EXPECT_EQ(refusal("PROXYTCP4"), ErrorCode::kInvalidArgument);
  EXPECT_EQ(refusal(bytes({0x16, 0x03, 0x01, 0x00, 0xf1})), ErrorCode::kInvalidArgument);  // TLS
}

}  // namespace
}  // namespace l402::gateway::proxy
