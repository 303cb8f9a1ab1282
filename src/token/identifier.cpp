// The L402 macaroon identifier (l402-protocol.md 3.1):
//
//   version (uint16 big-endian, only 0) || payment hash (32) || token ID (32)
//
// Aperture's decoder is lax about the length (it reads with io.Reader.Read and ignores short
// reads and trailing bytes); this one requires exactly 66 bytes, which is all Aperture mints.
#include <algorithm>
#include <cstdlib>
#include <string>

#include "l402/token.hpp"

namespace l402 {
namespace {

constexpr std::size_t kVersionSize = 2;
constexpr std::size_t kPaymentHashOffset = kVersionSize;
constexpr std::size_t kTokenIdOffset = kPaymentHashOffset + sizeof(Hash256);
static_assert(kTokenIdOffset + kTokenIdSize == kIdentifierSize);

}  // namespace

std::string encode_identifier(const Identifier& identifier) {
  // A caller that sets another version has a bug: no other version has a defined layout.
  if (identifier.version != kIdentifierVersion) std::abort();
  std::string out(kIdentifierSize, '\0');
  out[0] = static_cast<char>(identifier.version >> 8);
  out[1] = static_cast<char>(identifier.version & 0xff);
  std::copy(identifier.payment_hash.begin(), identifier.payment_hash.end(),
            out.begin() + kPaymentHashOffset);
  std::copy(identifier.token_id.begin(), identifier.token_id.end(), out.begin() + kTokenIdOffset);
  return out;
}

Result<Identifier> decode_identifier(std::string_view bytes) {
  // The version comes first: an identifier of a later version may well have another length,
  // and "unknown version" tells its holder more than "wrong length" does.
  if (bytes.size() >= kVersionSize) {
    const auto version = static_cast<std::uint16_t>(
        (static_cast<unsigned>(static_cast<unsigned char>(bytes[0])) << 8) |
        static_cast<unsigned char>(bytes[1]));
    if (version != kIdentifierVersion) {
      // Not every such identifier is a later version: "AA==" (Aperture's test macaroon) reads
      // as version 16705. Saying both facts lets the holder tell the two apart.
      return Error(ErrorCode::kInvalidArgument,
                   "unknown identifier version " + std::to_string(version) + " (" +
                       std::to_string(bytes.size()) + " bytes; version 0 is 66)");
    }
  }
  if (bytes.size() != kIdentifierSize) {
    return Error(ErrorCode::kInvalidArgument,
                 "identifier must be 66 bytes, got " + std::to_string(bytes.size()));
  }
  Identifier identifier;
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  std::copy_n(data + kPaymentHashOffset, sizeof(Hash256), identifier.payment_hash.begin());
  std::copy_n(data + kTokenIdOffset, kTokenIdSize, identifier.token_id.begin());
  return identifier;
}

}  // namespace l402
