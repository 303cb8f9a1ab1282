// Each BOLT 11 reader and writer rule in isolation, on invoices built with the bolt11_field
// builders and encode_invoice (lightning-backends.md sections 1.3 to 1.9).
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "l402/bolt11.hpp"
#include "l402/crypto.hpp"
#include "test_util.hpp"

namespace l402 {
namespace {

using b11test::basic_fields;
using b11test::basic_invoice;
using b11test::FailsWithOneOf;
using b11test::filled_hash;
using b11test::HasError;
using b11test::HasErrorMentioningAnyOf;
using b11test::IsOk;
using b11test::sign;
using b11test::to_hex;
using b11test::with_hrp;

PublicKey vector_public_key() { return b11test::pubkey_from_hex(b11test::kPubKeyHex); }

PublicKey other_public_key() {
  const Result<PublicKey> key = derive_public_key(SecretBytes(std::string(32, '\x07')));
  EXPECT_TRUE(IsOk(key));
  return key.ok() ? *key : PublicKey{};
}

// basic_invoice() with its fields replaced.
UnsignedInvoice invoice_with(std::vector<TaggedField> fields) {
  UnsignedInvoice invoice = basic_invoice();
  invoice.fields = std::move(fields);
  return invoice;
}

std::vector<TaggedField> fields_without(std::uint8_t type) {
  std::vector<TaggedField> out;
  for (TaggedField& field : basic_fields()) {
    if (field.type != type) out.push_back(std::move(field));
  }
  return out;
}

TaggedField raw_field(std::uint8_t type, std::vector<std::uint8_t> words) {
  TaggedField field;
  field.type = type;
  field.words = std::move(words);
  return field;
}

// The 65 signature bytes of an invoice string, and the string with them replaced (checksum
// recomputed).
std::string signature_bytes(std::string_view invoice) {
  const b11test::SplitInvoice split = b11test::split_invoice(invoice);
  return b11test::pack_words(split.words, split.words.size() - 104, split.words.size());
}

std::string with_signature_bytes(std::string_view invoice, const std::string& sig) {
  b11test::SplitInvoice split = b11test::split_invoice(invoice);
  const std::vector<std::uint8_t> sig_words = b11test::unpack_bytes(sig);
  EXPECT_EQ(sig_words.size(), 104U);
  split.words.resize(split.words.size() - 104);
  split.words.insert(split.words.end(), sig_words.begin(), sig_words.end());
  return b11test::bech32_encode(split.hrp, split.words);
}

// The same signature with S replaced by n - S (high S) and the recovery parity flipped, so that
// it still recovers the signing key.
std::string to_high_s(std::string sig) {
  const std::string order =
      b11test::from_hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
  int borrow = 0;
  for (std::size_t i = 32; i-- > 0;) {
    int diff =
        static_cast<unsigned char>(order[i]) - static_cast<unsigned char>(sig[32 + i]) - borrow;
    borrow = diff < 0 ? 1 : 0;
    if (diff < 0) diff += 256;
    sig[32 + i] = static_cast<char>(diff);
  }
  sig[64] = static_cast<char>(static_cast<unsigned char>(sig[64]) ^ 1U);
  return sig;
}

// ---------------------------------------------------------------------------------------------
// The basic invoice

TEST(Bolt11Rules, ABasicInvoiceRoundTripsWithDefaultsApplied) {
  const UnsignedInvoice unsigned_invoice = basic_invoice();
  const std::string text = sign(unsigned_invoice);
  EXPECT_EQ(text, b11test::to_lower(text));
  EXPECT_EQ(text.rfind("lnbc2500u1", 0), 0U) << text;
  const Result<Invoice> inv = decode_invoice(text);
  ASSERT_TRUE(IsOk(inv));
  EXPECT_EQ(inv->network, Network::kBitcoin);
  ASSERT_TRUE(inv->amount.has_value());
  EXPECT_EQ(inv->amount->value(), 250'000'000U);
  EXPECT_EQ(inv->timestamp, b11test::kVectorTimestamp);
  EXPECT_EQ(inv->payment_hash, filled_hash(0x42));
  EXPECT_EQ(inv->payment_secret, filled_hash(0x11));
  EXPECT_EQ(inv->description, std::optional<std::string>("test"));
  EXPECT_FALSE(inv->description_hash.has_value());
  EXPECT_EQ(inv->features, (std::vector<std::uint32_t>{8, 14}));
  EXPECT_EQ(inv->expiry, 3600U);
  EXPECT_EQ(inv->min_final_cltv_expiry, 18U);
  EXPECT_EQ(inv->payee, vector_public_key());
  EXPECT_FALSE(inv->payee_field.has_value());
  EXPECT_TRUE(inv->skipped.empty());
  EXPECT_EQ(inv->fields, unsigned_invoice.fields);
}

TEST(Bolt11Encode, RefusesAPrivateKeyOfTheWrongSize) {
  EXPECT_TRUE(HasError(encode_invoice(basic_invoice(), SecretBytes(std::string(31, '\x01'))),
                       ErrorCode::kInvalidArgument));
  EXPECT_TRUE(HasError(encode_invoice(basic_invoice(), SecretBytes(std::string(32, '\0'))),
                       ErrorCode::kInvalidArgument));
}

// ---------------------------------------------------------------------------------------------
// Required fields

TEST(Bolt11Decode, RejectsAnInvoiceWithoutAPaymentHash) {
  const std::string text = sign(invoice_with(fields_without(bolt11_type::kPaymentHash)));
  EXPECT_TRUE(HasErrorMentioningAnyOf(decode_invoice(text), ErrorCode::kInvalidArgument, {"hash"}));
}

TEST(Bolt11Decode, RejectsAnInvoiceWithoutAPaymentSecret) {
  const std::string text = sign(invoice_with(fields_without(bolt11_type::kPaymentSecret)));
  EXPECT_TRUE(
      HasErrorMentioningAnyOf(decode_invoice(text), ErrorCode::kInvalidArgument, {"secret"}));
}

TEST(Bolt11Decode, RejectsAnInvoiceWithNeitherDescriptionNorDescriptionHash) {
  const std::string text = sign(invoice_with(fields_without(bolt11_type::kDescription)));
  EXPECT_TRUE(
      HasErrorMentioningAnyOf(decode_invoice(text), ErrorCode::kInvalidArgument, {"description"}));
}

TEST(Bolt11Decode, RejectsAnInvoiceWithBothDescriptionAndDescriptionHash) {
  std::vector<TaggedField> fields = basic_fields();
  fields.push_back(bolt11_field::description_hash(sha256("test")));
  const std::string text = sign(invoice_with(fields));
  EXPECT_TRUE(
      HasErrorMentioningAnyOf(decode_invoice(text), ErrorCode::kInvalidArgument, {"description"}));
}

TEST(Bolt11Decode, AcceptsADescriptionHashInsteadOfADescription) {
  std::vector<TaggedField> fields = fields_without(bolt11_type::kDescription);
  fields.push_back(bolt11_field::description_hash(sha256("a long description")));
  const Result<Invoice> inv = decode_invoice(sign(invoice_with(fields)));
  ASSERT_TRUE(IsOk(inv));
  EXPECT_FALSE(inv->description.has_value());
  EXPECT_EQ(inv->description_hash, std::optional<Hash256>(sha256("a long description")));
}

TEST(Bolt11Decode, SkipsAWrongLengthPaymentHashAndUsesTheNextValidOne) {
  std::vector<TaggedField> fields = {
      raw_field(bolt11_type::kPaymentHash, std::vector<std::uint8_t>(51, 3)),
      raw_field(bolt11_type::kPaymentHash, std::vector<std::uint8_t>(53, 5))};
  for (TaggedField& field : basic_fields()) fields.push_back(std::move(field));
  const Result<Invoice> inv = decode_invoice(sign(invoice_with(fields)));
  ASSERT_TRUE(IsOk(inv));
  EXPECT_EQ(inv->payment_hash, filled_hash(0x42));
  ASSERT_EQ(inv->skipped.size(), 2U);
  EXPECT_EQ(inv->skipped[0].type, bolt11_type::kPaymentHash);
  EXPECT_EQ(inv->skipped[0].data_length, 51U);
  EXPECT_EQ(inv->skipped[1].type, bolt11_type::kPaymentHash);
  EXPECT_EQ(inv->skipped[1].data_length, 53U);
}

TEST(Bolt11Decode, OnlyWrongLengthPaymentHashesCountAsNoPaymentHash) {
  std::vector<TaggedField> fields = fields_without(bolt11_type::kPaymentHash);
  fields.push_back(raw_field(bolt11_type::kPaymentHash, std::vector<std::uint8_t>(51, 3)));
  EXPECT_TRUE(HasError(decode_invoice(sign(invoice_with(fields))), ErrorCode::kInvalidArgument));
}

TEST(Bolt11Decode, TheFirstOfTwoValidPaymentHashesWins) {
  std::vector<TaggedField> fields = basic_fields();
  fields.push_back(bolt11_field::payment_hash(filled_hash(0x99)));
  fields.push_back(bolt11_field::payment_secret(filled_hash(0x98)));
  const Result<Invoice> inv = decode_invoice(sign(invoice_with(fields)));
  ASSERT_TRUE(IsOk(inv));
  EXPECT_EQ(inv->payment_hash, filled_hash(0x42));
  EXPECT_EQ(inv->payment_secret, filled_hash(0x11));
}

TEST(Bolt11Decode, SkipsAndKeepsUnknownFieldsAndUnknownFallbackVersions) {
  std::vector<TaggedField> fields = basic_fields();
  fields.push_back(raw_field(20, {1, 2, 3, 4}));  // lnd's blinded paths, not BOLT 11
  std::vector<std::uint8_t> fallback(33, 0);
  fallback[0] = 19;
  fields.push_back(raw_field(bolt11_type::kFallback, fallback));
  const UnsignedInvoice unsigned_invoice = invoice_with(fields);
  const Result<Invoice> inv = decode_invoice(sign(unsigned_invoice));
  ASSERT_TRUE(IsOk(inv));
  EXPECT_EQ(inv->fields, unsigned_invoice.fields);
  EXPECT_TRUE(inv->fallbacks.empty());
  ASSERT_EQ(inv->skipped.size(), 2U);
  EXPECT_EQ(inv->skipped[0].type, 20U);
  EXPECT_EQ(inv->skipped[0].data_length, 4U);
  EXPECT_EQ(inv->skipped[1].type, bolt11_type::kFallback);
  EXPECT_EQ(inv->skipped[1].data_length, 33U);
}

// ---------------------------------------------------------------------------------------------
// Features

TEST(Bolt11Fields, FeatureBuilderWritesTheDocumentedWords) {
  const std::uint32_t lnd[] = {8, 14, 17};
  const std::uint32_t spec[] = {8, 14};
  const std::uint32_t cln[] = {8, 14, 17, 25};
  EXPECT_EQ(bolt11_field::features(spec), raw_field(5, {16, 8, 0}));          // 9qrsgq
  EXPECT_EQ(bolt11_field::features(lnd), raw_field(5, {4, 16, 8, 0}));        // 9qyysgq
  EXPECT_EQ(bolt11_field::features(cln), raw_field(5, {1, 0, 4, 16, 8, 0}));  // 9qxpqysgq
}

TEST(Bolt11Fields, IntegerBuildersWriteMinimalBigEndianWords) {
  EXPECT_EQ(bolt11_field::expiry(60), raw_field(6, {1, 28}));               // xqzpu
  EXPECT_EQ(bolt11_field::min_final_cltv_expiry(10), raw_field(24, {10}));  // cqp2
  EXPECT_EQ(bolt11_field::expiry(31), raw_field(6, {31}));
  EXPECT_EQ(bolt11_field::expiry(32), raw_field(6, {1, 0}));
}

TEST(Bolt11Decode, RejectsAnUnknownEvenFeatureBit) {
  const std::uint32_t bits[] = {8, 14, 100};
  std::vector<TaggedField> fields = fields_without(bolt11_type::kFeatures);
  fields.push_back(bolt11_field::features(bits));
  EXPECT_TRUE(HasErrorMentioningAnyOf(decode_invoice(sign(invoice_with(fields))),
                                      ErrorCode::kInvalidArgument, {"feature"}));
  const std::uint32_t low_bits[] = {8, 14, 22};
  fields.back() = bolt11_field::features(low_bits);
  EXPECT_TRUE(HasErrorMentioningAnyOf(decode_invoice(sign(invoice_with(fields))),
                                      ErrorCode::kInvalidArgument, {"22"}));
}

TEST(Bolt11Decode, AcceptsAnUnknownOddFeatureBitAndReportsIt) {
  const std::uint32_t bits[] = {8, 14, 101};
  std::vector<TaggedField> fields = fields_without(bolt11_type::kFeatures);
  fields.push_back(bolt11_field::features(bits));
  const Result<Invoice> inv = decode_invoice(sign(invoice_with(fields)));
  ASSERT_TRUE(IsOk(inv));
  EXPECT_EQ(inv->features, (std::vector<std::uint32_t>{8, 14, 101}));
}

TEST(Bolt11Decode, AcceptsEveryKnownEvenFeatureBit) {
  const std::uint32_t bits[] = {8, 14, 16, 24, 36, 48};
  std::vector<TaggedField> fields = fields_without(bolt11_type::kFeatures);
  fields.push_back(bolt11_field::features(bits));
  const Result<Invoice> inv = decode_invoice(sign(invoice_with(fields)));
  ASSERT_TRUE(IsOk(inv));
  EXPECT_EQ(inv->features, (std::vector<std::uint32_t>{8, 14, 16, 24, 36, 48}));
}

// ---------------------------------------------------------------------------------------------
// Minimal integers

TEST(Bolt11Decode, AcceptsMinimalExpiryCltvAndFeatureWords) {
  std::vector<TaggedField> fields = fields_without(bolt11_type::kFeatures);
  fields.push_back(raw_field(bolt11_type::kExpiry, {1, 28}));
  fields.push_back(raw_field(bolt11_type::kMinFinalCltv, {10}));
  fields.push_back(raw_field(bolt11_type::kFeatures, {16, 8, 0}));
  const Result<Invoice> inv = decode_invoice(sign(invoice_with(fields)));
  ASSERT_TRUE(IsOk(inv));
  EXPECT_EQ(inv->expiry, 60U);
  EXPECT_EQ(inv->min_final_cltv_expiry, 10U);
  EXPECT_EQ(inv->features, (std::vector<std::uint32_t>{8, 14}));
}

TEST(Bolt11Decode, RejectsANonMinimalExpiry) {
  std::vector<TaggedField> fields = basic_fields();
  fields.push_back(raw_field(bolt11_type::kExpiry, {0, 1, 28}));
  EXPECT_TRUE(HasError(decode_invoice(sign(invoice_with(fields))), ErrorCode::kInvalidArgument));
}

TEST(Bolt11Decode, RejectsANonMinimalMinFinalCltvExpiry) {
  std::vector<TaggedField> fields = basic_fields();
  fields.push_back(raw_field(bolt11_type::kMinFinalCltv, {0, 10}));
  EXPECT_TRUE(HasError(decode_invoice(sign(invoice_with(fields))), ErrorCode::kInvalidArgument));
}

TEST(Bolt11Decode, RejectsANonMinimalFeatureField) {
  std::vector<TaggedField> fields = fields_without(bolt11_type::kFeatures);
  fields.push_back(raw_field(bolt11_type::kFeatures, {0, 16, 8, 0}));
  EXPECT_TRUE(HasError(decode_invoice(sign(invoice_with(fields))), ErrorCode::kInvalidArgument));
}

// ---------------------------------------------------------------------------------------------
// Structure and checksum

TEST(Bolt11Decode, RejectsABech32mChecksum) {
  const b11test::SplitInvoice split = b11test::split_invoice(sign(basic_invoice()));
  const std::string bech32m = b11test::bech32_encode(split.hrp, split.words, true);
  EXPECT_TRUE(HasError(decode_invoice(bech32m), ErrorCode::kInvalidArgument));
  // Control: the same words with a bech32 checksum decode.
  EXPECT_TRUE(IsOk(decode_invoice(b11test::bech32_encode(split.hrp, split.words))));
}

TEST(Bolt11Decode, RejectsATaggedFieldThatRunsIntoTheSignature) {
  const std::string text = sign(basic_invoice());
  b11test::SplitInvoice split = b11test::split_invoice(text);
  const std::vector<std::uint8_t> sig(split.words.end() - 104, split.words.end());
  split.words.resize(split.words.size() - 104);
  // An unknown field claiming 200 words, of which only 10 come before the signature.
  split.words.insert(split.words.end(), {10, 200 >> 5, 200 & 31});
  split.words.insert(split.words.end(), 10, 0);
  split.words.insert(split.words.end(), sig.begin(), sig.end());
  EXPECT_TRUE(HasError(decode_invoice(b11test::bech32_encode(split.hrp, split.words)),
                       ErrorCode::kInvalidArgument));
}

TEST(Bolt11Decode, RejectsAFieldHeaderCutShortByTheSignature) {
  b11test::SplitInvoice split = b11test::split_invoice(sign(basic_invoice()));
  const std::vector<std::uint8_t> sig(split.words.end() - 104, split.words.end());
  split.words.resize(split.words.size() - 104);
  split.words.push_back(10);  // a type word with no length
  split.words.insert(split.words.end(), sig.begin(), sig.end());
  EXPECT_TRUE(HasError(decode_invoice(b11test::bech32_encode(split.hrp, split.words)),
                       ErrorCode::kInvalidArgument));
}

// ---------------------------------------------------------------------------------------------
// Signature and payee

TEST(Bolt11Decode, RejectsARecoveryIdAboveThree) {
  const std::string text = sign(basic_invoice());
  for (const unsigned recid : {4U, 5U, 127U, 255U}) {
    SCOPED_TRACE(recid);
    std::string sig = signature_bytes(text);
    sig[64] = static_cast<char>(recid);
    EXPECT_TRUE(FailsWithOneOf(decode_invoice(with_signature_bytes(text, sig)),
                               ErrorCode::kInvalidArgument, ErrorCode::kUnauthenticated));
  }
  // Control: the untouched signature bytes survive the round trip through the helpers.
  EXPECT_EQ(with_signature_bytes(text, signature_bytes(text)), text);
}

TEST(Bolt11Decode, VerifiesAgainstTheNFieldAndReportsIt) {
  std::vector<TaggedField> fields = basic_fields();
  fields.push_back(bolt11_field::payee(vector_public_key()));
  const Result<Invoice> inv = decode_invoice(sign(invoice_with(fields)));
  ASSERT_TRUE(IsOk(inv));
  ASSERT_TRUE(inv->payee_field.has_value());
  EXPECT_EQ(*inv->payee_field, vector_public_key());
  EXPECT_EQ(inv->payee, vector_public_key());
}

TEST(Bolt11Decode, RejectsAnNFieldOfAnotherKey) {
  std::vector<TaggedField> fields = basic_fields();
  fields.push_back(bolt11_field::payee(other_public_key()));
  EXPECT_TRUE(HasError(decode_invoice(sign(invoice_with(fields))), ErrorCode::kUnauthenticated));
}

TEST(Bolt11Decode, RejectsATamperedSignatureWhenAnNFieldIsPresent) {
  std::vector<TaggedField> fields = basic_fields();
  fields.push_back(bolt11_field::payee(vector_public_key()));
  const std::string text = sign(invoice_with(fields));
  std::string sig = signature_bytes(text);
  sig[40] = static_cast<char>(sig[40] ^ 0x01);
  EXPECT_TRUE(
      HasError(decode_invoice(with_signature_bytes(text, sig)), ErrorCode::kUnauthenticated));
}

TEST(Bolt11Decode, WithoutAnNFieldATamperedSignatureRecoversAnotherKey) {
  const std::string text = sign(basic_invoice());
  std::string sig = signature_bytes(text);
  sig[40] = static_cast<char>(sig[40] ^ 0x01);
  const Result<Invoice> inv = decode_invoice(with_signature_bytes(text, sig));
  if (inv.ok()) {
    EXPECT_NE(inv->payee, vector_public_key());
  } else {
    EXPECT_EQ(inv.error().code(), ErrorCode::kUnauthenticated);
  }
}

TEST(Bolt11Decode, RecoversTheSignerFromAHighSSignatureWithoutAnNField) {
  const std::string text = sign(basic_invoice());
  const std::string high = with_signature_bytes(text, to_high_s(signature_bytes(text)));
  ASSERT_NE(high, text);
  const Result<Invoice> inv = decode_invoice(high);
  ASSERT_TRUE(IsOk(inv));
  EXPECT_EQ(inv->payee, vector_public_key());
}

TEST(Bolt11Decode, RejectsAHighSSignatureWhenAnNFieldIsPresent) {
  std::vector<TaggedField> fields = basic_fields();
  fields.push_back(bolt11_field::payee(vector_public_key()));
  const std::string text = sign(invoice_with(fields));
  ASSERT_TRUE(IsOk(decode_invoice(text)));
  const std::string high = with_signature_bytes(text, to_high_s(signature_bytes(text)));
  EXPECT_TRUE(HasError(decode_invoice(high), ErrorCode::kUnauthenticated));
}

// ---------------------------------------------------------------------------------------------
// Amounts

TEST(Bolt11Encode, WritesEveryMultiplierInItsShortestForm) {
  const std::vector<std::pair<std::uint64_t, std::string>> cases = {
      {100'000'000'000ULL, "lnbc1"},
      {2'000'000'000'000ULL, "lnbc20"},
      {2'500'000'000ULL, "lnbc25m"},
      {200'000'000ULL, "lnbc2m"},
      {250'000'000ULL, "lnbc2500u"},
      {100'000ULL, "lnbc1u"},
      {100ULL, "lnbc1n"},
      {12'300ULL, "lnbc123n"},
      {1ULL, "lnbc10p"},
      {967'878'534ULL, "lnbc9678785340p"},
      {110'000'000'000ULL, "lnbc1100m"},
  };
  for (const auto& [msat, hrp] : cases) {
    SCOPED_TRACE(hrp);
    UnsignedInvoice unsigned_invoice = basic_invoice();
    unsigned_invoice.amount = Msat(msat);
    const std::string text = sign(unsigned_invoice);
    EXPECT_EQ(b11test::split_invoice(text).hrp, hrp);
    const Result<Invoice> inv = decode_invoice(text);
    ASSERT_TRUE(IsOk(inv));
    ASSERT_TRUE(inv->amount.has_value());
    EXPECT_EQ(inv->amount->value(), msat);
    EXPECT_EQ(inv->payee, vector_public_key());
  }
}

TEST(Bolt11Encode, OmitsTheAmountOfAnAnyAmountInvoice) {
  UnsignedInvoice unsigned_invoice = basic_invoice();
  unsigned_invoice.amount.reset();
  const std::string text = sign(unsigned_invoice);
  EXPECT_EQ(b11test::split_invoice(text).hrp, "lnbc");
  const Result<Invoice> inv = decode_invoice(text);
  ASSERT_TRUE(IsOk(inv));
  EXPECT_FALSE(inv->amount.has_value());
}

// The largest pico-bitcoin amount whose digits fit in 64 bits round trips; a larger amount
// that needs `p` is either written exactly or refused, never wrapped.
TEST(Bolt11Encode, WritesLargeAmountsExactlyOrRefusesThem) {
  const std::vector<std::pair<std::uint64_t, std::string>> fits = {
      {1'844'674'407'370'955'161ULL, "lnbc18446744073709551610p"},
      {18'446'744'073'709'551'600ULL, "lnbc184467440737095516n"},
      {18'446'744'073'700'000'000ULL, "lnbc184467440737m"},
  };
  for (const auto& [msat, hrp] : fits) {
    SCOPED_TRACE(hrp);
    UnsignedInvoice unsigned_invoice = basic_invoice();
    unsigned_invoice.amount = Msat(msat);
    const std::string text = sign(unsigned_invoice);
    EXPECT_EQ(b11test::split_invoice(text).hrp, hrp);
    const Result<Invoice> inv = decode_invoice(text);
    ASSERT_TRUE(IsOk(inv));
    EXPECT_EQ(inv->amount, std::optional<Msat>(Msat(msat)));
  }
  for (const std::uint64_t msat :
       {std::uint64_t{1'844'674'407'370'955'162ULL}, std::numeric_limits<std::uint64_t>::max()}) {
    SCOPED_TRACE(msat);
    UnsignedInvoice unsigned_invoice = basic_invoice();
    unsigned_invoice.amount = Msat(msat);
    const Result<std::string> text =
        encode_invoice(unsigned_invoice, b11test::vector_private_key());
    if (!text.ok()) {
      EXPECT_EQ(text.error().code(), ErrorCode::kInvalidArgument);
      continue;
    }
    EXPECT_EQ(b11test::split_invoice(*text).hrp, "lnbc" + std::to_string(msat) + "0p");
    const Result<Invoice> inv = decode_invoice(*text);
    ASSERT_TRUE(IsOk(inv));
    EXPECT_EQ(inv->amount, std::optional<Msat>(Msat(msat)));
  }
}

TEST(Bolt11Decode, AcceptsNonShortestAmountForms) {
  const std::string text = sign(basic_invoice());
  const std::vector<std::pair<std::string, std::uint64_t>> cases = {
      {"lnbc2500000n", 250'000'000},
      {"lnbc2500000000p", 250'000'000},
      {"lnbc250m", 25'000'000'000ULL},
      {"lnbc1000m", 100'000'000'000ULL},
      {"lnbc20p", 2},
      {"lnbc1000000u", 100'000'000'000ULL},
  };
  for (const auto& [hrp, msat] : cases) {
    SCOPED_TRACE(hrp);
    const Result<Invoice> inv = decode_invoice(with_hrp(text, hrp));
    ASSERT_TRUE(IsOk(inv));
    ASSERT_TRUE(inv->amount.has_value());
    EXPECT_EQ(inv->amount->value(), msat);
  }
}

TEST(Bolt11Decode, RejectsAPicoAmountWhoseLastDigitIsNotZero) {
  const std::string text = sign(basic_invoice());
  for (const char* hrp : {"lnbc11p", "lnbc1p", "lnbc2500000001p", "lnbc9678785345p"}) {
    SCOPED_TRACE(hrp);
    EXPECT_TRUE(HasError(decode_invoice(with_hrp(text, hrp)), ErrorCode::kInvalidArgument));
  }
}

TEST(Bolt11Decode, RejectsAZeroAmount) {
  const std::string text = sign(basic_invoice());
  for (const char* hrp : {"lnbc0", "lnbc0m", "lnbc0u", "lnbc0n", "lnbc0p", "lnbc00p"}) {
    SCOPED_TRACE(hrp);
    EXPECT_TRUE(HasError(decode_invoice(with_hrp(text, hrp)), ErrorCode::kInvalidArgument));
  }
}

TEST(Bolt11Decode, RejectsAnAmountThatOverflowsSixtyFourBits) {
  const std::string text = sign(basic_invoice());
  for (const char* hrp :
       {"lnbc184467441", "lnbc184467440738m", "lnbc184467440737096u", "lnbc184467440737095517n",
        "lnbc184467440737095516160p", "lnbc99999999999999999999999999u",
        "lnbc340282366920938463463374607431768211456"}) {
    SCOPED_TRACE(hrp);
    EXPECT_TRUE(HasError(decode_invoice(with_hrp(text, hrp)), ErrorCode::kInvalidArgument));
  }
}

TEST(Bolt11Decode, AcceptsTheLargestAmountsThatFitInSixtyFourBits) {
  const std::string text = sign(basic_invoice());
  const std::vector<std::pair<std::string, std::uint64_t>> cases = {
      {"lnbc18446744073709551610p", 1'844'674'407'370'955'161ULL},
      {"lnbc184467440737095516n", 18'446'744'073'709'551'600ULL},
      {"lnbc184467440737095u", 18'446'744'073'709'500'000ULL},
      {"lnbc184467440737m", 18'446'744'073'700'000'000ULL},
      {"lnbc184467440", 18'446'744'000'000'000'000ULL},
  };
  for (const auto& [hrp, msat] : cases) {
    SCOPED_TRACE(hrp);
    const Result<Invoice> inv = decode_invoice(with_hrp(text, hrp));
    EXPECT_TRUE(IsOk(inv));
    if (!inv.ok()) continue;
    EXPECT_EQ(inv->amount, std::optional<Msat>(Msat(msat)));
  }
}

TEST(Bolt11Decode, RejectsAnAmountWithABadMultiplierOrANonDigit) {
  const std::string text = sign(basic_invoice());
  for (const char* hrp : {"lnbc2500x", "lnbc25mu", "lnbc25m0", "lnbc2500uu", "lnbc2.5m"}) {
    SCOPED_TRACE(hrp);
    EXPECT_TRUE(HasError(decode_invoice(with_hrp(text, hrp)), ErrorCode::kInvalidArgument));
  }
}

TEST(Bolt11Decode, RejectsAnUnknownCurrencyPrefixAndNamesIt) {
  const std::string text = sign(basic_invoice());
  EXPECT_TRUE(HasErrorMentioningAnyOf(decode_invoice(with_hrp(text, "lnxy2500u")),
                                      ErrorCode::kInvalidArgument, {"lnxy"}));
  // "lnbcm" is the unknown prefix "lnbcm", not bitcoin with a bare multiplier.
  EXPECT_TRUE(HasErrorMentioningAnyOf(decode_invoice(with_hrp(text, "lnbcm")),
                                      ErrorCode::kInvalidArgument, {"lnbcm"}));
  EXPECT_TRUE(HasErrorMentioningAnyOf(decode_invoice(with_hrp(text, "lnltc2500u")),
                                      ErrorCode::kInvalidArgument, {"lnltc"}));
  EXPECT_TRUE(HasError(decode_invoice(with_hrp(text, "xxbc2500u")), ErrorCode::kInvalidArgument));
  EXPECT_TRUE(HasError(decode_invoice(with_hrp(text, "ln2500u")), ErrorCode::kInvalidArgument));
}

// ---------------------------------------------------------------------------------------------
// Networks

TEST(Bolt11Encode, EveryNetworkRoundTripsWithAndWithoutAnAmount) {
  for (const Network network : {Network::kBitcoin, Network::kTestnet, Network::kSignet,
                                Network::kRegtest, Network::kSimnet}) {
    for (const bool with_amount : {true, false}) {
      SCOPED_TRACE(std::string(network_name(network)) + (with_amount ? " 2500u" : " any"));
      UnsignedInvoice unsigned_invoice = basic_invoice();
      unsigned_invoice.network = network;
      if (!with_amount) unsigned_invoice.amount.reset();
      const std::string text = sign(unsigned_invoice);
      const std::string hrp =
          "ln" + std::string(network_prefix(network)) + (with_amount ? "2500u" : "");
      EXPECT_EQ(b11test::split_invoice(text).hrp, hrp);
      const Result<Invoice> inv = decode_invoice(text);
      ASSERT_TRUE(IsOk(inv));
      EXPECT_EQ(inv->network, network);
      EXPECT_EQ(inv->amount, unsigned_invoice.amount);
      EXPECT_EQ(inv->payee, vector_public_key());
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Writer limits

TEST(Bolt11Encode, AcceptsTheLargestTimestampAndRefusesTwoToTheThirtyFifth) {
  UnsignedInvoice unsigned_invoice = basic_invoice();
  unsigned_invoice.timestamp = (std::uint64_t{1} << 35) - 1;
  const Result<Invoice> inv = decode_invoice(sign(unsigned_invoice));
  ASSERT_TRUE(IsOk(inv));
  EXPECT_EQ(inv->timestamp, (std::uint64_t{1} << 35) - 1);

  unsigned_invoice.timestamp = std::uint64_t{1} << 35;
  EXPECT_TRUE(HasError(encode_invoice(unsigned_invoice, b11test::vector_private_key()),
                       ErrorCode::kInvalidArgument));
  unsigned_invoice.timestamp = 0;
  EXPECT_TRUE(IsOk(encode_invoice(unsigned_invoice, b11test::vector_private_key())));
}

TEST(Bolt11Encode, RefusesAFieldOfMoreThan1023Words) {
  std::vector<TaggedField> fields = basic_fields();
  fields.push_back(raw_field(10, std::vector<std::uint8_t>(1024, 0)));
  EXPECT_TRUE(HasError(encode_invoice(invoice_with(fields), b11test::vector_private_key()),
                       ErrorCode::kInvalidArgument));
  fields.back().words.resize(1023);
  const Result<std::string> text =
      encode_invoice(invoice_with(fields), b11test::vector_private_key());
  ASSERT_TRUE(IsOk(text));
  const Result<Invoice> inv = decode_invoice(*text);
  ASSERT_TRUE(IsOk(inv));
  ASSERT_EQ(inv->skipped.size(), 1U);
  EXPECT_EQ(inv->skipped[0].data_length, 1023U);
}

TEST(Bolt11Encode, AcceptsADescriptionOf639BytesAndRefuses640) {
  const std::string longest(639, 'a');
  const Result<Invoice> inv = decode_invoice(sign(invoice_with(basic_fields(longest))));
  ASSERT_TRUE(IsOk(inv));
  EXPECT_EQ(inv->description, std::optional<std::string>(longest));
  EXPECT_EQ(bolt11_field::description(longest).words.size(), 1023U);

  EXPECT_TRUE(HasError(encode_invoice(invoice_with(basic_fields(std::string(640, 'a'))),
                                      b11test::vector_private_key()),
                       ErrorCode::kInvalidArgument));
}

TEST(Bolt11Encode, RoundTripsRouteHintsFallbacksMetadataAndLargeIntegers) {
  RouteHop first;
  first.pubkey = vector_public_key();
  first.short_channel_id = (std::uint64_t{700000} << 40) | (std::uint64_t{1234} << 16) | 5;
  first.fee_base_msat = 1000;
  first.fee_proportional_millionths = 1;
  first.cltv_expiry_delta = 144;
  RouteHop second;
  second.pubkey = other_public_key();
  second.short_channel_id = std::numeric_limits<std::uint64_t>::max();
  second.fee_base_msat = std::numeric_limits<std::uint32_t>::max();
  second.fee_proportional_millionths = std::numeric_limits<std::uint32_t>::max();
  second.cltv_expiry_delta = std::numeric_limits<std::uint16_t>::max();
  const std::vector<RouteHop> hops = {first, second};
  const std::vector<RouteHop> single = {second};
  const Fallback p2wpkh{0, b11test::from_hex("751e76e8199196d454941c45d1b3a323f1433bd6")};
  const Fallback p2pkh{17, b11test::from_hex("3172b5654f6683c8fb146959d347ce303cae4ca7")};

  std::vector<TaggedField> fields = basic_fields();
  fields.push_back(bolt11_field::route_hint(hops));
  fields.push_back(bolt11_field::route_hint(single));
  fields.push_back(bolt11_field::fallback(p2wpkh));
  fields.push_back(bolt11_field::fallback(p2pkh));
  fields.push_back(bolt11_field::metadata(std::string("\x00\x01\xff", 3)));
  fields.push_back(bolt11_field::expiry(std::numeric_limits<std::uint64_t>::max()));
  fields.push_back(bolt11_field::min_final_cltv_expiry(1'000'000));
  EXPECT_EQ(fields[4].words.size(), 164U);  // two hops of 82 words

  const Result<Invoice> inv = decode_invoice(sign(invoice_with(fields)));
  ASSERT_TRUE(IsOk(inv));
  ASSERT_EQ(inv->route_hints.size(), 2U);
  EXPECT_EQ(inv->route_hints[0], hops);
  EXPECT_EQ(inv->route_hints[1], single);
  EXPECT_EQ(inv->fallbacks, (std::vector<Fallback>{p2wpkh, p2pkh}));
  EXPECT_EQ(inv->metadata, std::optional<std::string>(std::string("\x00\x01\xff", 3)));
  EXPECT_EQ(inv->expiry, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(inv->min_final_cltv_expiry, 1'000'000U);
  EXPECT_EQ(inv->expires_at(), std::numeric_limits<std::uint64_t>::max());
}

// ---------------------------------------------------------------------------------------------
// Reader input handling

TEST(Bolt11Decode, AcceptsALightningUriPrefixOfEitherCase) {
  const std::string text = sign(basic_invoice());
  const Result<Invoice> plain = decode_invoice(text);
  ASSERT_TRUE(IsOk(plain));
  for (const std::string& wrapped : {"lightning:" + text, "LIGHTNING:" + b11test::to_upper(text),
                                     "LIGHTNING:" + text, "Lightning:" + text}) {
    SCOPED_TRACE(wrapped.substr(0, 14));
    const Result<Invoice> inv = decode_invoice(wrapped);
    ASSERT_TRUE(IsOk(inv));
    EXPECT_EQ(inv->signing_hash, plain->signing_hash);
    EXPECT_EQ(inv->payment_hash, plain->payment_hash);
  }
}

TEST(Bolt11Decode, RefusesAnInvoiceLongerThanTheConfiguredLimit) {
  const std::string text = sign(basic_invoice());
  Bolt11Limits limits;
  limits.max_length = text.size();
  EXPECT_TRUE(IsOk(decode_invoice(text, limits)));
  limits.max_length = text.size() - 1;
  EXPECT_TRUE(HasError(decode_invoice(text, limits), ErrorCode::kLimitExceeded));
}

TEST(Bolt11Decode, DefaultLimitAcceptsLongInvoicesAndRefusesHugeOnes) {
  // Well beyond BIP 173's 90 characters.
  std::vector<TaggedField> fields = basic_fields(std::string(600, 'x'));
  const std::string text = sign(invoice_with(fields));
  EXPECT_GT(text.size(), 1000U);
  EXPECT_TRUE(IsOk(decode_invoice(text)));
  EXPECT_TRUE(HasError(decode_invoice(std::string(Bolt11Limits{}.max_length + 1, 'q')),
                       ErrorCode::kLimitExceeded));
}

TEST(Bolt11Decode, RejectsEmptyAndNonInvoiceInput) {
  for (const std::string_view input :
       {std::string_view(""), std::string_view("lightning:"), std::string_view("1"),
        std::string_view("lnbc1"), std::string_view("hello world")}) {
    SCOPED_TRACE(input);
    EXPECT_TRUE(HasError(decode_invoice(input), ErrorCode::kInvalidArgument));
  }
}

// ---------------------------------------------------------------------------------------------
// Expiry

TEST(Bolt11Invoice, IsExpiredFromTimestampPlusExpiryOn) {
  std::vector<TaggedField> fields = basic_fields();
  fields.push_back(bolt11_field::expiry(60));
  const Result<Invoice> inv = decode_invoice(sign(invoice_with(fields)));
  ASSERT_TRUE(IsOk(inv));
  const std::uint64_t ts = b11test::kVectorTimestamp;
  EXPECT_EQ(inv->expires_at(), ts + 60);
  EXPECT_FALSE(inv->is_expired(ts));
  EXPECT_FALSE(inv->is_expired(ts + 59));
  EXPECT_TRUE(inv->is_expired(ts + 60));
  EXPECT_TRUE(inv->is_expired(ts + 61));
}

TEST(Bolt11Invoice, DefaultExpiryIsAnHour) {
  const Result<Invoice> inv = decode_invoice(sign(basic_invoice()));
  ASSERT_TRUE(IsOk(inv));
  EXPECT_EQ(inv->expires_at(), b11test::kVectorTimestamp + 3600);
  EXPECT_FALSE(inv->is_expired(b11test::kVectorTimestamp + 3599));
  EXPECT_TRUE(inv->is_expired(b11test::kVectorTimestamp + 3600));
}

TEST(Bolt11Invoice, ExpiresAtSaturatesInsteadOfWrapping) {
  Invoice inv;
  inv.timestamp = (std::uint64_t{1} << 35) - 1;
  inv.expiry = std::numeric_limits<std::uint64_t>::max() - 5;
  EXPECT_EQ(inv.expires_at(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_FALSE(inv.is_expired(std::numeric_limits<std::uint64_t>::max() - 1));
}

}  // namespace
}  // namespace l402
