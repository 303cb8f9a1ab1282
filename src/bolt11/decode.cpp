// The BOLT 11 reader. Quotes are from 11-payment-encoding.md.
#include <secp256k1_recovery.h>

#include <algorithm>
#include <array>

#include "internal.hpp"
#include "l402/encoding.hpp"

namespace l402 {
namespace bi = bolt11_internal;

namespace {

constexpr std::size_t kTimestampWords = 7;
constexpr std::size_t kSignatureWords = 104;
constexpr std::size_t kHashWords = 52;    // 32 bytes
constexpr std::size_t kPubkeyWords = 53;  // 33 bytes
constexpr std::size_t kRouteHopBytes = 51;

// Features a reader knows (BOLT 9, context 9). Any other even bit set is a required feature
// we do not understand: "MUST fail the payment".
constexpr std::array<std::uint32_t, 12> kKnownFeatures{8,  9,  14, 15, 16, 17,
                                                       24, 25, 36, 37, 48, 49};

// BIP 141 / BOLT 11: P2PKH and P2SH carry 20-byte hashes; a segwit v0 program is 20 or 32
// bytes; later witness versions 2 to 40.
bool fallback_program_fits(std::uint8_t version, std::size_t size) {
  if (version == 17 || version == 18) return size == 20;
  if (version == 0) return size == 20 || size == 32;
  return size >= 2 && size <= 40;
}

Error unauthenticated(std::string what) {
  return Error(ErrorCode::kUnauthenticated, "bolt11: " + std::move(what));
}

std::string_view strip_uri_prefix(std::string_view text) {
  constexpr std::string_view kScheme = "lightning:";
  if (text.size() < kScheme.size()) return text;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char c = text[i];
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (lower != kScheme[i]) return text;
  }
  return text.substr(kScheme.size());
}

Hash256 hash_from(std::string_view bytes) {
  Hash256 hash;
  std::copy_n(bytes.begin(), hash.size(), hash.begin());
  return hash;
}

std::uint64_t read_big_endian(std::string_view bytes) {
  std::uint64_t value = 0;
  for (char c : bytes) value = (value << 8) | static_cast<std::uint8_t>(c);
  return value;
}

// Reads the fields into `invoice`; the first valid occurrence of each wins.
class FieldReader {
 public:
  explicit FieldReader(Invoice& invoice) : invoice_(invoice) {}

  Result<void> read(const TaggedField& field) {
    const std::span<const std::uint8_t> words = field.words;
    switch (field.type) {
      case bolt11_type::kPaymentHash:
        return read_hash(field, have_payment_hash_, invoice_.payment_hash);
      case bolt11_type::kPaymentSecret:
        return read_hash(field, have_payment_secret_, invoice_.payment_secret);
      case bolt11_type::kDescriptionHash: {
        Hash256 hash;
        bool seen = invoice_.description_hash.has_value();
        L402_RETURN_IF_ERROR(read_hash(field, seen, hash));
        if (seen && !invoice_.description_hash) invoice_.description_hash = hash;
        return ok_result();
      }
      case bolt11_type::kDescription: {
        if (invoice_.description) return ok_result();
        std::string text = bi::words_to_bytes(words);
        if (!utf8::is_valid(text)) return bi::invalid("description (d) is not UTF-8");
        invoice_.description = std::move(text);
        return ok_result();
      }
      case bolt11_type::kPayee:
        return read_payee(field);
      case bolt11_type::kExpiry:
        return read_integer(field, have_expiry_, invoice_.expiry, "expiry (x)");
      case bolt11_type::kMinFinalCltv:
        return read_integer(field, have_cltv_, invoice_.min_final_cltv_expiry,
                            "min_final_cltv_expiry (c)");
      case bolt11_type::kFeatures:
        return read_features(field);
      case bolt11_type::kFallback:
        return read_fallback(field);
      case bolt11_type::kRouteHint:
        return read_route_hint(field);
      case bolt11_type::kMetadata:
        if (!invoice_.metadata) invoice_.metadata = bi::words_to_bytes(words);
        return ok_result();
      default:
        skip(field, "unknown field type");
        return ok_result();
    }
  }

  bool have_payment_hash() const { return have_payment_hash_; }
  bool have_payment_secret() const { return have_payment_secret_; }

 private:
  void skip(const TaggedField& field, std::string reason) {
    invoice_.skipped.push_back(SkippedField{field.type, field.words.size(), std::move(reason)});
  }

  // BOLT 11 asks readers to skip p, h, s and n fields of the wrong length (the spec's own
  // vector with such fields must decode), as lnd and Core Lightning do.
  Result<void> read_hash(const TaggedField& field, bool& seen, Hash256& out) {
    if (field.words.size() != kHashWords) {
      skip(field, "wrong data_length (expected 52)");
      return ok_result();
    }
    if (seen) return ok_result();
    out = hash_from(bi::words_to_bytes(field.words));
    seen = true;
    return ok_result();
  }

