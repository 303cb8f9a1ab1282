// Hostile and broken credentials, fed through Authority::verify_request as real header
// fields: each row names its exact DenialCode and the status of the spec mode; every row is
// also run in Aperture mode (402 for all).
#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "test_util.hpp"

namespace l402 {
namespace {

using test::Harness;
using Strings = std::vector<std::string>;
using Fields = std::vector<std::pair<std::string, std::string>>;

// ---- The environment: one gateway, its keys and a few tokens ----------------------------------

constexpr KeyId kOldKeyId = 0x01020304;      // verify-only, master bytes 0x22
constexpr KeyId kRetiredKeyId = 0x0badbeef;  // retired, master bytes 0x33
constexpr std::uint8_t kOldFill = 0x22;
constexpr std::uint8_t kRetiredFill = 0x33;

const Hash256 kHandPreimage = test::filled_hash(0x77);
const Strings kLimits{"myservice_max_requests"};
const Strings kHandCaveats{"services=myservice:1", "myservice_capabilities=read,write"};

// A token signed by hand: any key, identifier version and size, caveats; preimage 0x77...
Macaroon signed_token(std::uint8_t key_fill, KeyId key_id, const Strings& caveats = kHandCaveats,
                      std::uint16_t version = 0, std::size_t id_size = kIdentifierSize) {
  const TokenId token_id = test::token_id_for(key_id, 0x3c);
  std::string identifier =
      test::identifier_bytes(version, sha256(as_view(kHandPreimage)), token_id);
  identifier.resize(id_size, '\x5a');
  return test::mint_raw(test::expected_root_key(key_fill, token_id), identifier, caveats);
}

struct Env {
  Env() {
    harness.keyring()
        .add(MasterKey{kOldKeyId, KeyState::kVerifyOnly, test::master_key_bytes(kOldFill)})
        .value();
    harness.keyring()
        .add(MasterKey{kRetiredKeyId, KeyState::kRetired, test::master_key_bytes(kRetiredFill)})
        .value();
    good.emplace(harness.buy().value());
    other.emplace(harness.buy().value());
    revoked.emplace(harness.buy().value());
    harness.revocations().revoke(revoked->challenge.token_id);
  }

  const Macaroon& token() const { return good->macaroon(); }
  const Hash256& preimage() const { return good->preimage; }

