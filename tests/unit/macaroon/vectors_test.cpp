// The published and computed vectors of l402-protocol.md sections 6 and 7
// (tests/data/macaroon_vectors.json): signatures, serialisations, parsing and verification.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "l402/crypto.hpp"
#include "l402/encoding.hpp"
#include "l402/macaroon.hpp"
#include "l402/macaroon_format.hpp"
#include "test_util.hpp"

namespace l402 {
namespace {

using nlohmann::json;
using test::build_discharge;
using test::build_macaroon;
using test::bytes_field;
using test::from_hex;
using test::HasError;
using test::IsOk;
using test::to_hex;

// Serialises `macaroon` in a named form of the vector file.
Result<std::string> serialise(const std::string& form, const Macaroon& macaroon) {
  if (form == "v2_hex") return to_hex(to_binary_v2(macaroon));
  if (form == "v2_b64_std") return base64::encode_std(to_binary_v2(macaroon));
  if (form == "v2_b64_url") return base64::encode_url(to_binary_v2(macaroon));
  if (form == "v1_text") {
    L402_ASSIGN_OR_RETURN(std::string v1, to_binary_v1(macaroon));
    return base64::encode_url(v1);
  }
  if (form == "v2_json") return to_json_v2(macaroon);
  if (form == "v1_json") return to_json_v1(macaroon);
  if (form == "v2_json_s64") {
    const json parsed = json::parse(to_json_v2(macaroon));
    if (!parsed.contains("s64")) return Error(ErrorCode::kNotFound, "V2 JSON has no s64");
    return parsed.at("s64").get<std::string>();
  }
  return Error(ErrorCode::kInvalidArgument, "unknown form " + form);
}

// Parses a named form (see is_parseable).
Result<Macaroon> parse_form(const std::string& form, const std::string& value) {
  if (form == "v2_hex") return parse_binary(from_hex(value));
  if (form == "v2_b64_std" || form == "v2_b64_url" || form == "v1_text") {
    L402_ASSIGN_OR_RETURN(std::string bytes, base64::decode(value));
    return parse_binary(bytes);
  }
  if (form == "v2_json" || form == "v1_json") return parse_json(value);
  return Error(ErrorCode::kInvalidArgument, "form " + form + " is not parseable");
}

bool is_parseable(const std::string& form) { return form != "v2_json_s64"; }

TEST(MacaroonVectors, FileHoldsEveryDocumentedVectorWithItsSource) {
  const json& all = test::vectors();
  EXPECT_EQ(all.at("macaroons").size(), 9U);
  EXPECT_EQ(all.at("discharges").size(), 2U);
  EXPECT_EQ(all.at("parse_only").size(), 1U);
  EXPECT_EQ(all.at("base64_decode").size(), 6U);
  EXPECT_EQ(all.at("key_derivations").size(), 2U);
  for (const char* list :
       {"macaroons", "discharges", "parse_only", "base64_decode", "key_derivations"}) {
    for (const json& entry : all.at(list)) {
      EXPECT_TRUE(entry.contains("source")) << list << ": " << entry.at("name");
      EXPECT_FALSE(entry.value("source", std::string()).empty()) << entry.at("name");
    }
  }
}

TEST(MacaroonVectors, MintedSignatureMatchesSig0) {
  int checked = 0;
  for (const json& vector : test::vectors().at("macaroons")) {
    if (!vector.contains("signature_after_mint_hex")) continue;
    SCOPED_TRACE(vector.at("name").get<std::string>());
    ASSERT_OK_AND_ASSIGN(const Macaroon minted, build_macaroon(vector, 0));
    EXPECT_EQ(to_hex(minted.signature()), vector.at("signature_after_mint_hex"));
    EXPECT_EQ(minted.identifier(), bytes_field(vector, "identifier"));
    EXPECT_EQ(minted.location(), vector.at("location"));
    EXPECT_TRUE(minted.caveats().empty());
    ++checked;
  }
  EXPECT_EQ(checked, 6);
}

TEST(MacaroonVectors, SignatureMatchesAfterEveryCaveat) {
  for (const json& vector : test::vectors().at("macaroons")) {
    SCOPED_TRACE(vector.at("name").get<std::string>());
    ASSERT_OK_AND_ASSIGN(Macaroon macaroon, build_macaroon(vector, 0));
    const json& caveats = vector.at("caveats");
    for (std::size_t i = 0; i < caveats.size(); ++i) {
      SCOPED_TRACE("caveat " + std::to_string(i));
      const json& caveat = caveats.at(i);
      ASSERT_OK(test::add_vector_caveats(macaroon, json::array({caveat}), 1));
      ASSERT_EQ(macaroon.caveats().size(), i + 1);
      const Caveat& added = macaroon.caveats().back();
      if (caveat.value("third_party", false)) {
        EXPECT_EQ(added.id, bytes_field(caveat, "caveat_id"));
        EXPECT_EQ(added.location, caveat.at("location"));
        EXPECT_EQ(
            to_hex(added.verification_id),
            to_hex(test::base64_bytes(caveat.at("verification_id_b64url").get<std::string>())));
        EXPECT_EQ(added.verification_id.size(), 72U);
        EXPECT_FALSE(added.is_first_party());
      } else {
        EXPECT_EQ(added.id, bytes_field(caveat, "condition"));
        EXPECT_TRUE(added.verification_id.empty());
        EXPECT_TRUE(added.location.empty());
        EXPECT_TRUE(added.is_first_party());
      }
      if (caveat.contains("signature_after_hex")) {
        EXPECT_EQ(to_hex(macaroon.signature()), caveat.at("signature_after_hex"));
      }
    }
    EXPECT_EQ(to_hex(macaroon.signature()), vector.at("signature_hex"));
  }
}

TEST(MacaroonVectors, SerialisesEveryExactFormByteForByte) {
  int checked = 0;
  for (const json& vector : test::vectors().at("macaroons")) {
    for (const json& s : vector.at("serializations")) {
      if (!s.at("exact").get<bool>()) continue;
      const std::string form = s.at("form");
      SCOPED_TRACE(vector.at("name").get<std::string>() + " / " + form + " after " +
                   std::to_string(s.at("after_caveats").get<std::size_t>()) + " caveats");
      ASSERT_OK_AND_ASSIGN(const Macaroon macaroon,
                           build_macaroon(vector, s.at("after_caveats").get<std::size_t>()));
      ASSERT_OK_AND_ASSIGN(const std::string out, serialise(form, macaroon));
      EXPECT_EQ(out, s.at("value").get<std::string>());
      ++checked;
    }
  }
  EXPECT_EQ(checked, 17);
}

TEST(MacaroonVectors, ParsesEveryGivenFormBackToTheSameMacaroon) {
  int checked = 0;
  for (const json& vector : test::vectors().at("macaroons")) {
    for (const json& s : vector.at("serializations")) {
      const std::string form = s.at("form");
      if (!is_parseable(form)) continue;
      SCOPED_TRACE(vector.at("name").get<std::string>() + " / " + form + " after " +
                   std::to_string(s.at("after_caveats").get<std::size_t>()) + " caveats (" +
                   s.at("source").get<std::string>() + ")");
      ASSERT_OK_AND_ASSIGN(const Macaroon expected,
                           build_macaroon(vector, s.at("after_caveats").get<std::size_t>()));
      ASSERT_OK_AND_ASSIGN(const Macaroon parsed, parse_form(form, s.at("value")));
      EXPECT_EQ(parsed, expected);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 20);
}

TEST(MacaroonVectors, V2BinaryRoundTripsThroughParseAndSerialise) {
  for (const json& vector : test::vectors().at("macaroons")) {
    SCOPED_TRACE(vector.at("name").get<std::string>());
    ASSERT_OK_AND_ASSIGN(const Macaroon macaroon, build_macaroon(vector));
    const std::string binary = to_binary_v2(macaroon);
    ASSERT_OK_AND_ASSIGN(const Macaroon parsed, parse_binary(binary));
    EXPECT_EQ(parsed, macaroon);
    EXPECT_EQ(to_binary_v2(parsed), binary);
    ASSERT_OK_AND_ASSIGN(const Macaroon from_json, parse_json(to_json_v2(macaroon)));
    EXPECT_EQ(from_json, macaroon);
  }
}

TEST(MacaroonVectors, VerifiesWithTheRootKeyAndReturnsCaveatsInOrder) {
  int checked = 0;
  for (const json& vector : test::vectors().at("macaroons")) {
    if (!vector.at("verifies_alone").get<bool>()) continue;
    SCOPED_TRACE(vector.at("name").get<std::string>());
    ASSERT_OK_AND_ASSIGN(const Macaroon macaroon, build_macaroon(vector));
    ASSERT_OK_AND_ASSIGN(const std::vector<std::string> conditions,
                         verify_macaroon(macaroon, bytes_field(vector, "root_key"), {}, nullptr));
    std::vector<std::string> expected;
    for (const json& caveat : vector.at("caveats")) expected.push_back(caveat.at("condition_text"));
    EXPECT_EQ(conditions, expected);
    ++checked;
  }
  EXPECT_EQ(checked, 8);
}

TEST(MacaroonVectors, WrongRootKeyIsUnauthenticated) {
  for (const json& vector : test::vectors().at("macaroons")) {
    if (!vector.at("verifies_alone").get<bool>()) continue;
    SCOPED_TRACE(vector.at("name").get<std::string>());
    ASSERT_OK_AND_ASSIGN(const Macaroon macaroon, build_macaroon(vector));
    std::string wrong = bytes_field(vector, "root_key");
    wrong.back() = static_cast<char>(wrong.back() ^ 0x01);
    EXPECT_TRUE(
        HasError(verify_macaroon(macaroon, wrong, {}, nullptr), ErrorCode::kUnauthenticated));
  }
}

TEST(MacaroonVectors, ThirdPartyVidOpensToTheDerivedCaveatKey) {
  const json& tv4 = test::macaroon_vector("TV4");
  const json& third = tv4.at("caveats").at(1);
  const std::string vid = test::base64_bytes(third.at("verification_id_b64url").get<std::string>());
  ASSERT_EQ(vid.size(), 72U);
  const std::string sig_before =
      from_hex(tv4.at("caveats").at(0).at("signature_after_hex").get<std::string>());
  ASSERT_OK_AND_ASSIGN(const std::string opened,
                       secretbox::open(sig_before, vid.substr(0, 24), vid.substr(24)));
  EXPECT_EQ(to_hex(opened), to_hex(derive_macaroon_key(bytes_field(third, "caveat_key"))));
}

TEST(MacaroonVectors, DischargeSignatureMatches) {
  const json& tv5 = test::discharge_vector("TV5");
  ASSERT_OK_AND_ASSIGN(const Macaroon discharge, build_discharge(tv5));
  EXPECT_EQ(to_hex(discharge.signature()), tv5.at("signature_hex"));
  EXPECT_EQ(discharge.identifier(), bytes_field(tv5, "identifier"));
  EXPECT_EQ(discharge.location(), tv5.at("location"));
}

TEST(MacaroonVectors, BindForRequestGivesThePublishedBoundSignatures) {
  for (const json& vector : test::vectors().at("discharges")) {
    SCOPED_TRACE(vector.at("name").get<std::string>());
    ASSERT_OK_AND_ASSIGN(
        const Macaroon root,
        build_macaroon(test::macaroon_vector(vector.at("root_vector").get<std::string>())));
    ASSERT_OK_AND_ASSIGN(const Macaroon discharge, build_discharge(vector));
    const Macaroon bound = root.bind_for_request(discharge);
    EXPECT_EQ(to_hex(bound.signature()), vector.at("bound_signature_hex"));
    // Binding changes the signature only.
    EXPECT_EQ(bound.identifier(), discharge.identifier());
    EXPECT_EQ(bound.location(), discharge.location());
    EXPECT_EQ(bound.caveats(), discharge.caveats());
    // The binding formula, computed here from HMAC alone.
    const std::string zero(32, '\0');
    const Hash256 expected = hmac_sha256(
        zero, std::string(as_view(hmac_sha256(zero, as_view(root.signature())))) +
                  std::string(as_view(hmac_sha256(zero, as_view(discharge.signature())))));
    EXPECT_EQ(to_hex(bound.signature()), to_hex(expected));
  }
}

TEST(MacaroonVectors, RootWithBoundDischargeVerifies) {
  for (const json& vector : test::vectors().at("discharges")) {
    SCOPED_TRACE(vector.at("name").get<std::string>());
    const json& root_vector = test::macaroon_vector(vector.at("root_vector").get<std::string>());
    ASSERT_OK_AND_ASSIGN(const Macaroon root, build_macaroon(root_vector));
    ASSERT_OK_AND_ASSIGN(const Macaroon discharge, build_discharge(vector));
    const std::vector<Macaroon> discharges{root.bind_for_request(discharge)};
    ASSERT_OK_AND_ASSIGN(
        const std::vector<std::string> conditions,
        verify_macaroon(root, bytes_field(root_vector, "root_key"), discharges, nullptr));
    const std::vector<std::string> expected{root_vector.at("caveats").at(0).at("condition_text"),
                                            vector.at("caveats").at(0).at("condition_text")};
    EXPECT_EQ(conditions, expected);
  }
}

TEST(MacaroonVectors, RootWithBoundDischargeFailsUnderAnotherRootKey) {
  const json& tv4 = test::macaroon_vector("TV4");
  ASSERT_OK_AND_ASSIGN(const Macaroon root, build_macaroon(tv4));
  ASSERT_OK_AND_ASSIGN(const Macaroon discharge, build_discharge(test::discharge_vector("TV5")));
  const std::vector<Macaroon> discharges{root.bind_for_request(discharge)};
  EXPECT_TRUE(HasError(verify_macaroon(root, "not the root key", discharges, nullptr),
                       ErrorCode::kUnauthenticated));
}

TEST(MacaroonVectors, TV4RootAloneLacksItsDischarge) {
  ASSERT_OK_AND_ASSIGN(const Macaroon root, build_macaroon(test::macaroon_vector("TV4")));
  EXPECT_TRUE(HasError(
      verify_macaroon(root, bytes_field(test::macaroon_vector("TV4"), "root_key"), {}, nullptr),
      ErrorCode::kNotFound));
}

TEST(MacaroonVectors, ApertureChallengeParsesAndItsIdentifierSplits) {
  const json& vector = test::vectors().at("parse_only").at(0);
  ASSERT_EQ(vector.at("form"), "v2_b64_std");
  const std::string value = vector.at("value");
  ASSERT_OK_AND_ASSIGN(const std::string binary, base64::decode(value));
  EXPECT_EQ(binary.size(), vector.at("binary_length").get<std::size_t>());

  ASSERT_OK_AND_ASSIGN(const Macaroon macaroon, parse_binary(binary));
  EXPECT_EQ(macaroon.location(), vector.at("location"));
  EXPECT_EQ(to_hex(macaroon.identifier()), vector.at("identifier_hex"));
  EXPECT_TRUE(macaroon.caveats().empty());
  EXPECT_EQ(to_hex(macaroon.signature()), vector.at("signature_hex"));
  EXPECT_EQ(base64::encode_std(to_binary_v2(macaroon)), value);

  // parse_text takes the same header value.
  ASSERT_OK_AND_ASSIGN(const std::vector<Macaroon> stack, parse_text(value));
  ASSERT_EQ(stack.size(), 1U);
  EXPECT_EQ(stack[0], macaroon);

  // 66-byte L402 identifier: uint16 big-endian version || payment hash || token id.
  const std::string& id = macaroon.identifier();
  ASSERT_EQ(id.size(), 66U);
  const unsigned version = static_cast<unsigned>(static_cast<unsigned char>(id[0])) * 256U +
                           static_cast<unsigned>(static_cast<unsigned char>(id[1]));
  const json& l402 = vector.at("l402");
  EXPECT_EQ(version, l402.at("version").get<unsigned>());
  EXPECT_EQ(to_hex(id.substr(2, 32)), l402.at("payment_hash_hex"));
  EXPECT_EQ(to_hex(id.substr(34, 32)), l402.at("token_id_hex"));
}

TEST(MacaroonVectors, L402TokenIdentifierCommitsToThePreimage) {
  const json& vector = test::l402_token_vector();
  const json& l402 = vector.at("l402");
  const std::string preimage = from_hex(l402.at("preimage_hex").get<std::string>());
  EXPECT_EQ(to_hex(sha256(preimage)), l402.at("payment_hash_hex"));
  const std::string id = bytes_field(vector, "identifier");
  ASSERT_EQ(id.size(), 66U);
  EXPECT_EQ(to_hex(id.substr(0, 2)), "0000");
  EXPECT_EQ(to_hex(id.substr(2, 32)), l402.at("payment_hash_hex"));
  EXPECT_EQ(to_hex(id.substr(34, 32)), l402.at("token_id_hex"));
  EXPECT_EQ(to_hex(sha256(id)), l402.at("identifier_sha256_hex"));
  EXPECT_EQ(to_hex(derive_macaroon_key(bytes_field(vector, "root_key"))),
            l402.at("derived_key_hex"));
}

TEST(MacaroonVectors, Base64DecoderCases) {
  for (const json& c : test::vectors().at("base64_decode")) {
    SCOPED_TRACE(c.at("name").get<std::string>() + ": \"" + c.at("input").get<std::string>() +
                 "\"");
    Result<std::string> decoded = base64::decode(c.at("input").get<std::string>());
    if (c.value("error", false)) {
      EXPECT_TRUE(HasError(decoded, ErrorCode::kInvalidArgument));
    } else {
      ASSERT_OK(decoded);
      EXPECT_EQ(decoded.value(), c.at("output_text").get<std::string>());
    }
  }
}

TEST(MacaroonKeyDerivation, MatchesVectors) {
  for (const json& c : test::vectors().at("key_derivations")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const std::string root_key = bytes_field(c, "root_key");
    EXPECT_EQ(to_hex(derive_macaroon_key(root_key)), c.at("derived_key_hex"));
    EXPECT_EQ(to_hex(derive_macaroon_key(root_key)),
              to_hex(hmac_sha256(kMacaroonKeyGenerator, root_key)));
  }
}

TEST(MacaroonKeyDerivation, ThirtyTwoOnesGivesKnownKey) {
  EXPECT_EQ(to_hex(derive_macaroon_key(std::string(32, '\x01'))),
            "fedd06a35dcece38f6d9e6695ba37f1a277921f5660bebf87d3ddbdb0a22feb1");
}

TEST(MacaroonMint, RejectsAnEmptyRootKey) {
  EXPECT_TRUE(HasError(Macaroon::mint("", "id", "loc"), ErrorCode::kInvalidArgument));
}

TEST(MacaroonMint, RejectsAnEmptyIdentifier) {
  EXPECT_TRUE(HasError(Macaroon::mint("key", "", "loc"), ErrorCode::kInvalidArgument));
}

TEST(MacaroonMint, AcceptsAnEmptyLocation) {
  ASSERT_OK_AND_ASSIGN(const Macaroon macaroon, Macaroon::mint("key", "id", ""));
  EXPECT_TRUE(macaroon.location().empty());
  ASSERT_OK_AND_ASSIGN(const Macaroon parsed, parse_binary(to_binary_v2(macaroon)));
  EXPECT_EQ(parsed, macaroon);
}

TEST(MacaroonMint, WithDerivedKeyEqualsMintWithRootKey) {
  const json& vector = test::macaroon_vector("TV1");
  const std::string root_key = bytes_field(vector, "root_key");
  ASSERT_OK_AND_ASSIGN(const Macaroon a,
                       Macaroon::mint(root_key, "we used our secret key", "http://mybank/"));
  ASSERT_OK_AND_ASSIGN(const Macaroon b,
                       Macaroon::mint_with_derived_key(derive_macaroon_key(root_key),
                                                       "we used our secret key", "http://mybank/"));
  EXPECT_EQ(a, b);
  EXPECT_EQ(to_hex(b.signature()), vector.at("signature_after_mint_hex"));
}

TEST(MacaroonMint, RejectsAnIdentifierOverMaxFieldSize) {
  MacaroonLimits limits;
  limits.max_field_size = 8;
  EXPECT_OK(Macaroon::mint("key", std::string(8, 'i'), "loc", limits));
  EXPECT_TRUE(HasError(Macaroon::mint("key", std::string(9, 'i'), "loc", limits),
                       ErrorCode::kLimitExceeded));
  EXPECT_TRUE(HasError(Macaroon::mint("key", "id", std::string(9, 'l'), limits),
                       ErrorCode::kLimitExceeded));
}

TEST(MacaroonCaveats, AddFirstPartyCaveatRejectsAnEmptyConditionAndLeavesTheMacaroonUnchanged) {
  ASSERT_OK_AND_ASSIGN(Macaroon macaroon, build_macaroon(test::macaroon_vector("TV3"), 1));
  const Macaroon before = macaroon;
  EXPECT_TRUE(HasError(macaroon.add_first_party_caveat(""), ErrorCode::kInvalidArgument));
  EXPECT_EQ(macaroon, before);
}

TEST(MacaroonCaveats, AddFirstPartyCaveatOverMaxCaveatsFailsAndLeavesTheMacaroonUnchanged) {
  MacaroonLimits limits;
  limits.max_caveats = 2;
  ASSERT_OK_AND_ASSIGN(Macaroon macaroon, Macaroon::mint("key", "id", "loc", limits));
  ASSERT_OK(macaroon.add_first_party_caveat("a", limits));
  ASSERT_OK(macaroon.add_first_party_caveat("b", limits));
  const Macaroon before = macaroon;
  EXPECT_TRUE(HasError(macaroon.add_first_party_caveat("c", limits), ErrorCode::kLimitExceeded));
  EXPECT_EQ(macaroon, before);
}

TEST(MacaroonCaveats, AddFirstPartyCaveatOverMaxFieldSizeFailsAndLeavesTheMacaroonUnchanged) {
  MacaroonLimits limits;
  limits.max_field_size = 4;
  ASSERT_OK_AND_ASSIGN(Macaroon macaroon, Macaroon::mint("key", "id", "loc", limits));
  const Macaroon before = macaroon;
  EXPECT_TRUE(
      HasError(macaroon.add_first_party_caveat("12345", limits), ErrorCode::kLimitExceeded));
  EXPECT_EQ(macaroon, before);
  EXPECT_OK(macaroon.add_first_party_caveat("1234", limits));
}

TEST(MacaroonCaveats, AttenuationByAHolderNeedsNoRootKeyAndStillVerifies) {
  const json& vector = test::l402_token_vector();
  ASSERT_OK_AND_ASSIGN(const Macaroon token, parse_binary(test::vector_v2_binary(vector)));
  Macaroon attenuated = token;
  ASSERT_OK(attenuated.add_first_party_caveat("myservice_valid_until=4070908800"));
  EXPECT_EQ(to_hex(attenuated.signature()),
            test::macaroon_vector("7.3 client-attenuated").at("signature_hex"));
  ASSERT_OK_AND_ASSIGN(const std::vector<std::string> conditions,
                       verify_macaroon(attenuated, bytes_field(vector, "root_key"), {}, nullptr));
  ASSERT_EQ(conditions.size(), 4U);
  EXPECT_EQ(conditions.back(), "myservice_valid_until=4070908800");
}

TEST(MacaroonCaveats, ThirdPartyCaveatRejectsANonceOfTheWrongLength) {
  const json& tv4 = test::macaroon_vector("TV4");
  ASSERT_OK_AND_ASSIGN(Macaroon macaroon, build_macaroon(tv4, 1));
  const Macaroon before = macaroon;
  EXPECT_TRUE(HasError(macaroon.add_third_party_caveat_with_nonce(
                           "caveat key", "cid", "http://auth.mybank/", std::string(23, '\0')),
                       ErrorCode::kInvalidArgument));
  EXPECT_TRUE(HasError(macaroon.add_third_party_caveat_with_nonce(
                           "caveat key", "cid", "http://auth.mybank/", std::string(25, '\0')),
                       ErrorCode::kInvalidArgument));
  EXPECT_EQ(macaroon, before);
}

// Hands out zero bytes: with it add_third_party_caveat must reproduce TV4.
class ZeroRandom final : public RandomSource {
 public:
  Result<void> fill(std::span<std::uint8_t> out) override {
    for (std::uint8_t& byte : out) byte = 0;
    ++calls;
    return ok_result();
  }
  int calls = 0;
};

class BrokenRandom final : public RandomSource {
 public:
  Result<void> fill(std::span<std::uint8_t> /*out*/) override {
    return Error(ErrorCode::kUnavailable, "no entropy");
  }
};

TEST(MacaroonCaveats, ThirdPartyCaveatTakesItsNonceFromTheRandomSource) {
  const json& tv4 = test::macaroon_vector("TV4");
  const json& third = tv4.at("caveats").at(1);
  ASSERT_OK_AND_ASSIGN(Macaroon macaroon, build_macaroon(tv4, 1));
  ZeroRandom random;
  ASSERT_OK(macaroon.add_third_party_caveat(bytes_field(third, "caveat_key"),
                                            bytes_field(third, "caveat_id"),
                                            third.at("location").get<std::string>(), random));
  EXPECT_GE(random.calls, 1);
  EXPECT_EQ(to_hex(macaroon.signature()), tv4.at("signature_hex"));
}

TEST(MacaroonCaveats, ThirdPartyCaveatFailsAndLeavesTheMacaroonUnchangedWhenRandomFails) {
  ASSERT_OK_AND_ASSIGN(Macaroon macaroon, build_macaroon(test::macaroon_vector("TV4"), 1));
  const Macaroon before = macaroon;
  BrokenRandom random;
  EXPECT_FALSE(
      macaroon.add_third_party_caveat("caveat key", "cid", "http://auth.mybank/", random).ok());
  EXPECT_EQ(macaroon, before);
}

TEST(MacaroonBind, LeavesADischargeWithTheRootSignatureUnchanged) {
  ASSERT_OK_AND_ASSIGN(const Macaroon root, build_macaroon(test::macaroon_vector("TV4")));
  const Macaroon same =
      Macaroon::from_parts("http://auth.mybank/", "other id", {}, root.signature());
  EXPECT_EQ(root.bind_for_request(same), same);
}

}  // namespace
}  // namespace l402