  Result<void> read_payee(const TaggedField& field) {
    if (field.words.size() != kPubkeyWords) {
      skip(field, "wrong data_length (expected 53)");
      return ok_result();
    }
    if (invoice_.payee_field) return ok_result();
    const std::string bytes = bi::words_to_bytes(field.words);
    PublicKey key;
    std::copy_n(bytes.begin(), key.size(), key.begin());
    secp256k1_pubkey parsed;
    if (secp256k1_ec_pubkey_parse(bi::secp_context(), &parsed, key.data(), key.size()) != 1) {
      return bi::invalid("payee (n) is not a valid public key");
    }
    invoice_.payee_field = key;
    return ok_result();
  }

  // BOLT 11: a reader "SHOULD treat the invoice as invalid" when x, c or 9 has leading zeros.
  Result<void> read_integer(const TaggedField& field, bool& seen, std::uint64_t& out,
                            const char* name) {
    if (!field.words.empty() && field.words.front() == 0) {
      return bi::invalid(std::string(name) + " is not minimally encoded");
    }
    const auto value = bi::words_to_int(field.words);
    if (!value) return bi::invalid(std::string(name) + " does not fit in 64 bits");
    if (!seen) {
      out = *value;
      seen = true;
    }
    return ok_result();
  }

  Result<void> read_features(const TaggedField& field) {
    if (!field.words.empty() && field.words.front() == 0) {
      return bi::invalid("features (9) are not minimally encoded");
    }
    if (have_features_) return ok_result();
    have_features_ = true;
    const std::size_t length = field.words.size();
    for (std::size_t i = 0; i < length; ++i) {
      const std::uint8_t word = field.words[length - 1 - i];
      for (std::uint32_t bit = 0; bit < 5; ++bit) {
        if ((word >> bit) & 1) invoice_.features.push_back(static_cast<std::uint32_t>(5 * i) + bit);
      }
    }
    for (std::uint32_t bit : invoice_.features) {
      const bool known =
          std::find(kKnownFeatures.begin(), kKnownFeatures.end(), bit) != kKnownFeatures.end();
      if (!known && bit % 2 == 0) {
        return bi::invalid("unknown required (even) feature bit " + std::to_string(bit));
      }
    }
    return ok_result();
  }

  Result<void> read_fallback(const TaggedField& field) {
    if (field.words.empty()) {
      skip(field, "empty fallback");
      return ok_result();
    }
    const std::uint8_t version = field.words.front();
    if (version > 18) {
      skip(field, "unknown fallback version " + std::to_string(version));
      return ok_result();
    }
    std::string program = bi::words_to_bytes(std::span(field.words).subspan(1));
    if (!fallback_program_fits(version, program.size())) {
      skip(field, "fallback program of " + std::to_string(program.size()) +
                      " bytes does not fit version " + std::to_string(version));
      return ok_result();
    }
    invoice_.fallbacks.push_back(Fallback{version, std::move(program)});
    return ok_result();
  }

  Result<void> read_route_hint(const TaggedField& field) {
    const std::string bytes = bi::words_to_bytes(field.words);
    const std::size_t hops = bytes.size() / kRouteHopBytes;
    // A writer's whole hops always come out as exactly 51 bytes each.
    if (hops == 0 || bytes.size() % kRouteHopBytes != 0) {
      skip(field, "route hint is not a whole number of 51-byte hops");
      return ok_result();
    }
    std::vector<RouteHop> route;
    route.reserve(hops);
    for (std::size_t i = 0; i < hops; ++i) {
      const std::string_view hop =
          std::string_view(bytes).substr(i * kRouteHopBytes, kRouteHopBytes);
      RouteHop parsed;
      std::copy_n(hop.begin(), parsed.pubkey.size(), parsed.pubkey.begin());
      parsed.short_channel_id = read_big_endian(hop.substr(33, 8));
      parsed.fee_base_msat = static_cast<std::uint32_t>(read_big_endian(hop.substr(41, 4)));
      parsed.fee_proportional_millionths =
          static_cast<std::uint32_t>(read_big_endian(hop.substr(45, 4)));
      parsed.cltv_expiry_delta = static_cast<std::uint16_t>(read_big_endian(hop.substr(49, 2)));
      route.push_back(parsed);
    }
    invoice_.route_hints.push_back(std::move(route));
    return ok_result();
  }

