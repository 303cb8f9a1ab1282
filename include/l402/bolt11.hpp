// BOLT 11 invoices: decode and validate, encode and sign.
//
// decode_invoice() applies every reader "MUST fail" rule of BOLT 11 and recovers (or, with an
// `n` field, verifies) the payee's key. Wrong-length p/h/s/n fields and unknown fields are
// skipped and kept, as lnd and CLN do and as the spec's own test vector requires. All tagged
// fields are kept as written, in order, so a decoded invoice re-signs to the same string.
// Amounts are exact integer millisatoshis.
//
// Thread safety: stateless apart from one shared, read-only secp256k1 context; safe from
// any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "l402/amount.hpp"
#include "l402/crypto.hpp"
#include "l402/result.hpp"
#include "l402/secret.hpp"

namespace l402 {

// A compressed secp256k1 public key (33 bytes: 02/03 prefix and x).
using PublicKey = std::array<std::uint8_t, 33>;

// The public key of a 32-byte secp256k1 private key. Fails with kInvalidArgument for a key
// of another size or outside the curve order.
Result<PublicKey> derive_public_key(const SecretBytes& private_key);

enum class Network { kBitcoin, kTestnet, kSignet, kRegtest, kSimnet };

// "bitcoin", "testnet", "signet", "regtest", "simnet".
std::string_view network_name(Network network);
// The BOLT 11 currency prefix: "bc", "tb", "tbs", "bcrt", "sb" (simnet is lnd's).
std::string_view network_prefix(Network network);

// Tagged field types (BOLT 11), by their bech32 character.
namespace bolt11_type {
inline constexpr std::uint8_t kPaymentHash = 1;       // p
inline constexpr std::uint8_t kRouteHint = 3;         // r
inline constexpr std::uint8_t kFeatures = 5;          // 9
inline constexpr std::uint8_t kExpiry = 6;            // x
inline constexpr std::uint8_t kFallback = 9;          // f
inline constexpr std::uint8_t kDescription = 13;      // d
inline constexpr std::uint8_t kPaymentSecret = 16;    // s
inline constexpr std::uint8_t kPayee = 19;            // n
inline constexpr std::uint8_t kDescriptionHash = 23;  // h
inline constexpr std::uint8_t kMinFinalCltv = 24;     // c
inline constexpr std::uint8_t kMetadata = 27;         // m
}  // namespace bolt11_type

// One tagged field as written: its type and its 5-bit words (at most 1023).
struct TaggedField {
  std::uint8_t type = 0;
  std::vector<std::uint8_t> words;
  bool operator==(const TaggedField&) const = default;
};

struct RouteHop {
  PublicKey pubkey{};
  std::uint64_t short_channel_id = 0;  // block << 40 | transaction << 16 | output
  std::uint32_t fee_base_msat = 0;
  std::uint32_t fee_proportional_millionths = 0;
  std::uint16_t cltv_expiry_delta = 0;
  bool operator==(const RouteHop&) const = default;
};

struct Fallback {
  std::uint8_t version = 0;  // 0-16 segwit version, 17 P2PKH, 18 P2SH
  std::string program;       // witness program or 20-byte hash
  bool operator==(const Fallback&) const = default;
};

// A field the reader passed over, and why.
struct SkippedField {
  std::uint8_t type = 0;
  std::size_t data_length = 0;  // in words
  std::string reason;
};

// Builders for the fields an invoice writer needs, encoded as BOLT 11 prescribes (minimal
// integers, zero padding).
namespace bolt11_field {
TaggedField payment_hash(const Hash256& hash);
TaggedField payment_secret(const Hash256& secret);
TaggedField description(std::string_view text);
TaggedField description_hash(const Hash256& hash);
TaggedField payee(const PublicKey& node_id);
TaggedField expiry(std::uint64_t seconds);
TaggedField min_final_cltv_expiry(std::uint64_t blocks);
TaggedField fallback(const Fallback& fallback);
TaggedField route_hint(std::span<const RouteHop> hops);
TaggedField features(std::span<const std::uint32_t> bits);
TaggedField metadata(std::string_view bytes);
}  // namespace bolt11_field

// What an invoice says before it is signed.
struct UnsignedInvoice {
  Network network = Network::kBitcoin;
  std::optional<Msat> amount;   // nullopt: any amount
  std::uint64_t timestamp = 0;  // Unix seconds, below 2^35
  std::vector<TaggedField> fields;
};

struct Invoice {
  // As written.
  Network network = Network::kBitcoin;
  std::optional<Msat> amount;
  std::uint64_t timestamp = 0;
  std::vector<TaggedField> fields;

  // Interpreted (first valid occurrence of each field wins; defaults applied).
  Hash256 payment_hash{};
  Hash256 payment_secret{};
  std::optional<std::string> description;
  std::optional<Hash256> description_hash;
  std::optional<PublicKey> payee_field;  // the `n` field, when present
  std::uint64_t expiry = 3600;
  std::uint64_t min_final_cltv_expiry = 18;
  std::vector<Fallback> fallbacks;
  std::vector<std::vector<RouteHop>> route_hints;
  std::vector<std::uint32_t> features;  // set bits, ascending
  std::optional<std::string> metadata;
  std::vector<SkippedField> skipped;

  // The signature and who made it.
  PublicKey payee{};                         // from `n`, or recovered from the signature
  std::array<std::uint8_t, 64> signature{};  // r || s
  std::uint8_t recovery_id = 0;
  Hash256 signing_hash{};

  // timestamp + expiry (saturating).
  std::uint64_t expires_at() const;
  bool is_expired(std::uint64_t now) const { return now >= expires_at(); }
  UnsignedInvoice unsigned_invoice() const { return {network, amount, timestamp, fields}; }
};

struct Bolt11Limits {
  // Characters of the invoice. A dozen route hints of three hops fit in under 4 KiB.
  std::size_t max_length = 8192;
};

// Decodes and validates an invoice (lower or upper case; an optional "lightning:" prefix).
// Errors: kLimitExceeded (too long), kInvalidArgument (malformed, naming the rule),
// kUnauthenticated (the signature does not verify or no key can be recovered).
Result<Invoice> decode_invoice(std::string_view text, const Bolt11Limits& limits = {});

// BOLT 11: with a description hash, the payer "MUST check" that it hashes the description it
// was given. Fails with kInvalidArgument when the invoice has no `h` field, and with
// kPermissionDenied when the hash does not match.
Result<void> check_description_hash(const Invoice& invoice, std::string_view description);

// Signs and encodes `invoice` with a 32-byte private key (RFC 6979, low S), lower case.
// Fails with kInvalidArgument for a timestamp of 2^35 or more, a field of more than 1023
// words, a zero amount or a bad key.
Result<std::string> encode_invoice(const UnsignedInvoice& invoice, const SecretBytes& private_key);

}  // namespace l402
