// The 26 BOLT 11 test vectors of lightning-backends.md section 1.10
// (tests/data/bolt11_vectors.jsonl): every valid vector decodes to exactly its expected values
// and re-signs byte for byte; every invalid vector fails for the documented reason.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "l402/bolt11.hpp"
#include "l402/crypto.hpp"
#include "test_util.hpp"

namespace l402 {
namespace {

using b11test::HasError;
using b11test::HasErrorMentioningAnyOf;
using b11test::IsOk;
using b11test::json;
using b11test::to_hex;

std::vector<json> vectors_of_kind(std::string_view kind) {
  std::vector<json> out;
  for (const json& v : b11test::vectors()) {
    if (v.at("kind").get<std::string>() == kind) out.push_back(v);
  }
  return out;
}

std::string scid_text(std::uint64_t scid) {
  return std::to_string(scid >> 40) + "x" + std::to_string((scid >> 16) & 0xffffff) + "x" +
         std::to_string(scid & 0xffff);
}

// ---------------------------------------------------------------------------------------------
// The data file itself

TEST(Bolt11Vectors, FileHoldsSixteenValidAndTenInvalidVectorsWithDistinctNames) {
  EXPECT_EQ(b11test::vectors().size(), 26U);
  EXPECT_EQ(vectors_of_kind("valid").size(), 16U);
  EXPECT_EQ(vectors_of_kind("invalid").size(), 10U);
  std::set<std::string> names;
  for (const json& v : b11test::vectors()) {
    EXPECT_TRUE(names.insert(v.at("name").get<std::string>()).second) << v.at("name");
    EXPECT_FALSE(v.at("invoice").get<std::string>().empty());
    if (v.at("kind") == "valid") {
      EXPECT_EQ(v.at("privkey").get<std::string>(), b11test::kPrivKeyHex) << v.at("name");
      EXPECT_TRUE(v.contains("expected")) << v.at("name");
      EXPECT_TRUE(v.contains("deterministic_resign")) << v.at("name");
    } else {
      EXPECT_TRUE(v.contains("reason")) << v.at("name");
    }
  }
}

// The computed values of the file (signing hash, r || s, recovery id) agree with the invoice
// strings, by a computation that uses no part of the BOLT 11 implementation.
TEST(Bolt11Vectors, ComputedSigningHashAndSignatureMatchTheInvoiceStrings) {
  for (const json& v : vectors_of_kind("valid")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    const json& e = v.at("expected");
    const b11test::SplitInvoice split = b11test::split_invoice(v.at("invoice").get<std::string>());
    EXPECT_EQ(split.hrp, e.at("hrp").get<std::string>());
    ASSERT_GE(split.words.size(), 111U);
    const std::size_t sig_begin = split.words.size() - 104;
    const std::string preimage = split.hrp + b11test::pack_words(split.words, 0, sig_begin);
    EXPECT_EQ(to_hex(sha256(preimage)), e.at("signing_hash").get<std::string>());
    const std::string sig = b11test::pack_words(split.words, sig_begin, split.words.size());
    ASSERT_EQ(sig.size(), 65U);
    EXPECT_EQ(to_hex(std::string_view(sig).substr(0, 64)),
              e.at("signature_rs_hex").get<std::string>());
    EXPECT_EQ(static_cast<unsigned char>(sig[64]), e.at("recovery_id").get<unsigned>());
  }
}

TEST(Bolt11Vectors, SpecPreimageOfTheFirstVectorHashesToTheDocumentedValue) {
  const b11test::SplitInvoice split =
      b11test::split_invoice(b11test::invoice_named("donation_any_amount"));
  const std::string preimage =
      split.hrp + b11test::pack_words(split.words, 0, split.words.size() - 104);
  EXPECT_EQ(to_hex(preimage).substr(0, 26), "6c6e62630b25fe64500d044444");
  EXPECT_EQ(to_hex(sha256(preimage)),
            "6daf4d488be41ce7cbb487cab1ef2975e5efcea879b20d421f0ef86b07cbb987");
}

// ---------------------------------------------------------------------------------------------
// Keys

TEST(Bolt11Keys, DerivesTheVectorPublicKeyFromTheVectorPrivateKey) {
  const Result<PublicKey> pub = derive_public_key(b11test::vector_private_key());
  ASSERT_TRUE(IsOk(pub));
  EXPECT_EQ(to_hex(*pub), b11test::kPubKeyHex);
}

TEST(Bolt11Keys, RejectsPrivateKeysOfTheWrongSizeOrOutsideTheCurveOrder) {
  EXPECT_TRUE(HasError(derive_public_key(SecretBytes(std::string(31, '\x01'))),
                       ErrorCode::kInvalidArgument));
  EXPECT_TRUE(HasError(derive_public_key(SecretBytes(std::string(33, '\x01'))),
                       ErrorCode::kInvalidArgument));
  EXPECT_TRUE(HasError(derive_public_key(SecretBytes()), ErrorCode::kInvalidArgument));
  EXPECT_TRUE(
      HasError(derive_public_key(SecretBytes(std::string(32, '\0'))), ErrorCode::kInvalidArgument));
  // The curve order n itself.
  EXPECT_TRUE(HasError(derive_public_key(SecretBytes(b11test::from_hex(
                           "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"))),
                       ErrorCode::kInvalidArgument));
  // n - 1 is the largest valid key.
  EXPECT_TRUE(IsOk(derive_public_key(SecretBytes(
      b11test::from_hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140")))));
}

TEST(Bolt11Networks, NamesAndPrefixesAreTheDocumentedOnes) {
  const std::map<Network, std::pair<std::string_view, std::string_view>> expected = {
      {Network::kBitcoin, {"bitcoin", "bc"}}, {Network::kTestnet, {"testnet", "tb"}},
      {Network::kSignet, {"signet", "tbs"}},  {Network::kRegtest, {"regtest", "bcrt"}},
      {Network::kSimnet, {"simnet", "sb"}},
  };
  for (const auto& [network, names] : expected) {
    EXPECT_EQ(network_name(network), names.first);
    EXPECT_EQ(network_prefix(network), names.second);
  }
}

// ---------------------------------------------------------------------------------------------
// Valid vectors

void expect_matches(const Invoice& inv, const json& e) {
  EXPECT_EQ(network_name(inv.network), e.at("network").get<std::string>());
  if (e.at("amount_msat").is_null()) {
    EXPECT_FALSE(inv.amount.has_value());
  } else {
    ASSERT_TRUE(inv.amount.has_value());
    EXPECT_EQ(inv.amount->value(), e.at("amount_msat").get<std::uint64_t>());
  }
  EXPECT_EQ(inv.timestamp, e.at("timestamp").get<std::uint64_t>());

  EXPECT_EQ(to_hex(inv.payee), e.at("payee_pubkey").get<std::string>());
  if (e.at("payee_from") == "n_field") {
    ASSERT_TRUE(inv.payee_field.has_value());
    EXPECT_EQ(*inv.payee_field, inv.payee);
  } else {
    EXPECT_EQ(e.at("payee_from"), "recovery");
    EXPECT_FALSE(inv.payee_field.has_value());
  }

  EXPECT_EQ(to_hex(inv.payment_hash), e.at("payment_hash").get<std::string>());
  EXPECT_EQ(to_hex(inv.payment_secret), e.at("payment_secret").get<std::string>());
  if (e.contains("description")) {
    ASSERT_TRUE(inv.description.has_value());
    EXPECT_EQ(*inv.description, e.at("description").get<std::string>());
    EXPECT_FALSE(inv.description_hash.has_value());
  } else {
    ASSERT_TRUE(inv.description_hash.has_value());
    EXPECT_EQ(to_hex(*inv.description_hash), e.at("description_hash").get<std::string>());
    EXPECT_FALSE(inv.description.has_value());
  }
  EXPECT_EQ(inv.expiry, e.at("expiry").get<std::uint64_t>());
  EXPECT_EQ(inv.min_final_cltv_expiry, e.at("min_final_cltv_expiry_delta").get<std::uint64_t>());
  EXPECT_EQ(inv.expires_at(), inv.timestamp + inv.expiry);

  const json fallbacks = e.value("fallbacks", json::array());
  ASSERT_EQ(inv.fallbacks.size(), fallbacks.size());
  for (std::size_t i = 0; i < fallbacks.size(); ++i) {
    EXPECT_EQ(inv.fallbacks[i].version, fallbacks[i].at("version").get<unsigned>());
    EXPECT_EQ(to_hex(inv.fallbacks[i].program), fallbacks[i].at("program_hex").get<std::string>());
  }

  const json hints = e.value("route_hints", json::array());
  ASSERT_EQ(inv.route_hints.size(), hints.size());
  for (std::size_t i = 0; i < hints.size(); ++i) {
    ASSERT_EQ(inv.route_hints[i].size(), hints[i].size()) << "route hint " << i;
    for (std::size_t j = 0; j < hints[i].size(); ++j) {
      const RouteHop& hop = inv.route_hints[i][j];
      const json& want = hints[i][j];
      EXPECT_EQ(to_hex(hop.pubkey), want.at("pubkey").get<std::string>());
      EXPECT_EQ(hop.short_channel_id, want.at("short_channel_id_u64").get<std::uint64_t>());
      EXPECT_EQ(scid_text(hop.short_channel_id), want.at("short_channel_id").get<std::string>());
      EXPECT_EQ(hop.fee_base_msat, want.at("fee_base_msat").get<std::uint32_t>());
      EXPECT_EQ(hop.fee_proportional_millionths,
                want.at("fee_proportional_millionths").get<std::uint32_t>());
      EXPECT_EQ(hop.cltv_expiry_delta, want.at("cltv_expiry_delta").get<std::uint16_t>());
    }
  }

  EXPECT_EQ(inv.features, e.at("features").get<std::vector<std::uint32_t>>());
  if (e.contains("metadata_hex")) {
    ASSERT_TRUE(inv.metadata.has_value());
    EXPECT_EQ(to_hex(*inv.metadata), e.at("metadata_hex").get<std::string>());
  } else {
    EXPECT_FALSE(inv.metadata.has_value());
  }

  EXPECT_EQ(to_hex(inv.signature), e.at("signature_rs_hex").get<std::string>());
  EXPECT_EQ(inv.recovery_id, e.at("recovery_id").get<unsigned>());
  EXPECT_EQ(to_hex(inv.signing_hash), e.at("signing_hash").get<std::string>());

  const json skipped = e.value("fields_skipped", json::array());
  ASSERT_EQ(inv.skipped.size(), skipped.size());
  for (std::size_t i = 0; i < skipped.size(); ++i) {
    SCOPED_TRACE("skipped field " + std::to_string(i));
    EXPECT_EQ(inv.skipped[i].type, skipped[i].at("type").get<unsigned>());
    EXPECT_EQ(inv.skipped[i].data_length, skipped[i].at("data_length").get<std::size_t>());
    EXPECT_FALSE(inv.skipped[i].reason.empty());
  }
}

TEST(Bolt11Decode, EveryValidVectorDecodesToExactlyItsExpectedValues) {
  int checked = 0;
  for (const json& v : vectors_of_kind("valid")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    const Result<Invoice> inv = decode_invoice(v.at("invoice").get<std::string>());
    ASSERT_TRUE(IsOk(inv));
    expect_matches(*inv, v.at("expected"));
    ++checked;
  }
  EXPECT_EQ(checked, 16);
}

TEST(Bolt11Decode, HighSVectorRecoversTheComputedKeyNotTheSigningKey) {
  const Result<Invoice> inv = decode_invoice(b11test::invoice_named("high_s_signature_recovery"));
  ASSERT_TRUE(IsOk(inv));
  EXPECT_EQ(to_hex(inv->payee),
            "02d0139ce7427d6dfffd26a326c18be754ef1e64672b42694ba5b23ef6e6e7803d");
  EXPECT_NE(to_hex(inv->payee), b11test::kPubKeyHex);
  EXPECT_FALSE(inv->payee_field.has_value());
}

TEST(Bolt11Decode, KeepsEveryWrittenFieldInOrderWithItsWords) {
  for (const json& v : vectors_of_kind("valid")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    const Result<Invoice> inv = decode_invoice(v.at("invoice").get<std::string>());
    ASSERT_TRUE(IsOk(inv));
    // Re-assemble timestamp || fields and compare with the words of the string.
    std::vector<std::uint8_t> words;
    for (int i = 6; i >= 0; --i)
      words.push_back(static_cast<std::uint8_t>((inv->timestamp >> (5 * i)) & 31));
    for (const TaggedField& field : inv->fields) {
      words.push_back(field.type);
      words.push_back(static_cast<std::uint8_t>(field.words.size() >> 5));
      words.push_back(static_cast<std::uint8_t>(field.words.size() & 31));
      words.insert(words.end(), field.words.begin(), field.words.end());
    }
    const b11test::SplitInvoice split = b11test::split_invoice(v.at("invoice").get<std::string>());
    const std::vector<std::uint8_t> expected(split.words.begin(), split.words.end() - 104);
    EXPECT_EQ(words, expected);
  }
}

TEST(Bolt11Decode, IgnorableFieldsVectorKeepsTheSkippedFieldsAmongItsWrittenFields) {
  const Result<Invoice> inv =
      decode_invoice(b11test::invoice_named("features_8_14_99_with_ignorable_fields"));
  ASSERT_TRUE(IsOk(inv));
  // p, d, s, 9 and then the ten fields a reader must skip.
  std::vector<std::pair<unsigned, std::size_t>> layout;
  for (const TaggedField& field : inv->fields) layout.emplace_back(field.type, field.words.size());
  const std::vector<std::pair<unsigned, std::size_t>> expected = {
      {1, 52}, {13, 20}, {16, 52}, {5, 20},  {10, 3},  {9, 33},  {1, 51},
      {1, 53}, {23, 51}, {23, 53}, {16, 51}, {16, 53}, {19, 52}, {19, 54}};
  EXPECT_EQ(layout, expected);
}

// True for a field the reader interprets (not skipped for its length or version).
bool interpretable(const TaggedField& field) {
  switch (field.type) {
    case bolt11_type::kPaymentHash:
    case bolt11_type::kPaymentSecret:
    case bolt11_type::kDescriptionHash:
      return field.words.size() == 52;
    case bolt11_type::kPayee:
      return field.words.size() == 53;
    case bolt11_type::kFallback:
      return !field.words.empty() && field.words[0] <= 18;
    default:
      return true;
  }
}

// The builders of bolt11_field write each interpreted value exactly as the vectors wrote it.
TEST(Bolt11Fields, BuildersReproduceEveryInterpretedFieldOfTheVectors) {
  for (const json& v : vectors_of_kind("valid")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    const Result<Invoice> inv = decode_invoice(v.at("invoice").get<std::string>());
    ASSERT_TRUE(IsOk(inv));
    std::set<std::uint8_t> seen;
    std::size_t fallback_index = 0;
    std::size_t hint_index = 0;
    int compared = 0;
    const auto compare = [&](const TaggedField& built, const TaggedField& written) {
      EXPECT_EQ(built, written) << "field type " << static_cast<int>(written.type);
      ++compared;
    };
    for (const TaggedField& field : inv->fields) {
      if (!interpretable(field)) continue;
      const bool first = seen.insert(field.type).second;
      switch (field.type) {
        case bolt11_type::kPaymentHash:
          if (first) compare(bolt11_field::payment_hash(inv->payment_hash), field);
          break;
        case bolt11_type::kPaymentSecret:
          if (first) compare(bolt11_field::payment_secret(inv->payment_secret), field);
          break;
        case bolt11_type::kDescription:
          ASSERT_TRUE(inv->description.has_value());
          if (first) compare(bolt11_field::description(*inv->description), field);
          break;
        case bolt11_type::kDescriptionHash:
          ASSERT_TRUE(inv->description_hash.has_value());
          if (first) compare(bolt11_field::description_hash(*inv->description_hash), field);
          break;
        case bolt11_type::kPayee:
          ASSERT_TRUE(inv->payee_field.has_value());
          if (first) compare(bolt11_field::payee(*inv->payee_field), field);
          break;
        case bolt11_type::kExpiry:
          if (first) compare(bolt11_field::expiry(inv->expiry), field);
          break;
        case bolt11_type::kMinFinalCltv:
          if (first)
            compare(bolt11_field::min_final_cltv_expiry(inv->min_final_cltv_expiry), field);
          break;
        case bolt11_type::kFeatures:
          if (first) compare(bolt11_field::features(inv->features), field);
          break;
        case bolt11_type::kMetadata:
          ASSERT_TRUE(inv->metadata.has_value());
          if (first) compare(bolt11_field::metadata(*inv->metadata), field);
          break;
        case bolt11_type::kFallback:
          ASSERT_LT(fallback_index, inv->fallbacks.size());
          compare(bolt11_field::fallback(inv->fallbacks[fallback_index++]), field);
          break;
        case bolt11_type::kRouteHint:
          ASSERT_LT(hint_index, inv->route_hints.size());
          compare(bolt11_field::route_hint(inv->route_hints[hint_index++]), field);
          break;
        default:
          break;
      }
    }
    EXPECT_EQ(fallback_index, inv->fallbacks.size());
    EXPECT_EQ(hint_index, inv->route_hints.size());
    EXPECT_GE(compared, 4);  // at least p, s, d|h and 9
  }
}

// ---------------------------------------------------------------------------------------------
// Re-encoding

TEST(Bolt11Encode, EveryDeterministicVectorReSignsByteForByte) {
  int checked = 0;
  for (const json& v : vectors_of_kind("valid")) {
    if (!v.at("deterministic_resign").get<bool>()) continue;
    SCOPED_TRACE(v.at("name").get<std::string>());
    const std::string text = v.at("invoice").get<std::string>();
    const Result<Invoice> inv = decode_invoice(text);
    ASSERT_TRUE(IsOk(inv));
    const Result<std::string> again =
        encode_invoice(inv->unsigned_invoice(), b11test::vector_private_key());
    ASSERT_TRUE(IsOk(again));
    EXPECT_EQ(*again, b11test::to_lower(text));
    ++checked;
  }
  EXPECT_EQ(checked, 15);
}

TEST(Bolt11Encode, ReSigningTheHighSVectorGivesALowSSignatureByTheVectorKey) {
  const std::string text = b11test::invoice_named("high_s_signature_recovery");
  const Result<Invoice> inv = decode_invoice(text);
  ASSERT_TRUE(IsOk(inv));
  const Result<std::string> again =
      encode_invoice(inv->unsigned_invoice(), b11test::vector_private_key());
  ASSERT_TRUE(IsOk(again));
  // Same signed content as the donation vector, which is its low-S twin.
  EXPECT_EQ(*again, b11test::invoice_named("donation_any_amount"));
  EXPECT_NE(*again, text);
  const Result<Invoice> redecoded = decode_invoice(*again);
  ASSERT_TRUE(IsOk(redecoded));
  EXPECT_EQ(to_hex(redecoded->payee), b11test::kPubKeyHex);
  EXPECT_EQ(redecoded->signing_hash, inv->signing_hash);
}

// ---------------------------------------------------------------------------------------------
// Invalid vectors

struct InvalidExpectation {
  ErrorCode code;
  std::vector<std::string_view> words;
};

const std::map<std::string, InvalidExpectation>& invalid_expectations() {
  static const std::map<std::string, InvalidExpectation> table = {
      {"unknown_even_feature_100", {ErrorCode::kInvalidArgument, {"feature"}}},
      {"bad_bech32_checksum", {ErrorCode::kInvalidArgument, {"checksum"}}},
      {"no_separator", {ErrorCode::kInvalidArgument, {"separator", "'1'", "\"1\"", "`1`"}}},
      {"mixed_case", {ErrorCode::kInvalidArgument, {"case"}}},
      {"signature_not_recoverable", {ErrorCode::kUnauthenticated, {"recover"}}},
      {"too_short", {ErrorCode::kInvalidArgument, {"too short"}}},
      {"invalid_multiplier", {ErrorCode::kInvalidArgument, {"multiplier"}}},
      {"sub_millisatoshi_amount",
       {ErrorCode::kInvalidArgument, {"multiplier", "digit", "millisat", "msat", "end in 0"}}},
      {"missing_payment_secret", {ErrorCode::kInvalidArgument, {"secret"}}},
      {"high_s_with_n_field",
       {ErrorCode::kUnauthenticated, {"high", "low-s", "low s", "normali", "signature"}}},
  };
  return table;
}

TEST(Bolt11Decode, EveryInvalidVectorFailsWithTheRightCodeAndNamesTheRule) {
  int checked = 0;
  for (const json& v : vectors_of_kind("invalid")) {
    const std::string name = v.at("name").get<std::string>();
    SCOPED_TRACE(name);
    const auto it = invalid_expectations().find(name);
    ASSERT_NE(it, invalid_expectations().end()) << "no expectation for " << name;
    const Result<Invoice> inv = decode_invoice(v.at("invoice").get<std::string>());
    EXPECT_TRUE(HasErrorMentioningAnyOf(inv, it->second.code, it->second.words));
    ++checked;
  }
  EXPECT_EQ(checked, 10);
}

TEST(Bolt11Decode, UnknownEvenFeatureVectorReportsTheBit) {
  const Result<Invoice> inv = decode_invoice(b11test::invoice_named("unknown_even_feature_100"));
  EXPECT_TRUE(HasErrorMentioningAnyOf(inv, ErrorCode::kInvalidArgument, {"100"}));
}

TEST(Bolt11Decode, InvalidVectorsAlsoFailBehindALightningPrefix) {
  for (const json& v : vectors_of_kind("invalid")) {
    const std::string name = v.at("name").get<std::string>();
    SCOPED_TRACE(name);
    const Result<Invoice> inv = decode_invoice("lightning:" + v.at("invoice").get<std::string>());
    EXPECT_TRUE(HasError(inv, invalid_expectations().at(name).code));
  }
}

}  // namespace
}  // namespace l402