  Invoice& invoice_;
  bool have_payment_hash_ = false;
  bool have_payment_secret_ = false;
  bool have_expiry_ = false;
  bool have_cltv_ = false;
  bool have_features_ = false;
};

// With `n`, "MUST validate the signature" against it (which refuses high S); without, the
// key is recovered, and recovery accepts either S.
Result<void> check_signature(Invoice& invoice, const std::array<std::uint8_t, 65>& compact) {
  const secp256k1_context* context = bi::secp_context();
  const int recovery_id = compact[64];
  if (recovery_id > 3) return unauthenticated("signature recovery id above 3");
  secp256k1_ecdsa_recoverable_signature recoverable;
  if (secp256k1_ecdsa_recoverable_signature_parse_compact(context, &recoverable, compact.data(),
                                                          recovery_id) != 1) {
    return unauthenticated("signature does not parse");
  }
  std::copy_n(compact.begin(), invoice.signature.size(), invoice.signature.begin());
  invoice.recovery_id = static_cast<std::uint8_t>(recovery_id);

  if (invoice.payee_field) {
    secp256k1_pubkey pubkey;
    secp256k1_ecdsa_signature plain;
    if (secp256k1_ec_pubkey_parse(context, &pubkey, invoice.payee_field->data(),
                                  invoice.payee_field->size()) != 1) {
      return bi::invalid("payee (n) is not a valid public key");
    }
    secp256k1_ecdsa_recoverable_signature_convert(context, &plain, &recoverable);
    if (secp256k1_ecdsa_verify(context, &plain, invoice.signing_hash.data(), &pubkey) != 1) {
      return unauthenticated("signature does not verify against the payee (n) field");
    }
    invoice.payee = *invoice.payee_field;
    return ok_result();
  }
  secp256k1_pubkey recovered;
  if (secp256k1_ecdsa_recover(context, &recovered, &recoverable, invoice.signing_hash.data()) !=
      1) {
    return unauthenticated("no public key can be recovered from the signature");
  }
  std::size_t length = invoice.payee.size();
  secp256k1_ec_pubkey_serialize(context, invoice.payee.data(), &length, &recovered,
                                SECP256K1_EC_COMPRESSED);
  return ok_result();
}

}  // namespace

Result<Invoice> decode_invoice(std::string_view text, const Bolt11Limits& limits) {
  text = strip_uri_prefix(text);
  auto decoded = bech32::decode(text, limits.max_length);
  if (!decoded.ok()) return decoded.error().with_context("bolt11");
  if (decoded->variant != bech32::Variant::kBech32) {
    return bi::invalid("bech32m checksum; invoices use bech32");
  }
  L402_ASSIGN_OR_RETURN(const bi::ParsedHrp hrp, bi::parse_hrp(decoded->hrp));
  const std::vector<std::uint8_t>& data = decoded->data;
  if (data.size() < kTimestampWords + kSignatureWords) {
    return bi::invalid("too short for a timestamp and a signature");
  }

  Invoice invoice;
  invoice.network = hrp.network;
  invoice.amount = hrp.amount;
  const std::size_t signature_start = data.size() - kSignatureWords;
  for (std::size_t i = 0; i < kTimestampWords; ++i) {
    invoice.timestamp = (invoice.timestamp << 5) | data[i];
  }

  FieldReader reader(invoice);
  for (std::size_t pos = kTimestampWords; pos < signature_start;) {
    if (signature_start - pos < 3) return bi::invalid("truncated tagged field");
    TaggedField field;
    field.type = data[pos];
    const std::size_t length = std::size_t{data[pos + 1]} * 32 + data[pos + 2];
    pos += 3;
    if (length > signature_start - pos) {
      return bi::invalid("tagged field runs into the signature");
    }
    field.words.assign(data.begin() + static_cast<std::ptrdiff_t>(pos),
                       data.begin() + static_cast<std::ptrdiff_t>(pos + length));
    pos += length;
    L402_RETURN_IF_ERROR(reader.read(field));
    invoice.fields.push_back(std::move(field));
  }

  invoice.signing_hash = bi::signing_hash(decoded->hrp, std::span(data).first(signature_start));
  const std::string signature_bytes = bi::words_to_bytes(std::span(data).subspan(signature_start));
  std::array<std::uint8_t, 65> compact;
  std::copy_n(signature_bytes.begin(), compact.size(), compact.begin());
  L402_RETURN_IF_ERROR(check_signature(invoice, compact));

  if (!reader.have_payment_secret()) return bi::invalid("no payment secret (s) field");
  if (!invoice.description && !invoice.description_hash) {
    return bi::invalid("neither a description (d) nor a description hash (h)");
  }
  if (invoice.description && invoice.description_hash) {
    return bi::invalid("both a description (d) and a description hash (h)");
  }
  if (!reader.have_payment_hash()) return bi::invalid("no payment hash (p) field");
  return invoice;
}

}  // namespace l402
