// The L402 token vectors of l402-protocol.md section 7 (tests/data/l402_vectors.json):
// 7.1 a real challenge published by lsat-js, 7.2 Aperture's authenticator test macaroon and
// 7.3 the complete synthetic token with its derived forms and negative cases.
//
// The 7.3 token ID is random (the vector was not minted by libl402's Authority), so its first
// bytes are no key ID: these tests verify it with its root key through verify_macaroon and
// apply the L402 caveat rules with token.hpp's functions, in the order the Authority checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "l402/bolt11.hpp"
#include "l402/crypto.hpp"
#include "l402/encoding.hpp"
#include "l402/keyring.hpp"
#include "l402/macaroon.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/token.hpp"
#include "l402/token_header.hpp"
#include "result_matchers.hpp"
#include "test_bytes.hpp"
#include "token_test_util.hpp"

namespace l402 {
namespace {

using nlohmann::json;
using test::from_hex;
using test::HasError;
using test::hex_of;
using test::IsOk;
using test::to_hex;
using test::to_upper;

const json& vectors() {
  static const json data = [] {
    std::ifstream in(std::string(L402_TEST_DATA_DIR) + "/l402_vectors.json");
    return json::parse(in);
  }();
  return data;
}

std::string str(const json& value) { return value.get<std::string>(); }

Hash256 hash_of(const json& hex_value) {
  const std::string bytes = from_hex(str(hex_value));
  Hash256 out{};
  EXPECT_EQ(bytes.size(), out.size());
  std::copy_n(bytes.begin(), std::min(bytes.size(), out.size()), out.begin());
  return out;
}

Macaroon parse_b64(const json& value) {
  auto bytes = base64::decode(str(value));
  EXPECT_TRUE(IsOk(bytes));
  auto macaroon = parse_binary(bytes.ok() ? *bytes : std::string());
  EXPECT_TRUE(IsOk(macaroon));
  return macaroon.ok() ? *macaroon : Macaroon::from_parts({}, {}, {}, {});
}

// ---------------------------------------------------------------- 7.1

TEST(L402Vectors, FileNamesASourceForEveryVector) {
  for (const char* name : {"lsat_js_challenge", "aperture_test_macaroon", "synthetic_token"}) {
    ASSERT_TRUE(vectors().contains(name)) << name;
    EXPECT_FALSE(str(vectors()[name]["source"]).empty()) << name;
  }
}

TEST(L402Vectors, LsatJsChallengeParsesAndItsIdentifierDecodes) {
  const json& v = vectors()["lsat_js_challenge"];
  const std::string value = str(v["header_value"]);
  const std::string_view values[] = {value};
  auto challenges = parse_challenges(values);
  ASSERT_TRUE(IsOk(challenges));
  ASSERT_EQ(challenges->size(), 1U);
  EXPECT_EQ((*challenges)[0].scheme, "LSAT");
  EXPECT_EQ((*challenges)[0].macaroon_base64, str(v["macaroon_b64"]));
  EXPECT_EQ((*challenges)[0].invoice, str(v["invoice"]));
  EXPECT_FALSE((*challenges)[0].version.has_value());

  auto binary = base64::decode((*challenges)[0].macaroon_base64);
  ASSERT_TRUE(IsOk(binary));
  EXPECT_EQ(binary->size(), v["v2_length"].get<std::size_t>());
  auto macaroon = parse_binary(*binary);
  ASSERT_TRUE(IsOk(macaroon));
  EXPECT_EQ(macaroon->location(), str(v["location"]));
  EXPECT_EQ(macaroon->caveats().size(), v["caveat_count"].get<std::size_t>());
  EXPECT_EQ(hex_of(macaroon->signature()), str(v["signature"]));
  EXPECT_EQ(to_binary_v2(*macaroon), *binary);

  auto id = decode_identifier(macaroon->identifier());
  ASSERT_TRUE(IsOk(id));
  EXPECT_EQ(id->version, v["identifier_version"].get<std::uint16_t>());
  EXPECT_EQ(hex_of(id->payment_hash), str(v["payment_hash"]));
  EXPECT_EQ(hex_of(id->token_id), str(v["token_id"]));
  EXPECT_EQ(encode_identifier(*id), macaroon->identifier());
}

TEST(L402Vectors, LsatJsChallengePaymentHashEqualsTheInvoices) {
  const json& v = vectors()["lsat_js_challenge"];
  auto invoice = decode_invoice(str(v["invoice"]));
  ASSERT_TRUE(IsOk(invoice));
  EXPECT_EQ(invoice->network, Network::kTestnet);
  EXPECT_EQ(hex_of(invoice->payment_hash), str(v["payment_hash"]));
  auto id = decode_identifier(parse_b64(v["macaroon_b64"]).identifier());
  ASSERT_TRUE(IsOk(id));
  EXPECT_EQ(id->payment_hash, invoice->payment_hash);
}

// ---------------------------------------------------------------- 7.2

TEST(L402Vectors, ApertureTestMacaroonParsesFromHexAndBase64) {
  const json& v = vectors()["aperture_test_macaroon"];
  auto from_hex_text = parse_text(str(v["v2_hex"]));
  auto from_b64_text = parse_text(str(v["v2_b64_std"]));
  ASSERT_TRUE(IsOk(from_hex_text));
  ASSERT_TRUE(IsOk(from_b64_text));
  ASSERT_EQ(from_hex_text->size(), 1U);
  ASSERT_EQ(from_b64_text->size(), 1U);
  EXPECT_EQ(from_hex_text->front(), from_b64_text->front());
  const Macaroon& m = from_hex_text->front();
  EXPECT_EQ(m.location(), str(v["location"]));
  EXPECT_EQ(m.identifier(), str(v["identifier_text"]));
  ASSERT_EQ(m.caveats().size(), 1U);
  EXPECT_EQ(m.caveats()[0].id, str(v["caveat_text"]));
  EXPECT_EQ(hex_of(m.signature()), str(v["signature"]));
  EXPECT_EQ(to_hex(to_binary_v2(m)), str(v["v2_hex"]));
  EXPECT_EQ(base64::encode_std(to_binary_v2(m)), str(v["v2_b64_std"]));
}

TEST(L402Vectors, ApertureTestMacaroonReMintsWithItsRootKeyAndCaveat) {
  const json& v = vectors()["aperture_test_macaroon"];
  auto minted =
      Macaroon::mint(str(v["root_key_text"]), str(v["identifier_text"]), str(v["location"]));
  ASSERT_TRUE(IsOk(minted));
  ASSERT_TRUE(IsOk(minted->add_first_party_caveat(str(v["caveat_text"]))));
  EXPECT_EQ(hex_of(minted->signature()), str(v["signature"]));
  EXPECT_EQ(to_hex(to_binary_v2(*minted)), str(v["v2_hex"]));
  auto verified = verify_macaroon(*minted, str(v["root_key_text"]), {}, nullptr);
  ASSERT_TRUE(IsOk(verified));
  EXPECT_EQ(*verified, std::vector<std::string>{str(v["caveat_text"])});
}

TEST(L402Vectors, ApertureTestMacaroonIdentifierIsNotL402) {
  const json& v = vectors()["aperture_test_macaroon"];
  ASSERT_FALSE(v["identifier_is_l402"].get<bool>());
  EXPECT_TRUE(HasError(decode_identifier(str(v["identifier_text"])), ErrorCode::kInvalidArgument));
}

TEST(L402Vectors, ApertureTestMacaroonEveryHeaderFormCarriesThePreimage) {
  const json& v = vectors()["aperture_test_macaroon"];
  const Hash256 preimage = hash_of(v["preimage"]);
  const std::string hex = str(v["v2_hex"]);
  const std::string lsat = "LSAT " + str(v["v2_b64_std"]) + ":" + str(v["preimage"]);
  const std::string l402 = "L402 " + str(v["v2_b64_std"]) + ":" + str(v["preimage"]);
  const struct {
    HeaderField field;
    CredentialForm form;
  } cases[] = {
      {{"Authorization", lsat}, CredentialForm::kAuthorization},
      {{"Authorization", l402}, CredentialForm::kAuthorization},
      {{"Grpc-Metadata-Macaroon", hex}, CredentialForm::kGrpcMetadataMacaroon},
      {{"Macaroon", hex}, CredentialForm::kMacaroonHeader},
  };
  for (const auto& c : cases) {
    const HeaderField fields[] = {c.field};
    auto credential = parse_credential(fields);
    ASSERT_TRUE(IsOk(credential)) << c.field.name;
    EXPECT_EQ(credential->preimage, preimage) << c.field.name;
    EXPECT_EQ(credential->form, c.form) << c.field.name;
    EXPECT_EQ(hex_of(credential->macaroon.signature()), str(v["signature"])) << c.field.name;
  }
  // Both Authorization lines at once, as Aperture's SetHeader writes them.
  const HeaderField both[] = {{"Authorization", lsat}, {"Authorization", l402}};
  EXPECT_TRUE(IsOk(parse_credential(both)));
}

TEST(L402Vectors, ApertureTestMacaroonFooIsRejectedInEveryField) {
  const HeaderField authorization[] = {{"Authorization", "foo"}};
  EXPECT_TRUE(HasError(parse_credential(authorization), ErrorCode::kNotFound));
  for (const char* name : {"Grpc-Metadata-Macaroon", "Macaroon"}) {
    const HeaderField fields[] = {{name, "foo"}};
    EXPECT_TRUE(HasError(parse_credential(fields), ErrorCode::kInvalidArgument)) << name;
  }
}

// ---------------------------------------------------------------- 7.3

const json& token() { return vectors()["synthetic_token"]; }

std::string root_key() { return from_hex(str(token()["root_key"])); }

Macaroon mint_token() {
  auto minted =
      Macaroon::mint(root_key(), from_hex(str(token()["identifier"])), str(token()["location"]));
  EXPECT_TRUE(IsOk(minted));
  if (!minted.ok()) return Macaroon::from_parts({}, {}, {}, {});
  for (const json& caveat : token()["caveats"]) {
    EXPECT_TRUE(IsOk(minted->add_first_party_caveat(str(caveat["condition_text"]))));
  }
  return *minted;
}

TEST(L402Vectors, SyntheticIdentifierEncodesAndDecodes) {
  const json& v = token();
  Identifier id;
  id.payment_hash = hash_of(v["payment_hash"]);
  id.token_id = hash_of(v["token_id"]);
  const std::string bytes = encode_identifier(id);
  EXPECT_EQ(bytes.size(), kIdentifierSize);
  EXPECT_EQ(to_hex(bytes), str(v["identifier"]));
  auto decoded = decode_identifier(bytes);
  ASSERT_TRUE(IsOk(decoded));
  EXPECT_EQ(*decoded, id);
  EXPECT_EQ(hex_of(sha256(bytes)), str(v["identifier_sha256"]));
  EXPECT_EQ(hex_of(sha256(from_hex(str(v["preimage"])))), str(v["payment_hash"]));
  EXPECT_EQ(hex_of(derive_macaroon_key(root_key())), str(v["derived_key"]));
}

TEST(L402Vectors, SyntheticTokenEveryIntermediateSignature) {
  const json& v = token();
  auto minted = Macaroon::mint(root_key(), from_hex(str(v["identifier"])), str(v["location"]));
  ASSERT_TRUE(IsOk(minted));
  EXPECT_EQ(hex_of(minted->signature()), str(v["signature_after_mint"]));
  for (const json& caveat : v["caveats"]) {
    ASSERT_TRUE(IsOk(minted->add_first_party_caveat(str(caveat["condition_text"]))));
    EXPECT_EQ(hex_of(minted->signature()), str(caveat["signature_after"]))
        << str(caveat["condition_text"]);
  }
  EXPECT_EQ(hex_of(minted->signature()), str(v["signature"]));
}

TEST(L402Vectors, SyntheticTokenSerialisesTo207BytesAndItsTextForms) {
  const json& v = token();
  const Macaroon m = mint_token();
  const std::string binary = to_binary_v2(m);
  EXPECT_EQ(binary.size(), v["v2_length"].get<std::size_t>());
  EXPECT_EQ(to_hex(binary), str(v["v2_hex"]));
  EXPECT_EQ(base64::encode_std(binary), str(v["v2_b64_std"]));
  EXPECT_EQ(to_json_v2(m), str(v["v2_json"]));
  auto from_json = parse_json(str(v["v2_json"]));
  ASSERT_TRUE(IsOk(from_json));
  EXPECT_EQ(*from_json, m);
  EXPECT_EQ(parse_b64(v["v2_b64_std"]), m);
}

TEST(L402Vectors, SyntheticTokenVerifiesWithItsRootKey) {
  const Macaroon m = mint_token();
  auto verified = verify_macaroon(m, root_key(), {}, nullptr);
  ASSERT_TRUE(IsOk(verified));
  std::vector<std::string> expected;
  for (const json& caveat : token()["caveats"]) expected.push_back(str(caveat["condition_text"]));
  EXPECT_EQ(*verified, expected);
}

TEST(L402Vectors, SyntheticChallengeValuesParseAndCommitToTheInvoice) {
  const json& v = token();
  std::vector<std::string> texts;
  for (const json& value : v["challenge_values"]) texts.push_back(str(value));
  const std::vector<std::string_view> values(texts.begin(), texts.end());
  auto challenges = parse_challenges(values);
  ASSERT_TRUE(IsOk(challenges));
  ASSERT_EQ(challenges->size(), 2U);
  EXPECT_EQ((*challenges)[0].scheme, "LSAT");
  EXPECT_EQ((*challenges)[1].scheme, "L402");
  for (const Challenge& challenge : *challenges) {
    EXPECT_EQ(challenge.macaroon_base64, str(v["v2_b64_std"]));
    EXPECT_EQ(challenge.invoice, str(v["challenge_invoice"]));
  }
  auto invoice = decode_invoice(str(v["challenge_invoice"]));
  ASSERT_TRUE(IsOk(invoice));
  EXPECT_EQ(hex_of(invoice->payment_hash), str(v["payment_hash"]));

  // The same two lines folded into one field value.
  const std::string folded = texts[0] + ", " + texts[1];
  const std::string_view one[] = {folded};
  auto from_folded = parse_challenges(one);
  ASSERT_TRUE(IsOk(from_folded));
  EXPECT_EQ(from_folded->size(), 2U);
}

TEST(L402Vectors, FormatChallengeWritesTheVectorsLinesFirst) {
  const json& v = token();
  const std::vector<std::string> lines = format_challenge(
      from_hex(str(v["v2_hex"])), str(v["challenge_invoice"]), ChallengeStyle::kAperture);
  ASSERT_EQ(lines.size(), 2U);
  // Aperture's Go client matches `(LSAT|L402) macaroon="(.*?)", invoice="(.*?)"`: what we add
  // (version) must come after the invoice.
  EXPECT_TRUE(lines[0].starts_with(str(v["challenge_values"][0]))) << lines[0];
  EXPECT_TRUE(lines[1].starts_with(str(v["challenge_values"][1]))) << lines[1];
  const std::vector<std::string> spec = format_challenge(
      from_hex(str(v["v2_hex"])), str(v["challenge_invoice"]), ChallengeStyle::kSpec);
  ASSERT_EQ(spec.size(), 1U);
  EXPECT_TRUE(spec[0].starts_with(str(v["challenge_values"][1]))) << spec[0];
}

TEST(L402Vectors, SyntheticCredentialParsesWithThePreimage) {
  const json& v = token();
  auto credential = parse_authorization(str(v["authorization"]));
  ASSERT_TRUE(IsOk(credential));
  EXPECT_EQ(credential->form, CredentialForm::kAuthorization);
  EXPECT_EQ(credential->macaroon, mint_token());
  EXPECT_TRUE(credential->discharges.empty());
  EXPECT_EQ(hex_of(credential->preimage), str(v["preimage"]));
  EXPECT_EQ(sha256(as_view(credential->preimage)), hash_of(v["payment_hash"]));
  EXPECT_EQ(format_authorization(*credential), str(v["authorization"]));
}

TEST(L402Vectors, ClientAttenuatedFormNarrowsTheExpiry) {
  const json& derived = token()["derived"]["client_attenuated"];
  Macaroon m = mint_token();
  const std::string caveat = str(derived["added_caveat_text"]);
  ASSERT_TRUE(IsOk(m.add_first_party_caveat(caveat)));
  EXPECT_EQ(hex_of(m.signature()), str(derived["signature"]));
  EXPECT_TRUE(IsOk(verify_macaroon(m, root_key(), {}, nullptr)));
  const std::string previous = std::to_string(token()["valid_until"].get<std::int64_t>());
  const std::string current(split_caveat(caveat)->value);
  ASSERT_TRUE(derived["narrows"].get<bool>());
  EXPECT_TRUE(IsOk(caveat_narrows(CaveatKind::kValidUntil, previous, current)));

  const json& widening = token()["derived"]["widening_attenuation"];
  ASSERT_FALSE(widening["narrows"].get<bool>());
  const std::string later(split_caveat(str(widening["added_caveat_text"]))->value);
  EXPECT_TRUE(HasError(caveat_narrows(CaveatKind::kValidUntil, previous, later),
                       ErrorCode::kPermissionDenied));
}

TEST(L402Vectors, PreimageCaveatFormMatchesAndParsesFromBothHeaders) {
  const json& derived = token()["derived"]["preimage_caveat"];
  Macaroon m = mint_token();
  const std::string caveat = str(derived["added_caveat_text"]);
  EXPECT_EQ(caveat.size(), derived["caveat_length"].get<std::size_t>());
  ASSERT_TRUE(IsOk(m.add_first_party_caveat(caveat)));
  EXPECT_EQ(hex_of(m.signature()), str(derived["signature"]));
  EXPECT_EQ(to_hex(to_binary_v2(m)), str(derived["v2_hex"]));
  EXPECT_TRUE(IsOk(verify_macaroon(m, root_key(), {}, nullptr)));
  const std::map<std::string, CredentialForm> forms = {
      {"Macaroon", CredentialForm::kMacaroonHeader},
      {"Grpc-Metadata-Macaroon", CredentialForm::kGrpcMetadataMacaroon}};
  const std::string hex = str(derived["v2_hex"]);
  for (const json& header : derived["header_names"]) {
    const std::string name = str(header);
    const HeaderField fields[] = {{name, hex}};
    auto credential = parse_credential(fields);
    ASSERT_TRUE(IsOk(credential)) << name;
    EXPECT_EQ(credential->form, forms.at(name));
    EXPECT_EQ(credential->macaroon, m);
    EXPECT_EQ(hex_of(credential->preimage), str(token()["preimage"]));
  }
}

// ---------------------------------------------------------------- 7.3 negative cases

struct Request {
  std::string service = "myservice";
  std::string capability = "add";
  std::uint64_t now = 1'700'000'000;
  std::string key = root_key();
};

// The Authority's order, cheapest first (authority.hpp), with the caveat rules of
// l402-protocol.md 4.3 applied through token.hpp. Returns a DenialCode name or "accepted".
std::string evaluate(const Credential& credential, const Request& request,
                     const RevocationList& revocations) {
  auto id = decode_identifier(credential.macaroon.identifier());
  if (!id.ok()) return "malformed";
  if (sha256(as_view(credential.preimage)) != id->payment_hash) return "wrong_preimage";
  auto conditions =
      verify_macaroon(credential.macaroon, request.key, credential.discharges, nullptr);
  if (!conditions.ok()) return std::string(error_code_name(conditions.error().code()));
  if (revocations.is_revoked(id->token_id)) return "revoked";
  std::map<std::string, std::string> last;
  for (const std::string& text : *conditions) {
    const std::optional<CaveatParts> parts = split_caveat(text);
    if (!parts) continue;
    const std::string condition(parts->condition);
    const CaveatKind kind = classify_condition(parts->condition, request.service, {});
    if (const auto found = last.find(condition); found != last.end()) {
      if (!caveat_narrows(kind, found->second, parts->value).ok()) return "widened_caveat";
    }
    last[condition] = std::string(parts->value);
  }
  const auto services = parse_services(last[std::string(caveat::kServices)]);
  if (!services.ok() || std::none_of(services->begin(), services->end(), [&](const ServiceTier& s) {
        return s.name == request.service;
      })) {
    return "wrong_service";
  }
  if (const auto until = last.find(valid_until_condition(request.service)); until != last.end()) {
    const auto seconds = parse_unix_seconds(until->second);
    if (!seconds.ok() || static_cast<std::int64_t>(request.now) >= *seconds) return "expired";
  }
  if (const auto caps = last.find(capabilities_condition(request.service)); caps != last.end()) {
    const auto list = parse_capabilities(caps->second);
    if (!list.ok() || std::find(list->begin(), list->end(), request.capability) == list->end()) {
      return "missing_capability";
    }
  }
  return "accepted";
}

TEST(L402Vectors, SyntheticTokenIsAcceptedUnchanged) {
  auto credential = parse_authorization(str(token()["authorization"]));
  ASSERT_TRUE(IsOk(credential));
  const InMemoryRevocationList none;
  EXPECT_EQ(evaluate(*credential, Request{}, none), "accepted");
}

TEST(L402Vectors, EveryNegativeCaseHasItsOutcome) {
  const json& v = token();
  const std::string b64 = str(v["v2_b64_std"]);
  const std::string preimage = str(v["preimage"]);
  int checked = 0;
  for (const json& c : v["negative_cases"]) {
    const std::string name = str(c["name"]);
    SCOPED_TRACE(name);
    std::string authorization = str(v["authorization"]);
    Request request;
    InMemoryRevocationList revocations;
    if (name == "preimage_one_bit_flipped") {
      std::string bytes = from_hex(preimage);
      bytes[0] = static_cast<char>(bytes[0] ^ 1);
      authorization = "L402 " + b64 + ":" + to_hex(bytes);
    } else if (name == "caveat_byte_changed") {
      std::string binary = from_hex(str(v["v2_hex"]));
      const std::size_t at = binary.find("services=myservice:0");
      ASSERT_NE(at, std::string::npos);
      binary[at + std::string_view("services=myservice:").size()] = '1';
      authorization = "L402 " + base64::encode_std(binary) + ":" + preimage;
    } else if (name == "other_service") {
      request.service = "otherservice";
    } else if (name == "expired") {
      request.now = v["valid_until"].get<std::uint64_t>();
    } else if (name == "not_expired_just_before") {
      request.now = v["valid_until"].get<std::uint64_t>() - 1;
    } else if (name == "revoked") {
      revocations.revoke(hash_of(v["token_id"]));
    } else if (name == "url_safe_base64") {
      authorization = "L402 " + base64::encode_url(from_hex(str(v["v2_hex"]))) + ":" + preimage;
      EXPECT_EQ(authorization.find('='), std::string::npos);
    } else if (name == "upper_case_preimage") {
      authorization = "L402 " + b64 + ":" + to_upper(preimage);
    } else if (name == "missing_capability") {
      request.capability = "multiply";
    } else if (name == "wrong_root_key") {
      request.key.back() = static_cast<char>(request.key.back() ^ 1);
    } else {
      ADD_FAILURE() << "no test for negative case " << name;
      continue;
    }
    auto credential = parse_authorization(authorization);
    ASSERT_TRUE(IsOk(credential));
    EXPECT_EQ(evaluate(*credential, request, revocations), str(c["expect"]));
    ++checked;
  }
  EXPECT_EQ(checked, 10);
}

}  // namespace
}  // namespace l402
