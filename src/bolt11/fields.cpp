// Writers for the tagged fields.
#include "internal.hpp"

namespace l402 {
namespace bi = bolt11_internal;

namespace {

std::string_view bytes_of(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

TaggedField from_bytes(std::uint8_t type, std::string_view bytes) {
  return TaggedField{type, bi::bytes_to_words(bytes)};
}

void append_big_endian(std::string& out, std::uint64_t value, int bytes) {
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
    out += static_cast<char>((value >> shift) & 0xff);
  }
}

}  // namespace

namespace bolt11_field {

TaggedField payment_hash(const Hash256& hash) {
  return from_bytes(bolt11_type::kPaymentHash, as_view(hash));
}

TaggedField payment_secret(const Hash256& secret) {
  return from_bytes(bolt11_type::kPaymentSecret, as_view(secret));
}

TaggedField description(std::string_view text) {
  return from_bytes(bolt11_type::kDescription, text);
}

TaggedField description_hash(const Hash256& hash) {
  return from_bytes(bolt11_type::kDescriptionHash, as_view(hash));
}

TaggedField payee(const PublicKey& node_id) {
  return from_bytes(bolt11_type::kPayee, bytes_of(node_id));
}

TaggedField expiry(std::uint64_t seconds) {
  return TaggedField{bolt11_type::kExpiry, bi::int_to_words(seconds)};
}

TaggedField min_final_cltv_expiry(std::uint64_t blocks) {
  return TaggedField{bolt11_type::kMinFinalCltv, bi::int_to_words(blocks)};
}

TaggedField fallback(const Fallback& fallback) {
  TaggedField field{bolt11_type::kFallback, {static_cast<std::uint8_t>(fallback.version & 31)}};
  const bi::Words program = bi::bytes_to_words(fallback.program);
  field.words.insert(field.words.end(), program.begin(), program.end());
  return field;
}

TaggedField route_hint(std::span<const RouteHop> hops) {
  std::string bytes;
  for (const RouteHop& hop : hops) {
    bytes += bytes_of(hop.pubkey);
    append_big_endian(bytes, hop.short_channel_id, 8);
    append_big_endian(bytes, hop.fee_base_msat, 4);
    append_big_endian(bytes, hop.fee_proportional_millionths, 4);
    append_big_endian(bytes, hop.cltv_expiry_delta, 2);
  }
  return from_bytes(bolt11_type::kRouteHint, bytes);
}

TaggedField features(std::span<const std::uint32_t> bits) {
  // Bit i lives in word L-1-i/5 at position i%5: the field is one big-endian integer.
  std::uint32_t highest = 0;
  for (std::uint32_t bit : bits) highest = std::max(highest, bit);
  TaggedField field{bolt11_type::kFeatures, {}};
  if (bits.empty()) return field;
  const std::size_t length = highest / 5 + 1;
  field.words.assign(length, 0);
  for (std::uint32_t bit : bits) {
    field.words[length - 1 - bit / 5] |= static_cast<std::uint8_t>(1u << (bit % 5));
  }
  return field;
}

TaggedField metadata(std::string_view bytes) { return from_bytes(bolt11_type::kMetadata, bytes); }

}  // namespace bolt11_field

Result<PublicKey> derive_public_key(const SecretBytes& private_key) {
  if (private_key.size() != 32) {
    return Error(ErrorCode::kInvalidArgument, "secp256k1: a private key is 32 bytes");
  }
  secp256k1_pubkey pubkey;
  if (secp256k1_ec_pubkey_create(bi::secp_context(), &pubkey, private_key.data()) != 1) {
    return Error(ErrorCode::kInvalidArgument, "secp256k1: private key out of range");
  }
  PublicKey out;
  std::size_t length = out.size();
  secp256k1_ec_pubkey_serialize(bi::secp_context(), out.data(), &length, &pubkey,
                                SECP256K1_EC_COMPRESSED);
  return out;
}

Result<void> check_description_hash(const Invoice& invoice, std::string_view description) {
  if (!invoice.description_hash) return bi::invalid("the invoice has no description hash (h)");
  const Hash256 hash = sha256(description);
  if (!constant_time_equal(as_view(hash), as_view(*invoice.description_hash))) {
    return Error(ErrorCode::kPermissionDenied,
                 "bolt11: the description does not match the invoice's description hash (h)");
  }
  return ok_result();
}

std::uint64_t Invoice::expires_at() const {
  return timestamp > UINT64_MAX - expiry ? UINT64_MAX : timestamp + expiry;
}

}  // namespace l402
