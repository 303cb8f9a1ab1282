// decode_invoice: never crashes, and errors carry kInvalidArgument, kLimitExceeded or
// kUnauthenticated only. A decoded invoice
//   - decodes again to the same thing (the decoder is deterministic);
//   - is kept as written: unsigned_invoice() carries its network, amount, timestamp and fields;
//   - re-encodes: encode_invoice(unsigned_invoice(), K) with a fixed key K must succeed and
//     decode to the same fields and the same interpreted values, with K's public key as payee
//     (or, with an `n` field naming another key, fail with kUnauthenticated);
//   - when it was signed by K itself (the spec vectors' key), re-encodes to exactly its own
//     lower-case text unless its amount is written in a longer form than the shortest.
//
// Almost every mutation breaks the bech32 checksum, which decode_invoice checks first. So each
// input is also tried a second time with its checksum repaired (the last 6 data characters
// replaced by the right ones, characters outside the bech32 set mapped to a 5-bit value): that
// version reaches the hrp, field and signature code. A change to the fields with the signature
// left alone only changes which key is recovered, so the field interpretation and the
// re-encoding checks run too.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "l402/bolt11.hpp"
#include "l402/encoding.hpp"
#include "l402/secret.hpp"

namespace {

using namespace l402;

// The private key of the BOLT 11 test vectors (its public key is 03e7156a...).
const SecretBytes& fuzz_key() {
  static const SecretBytes key(
      hex::decode("e126f68f7eafcc8b74f54d269fe206be715000f94dac067d1c04a8ca3b2db734").value());
  return key;
}

const PublicKey& fuzz_public_key() {
  static const PublicKey key = derive_public_key(fuzz_key()).value();
  return key;
}

bool allowed_error(ErrorCode code) {
  return code == ErrorCode::kInvalidArgument || code == ErrorCode::kLimitExceeded ||
         code == ErrorCode::kUnauthenticated;
}

bool same_skipped(const Invoice& a, const Invoice& b) {
  if (a.skipped.size() != b.skipped.size()) return false;
  for (std::size_t i = 0; i < a.skipped.size(); ++i) {
    if (a.skipped[i].type != b.skipped[i].type ||
        a.skipped[i].data_length != b.skipped[i].data_length ||
        a.skipped[i].reason != b.skipped[i].reason) {
      return false;
    }
  }
  return true;
}

// What the invoice says, apart from the signature and who made it.
bool same_content(const Invoice& a, const Invoice& b) {
  return a.network == b.network && a.amount == b.amount && a.timestamp == b.timestamp &&
         a.fields == b.fields && a.payment_hash == b.payment_hash &&
         a.payment_secret == b.payment_secret && a.description == b.description &&
         a.description_hash == b.description_hash && a.payee_field == b.payee_field &&
         a.expiry == b.expiry && a.min_final_cltv_expiry == b.min_final_cltv_expiry &&
         a.fallbacks == b.fallbacks && a.route_hints == b.route_hints && a.features == b.features &&
         a.metadata == b.metadata && same_skipped(a, b);
}

bool same_signature(const Invoice& a, const Invoice& b) {
  return a.payee == b.payee && a.signature == b.signature && a.recovery_id == b.recovery_id &&
         a.signing_hash == b.signing_hash;
}

std::string lower_case(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// The shortest amount text of BOLT 11 (docs: lightning-backends.md 1.3), "" for none.
std::string shortest_amount(const std::optional<Msat>& amount) {
  if (!amount) return {};
  const std::uint64_t a = amount->value();
  if (a % 100000000000ULL == 0) return std::to_string(a / 100000000000ULL);
  if (a % 100000000ULL == 0) return std::to_string(a / 100000000ULL) + "m";
  if (a % 100000ULL == 0) return std::to_string(a / 100000ULL) + "u";
  if (a % 100ULL == 0) return std::to_string(a / 100ULL) + "n";
  return std::to_string(a) + "0p";
}

void check_invariants(const Invoice& invoice) {
  L402_FUZZ_CHECK(invoice.timestamp < (std::uint64_t{1} << 35));
  L402_FUZZ_CHECK(invoice.payee[0] == 2 || invoice.payee[0] == 3);
  L402_FUZZ_CHECK(invoice.recovery_id <= 3);
  L402_FUZZ_CHECK(!(invoice.description && invoice.description_hash));
  L402_FUZZ_CHECK(invoice.description || invoice.description_hash);
  if (invoice.payee_field) L402_FUZZ_CHECK(*invoice.payee_field == invoice.payee);
  for (std::size_t i = 1; i < invoice.features.size(); ++i) {
    L402_FUZZ_CHECK(invoice.features[i - 1] < invoice.features[i]);
  }
  for (const TaggedField& field : invoice.fields) {
    L402_FUZZ_CHECK(field.type < 32 && field.words.size() <= 1023);
    for (std::uint8_t word : field.words) L402_FUZZ_CHECK(word < 32);
  }
  for (const auto& route : invoice.route_hints) L402_FUZZ_CHECK(!route.empty());
  const std::uint64_t sum = invoice.timestamp + invoice.expiry;
  const bool overflow = sum < invoice.timestamp;
  L402_FUZZ_CHECK(invoice.expires_at() == (overflow ? UINT64_MAX : sum));
  if (invoice.amount) L402_FUZZ_CHECK(invoice.amount->value() != 0);
}

// The input with a valid bech32 checksum, or nullopt when it has no usable hrp.
std::optional<std::string> with_repaired_checksum(std::string_view input) {
  constexpr std::string_view kCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  std::string text = lower_case(input);
  if (text.starts_with("lightning:")) text.erase(0, 10);
  const std::size_t separator = text.rfind('1');
  if (separator == std::string::npos || separator == 0) return std::nullopt;
  const std::string_view hrp = std::string_view(text).substr(0, separator);
  for (char c : hrp) {
    if (c < 33 || c > 126) return std::nullopt;
  }
  std::vector<std::uint8_t> words;
  for (char c : std::string_view(text).substr(separator + 1)) {
    const std::size_t index = kCharset.find(c);
    words.push_back(index != std::string_view::npos
                        ? static_cast<std::uint8_t>(index)
                        : static_cast<std::uint8_t>(static_cast<unsigned char>(c) % 32));
  }
  if (words.size() >= 6) words.resize(words.size() - 6);
  return bech32::encode(hrp, words, bech32::Variant::kBech32);
}

void check(std::string_view input) {
  auto decoded = decode_invoice(input);
  if (!decoded.ok()) {
    L402_FUZZ_CHECK(allowed_error(decoded.error().code()));
    L402_FUZZ_CHECK(!decoded.error().message().empty());
    return;
  }
  const Invoice& invoice = *decoded;
  check_invariants(invoice);

  // Deterministic.
  auto again = decode_invoice(input);
  L402_FUZZ_CHECK(again.ok());
  L402_FUZZ_CHECK(same_content(invoice, *again) && same_signature(invoice, *again));

  // Kept as written.
  const UnsignedInvoice unsigned_invoice = invoice.unsigned_invoice();
  L402_FUZZ_CHECK(unsigned_invoice.network == invoice.network);
  L402_FUZZ_CHECK(unsigned_invoice.amount == invoice.amount);
  L402_FUZZ_CHECK(unsigned_invoice.timestamp == invoice.timestamp);
  L402_FUZZ_CHECK(unsigned_invoice.fields == invoice.fields);

  // Re-signed with the fixed key.
  auto encoded = encode_invoice(unsigned_invoice, fuzz_key());
  if (!encoded.ok()) {
    l402::fuzz::dump("input", input);
    std::fprintf(stderr, "encode_invoice: %s\n", encoded.error().message().c_str());
  }
  L402_FUZZ_CHECK(encoded.ok());
  L402_FUZZ_CHECK(encoded->size() <= Bolt11Limits{}.max_length);
  auto redecoded = decode_invoice(*encoded);
  if (invoice.payee_field && *invoice.payee_field != fuzz_public_key()) {
    // The `n` field names another key: our signature cannot verify against it.
    L402_FUZZ_CHECK(!redecoded.ok());
    L402_FUZZ_CHECK(redecoded.error().code() == ErrorCode::kUnauthenticated);
    return;
  }
  if (!redecoded.ok()) {
    l402::fuzz::dump("input", input);
    std::fprintf(stderr, "re-encoded: %s\ndecode: %s\n", encoded->c_str(),
                 redecoded.error().message().c_str());
  }
  L402_FUZZ_CHECK(redecoded.ok());
  L402_FUZZ_CHECK(same_content(invoice, *redecoded));
  L402_FUZZ_CHECK(redecoded->payee == fuzz_public_key());
  // The encoder writes lower case and the shortest amount.
  L402_FUZZ_CHECK(lower_case(*encoded) == *encoded);
  const std::string hrp =
      "ln" + std::string(network_prefix(invoice.network)) + shortest_amount(invoice.amount);
  L402_FUZZ_CHECK(encoded->starts_with(hrp + "1"));

  // Signed by the fixed key (RFC 6979, low S): the encoder reproduces the signature, and the
  // text itself when the amount was written in its shortest form.
  if (invoice.payee == fuzz_public_key() && invoice.signature == redecoded->signature) {
    std::string text = lower_case(input);
    if (text.starts_with("lightning:")) text.erase(0, 10);
    if (text.starts_with(hrp + "1")) L402_FUZZ_CHECK(text == *encoded);
  }
}

}  // namespace

// libFuzzer entry point; the name is fixed by libFuzzer.
extern "C" int LLVMFuzzerTestOneInput(  // NOLINT(readability-identifier-naming)
    const std::uint8_t* data, std::size_t size) {
  const std::string_view input = l402::fuzz::as_text(data, size);
  check(input);
  const std::optional<std::string> repaired = with_repaired_checksum(input);
  if (repaired && *repaired != input) check(*repaired);
  return 0;
}
