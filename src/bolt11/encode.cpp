// The BOLT 11 writer: hrp, timestamp, fields in the given order, recoverable signature.
#include <secp256k1_recovery.h>

#include "internal.hpp"
#include "l402/encoding.hpp"

namespace l402 {
namespace bi = bolt11_internal;

namespace {

constexpr std::uint64_t kMaxTimestamp = (std::uint64_t{1} << 35) - 1;
constexpr std::size_t kMaxFieldWords = 1023;

}  // namespace

Result<std::string> encode_invoice(const UnsignedInvoice& invoice, const SecretBytes& private_key) {
  if (private_key.size() != 32) return bi::invalid("a private key is 32 bytes");
  if (invoice.timestamp > kMaxTimestamp) return bi::invalid("timestamp does not fit in 35 bits");
  L402_ASSIGN_OR_RETURN(const std::string hrp, bi::make_hrp(invoice.network, invoice.amount));

  bi::Words data;
  for (int shift = 30; shift >= 0; shift -= 5) {
    data.push_back(static_cast<std::uint8_t>((invoice.timestamp >> shift) & 31));
  }
  for (const TaggedField& field : invoice.fields) {
    if (field.type > 31) return bi::invalid("field type above 31");
    if (field.words.size() > kMaxFieldWords) {
      return bi::invalid("field of " + std::to_string(field.words.size()) +
                         " words; at most 1023 fit");
    }
    data.push_back(field.type);
    data.push_back(static_cast<std::uint8_t>(field.words.size() >> 5));
    data.push_back(static_cast<std::uint8_t>(field.words.size() & 31));
    for (std::uint8_t word : field.words) {
      if (word > 31) return bi::invalid("field word above 31");
      data.push_back(word);
    }
  }

  const Hash256 hash = bi::signing_hash(hrp, data);
  secp256k1_ecdsa_recoverable_signature signature;
  // A null nonce function means RFC 6979, so the same invoice always gets the same signature.
  if (secp256k1_ecdsa_sign_recoverable(bi::secp_context(), &signature, hash.data(),
                                       private_key.data(), nullptr, nullptr) != 1) {
    return bi::invalid("private key out of range");
  }
  std::array<std::uint8_t, 65> compact;
  int recovery_id = 0;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(bi::secp_context(), compact.data(),
                                                          &recovery_id, &signature);
  compact[64] = static_cast<std::uint8_t>(recovery_id);
  const bi::Words signature_words =
      bi::bytes_to_words({reinterpret_cast<const char*>(compact.data()), compact.size()});
  data.insert(data.end(), signature_words.begin(), signature_words.end());
  return bech32::encode(hrp, data, bech32::Variant::kBech32);
}

}  // namespace l402
