// Authority::verify and verify_request: every denial code, its order, attenuation by the
// holder, discharges, status modes and reasons.
#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "test_util.hpp"

namespace l402 {
namespace {

using test::Harness;
using test::IsDenied;
using test::IsDeniedMentioning;
using test::IsGranted;
using Strings = std::vector<std::string>;
using test::caveat_ids;

constexpr std::uint64_t kExpiry = test::kNow + 3600;  // the standard offer's valid_until

// A token signed by hand under the harness's master key: any identifier bytes and caveats.
struct HandMade {
  Macaroon macaroon;
  Hash256 preimage;
};

HandMade hand_made(std::uint16_t version, const Strings& caveats, std::size_t id_size = 66,
                   KeyId key_id = Harness::kKeyId) {
  const Hash256 preimage = test::filled_hash(0x77);
  const TokenId token_id = test::token_id_for(key_id, 0x3c);
  std::string identifier = test::identifier_bytes(version, sha256(as_view(preimage)), token_id);
  identifier.resize(id_size, '\x5a');
  return {test::mint_raw(Harness::root_key_of(token_id), identifier, caveats), preimage};
}

Macaroon with_signature(const Macaroon& macaroon, const Hash256& signature) {
  return Macaroon::from_parts(macaroon.location(), macaroon.identifier(), macaroon.caveats(),
                              signature);
}

Macaroon with_caveats(const Macaroon& macaroon, std::vector<Caveat> caveats) {
  return Macaroon::from_parts(macaroon.location(), macaroon.identifier(), std::move(caveats),
                              macaroon.signature());
}

class AuthorityVerify : public ::testing::Test {
 protected:
  void SetUp() override {
    auto bought = harness_.buy();
    ASSERT_TRUE(test::IsOk(bought));
    paid_ = std::move(bought).value();
  }

  Verdict verify(const Macaroon& macaroon, const Target& target = test::target(),
                 std::uint64_t now = test::kNow) const {
    return harness_.verify(macaroon, token().preimage, target, now);
  }

  const test::PaidToken& token() const { return *paid_; }