  Harness harness;
  std::optional<test::PaidToken> good;
  std::optional<test::PaidToken> other;
  std::optional<test::PaidToken> revoked;
};

const Env& env() {
  static const Env* const instance = new Env();
  return *instance;
}

Target hostile_target() { return test::target(test::kService, "read", kLimits); }

// ---- Building header values -------------------------------------------------------------------

std::string l402(const Macaroon& macaroon, const Hash256& preimage,
                 const std::vector<Macaroon>& discharges = {}) {
  return test::authorization(macaroon, preimage, discharges);
}

Fields authorization(std::string value) { return {{"Authorization", std::move(value)}}; }

// The good token with `caveat` appended by its holder, as an Authorization value.
Fields good_with(const Env& e, std::string_view caveat) {
  return authorization(l402(test::attenuated(e.token(), caveat), e.preimage()));
}

Fields hand(const Macaroon& macaroon) { return authorization(l402(macaroon, kHandPreimage)); }

std::string good_b64(const Env& e) { return test::b64(e.token()); }
std::string good_hex(const Env& e) { return test::hex_of(e.preimage()); }

Macaroon replace_caveats(const Macaroon& m, std::vector<Caveat> caveats) {
  return Macaroon::from_parts(m.location(), m.identifier(), std::move(caveats), m.signature());
}
Macaroon replace_signature(const Macaroon& m, const Hash256& signature) {
  return Macaroon::from_parts(m.location(), m.identifier(), m.caveats(), signature);
}

struct ThirdParty {
  Macaroon macaroon;
  Macaroon discharge;  // unbound
};

ThirdParty with_third_party(const Macaroon& token) {
  test::DeterministicRandom random(5);
  Macaroon macaroon = token;
  macaroon.add_third_party_caveat("tp key", "tp-id", "https://tp/", random).value();
  return {macaroon, Macaroon::mint("tp key", "tp-id", "https://tp/").value()};
}

Fields grpc(const Macaroon& macaroon, std::string_view header = "Grpc-Metadata-Macaroon") {
  return {{std::string(header), test::to_hex(to_binary_v2(macaroon))}};
}

// ---- The table --------------------------------------------------------------------------------

struct HostileCase {
  const char* name;
  DenialCode code;
  int spec_status;
  Fields (*build)(const Env&);
};

void PrintTo(const HostileCase& c, std::ostream* os) { *os << c.name; }

const DenialCode kNone = DenialCode::kNoCredential;
const DenialCode kMalformed = DenialCode::kMalformed;
const DenialCode kVersion = DenialCode::kUnknownVersion;
const DenialCode kUnknownKey = DenialCode::kUnknownKeyId;
const DenialCode kRetired = DenialCode::kKeyRetired;
const DenialCode kSignature = DenialCode::kBadSignature;
const DenialCode kPreimage = DenialCode::kWrongPreimage;
const DenialCode kRevoked = DenialCode::kRevoked;
const DenialCode kExpired = DenialCode::kExpired;
const DenialCode kService = DenialCode::kWrongService;
const DenialCode kCapability = DenialCode::kMissingCapability;
const DenialCode kWidened = DenialCode::kWidenedCaveat;

const HostileCase kCases[] = {
    // -- No L402 credential at all (402) --
    {"NoHeaders", kNone, 402, [](const Env&) { return Fields{}; }},
    {"UnrelatedHeaders", kNone, 402,
     [](const Env&) {
       return Fields{{"Host", "api.example"}, {"Accept", "*/*"}, {"Cookie", "L402=x"}};
     }},
    {"BearerScheme", kNone, 402,
     [](const Env& e) { return authorization("Bearer " + good_b64(e) + ":" + good_hex(e)); }},
    {"BasicScheme", kNone, 402, [](const Env&) { return authorization("Basic dXNlcjpwYXNz"); }},
    {"NegotiateScheme", kNone, 402,
     [](const Env&) { return authorization("Negotiate YIIBhgYGKwYB"); }},
    {"SchemeWithSuffix", kNone, 402,
     [](const Env& e) { return authorization("L402x " + good_b64(e) + ":" + good_hex(e)); }},
    {"CredentialInAnotherHeader", kNone, 402,
     [](const Env& e) {
       return Fields{{"X-Authorization", l402(e.token(), e.preimage())}};
     }},
    {"MisspelledMacaroonHeader", kNone, 402,
     [](const Env& e) {
       return Fields{{"Macaroons", test::to_hex(to_binary_v2(e.token()))}};
     }},

    // -- Authorization syntax (401) --
    {"SchemeOnly", kMalformed, 401, [](const Env&) { return authorization("L402"); }},
    {"SchemeAndSpace", kMalformed, 401, [](const Env&) { return authorization("L402 "); }},
    {"NoPreimage", kMalformed, 401,
     [](const Env& e) { return authorization("L402 " + good_b64(e)); }},
    {"EmptyPreimage", kMalformed, 401,
     [](const Env& e) { return authorization("L402 " + good_b64(e) + ":"); }},
    {"EmptyMacaroon", kMalformed, 401,
     [](const Env& e) { return authorization("L402 :" + good_hex(e)); }},
    {"Preimage63HexDigits", kMalformed, 401,
     [](const Env& e) {
       return authorization("L402 " + good_b64(e) + ":" + good_hex(e).substr(1));
     }},
    {"Preimage65HexDigits", kMalformed, 401,
     [](const Env& e) { return authorization("L402 " + good_b64(e) + ":" + good_hex(e) + "0"); }},
    {"Preimage62HexDigits", kMalformed, 401,
     [](const Env& e) {
       return authorization("L402 " + good_b64(e) + ":" + good_hex(e).substr(2));
     }},
    {"Preimage66HexDigits", kMalformed, 401,
     [](const Env& e) { return authorization("L402 " + good_b64(e) + ":" + good_hex(e) + "00"); }},
    {"PreimageNotHex", kMalformed, 401,
     [](const Env& e) {
       std::string hex = good_hex(e);
       hex[10] = 'g';
       return authorization("L402 " + good_b64(e) + ":" + hex);
     }},
    {"Preimage0xPrefixed", kMalformed, 401,
     [](const Env& e) { return authorization("L402 " + good_b64(e) + ":0x" + good_hex(e)); }},
    {"PreimageWithInnerSpace", kMalformed, 401,
     [](const Env& e) {
       std::string hex = good_hex(e);
       hex[32] = ' ';
       return authorization("L402 " + good_b64(e) + ":" + hex);
     }},
    {"PreimageWithNulByte", kMalformed, 401,
     [](const Env& e) {
       std::string hex = good_hex(e);
       hex[5] = '\0';
       return authorization("L402 " + good_b64(e) + ":" + hex);
     }},
    {"Base64BadCharacter", kMalformed, 401,
     [](const Env& e) {
       std::string b64 = good_b64(e);
       b64[20] = '*';
       return authorization("L402 " + b64 + ":" + good_hex(e));
     }},
    {"Base64WithNulByte", kMalformed, 401,
     [](const Env& e) {
       std::string b64 = good_b64(e);
       b64[40] = '\0';
       return authorization("L402 " + b64 + ":" + good_hex(e));
     }},
    {"Base64ImpossibleLength", kMalformed, 401,
     [](const Env& e) {
       const std::string b64 = good_b64(e);
       // 4n + 1 characters never decode.
       std::string cut = b64.substr(0, (b64.size() / 4) * 4 - 3);
       return authorization("L402 " + cut + ":" + good_hex(e));
     }},
    {"Base64TruncatedToHalf", kMalformed, 401,
     [](const Env& e) {
       const std::string b64 = good_b64(e);
       return authorization("L402 " + b64.substr(0, (b64.size() / 8) * 4) + ":" + good_hex(e));
     }},
    {"MacaroonMissingItsLastByte", kMalformed, 401,
     [](const Env& e) {
       std::string binary = to_binary_v2(e.token());
       binary.pop_back();
       return authorization("L402 " + base64::encode_std(binary) + ":" + good_hex(e));
     }},
    {"MacaroonWithTrailingByte", kMalformed, 401,
     [](const Env& e) {
       const std::string binary = to_binary_v2(e.token()) + '\x00';
       return authorization("L402 " + base64::encode_std(binary) + ":" + good_hex(e));
     }},
    {"RandomBytesAsMacaroon", kMalformed, 401,
     [](const Env& e) {
       std::array<std::uint8_t, 120> bytes{};
       test::DeterministicRandom(99).fill(bytes).value();
       const std::string binary(reinterpret_cast<const char*>(bytes.data()), bytes.size());
       return authorization("L402 " + base64::encode_std(binary) + ":" + good_hex(e));
     }},
    {"JsonMacaroonInsteadOfBinary", kMalformed, 401,
     [](const Env& e) {
       return authorization("L402 " + base64::encode_std(to_json_v2(e.token())) + ":" +
                            good_hex(e));
     }},
    {"HeaderAboveTheSizeLimit", kMalformed, 401,
     [](const Env& e) {
       return authorization("L402 " + std::string(9000, 'A') + ":" + good_hex(e));
     }},
    {"ThousandsOfCaveats", kMalformed, 401,
     [](const Env& e) {
       Macaroon m = e.token();
       MacaroonLimits roomy;  // the holder's own library may allow anything
       roomy.max_caveats = 5000;
       roomy.max_serialized_size = std::size_t{1} << 20;
       for (int i = 0; i < 3000; ++i) {
         m.add_first_party_caveat("n=" + std::to_string(i), roomy).value();
       }
       return authorization(l402(m, e.preimage()));
     }},
    {"OneCaveatAboveTheLimit", kMalformed, 401,
     [](const Env& e) {
       Macaroon m = e.token();  // 4 caveats; 61 more make 65 > max_caveats (64)
       for (int i = 0; i < 61; ++i) m.add_first_party_caveat("n=1").value();
       return authorization(l402(m, e.preimage()));
     }},
    {"TooManyDischarges", kMalformed, 401,
     [](const Env& e) {
       const Macaroon d = Macaroon::mint("k", "d", "").value();
       return authorization(l402(e.token(), e.preimage(), {d, d, d, d}));
     }},
    {"DischargeNotBase64", kMalformed, 401,
     [](const Env& e) { return authorization("L402 " + good_b64(e) + ",%%%%:" + good_hex(e)); }},
    {"EmptyDischarge", kMalformed, 401,
     [](const Env& e) { return authorization("L402 " + good_b64(e) + ",:" + good_hex(e)); }},
    {"GrpcMacaroonNotHex", kMalformed, 401,
     [](const Env&) {
       return Fields{{"Grpc-Metadata-Macaroon", "zz"}};
     }},
    {"GrpcMacaroonOddHex", kMalformed, 401,
     [](const Env& e) {
       const Macaroon m = test::attenuated(e.token(), "preimage=" + good_hex(e));
       return Fields{{"Grpc-Metadata-Macaroon", test::to_hex(to_binary_v2(m)).substr(1)}};
     }},
    {"MacaroonHeaderWithoutPreimageCaveat", kMalformed, 401,
     [](const Env& e) { return grpc(e.token(), "Macaroon"); }},
    {"MacaroonHeaderWithShortPreimageCaveat", kMalformed, 401,
     [](const Env& e) {
       return grpc(test::attenuated(e.token(), "preimage=" + good_hex(e).substr(1)), "Macaroon");
     }},
    {"Identifier65Bytes", kMalformed, 401,
     [](const Env&) {
       return hand(signed_token(Harness::kKeyFill, Harness::kKeyId, kHandCaveats, 0, 65));
     }},
    {"Identifier67Bytes", kMalformed, 401,
     [](const Env&) {
       return hand(signed_token(Harness::kKeyFill, Harness::kKeyId, kHandCaveats, 0, 67));
     }},
    {"IdentifierTwoBytes", kMalformed, 401,
     [](const Env&) {
       return hand(signed_token(Harness::kKeyFill, Harness::kKeyId, kHandCaveats, 0, 2));
     }},
    {"ValidUntilNotANumber", kMalformed, 401,
     [](const Env& e) { return good_with(e, "myservice_valid_until=tomorrow"); }},
    {"ServicesWithoutTier", kMalformed, 401,
     [](const Env& e) { return good_with(e, "services=myservice"); }},
    {"NegativeLimit", kMalformed, 401,
     [](const Env& e) { return good_with(e, "myservice_max_requests=-5"); }},
    {"CapabilitiesWithEmptyItem", kMalformed, 401,
     [](const Env& e) { return good_with(e, "myservice_capabilities=read,"); }},

    // -- Identifier version (401) --
    {"IdentifierVersion1", kVersion, 401,
     [](const Env&) {
       return hand(signed_token(Harness::kKeyFill, Harness::kKeyId, kHandCaveats, 1));
     }},
    {"IdentifierVersionFFFF", kVersion, 401,
     [](const Env&) {
       return hand(signed_token(Harness::kKeyFill, Harness::kKeyId, kHandCaveats, 0xffff));
     }},
    {"IdentifierVersion1Of67Bytes", kVersion, 401,
     [](const Env&) {
       return hand(signed_token(Harness::kKeyFill, Harness::kKeyId, kHandCaveats, 1, 67));
     }},

    // -- Keys --
    {"UnknownKeyId", kUnknownKey, 401,
     [](const Env&) { return hand(signed_token(0x44, 0xdeadbeef)); }},
    {"KeyIdZero", kUnknownKey, 401, [](const Env&) { return hand(signed_token(0x44, 0)); }},
    {"TokenOfAnotherGateway", kUnknownKey, 401,
     [](const Env&) {
       Harness stranger;
       stranger.keyring().set_state(Harness::kKeyId, KeyState::kRetired).value();
       stranger.keyring()
           .add(MasterKey{0x55555555, KeyState::kActive, test::master_key_bytes(0x55)})
           .value();
       const test::PaidToken token = stranger.buy().value();
       return authorization(l402(token.macaroon(), token.preimage));
     }},
    {"RetiredKey", kRetired, 402,
     [](const Env&) { return hand(signed_token(kRetiredFill, kRetiredKeyId)); }},

    // -- Signature (401) --
    {"AlteredCaveat", kSignature, 401,
     [](const Env& e) {
       std::vector<Caveat> caveats = e.token().caveats();
       caveats[0].id = "services=myservice:9,other:0";
       return authorization(l402(replace_caveats(e.token(), caveats), e.preimage()));
     }},
    {"RemovedCaveat", kSignature, 401,
     [](const Env& e) {
       std::vector<Caveat> caveats = e.token().caveats();
       caveats.pop_back();
       return authorization(l402(replace_caveats(e.token(), caveats), e.preimage()));
     }},
    {"CaveatAppendedWithoutSigning", kSignature, 401,
     [](const Env& e) {
       std::vector<Caveat> caveats = e.token().caveats();
       caveats.push_back(Caveat{"myservice_valid_until=1", {}, {}});
       return authorization(l402(replace_caveats(e.token(), caveats), e.preimage()));
     }},
    {"AlteredSignature", kSignature, 401,
     [](const Env& e) {
       Hash256 signature = e.token().signature();
       signature[0] ^= 0x80;
       return authorization(l402(replace_signature(e.token(), signature), e.preimage()));
     }},
    {"ZeroSignature", kSignature, 401,
     [](const Env& e) {
       return authorization(l402(replace_signature(e.token(), Hash256{}), e.preimage()));
     }},
    {"AlteredTokenId", kSignature, 401,
     [](const Env& e) {
       std::string identifier = e.token().identifier();
       identifier[60] = static_cast<char>(identifier[60] ^ 1);  // same key ID, same payment hash
       const Macaroon m = Macaroon::from_parts(e.token().location(), identifier,
                                               e.token().caveats(), e.token().signature());
       return authorization(l402(m, e.preimage()));
     }},
    {"SameKeyIdOtherMasterKey", kSignature, 401,
     [](const Env&) { return hand(signed_token(0x99, Harness::kKeyId)); }},
    {"VerifyOnlyKeyIdWrongMaster", kSignature, 401,
     [](const Env&) { return hand(signed_token(kRetiredFill, kOldKeyId)); }},
    {"ThirdPartyCaveatWithoutDischarge", kSignature, 401,
     [](const Env& e) {
       return authorization(l402(with_third_party(e.token()).macaroon, e.preimage()));
     }},
    {"UnboundDischarge", kSignature, 401,
     [](const Env& e) {
       const ThirdParty tp = with_third_party(e.token());
       return authorization(l402(tp.macaroon, e.preimage(), {tp.discharge}));
     }},
    {"DischargeNothingAsksFor", kSignature, 401,
     [](const Env& e) {
       const ThirdParty tp = with_third_party(e.token());
       return authorization(
           l402(e.token(), e.preimage(), {e.token().bind_for_request(tp.discharge)}));
     }},
    {"DischargeTwice", kSignature, 401,
     [](const Env& e) {
       const ThirdParty tp = with_third_party(e.token());
       const Macaroon bound = tp.macaroon.bind_for_request(tp.discharge);
       return authorization(l402(tp.macaroon, e.preimage(), {bound, bound}));
     }},

    // -- Preimage (401) --
    {"PreimageOfAnotherInvoice", kPreimage, 401,
     [](const Env& e) { return authorization(l402(e.token(), e.other->preimage)); }},
    {"ZeroPreimage", kPreimage, 401,
     [](const Env& e) { return authorization(l402(e.token(), Hash256{})); }},
    {"PreimageOneBitOff", kPreimage, 401,
     [](const Env& e) {
       Hash256 preimage = e.preimage();
       preimage[31] ^= 1;
       return authorization(l402(e.token(), preimage));
     }},
    {"MacaroonOfAnotherToken", kPreimage, 401,
     [](const Env& e) { return authorization(l402(e.other->macaroon(), e.preimage())); }},
    {"PaymentHashAsPreimage", kPreimage, 401,
     [](const Env& e) { return authorization(l402(e.token(), e.good->challenge.payment_hash)); }},
    {"GrpcPreimageCaveatOfAnotherInvoice", kPreimage, 401,
     [](const Env& e) {
       return grpc(test::attenuated(e.token(), "preimage=" + test::hex_of(e.other->preimage)));
     }},
    {"ForgedTokenWithWrongPreimage", kPreimage, 401,
     [](const Env& e) {
       return authorization(l402(replace_signature(e.token(), Hash256{}), e.other->preimage));
     }},

    // -- Revocation (402) --
    {"RevokedToken", kRevoked, 402,
     [](const Env& e) { return authorization(l402(e.revoked->macaroon(), e.revoked->preimage)); }},
    {"RevokedTokenAttenuated", kRevoked, 402,
     [](const Env& e) {
       return authorization(l402(test::attenuated(e.revoked->macaroon(), "services=myservice:1"),
                                 e.revoked->preimage));
     }},

    // -- Expiry (402) --
    {"ExpiredOneSecondAgo", kExpired, 402,
     [](const Env& e) {
       return good_with(e, "myservice_valid_until=" + std::to_string(test::kNow - 1));
     }},
    {"ExpiresThisVerySecond", kExpired, 402,
     [](const Env& e) {
       return good_with(e, "myservice_valid_until=" + std::to_string(test::kNow));
     }},
    {"ExpiredLongAgo", kExpired, 402,
     [](const Env& e) { return good_with(e, "myservice_valid_until=0"); }},

    // -- Service and capability (402) --
    {"ServicesNarrowedToAnother", kService, 402,
     [](const Env& e) { return good_with(e, "services=other:0"); }},
    {"TokenForAnotherServiceOnly", kService, 402,
     [](const Env&) {
       return hand(signed_token(Harness::kKeyFill, Harness::kKeyId, {"services=myservice2:0"}));
     }},
    {"TokenWithoutServices", kService, 402,
     [](const Env&) { return hand(signed_token(Harness::kKeyFill, Harness::kKeyId, {})); }},
    {"CapabilitiesNarrowedAway", kCapability, 402,
     [](const Env& e) { return good_with(e, "myservice_capabilities=write"); }},
    {"CapabilitiesEmptied", kCapability, 402,
     [](const Env& e) { return good_with(e, "myservice_capabilities="); }},

    // -- Widening (401) --
    {"ServicesWidened", kWidened, 401,
     [](const Env& e) { return good_with(e, "services=myservice:1,other:0,admin:0"); }},
    {"CapabilitiesWidened", kWidened, 401,
     [](const Env& e) { return good_with(e, "myservice_capabilities=read,write,admin"); }},
    {"ValidUntilWidenedByOneSecond", kWidened, 401,
     [](const Env& e) {
       return good_with(e, "myservice_valid_until=" + std::to_string(test::kNow + 3601));
     }},
    {"LimitRaised", kWidened, 401,
     [](const Env& e) { return good_with(e, "myservice_max_requests=1001"); }},
    {"NarrowedThenWidenedAgain", kWidened, 401,
     [](const Env& e) {
       const Macaroon m = test::attenuated(e.token(), "myservice_capabilities=read");
       return authorization(
           l402(test::attenuated(m, "myservice_capabilities=read,write"), e.preimage()));
     }},
};

std::vector<HeaderField> as_header_fields(const Fields& fields) {
  std::vector<HeaderField> out;
  for (const auto& [name, value] : fields) out.push_back(HeaderField{name, value});
  return out;
}

class HostileCredentials : public ::testing::TestWithParam<HostileCase> {};

TEST_P(HostileCredentials, IsDeniedWithItsExactCodeAndStatus) {
  const HostileCase& hostile = GetParam();
  const Env& e = env();
  const Fields fields = hostile.build(e);
  const std::vector<HeaderField> headers = as_header_fields(fields);
  const Verdict verdict = e.harness.verify_fields(headers, hostile_target());
  ASSERT_TRUE(test::IsDenied(verdict, hostile.code));
  EXPECT_EQ(verdict.denial().http_status, hostile.spec_status);
  EXPECT_TRUE(verdict.denial().fresh_challenge);
  EXPECT_FALSE(verdict.denial().reason.empty());
  for (const char c : verdict.denial().reason) EXPECT_TRUE(c >= 0x20 && c <= 0x7e);

  // The same gateway answering as Aperture does: the same code, always 402.
  AuthorityOptions aperture;
  aperture.status_mode = DenialStatusMode::kAperture;
  test::TestInvoiceSource invoices;
  test::DeterministicRandom random(1);
  const Authority authority(e.harness.keyring(), e.harness.revocations(), invoices, random,
                            aperture);
  const Verdict as_aperture = authority.verify_request(headers, hostile_target(), test::kNow);
  ASSERT_TRUE(test::IsDenied(as_aperture, hostile.code));
  EXPECT_EQ(as_aperture.denial().http_status, 402);
}

INSTANTIATE_TEST_SUITE_P(Table, HostileCredentials, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<HostileCase>& row) {
                           return std::string(row.param.name);
                         });

TEST(HostileCredentialsTable, HasAtLeastSixtyUniquelyNamedCases) {
  std::set<std::string> names;
  for (const HostileCase& c : kCases) names.insert(c.name);
  EXPECT_EQ(names.size(), std::size(kCases));
  EXPECT_GE(std::size(kCases), 60u);
}

TEST(HostileCredentialsTable, CoversEveryDenialCode) {
  std::set<DenialCode> codes;
  for (const HostileCase& c : kCases) codes.insert(c.code);
  EXPECT_EQ(codes.size(), 12u);
}

// The controls: what the table spoils is accepted when it is not spoiled.
TEST(HostileCredentialsControls, GenuineCredentialsAreGrantedInEveryAcceptedSpelling) {
  const Env& e = env();
  const std::string b64 = good_b64(e);
  std::string upper_hex = good_hex(e);
  for (char& c : upper_hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string unpadded = b64;
  while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
  const std::string url_safe = base64::encode_url(to_binary_v2(e.token()));
  const Macaroon moved = Macaroon::from_parts("https://elsewhere/", e.token().identifier(),
                                              e.token().caveats(), e.token().signature());
  const ThirdParty tp = with_third_party(e.token());
  const std::vector<Fields> accepted = {
      authorization(l402(e.token(), e.preimage())),
      authorization("LSAT " + b64 + ":" + good_hex(e)),
      authorization("l402 " + b64 + ":" + good_hex(e)),
      authorization("L402 " + b64 + ":" + upper_hex),
      authorization("L402 " + unpadded + ":" + good_hex(e)),
      authorization("L402 " + url_safe + ":" + good_hex(e)),
      authorization(l402(moved, e.preimage())),  // the location is not signed
      authorization(l402(tp.macaroon, e.preimage(), {tp.macaroon.bind_for_request(tp.discharge)})),
      good_with(e, "myservice_valid_until=" + std::to_string(test::kNow + 1)),
      good_with(e, "myservice_max_requests=1000"),
      grpc(test::attenuated(e.token(), "preimage=" + good_hex(e))),
      grpc(test::attenuated(e.token(), "preimage=" + good_hex(e)), "Macaroon"),
      hand(signed_token(kOldFill, kOldKeyId)),  // a verify-only key still verifies
  };
  for (std::size_t i = 0; i < accepted.size(); ++i) {
    SCOPED_TRACE(i);
    const std::vector<HeaderField> headers = as_header_fields(accepted[i]);
    EXPECT_TRUE(test::IsGranted(e.harness.verify_fields(headers, hostile_target())));
  }
}

}  // namespace
}  // namespace l402
