// V1 packet codec (libmacaroons v1.c, go-macaroon packet-v1.go). Each packet is
//   4 lower-case hex digits (total packet length)  field-name  ' '  data  '\n'
// and a macaroon is: location identifier { cid [vid] [cl] } signature.
// V1 is legacy: it is decoded for compatibility and encoded only when it can hold the data.
#include <optional>

#include "internal.hpp"
#include "l402/macaroon_format.hpp"

namespace l402 {
namespace {
namespace mi = macaroon_internal;

constexpr std::size_t kPacketHeaderSize = 4;
constexpr std::size_t kMaxPacketSize = 0xffff;

struct Packet {
  std::string_view name;
  std::string_view data;
};

int lower_hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

Result<Packet> read_packet(std::string_view& rest, const MacaroonLimits& limits) {
  if (rest.size() < kPacketHeaderSize) return mi::malformed("V1 packet header truncated");
  std::size_t length = 0;
  for (std::size_t i = 0; i < kPacketHeaderSize; ++i) {
    const int digit = lower_hex_value(rest[i]);
    if (digit < 0) return mi::malformed("V1 packet length is not lower-case hex");
    length = length * 16 + static_cast<std::size_t>(digit);
  }
  if (length < kPacketHeaderSize + 2) return mi::malformed("V1 packet too short");
  if (length > rest.size()) return mi::malformed("V1 packet runs past the end");
  const std::string_view body = rest.substr(kPacketHeaderSize, length - kPacketHeaderSize);
  if (body.back() != '\n') return mi::malformed("V1 packet does not end in a newline");
  const std::size_t space = body.find(' ');
  if (space == std::string_view::npos || space == 0) {
    return mi::malformed("V1 packet has no field name");
  }
  Packet packet{body.substr(0, space), body.substr(space + 1, body.size() - space - 2)};
  if (packet.data.size() > limits.max_field_size) {
    return mi::limit_exceeded("max_field_size", "V1 field size", packet.data.size(),
                              limits.max_field_size);
  }
  rest.remove_prefix(length);
  return packet;
}

Result<std::string_view> expect_packet(std::string_view& rest, std::string_view name,
                                       const MacaroonLimits& limits) {
  L402_ASSIGN_OR_RETURN(const Packet packet, read_packet(rest, limits));
  if (packet.name != name) {
    return mi::malformed("V1 field '" + std::string(packet.name) + "' where '" + std::string(name) +
                         "' was expected");
  }
  return packet.data;
}

Result<void> append_packet(std::string& out, std::string_view name, std::string_view data) {
  const std::size_t length = kPacketHeaderSize + name.size() + 1 + data.size() + 1;
  if (length > kMaxPacketSize) {
    return mi::malformed("V1 cannot hold a '" + std::string(name) + "' field of " +
                         std::to_string(data.size()) + " bytes");
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int shift = 12; shift >= 0; shift -= 4) out += kDigits[(length >> shift) & 0xf];
  out += name;
  out += ' ';
  out += data;
  out += '\n';
  return ok_result();
}

}  // namespace

namespace macaroon_internal {

Result<ParsedMacaroon> parse_v1_prefix(std::string_view bytes, const MacaroonLimits& limits) {
  std::string_view rest = bytes;
  auto consumed = [&] { return static_cast<std::size_t>(rest.data() - bytes.data()); };
  L402_ASSIGN_OR_RETURN(const std::string_view location, expect_packet(rest, "location", limits));
  L402_ASSIGN_OR_RETURN(const std::string_view identifier,
                        expect_packet(rest, "identifier", limits));
  std::vector<Caveat> caveats;
  std::optional<Caveat> pending;
  auto flush = [&]() -> Result<void> {
    if (!pending) return ok_result();
    if (!pending->location.empty() && pending->verification_id.empty()) {
      return mi::malformed("V1 first-party caveat has a location");
    }
    if (caveats.size() >= limits.max_caveats) {
      return mi::limit_exceeded("max_caveats", "caveat count", caveats.size() + 1,
                                limits.max_caveats);
    }
    caveats.push_back(std::move(*pending));
    pending.reset();
    return ok_result();
  };
  for (;;) {
    auto packet = read_packet(rest, limits);
    if (!packet.ok()) return std::move(packet).error();
    if (consumed() > limits.max_serialized_size) {
      return mi::limit_exceeded("max_serialized_size", "serialized size", consumed(),
                                limits.max_serialized_size);
    }
    if (packet->name == "signature") {
      L402_RETURN_IF_ERROR(flush());
      if (packet->data.size() != kSignatureSize) {
        return mi::malformed("V1 signature of " + std::to_string(packet->data.size()) +
                             " bytes, expected 32");
      }
      Hash256 signature;
      std::copy(packet->data.begin(), packet->data.end(), signature.begin());
      return ParsedMacaroon{Macaroon::from_parts(std::string(location), std::string(identifier),
                                                 std::move(caveats), signature),
                            consumed()};
    }
    if (packet->name == "cid") {
      L402_RETURN_IF_ERROR(flush());
      pending = Caveat{std::string(packet->data), {}, {}};
    } else if (packet->name == "vid" && pending && pending->verification_id.empty()) {
      if (packet->data.empty()) return mi::malformed("V1 caveat has an empty vid");
      pending->verification_id = packet->data;
    } else if (packet->name == "cl" && pending && pending->location.empty()) {
      pending->location = packet->data;
    } else {
      return mi::malformed("unexpected V1 field '" + std::string(packet->name) + "'");
    }
  }
}

Result<void> check_v1_text_fields(const Macaroon& macaroon) {
  auto check = [](std::string_view field, std::string_view value) -> Result<void> {
    if (is_valid_utf8(value)) return ok_result();
    return malformed("V1 cannot hold a " + std::string(field) + " that is not UTF-8");
  };
  L402_RETURN_IF_ERROR(check("location", macaroon.location()));
  L402_RETURN_IF_ERROR(check("identifier", macaroon.identifier()));
  for (const Caveat& caveat : macaroon.caveats()) {
    L402_RETURN_IF_ERROR(check("caveat id", caveat.id));
    L402_RETURN_IF_ERROR(check("caveat location", caveat.location));
  }
  return ok_result();
}

}  // namespace macaroon_internal

Result<std::string> to_binary_v1(const Macaroon& macaroon) {
  L402_RETURN_IF_ERROR(mi::check_v1_text_fields(macaroon));
  std::string out;
  L402_RETURN_IF_ERROR(append_packet(out, "location", macaroon.location()));
  L402_RETURN_IF_ERROR(append_packet(out, "identifier", macaroon.identifier()));
  for (const Caveat& caveat : macaroon.caveats()) {
    L402_RETURN_IF_ERROR(append_packet(out, "cid", caveat.id));
    if (!caveat.verification_id.empty()) {
      L402_RETURN_IF_ERROR(append_packet(out, "vid", caveat.verification_id));
      // go-macaroon and libmacaroons write cl after every vid, empty or not.
      L402_RETURN_IF_ERROR(append_packet(out, "cl", caveat.location));
    }
  }
  L402_RETURN_IF_ERROR(append_packet(out, "signature", as_view(macaroon.signature())));
  return out;
}

}  // namespace l402