  Harness harness_;
  std::optional<test::PaidToken> paid_;
};

// ---- Grants -----------------------------------------------------------------------------------

TEST_F(AuthorityVerify, GrantsAPaidTokenWithItsCaveats) {
  const Verdict verdict = verify(token().macaroon(), test::target(test::kService, "write"));
  ASSERT_TRUE(IsGranted(verdict));
  const Grant& grant = verdict.grant();
  EXPECT_EQ(grant.token_id, token().challenge.token_id);
  EXPECT_EQ(grant.payment_hash, token().challenge.payment_hash);
  EXPECT_EQ(grant.key_id, Harness::kKeyId);
  EXPECT_EQ(grant.service, "myservice");
  EXPECT_EQ(grant.tier, 1);
  EXPECT_EQ(grant.capabilities, (Strings{"read", "write"}));
  EXPECT_EQ(grant.valid_until, static_cast<std::int64_t>(kExpiry));
  EXPECT_EQ(grant.caveats, caveat_ids(token().macaroon()));
}

TEST_F(AuthorityVerify, GrantsTheOtherOfferedServiceUnderItsOwnCaveats) {
  // "other" has no capabilities or expiry caveat; myservice's do not apply to it.
  const Verdict verdict =
      verify(token().macaroon(), test::target("other", "anything"), kExpiry + 100000);
  ASSERT_TRUE(IsGranted(verdict));
  EXPECT_EQ(verdict.grant().service, "other");
  EXPECT_EQ(verdict.grant().tier, 0);
  EXPECT_FALSE(verdict.grant().capabilities.has_value());
  EXPECT_FALSE(verdict.grant().valid_until.has_value());
}

TEST_F(AuthorityVerify, PassesUninterpretedCaveatsOnToTheUpstream) {
  Macaroon macaroon =
      test::attenuated(token().macaroon(), "preimage=" + test::hex_of(token().preimage));
  macaroon = test::attenuated(macaroon, "note=for the upstream");
  macaroon = test::attenuated(macaroon, "not a condition at all");
  macaroon = test::attenuated(macaroon, "expiration=1");  // lsat-js, milliseconds: not ours
  const Verdict verdict = verify(macaroon);
  ASSERT_TRUE(IsGranted(verdict));
  EXPECT_EQ(verdict.grant().caveats, caveat_ids(macaroon));
  EXPECT_EQ(verdict.grant().caveats.back(), "expiration=1");
}

TEST_F(AuthorityVerify, RequestWithoutCapabilityNeedsNone) {
  Macaroon none = test::attenuated(token().macaroon(), "myservice_capabilities=");
  EXPECT_TRUE(IsGranted(verify(none, test::target(test::kService, ""))));
  EXPECT_TRUE(
      IsDenied(verify(none, test::target(test::kService, "read")), DenialCode::kMissingCapability));
}

TEST(AuthorityVerifyHandMade, TokenWithoutCapabilitiesCaveatAllowsEveryCapability) {
  Harness harness;
  const HandMade token = hand_made(0, {"services=myservice:3"});
  const Verdict verdict =
      harness.verify(token.macaroon, token.preimage, test::target(test::kService, "admin"));
  ASSERT_TRUE(IsGranted(verdict));
  EXPECT_EQ(verdict.grant().tier, 3);
  EXPECT_FALSE(verdict.grant().capabilities.has_value());
}

// ---- The identifier ---------------------------------------------------------------------------

TEST(AuthorityVerifyHandMade, DeniesAnIdentifierOfAnotherLength) {
  Harness harness;
  for (const std::size_t size : {65u, 67u, 34u, 100u}) {
    SCOPED_TRACE(size);
    const HandMade token = hand_made(0, {"services=myservice:0"}, size);
    const Verdict verdict = harness.verify(token.macaroon, token.preimage, test::target());
    EXPECT_TRUE(IsDeniedMentioning(verdict, DenialCode::kMalformed,
                                   "66 bytes, got " + std::to_string(size)));
    EXPECT_EQ(verdict.denial().http_status, 401);
  }
}

TEST(AuthorityVerifyHandMade, DeniesAnUnknownIdentifierVersion) {
  Harness harness;
  for (const unsigned version : {1u, 2u, 0xffffu}) {
    SCOPED_TRACE(version);
    const HandMade token = hand_made(static_cast<std::uint16_t>(version), {"services=myservice:0"});
    const Verdict verdict = harness.verify(token.macaroon, token.preimage, test::target());
    EXPECT_TRUE(IsDeniedMentioning(verdict, DenialCode::kUnknownVersion,
                                   "version " + std::to_string(version)));
    EXPECT_EQ(verdict.denial().http_status, 401);
  }
  // Of another length too: the version decides.
  const HandMade longer = hand_made(1, {}, 80);
  EXPECT_TRUE(IsDenied(harness.verify(longer.macaroon, longer.preimage, test::target()),
                       DenialCode::kUnknownVersion));
}

// ---- Keys -------------------------------------------------------------------------------------

TEST(AuthorityVerifyHandMade, DeniesAnUnknownKeyId) {
  Harness harness;
  const HandMade token = hand_made(0, {"services=myservice:0"}, 66, 0xdeadbeef);
  const Verdict verdict = harness.verify(token.macaroon, token.preimage, test::target());
  EXPECT_TRUE(IsDeniedMentioning(verdict, DenialCode::kUnknownKeyId, "deadbeef"));
  EXPECT_EQ(verdict.denial().http_status, 401);
}

TEST_F(AuthorityVerify, DeniesATokenOfARetiredKey) {
  ASSERT_TRUE(test::IsOk(harness_.keyring().rotate(harness_.random())));
  ASSERT_TRUE(test::IsOk(harness_.keyring().set_state(Harness::kKeyId, KeyState::kRetired)));
  const Verdict verdict = verify(token().macaroon());
  EXPECT_TRUE(IsDenied(verdict, DenialCode::kKeyRetired));
  EXPECT_EQ(verdict.denial().http_status, 402);
}

// ---- The preimage -----------------------------------------------------------------------------

TEST_F(AuthorityVerify, DeniesThePreimageOfAnotherInvoice) {
  ASSERT_OK_AND_ASSIGN(const test::PaidToken other, harness_.buy());
  const Verdict verdict = harness_.verify(token().macaroon(), other.preimage, test::target());
  EXPECT_TRUE(IsDenied(verdict, DenialCode::kWrongPreimage));
  EXPECT_EQ(verdict.denial().http_status, 401);
}

TEST_F(AuthorityVerify, DeniesAPreimageOneBitOff) {
  for (std::size_t bit = 0; bit < 256; bit += 37) {
    Hash256 preimage = token().preimage;
    preimage[bit / 8] = static_cast<std::uint8_t>(preimage[bit / 8] ^ (1u << (bit % 8)));
    EXPECT_TRUE(IsDenied(harness_.verify(token().macaroon(), preimage, test::target()),
                         DenialCode::kWrongPreimage))
        << bit;
  }
}

TEST_F(AuthorityVerify, DeniesThePaymentHashGivenAsPreimage) {
  EXPECT_TRUE(
      IsDenied(harness_.verify(token().macaroon(), token().challenge.payment_hash, test::target()),
               DenialCode::kWrongPreimage));
}

TEST_F(AuthorityVerify, ChecksThePreimageBeforeTheSignature) {
  const Macaroon forged = with_signature(token().macaroon(), test::filled_hash(0));
  EXPECT_TRUE(IsDenied(harness_.verify(forged, test::filled_hash(1), test::target()),
                       DenialCode::kWrongPreimage));
}

// ---- The signature ----------------------------------------------------------------------------

TEST_F(AuthorityVerify, DeniesAnAlteredSignature) {
  Hash256 signature = token().macaroon().signature();
  signature[31] ^= 1;
  const Verdict verdict = verify(with_signature(token().macaroon(), signature));
  EXPECT_TRUE(IsDenied(verdict, DenialCode::kBadSignature));
  EXPECT_EQ(verdict.denial().http_status, 401);
}

TEST_F(AuthorityVerify, DeniesAnAlteredCaveat) {
  std::vector<Caveat> caveats = token().macaroon().caveats();
  caveats[3].id = "myservice_valid_until=9999999999";  // extending without the key
  EXPECT_TRUE(
      IsDenied(verify(with_caveats(token().macaroon(), caveats)), DenialCode::kBadSignature));
}

TEST_F(AuthorityVerify, DeniesARemovedCaveat) {
  std::vector<Caveat> caveats = token().macaroon().caveats();
  caveats.pop_back();  // drop the expiry
  EXPECT_TRUE(
      IsDenied(verify(with_caveats(token().macaroon(), caveats)), DenialCode::kBadSignature));
}

TEST_F(AuthorityVerify, DeniesATokenSignedWithAnotherRootKey) {
  const Macaroon& genuine = token().macaroon();
  Macaroon forged =
      test::mint_raw(test::filled_hash(0x99), genuine.identifier(), caveat_ids(genuine));
  EXPECT_TRUE(IsDenied(verify(forged), DenialCode::kBadSignature));
}

TEST_F(AuthorityVerify, ChecksTheSignatureBeforeRevocation) {
  ASSERT_TRUE(harness_.revocations().revoke(token().challenge.token_id));
  EXPECT_TRUE(IsDenied(verify(with_signature(token().macaroon(), test::filled_hash(3))),
                       DenialCode::kBadSignature));
  EXPECT_TRUE(IsDenied(verify(token().macaroon()), DenialCode::kRevoked));
}

// ---- Revocation -------------------------------------------------------------------------------

TEST_F(AuthorityVerify, DeniesARevokedTokenAndItsAttenuations) {
  ASSERT_TRUE(harness_.revocations().revoke(token().challenge.token_id));
  EXPECT_TRUE(IsDenied(verify(token().macaroon()), DenialCode::kRevoked));
  EXPECT_TRUE(IsDenied(verify(test::attenuated(token().macaroon(), "services=myservice:1")),
                       DenialCode::kRevoked));
  ASSERT_OK_AND_ASSIGN(const test::PaidToken other, harness_.buy());
  EXPECT_TRUE(IsGranted(harness_.verify(other.macaroon(), other.preimage, test::target())));
}

// ---- Expiry -----------------------------------------------------------------------------------

TEST_F(AuthorityVerify, DeniesExpiredCaveatOneSecondLate) {
  EXPECT_TRUE(IsGranted(verify(token().macaroon(), test::target(), kExpiry - 1)));
  // now < valid_until, strictly: the second it names is already expired (as Aperture).
  const Verdict at = verify(token().macaroon(), test::target(), kExpiry);
  EXPECT_TRUE(IsDeniedMentioning(at, DenialCode::kExpired, "2023-11-14T23:13:20Z"));
  EXPECT_EQ(at.denial().http_status, 402);
  EXPECT_TRUE(
      IsDenied(verify(token().macaroon(), test::target(), kExpiry + 1), DenialCode::kExpired));
}

// What a cache of grants re-checks on every use.
TEST_F(AuthorityVerify, AGrantLapsesWhenItsTokenIsRevokedOrExpires) {
  const Verdict verdict = verify(token().macaroon(), test::target(), kExpiry - 10);
  ASSERT_TRUE(IsGranted(verdict));
  const Grant& grant = verdict.grant();
  EXPECT_FALSE(harness_.authority().grant_lapsed(grant, kExpiry - 1));
  EXPECT_TRUE(harness_.authority().grant_lapsed(grant, kExpiry));
  ASSERT_TRUE(harness_.revocations().revoke(token().challenge.token_id));
  EXPECT_TRUE(harness_.authority().grant_lapsed(grant, kExpiry - 1));
}

TEST(AuthorityVerifyHandMade, ExpiryReasonIsIso8601Utc) {
  Harness harness;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0", "1970-01-01T00:00:00Z"},
      {"951782400", "2000-02-29T00:00:00Z"},
      {"1700000000", "2023-11-14T22:13:20Z"},
      {"4102444800", "2100-01-01T00:00:00Z"},
      {"9223372036854775807", "292277026596-12-04T15:30:07Z"},
  };
  for (const auto& [seconds, iso] : cases) {
    SCOPED_TRACE(seconds);
    const HandMade token =
        hand_made(0, {"services=myservice:0", "myservice_valid_until=" + seconds});
    EXPECT_TRUE(IsDeniedMentioning(harness.verify(token.macaroon, token.preimage, test::target(),
                                                  std::numeric_limits<std::uint64_t>::max()),
                                   DenialCode::kExpired, iso));
  }
}

TEST_F(AuthorityVerify, OtherServicesExpiryDoesNotApply) {
  const Macaroon macaroon = test::attenuated(token().macaroon(), "other_valid_until=1");
  EXPECT_TRUE(IsGranted(verify(macaroon)));
  EXPECT_TRUE(IsDenied(verify(macaroon, test::target("other")), DenialCode::kExpired));
}

// ---- Services and capabilities ----------------------------------------------------------------

TEST_F(AuthorityVerify, DeniesAServiceTheTokenDoesNotName) {
  const Verdict verdict = verify(token().macaroon(), test::target("elsewhere"));
  EXPECT_TRUE(IsDeniedMentioning(verdict, DenialCode::kWrongService, "\"elsewhere\""));
  EXPECT_EQ(verdict.denial().http_status, 402);
  // Prefixes and case do not match.
  EXPECT_TRUE(
      IsDenied(verify(token().macaroon(), test::target("myserv")), DenialCode::kWrongService));
  EXPECT_TRUE(
      IsDenied(verify(token().macaroon(), test::target("MyService")), DenialCode::kWrongService));
}

TEST(AuthorityVerifyHandMade, DeniesATokenWithoutServicesCaveat) {
  Harness harness;
  const HandMade token = hand_made(0, {"myservice_capabilities=read"});
  EXPECT_TRUE(IsDenied(harness.verify(token.macaroon, token.preimage, test::target()),
                       DenialCode::kWrongService));
}

TEST_F(AuthorityVerify, DeniesACapabilityTheTokenDoesNotHold) {
  const Verdict verdict = verify(token().macaroon(), test::target(test::kService, "admin"));
  EXPECT_TRUE(IsDeniedMentioning(verdict, DenialCode::kMissingCapability, "\"admin\""));
  EXPECT_EQ(verdict.denial().http_status, 402);
  EXPECT_TRUE(IsGranted(verify(token().macaroon(), test::target(test::kService, "read"))));
}

// ---- Attenuation by the holder (l402-protocol.md 4.3, 4.4) ------------------------------------

TEST_F(AuthorityVerify, AcceptsEveryNarrowing) {
  static const Strings kLimits{"myservice_max_requests"};
  Macaroon macaroon = token().macaroon();
  for (const char* caveat :
       {"services=myservice:1", "myservice_capabilities=read", "myservice_valid_until=1700001000",
        "myservice_max_requests=10", "myservice_max_requests=10",
        "myservice_valid_until=1700000500", "myservice_capabilities="}) {
    macaroon = test::attenuated(macaroon, caveat);
  }
  const Verdict verdict = verify(macaroon, test::target(test::kService, "", kLimits));
  ASSERT_TRUE(IsGranted(verdict));
  EXPECT_EQ(verdict.grant().capabilities, Strings{});
  EXPECT_EQ(verdict.grant().valid_until, 1700000500);
  EXPECT_EQ(verdict.grant().tier, 1);
  EXPECT_TRUE(IsDenied(verify(macaroon, test::target(test::kService, "", kLimits), 1700000500),
                       DenialCode::kExpired));
}

TEST_F(AuthorityVerify, DeniesEveryWidening) {
  static const Strings kLimits{"myservice_max_requests"};
  const Target target = test::target(test::kService, "read", kLimits);
  for (const auto& [caveat, condition] : std::vector<std::pair<std::string, std::string>>{
           {"services=myservice:1,other:0,third:0", "services"},
           {"myservice_capabilities=read,write,admin", "myservice_capabilities"},
           {"myservice_valid_until=" + std::to_string(kExpiry + 1), "myservice_valid_until"},
           {"myservice_max_requests=1001", "myservice_max_requests"},
       }) {
    SCOPED_TRACE(caveat);
    const Verdict verdict = verify(test::attenuated(token().macaroon(), caveat), target);
    EXPECT_TRUE(IsDeniedMentioning(verdict, DenialCode::kWidenedCaveat,
                                   "\"" + condition + "\" widens the one before it"));
    EXPECT_EQ(verdict.denial().http_status, 401);
  }
}

TEST_F(AuthorityVerify, DeniesWideningANarrowedCaveatBackAgain) {
  Macaroon macaroon = test::attenuated(token().macaroon(), "services=other:0");
  macaroon = test::attenuated(macaroon, "services=other:0,myservice:1");
  EXPECT_TRUE(IsDenied(verify(macaroon), DenialCode::kWidenedCaveat));
  EXPECT_TRUE(IsDenied(verify(macaroon, test::target("other")), DenialCode::kWidenedCaveat));
}

TEST_F(AuthorityVerify, NarrowedAwayServiceIsTheWrongService) {
  const Macaroon macaroon = test::attenuated(token().macaroon(), "services=other:0");
  EXPECT_TRUE(IsDenied(verify(macaroon), DenialCode::kWrongService));
  EXPECT_TRUE(IsGranted(verify(macaroon, test::target("other"))));
}

TEST_F(AuthorityVerify, NarrowedAwayCapabilityIsMissing) {
  const Macaroon macaroon = test::attenuated(token().macaroon(), "myservice_capabilities=read");
  EXPECT_TRUE(IsGranted(verify(macaroon, test::target(test::kService, "read"))));
  EXPECT_TRUE(IsDenied(verify(macaroon, test::target(test::kService, "write")),
                       DenialCode::kMissingCapability));
}

TEST_F(AuthorityVerify, UndeclaredLimitsAreLeftToTheUpstream) {
  const Macaroon macaroon = test::attenuated(token().macaroon(), "myservice_max_requests=5000");
  EXPECT_TRUE(IsGranted(verify(macaroon)));
  static const Strings kLimits{"myservice_max_requests"};
  EXPECT_TRUE(IsDenied(verify(macaroon, test::target(test::kService, "", kLimits)),
                       DenialCode::kWidenedCaveat));
}

TEST_F(AuthorityVerify, OtherServicesCaveatsAreNotCompared) {
  Macaroon macaroon = test::attenuated(token().macaroon(), "other_capabilities=a");
  macaroon = test::attenuated(macaroon, "other_capabilities=a,b");
  EXPECT_TRUE(IsGranted(verify(macaroon)));
  EXPECT_TRUE(IsDenied(verify(macaroon, test::target("other")), DenialCode::kWidenedCaveat));
}

TEST_F(AuthorityVerify, DeniesCaveatValuesThatDoNotParse) {
  static const Strings kLimits{"myservice_max_requests"};
  for (const char* caveat :
       {"myservice_valid_until=soon", "myservice_valid_until=-1", "services=myservice",
        "services=", "myservice_capabilities=read,,write", "myservice_max_requests=lots"}) {
    SCOPED_TRACE(caveat);
    const Verdict verdict = verify(test::attenuated(token().macaroon(), caveat),
                                   test::target(test::kService, "", kLimits));
    EXPECT_TRUE(IsDenied(verdict, DenialCode::kMalformed));
    EXPECT_EQ(verdict.denial().http_status, 401);
  }
}

TEST(AuthorityVerifyHandMade, DeniesLoneCaveatsThatDoNotParse) {
  Harness harness;
  for (const Strings& caveats : std::vector<Strings>{
           {"services=myservice"},
           {"services=myservice:0", "myservice_valid_until=2100-01-01"},
           {"services=myservice:0", "myservice_capabilities=,"},
       }) {
    SCOPED_TRACE(caveats.back());
    const HandMade token = hand_made(0, caveats);
    EXPECT_TRUE(IsDenied(
        harness.verify(token.macaroon, token.preimage, test::target(test::kService, "read")),
        DenialCode::kMalformed));
  }
}

// ---- Discharges (third-party caveats added by the holder) -------------------------------------

constexpr std::string_view kThirdPartyKey = "third party caveat root key";

struct WithThirdParty {
  Macaroon macaroon;
  Macaroon discharge;  // unbound
};

WithThirdParty add_third_party(const Macaroon& token, const Strings& discharge_caveats) {
  test::DeterministicRandom random(77);
  Macaroon macaroon = token;
  macaroon.add_third_party_caveat(kThirdPartyKey, "tp-id", "https://tp.example/", random).value();
  Macaroon discharge = Macaroon::mint(kThirdPartyKey, "tp-id", "https://tp.example/").value();
  for (const std::string& caveat : discharge_caveats)
    discharge.add_first_party_caveat(caveat).value();
  return {macaroon, discharge};
}

TEST_F(AuthorityVerify, GrantsWithABoundDischarge) {
  const WithThirdParty stack = add_third_party(token().macaroon(), {"tp_checked=yes"});
  const Verdict verdict =
      harness_.verify(stack.macaroon, token().preimage, test::target(), test::kNow,
                      {stack.macaroon.bind_for_request(stack.discharge)});
  ASSERT_TRUE(IsGranted(verdict));
  EXPECT_EQ(verdict.grant().caveats.back(), "tp_checked=yes");
}

TEST_F(AuthorityVerify, DeniesAThirdPartyCaveatWithoutItsDischarge) {
  const WithThirdParty stack = add_third_party(token().macaroon(), {});
  const Verdict verdict = verify(stack.macaroon);
  EXPECT_TRUE(IsDeniedMentioning(verdict, DenialCode::kBadSignature, "discharge"));
  EXPECT_EQ(verdict.denial().http_status, 401);
}

TEST_F(AuthorityVerify, DeniesAnUnboundDischarge) {
  const WithThirdParty stack = add_third_party(token().macaroon(), {});
  EXPECT_TRUE(IsDenied(harness_.verify(stack.macaroon, token().preimage, test::target(), test::kNow,
                                       {stack.discharge}),
                       DenialCode::kBadSignature));
}

TEST_F(AuthorityVerify, DeniesADischargeNothingAsksFor) {
  const WithThirdParty stack = add_third_party(token().macaroon(), {});
  EXPECT_TRUE(IsDeniedMentioning(
      harness_.verify(token().macaroon(), token().preimage, test::target(), test::kNow,
                      {token().macaroon().bind_for_request(stack.discharge)}),
      DenialCode::kBadSignature, "discharge"));
}

TEST_F(AuthorityVerify, DischargeCaveatsAreHeldToTheSameRules) {
  const WithThirdParty widening = add_third_party(
      token().macaroon(), {"myservice_valid_until=" + std::to_string(kExpiry + 10)});
  EXPECT_TRUE(
      IsDenied(harness_.verify(widening.macaroon, token().preimage, test::target(), test::kNow,
                               {widening.macaroon.bind_for_request(widening.discharge)}),
               DenialCode::kWidenedCaveat));
  const WithThirdParty narrowing = add_third_party(token().macaroon(), {"services=other:0"});
  EXPECT_TRUE(
      IsDenied(harness_.verify(narrowing.macaroon, token().preimage, test::target(), test::kNow,
                               {narrowing.macaroon.bind_for_request(narrowing.discharge)}),
               DenialCode::kWrongService));
}

// ---- Status modes, names, reasons -------------------------------------------------------------

TEST(DenialCode, HasStableNames) {
  const std::vector<std::pair<DenialCode, std::string_view>> names = {
      {DenialCode::kNoCredential, "no_credential"},
      {DenialCode::kMalformed, "malformed"},
      {DenialCode::kUnknownVersion, "unknown_version"},
      {DenialCode::kUnknownKeyId, "unknown_key_id"},
      {DenialCode::kKeyRetired, "key_retired"},
      {DenialCode::kBadSignature, "bad_signature"},
      {DenialCode::kWrongPreimage, "wrong_preimage"},
      {DenialCode::kRevoked, "revoked"},
      {DenialCode::kExpired, "expired"},
      {DenialCode::kWrongService, "wrong_service"},
      {DenialCode::kMissingCapability, "missing_capability"},
      {DenialCode::kWidenedCaveat, "widened_caveat"},
  };
  for (const auto& [code, name] : names) EXPECT_EQ(denial_code_name(code), name);
}

// Produces a denial of `code` from `harness` (a fresh one per call).
Verdict provoke(Harness& harness, DenialCode code) {
  const test::PaidToken token = harness.buy().value();
  const Target target = test::target(test::kService, "read");
  switch (code) {
    case DenialCode::kNoCredential:
      return harness.authority().verify_request({}, target, test::kNow);
    case DenialCode::kMalformed: {
      const HandMade bad = hand_made(0, {}, 65);
      return harness.verify(bad.macaroon, bad.preimage, target);
    }
    case DenialCode::kUnknownVersion: {
      const HandMade bad = hand_made(1, {});
      return harness.verify(bad.macaroon, bad.preimage, target);
    }
    case DenialCode::kUnknownKeyId: {
      const HandMade bad = hand_made(0, {}, 66, 0x0badf00d);
      return harness.verify(bad.macaroon, bad.preimage, target);
    }
    case DenialCode::kKeyRetired:
      harness.keyring().rotate(harness.random()).value();
      harness.keyring().set_state(Harness::kKeyId, KeyState::kRetired).value();
      return harness.verify(token.macaroon(), token.preimage, target);
    case DenialCode::kBadSignature:
      return harness.verify(with_signature(token.macaroon(), Hash256{}), token.preimage, target);
    case DenialCode::kWrongPreimage:
      return harness.verify(token.macaroon(), test::filled_hash(9), target);
    case DenialCode::kRevoked:
      harness.revocations().revoke(token.challenge.token_id);
      return harness.verify(token.macaroon(), token.preimage, target);
    case DenialCode::kExpired:
      return harness.verify(token.macaroon(), token.preimage, target, kExpiry);
    case DenialCode::kWrongService:
      return harness.verify(token.macaroon(), token.preimage, test::target("nope"));
    case DenialCode::kMissingCapability:
      return harness.verify(token.macaroon(), token.preimage,
                            test::target(test::kService, "delete"));
    case DenialCode::kWidenedCaveat:
      return harness.verify(test::attenuated(token.macaroon(), "myservice_capabilities=read,x"),
                            token.preimage, target);
  }
  return harness.verify(token.macaroon(), token.preimage, target);
}

constexpr DenialCode kAllCodes[] = {
    DenialCode::kNoCredential,  DenialCode::kMalformed,         DenialCode::kUnknownVersion,
    DenialCode::kUnknownKeyId,  DenialCode::kKeyRetired,        DenialCode::kBadSignature,
    DenialCode::kWrongPreimage, DenialCode::kRevoked,           DenialCode::kExpired,
    DenialCode::kWrongService,  DenialCode::kMissingCapability, DenialCode::kWidenedCaveat,
};

TEST(AuthorityStatusMode, SpecModeAnswers401ForWhatIsNotGenuineAnd402ForTheRest) {
  for (const DenialCode code : kAllCodes) {
    SCOPED_TRACE(denial_code_name(code));
    Harness harness;  // kSpec is the default
    const Verdict verdict = provoke(harness, code);
    ASSERT_TRUE(IsDenied(verdict, code));
    const bool not_genuine =
        code == DenialCode::kMalformed || code == DenialCode::kUnknownVersion ||
        code == DenialCode::kUnknownKeyId || code == DenialCode::kBadSignature ||
        code == DenialCode::kWrongPreimage || code == DenialCode::kWidenedCaveat;
    EXPECT_EQ(verdict.denial().http_status, not_genuine ? 401 : 402);
    EXPECT_TRUE(verdict.denial().fresh_challenge);
  }
}

TEST(AuthorityStatusMode, ApertureModeAnswers402ForEverything) {
  for (const DenialCode code : kAllCodes) {
    SCOPED_TRACE(denial_code_name(code));
    AuthorityOptions options;
    options.status_mode = DenialStatusMode::kAperture;
    Harness harness(options);
    const Verdict verdict = provoke(harness, code);
    ASSERT_TRUE(IsDenied(verdict, code));
    EXPECT_EQ(verdict.denial().http_status, 402);
    EXPECT_TRUE(verdict.denial().fresh_challenge);
  }
}

TEST(AuthorityReasons, AreShortPrintableAndFreeOfSecrets) {
  for (const DenialCode code : kAllCodes) {
    SCOPED_TRACE(denial_code_name(code));
    Harness harness;
    const test::PaidToken probe =
        Harness(AuthorityOptions{}, 1).buy().value();  // same as provoke's
    const Verdict verdict = provoke(harness, code);
    ASSERT_FALSE(verdict.granted());
    const std::string& reason = verdict.denial().reason;
    EXPECT_FALSE(reason.empty());
    EXPECT_LE(reason.size(), 256u);
    for (const char c : reason) EXPECT_TRUE(c >= 0x20 && c <= 0x7e) << static_cast<int>(c);
    const std::string lower = test::lower_case(reason);
    EXPECT_EQ(lower.find(test::hex_of(probe.preimage)), std::string::npos) << reason;
    EXPECT_EQ(lower.find(test::hex_of(Harness::root_key_of(probe.challenge.token_id))),
              std::string::npos)
        << reason;
    EXPECT_EQ(lower.find(test::hex_of(test::filled_hash(Harness::kKeyFill))), std::string::npos);
    EXPECT_EQ(lower.find(test::hex_of(test::filled_hash(0x77))), std::string::npos);
  }
}

TEST(AuthorityReasons, HostileBytesInCaveatsAreNotEchoed) {
  Harness harness;
  const test::PaidToken token = harness.buy().value();
  const std::string hostile = std::string("myservice_valid_until=\r\nSet-Cookie: x\0", 38);
  const Verdict verdict =
      harness.verify(test::attenuated(token.macaroon(), hostile), token.preimage, test::target());
  ASSERT_TRUE(IsDenied(verdict, DenialCode::kMalformed));
  for (const char c : verdict.denial().reason) EXPECT_TRUE(c >= 0x20 && c <= 0x7e);
}

// ---- verify_request ---------------------------------------------------------------------------

TEST_F(AuthorityVerify, RequestWithoutCredentialIsNoCredential) {
  const Verdict none = harness_.authority().verify_request({}, test::target(), test::kNow);
  EXPECT_TRUE(IsDenied(none, DenialCode::kNoCredential));
  EXPECT_EQ(none.denial().http_status, 402);
  const HeaderField unrelated[] = {{"Host", "api.example"}, {"Accept", "*/*"}};
  EXPECT_TRUE(IsDenied(harness_.authority().verify_request(unrelated, test::target(), test::kNow),
                       DenialCode::kNoCredential));
  EXPECT_TRUE(IsDenied(harness_.verify_header("Authorization", "Bearer abc.def", test::target()),
                       DenialCode::kNoCredential));
}

TEST_F(AuthorityVerify, RequestWithABrokenCredentialIsMalformed) {
  const Verdict verdict = harness_.verify_header("Authorization", "L402 !!!:00", test::target());
  EXPECT_TRUE(IsDenied(verdict, DenialCode::kMalformed));
  EXPECT_EQ(verdict.denial().http_status, 401);
  EXPECT_FALSE(verdict.denial().reason.empty());
}

TEST_F(AuthorityVerify, RequestIsGrantedInEveryCredentialForm) {
  const std::string header = test::authorization(token().macaroon(), token().preimage);
  EXPECT_TRUE(IsGranted(harness_.verify_header("Authorization", header, test::target())));
  EXPECT_TRUE(IsGranted(harness_.verify_header(
      "authorization", test::authorization(token().macaroon(), token().preimage, {}, "LSAT"),
      test::target())));
  const Macaroon with_preimage =
      test::attenuated(token().macaroon(), "preimage=" + test::hex_of(token().preimage));
  const std::string hex = test::to_hex(to_binary_v2(with_preimage));
  EXPECT_TRUE(IsGranted(harness_.verify_header("Grpc-Metadata-Macaroon", hex, test::target())));
  EXPECT_TRUE(IsGranted(harness_.verify_header("Macaroon", hex, test::target())));
}

TEST_F(AuthorityVerify, RequestCarriesDischargesAfterTheToken) {
  const WithThirdParty stack = add_third_party(token().macaroon(), {"tp_checked=yes"});
  const std::string header = test::authorization(
      stack.macaroon, token().preimage, {stack.macaroon.bind_for_request(stack.discharge)});
  EXPECT_TRUE(IsGranted(harness_.verify_header("Authorization", header, test::target())));
  EXPECT_TRUE(IsDenied(
      harness_.verify_header("Authorization", test::authorization(stack.macaroon, token().preimage),
                             test::target()),
      DenialCode::kBadSignature));
}

// ---- Concurrency ------------------------------------------------------------------------------

TEST_F(AuthorityVerify, VerifiesFromManyThreadsWhileKeysAndRevocationsChange) {
  ASSERT_OK_AND_ASSIGN(const test::PaidToken victim, harness_.buy());
  std::atomic<int> wrong{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 300; ++i) {
        if (!verify(token().macaroon()).granted()) ++wrong;
      }
    });
  }
  std::thread writer([&] {
    for (int i = 0; i < 100 && !done; ++i) {
      harness_.revocations().revoke(victim.challenge.token_id);
      harness_.revocations().unrevoke(victim.challenge.token_id);
      harness_.keyring().rotate(harness_.random()).value();
    }
  });
  for (std::thread& thread : threads) thread.join();
  done = true;
  writer.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace l402
