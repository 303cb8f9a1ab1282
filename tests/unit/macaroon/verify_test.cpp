// verify_macaroon: the signature chain, caveat checkers, and third-party caveats with their
// discharges (l402-protocol.md 5.2 to 5.4).
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "l402/crypto.hpp"
#include "l402/macaroon.hpp"
#include "test_util.hpp"

namespace l402 {
namespace {

using test::build_discharge;
using test::build_macaroon;
using test::bytes_field;
using test::HasError;
using test::IsOk;

constexpr std::string_view kRootKey = "root key of the verify tests";
constexpr std::string_view kKeyA = "caveat key A";
constexpr std::string_view kKeyB = "caveat key B";

std::string nonce(char fill) { return std::string(secretbox::kNonceSize, fill); }

// HMAC chain computed here from hmac_sha256 alone, for building macaroons by hand.
Hash256 hmac(const Hash256& key, std::string_view message) {
  return hmac_sha256(as_view(key), message);
}
Hash256 hash2(const Hash256& sig, std::string_view vid, std::string_view cid) {
  return hmac(sig, std::string(as_view(hmac(sig, vid))) + std::string(as_view(hmac(sig, cid))));
}

std::vector<std::string> strings(std::initializer_list<const char*> items) {
  return {items.begin(), items.end()};
}

// R: "r = 1", third-party (A), "r = 2".   DA: "a = 1", "a = 2".
struct SimpleStack {
  Macaroon root;
  Macaroon discharge;  // unbound
};

Result<SimpleStack> simple_stack() {
  L402_ASSIGN_OR_RETURN(Macaroon root, Macaroon::mint(kRootKey, "root id", "https://svc/"));
  L402_RETURN_IF_ERROR(root.add_first_party_caveat("r = 1"));
  L402_RETURN_IF_ERROR(
      root.add_third_party_caveat_with_nonce(kKeyA, "A", "https://a/", nonce('\x01')));
  L402_RETURN_IF_ERROR(root.add_first_party_caveat("r = 2"));
  L402_ASSIGN_OR_RETURN(Macaroon discharge, Macaroon::mint(kKeyA, "A", "https://a/"));
  L402_RETURN_IF_ERROR(discharge.add_first_party_caveat("a = 1"));
  L402_RETURN_IF_ERROR(discharge.add_first_party_caveat("a = 2"));
  return SimpleStack{root, discharge};
}

TEST(MacaroonVerify, WrongRootKeyIsUnauthenticated) {
  const nlohmann::json& vector = test::l402_token_vector();
  ASSERT_OK_AND_ASSIGN(const Macaroon token, build_macaroon(vector));
  EXPECT_OK(verify_macaroon(token, bytes_field(vector, "root_key"), {}, nullptr));
  EXPECT_TRUE(HasError(verify_macaroon(token, std::string(32, '\0'), {}, nullptr),
                       ErrorCode::kUnauthenticated));
  // The derived key is not the root key.
  const Hash256 derived = derive_macaroon_key(bytes_field(vector, "root_key"));
  EXPECT_TRUE(
      HasError(verify_macaroon(token, as_view(derived), {}, nullptr), ErrorCode::kUnauthenticated));
}

TEST(MacaroonVerify, EmptyRootKeyFails) {
  ASSERT_OK_AND_ASSIGN(const Macaroon token, build_macaroon(test::l402_token_vector()));
  EXPECT_FALSE(verify_macaroon(token, "", {}, nullptr).ok());
}

TEST(MacaroonVerify, AlteredCaveatOrSignatureIsUnauthenticated) {
  const nlohmann::json& vector = test::l402_token_vector();
  const std::string root_key = bytes_field(vector, "root_key");
  ASSERT_OK_AND_ASSIGN(const Macaroon token, build_macaroon(vector));

  std::vector<Caveat> caveats = token.caveats();
  caveats[0].id = "services=otherservice:0";
  const Macaroon changed_caveat =
      Macaroon::from_parts(token.location(), token.identifier(), caveats, token.signature());
  EXPECT_TRUE(HasError(verify_macaroon(changed_caveat, root_key, {}, nullptr),
                       ErrorCode::kUnauthenticated));

  caveats = token.caveats();
  caveats.pop_back();
  const Macaroon dropped_caveat =
      Macaroon::from_parts(token.location(), token.identifier(), caveats, token.signature());
  EXPECT_TRUE(HasError(verify_macaroon(dropped_caveat, root_key, {}, nullptr),
                       ErrorCode::kUnauthenticated));

  Hash256 signature = token.signature();
  signature[31] ^= 0x80;
  const Macaroon changed_signature =
      Macaroon::from_parts(token.location(), token.identifier(), token.caveats(), signature);
  EXPECT_TRUE(HasError(verify_macaroon(changed_signature, root_key, {}, nullptr),
                       ErrorCode::kUnauthenticated));

  // The location is not signed.
  const Macaroon moved =
      Macaroon::from_parts("elsewhere", token.identifier(), token.caveats(), token.signature());
  EXPECT_OK(verify_macaroon(moved, root_key, {}, nullptr));
}

TEST(MacaroonVerify, CheckerRefusingACaveatHasItsErrorReturned) {
  const nlohmann::json& vector = test::l402_token_vector();
  ASSERT_OK_AND_ASSIGN(const Macaroon token, build_macaroon(vector));
  const CaveatChecker refuse_capabilities = [](std::string_view condition) -> Result<void> {
    if (condition.starts_with("myservice_capabilities=")) {
      return Error(ErrorCode::kPermissionDenied, "refused " + std::string(condition));
    }
    return ok_result();
  };
  const auto result =
      verify_macaroon(token, bytes_field(vector, "root_key"), {}, refuse_capabilities);
  ASSERT_TRUE(HasError(result, ErrorCode::kPermissionDenied));
  EXPECT_NE(result.error().message().find("refused myservice_capabilities=add,subtract"),
            std::string::npos)
      << result.error().message();

  // Any code comes back as it was, not remapped.
  const CaveatChecker unavailable = [](std::string_view) -> Result<void> {
    return Error(ErrorCode::kUnavailable, "clock source down");
  };
  EXPECT_TRUE(HasError(verify_macaroon(token, bytes_field(vector, "root_key"), {}, unavailable),
                       ErrorCode::kUnavailable));
}

TEST(MacaroonVerify, CheckerIsAskedAboutEveryFirstPartyCaveatInOrder) {
  const nlohmann::json& vector = test::l402_token_vector();
  ASSERT_OK_AND_ASSIGN(const Macaroon token, build_macaroon(vector));
  std::vector<std::string> seen;
  const CaveatChecker record = [&seen](std::string_view condition) -> Result<void> {
    seen.emplace_back(condition);
    return ok_result();
  };
  ASSERT_OK_AND_ASSIGN(const std::vector<std::string> returned,
                       verify_macaroon(token, bytes_field(vector, "root_key"), {}, record));
  const std::vector<std::string> expected =
      strings({"services=myservice:0", "myservice_capabilities=add,subtract",
               "myservice_valid_until=4102444800"});
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(returned, expected);
}

TEST(MacaroonVerify, NullCheckerReturnsAllFirstPartyCaveatsInOrderIncludingDischarges) {
  ASSERT_OK_AND_ASSIGN(const SimpleStack stack, simple_stack());
  const std::vector<Macaroon> discharges{stack.root.bind_for_request(stack.discharge)};
  ASSERT_OK_AND_ASSIGN(const std::vector<std::string> conditions,
                       verify_macaroon(stack.root, kRootKey, discharges, nullptr));
  EXPECT_EQ(conditions, strings({"r = 1", "a = 1", "a = 2", "r = 2"}));
}

TEST(MacaroonVerify, CheckerRefusingADischargeCaveatHasItsErrorReturned) {
  ASSERT_OK_AND_ASSIGN(const SimpleStack stack, simple_stack());
  const std::vector<Macaroon> discharges{stack.root.bind_for_request(stack.discharge)};
  const CaveatChecker refuse = [](std::string_view condition) -> Result<void> {
    if (condition == "a = 2") return Error(ErrorCode::kPermissionDenied, "a is not 2");
    return ok_result();
  };
  const auto result = verify_macaroon(stack.root, kRootKey, discharges, refuse);
  ASSERT_TRUE(HasError(result, ErrorCode::kPermissionDenied));
  EXPECT_NE(result.error().message().find("a is not 2"), std::string::npos);
}

TEST(MacaroonVerify, MissingDischargeIsNotFound) {
  ASSERT_OK_AND_ASSIGN(const SimpleStack stack, simple_stack());
  EXPECT_TRUE(HasError(verify_macaroon(stack.root, kRootKey, {}, nullptr), ErrorCode::kNotFound));
  // A discharge for some other caveat does not stand in.
  ASSERT_OK_AND_ASSIGN(const Macaroon other, Macaroon::mint(kKeyA, "not A", "https://a/"));
  const std::vector<Macaroon> discharges{stack.root.bind_for_request(other)};
  EXPECT_FALSE(verify_macaroon(stack.root, kRootKey, discharges, nullptr).ok());
}

TEST(MacaroonVerify, UnusedExtraDischargeIsRejected) {
  ASSERT_OK_AND_ASSIGN(const SimpleStack stack, simple_stack());
  ASSERT_OK_AND_ASSIGN(const Macaroon extra, Macaroon::mint(kKeyB, "unrelated", "https://b/"));
  const std::vector<Macaroon> discharges{stack.root.bind_for_request(stack.discharge),
                                         stack.root.bind_for_request(extra)};
  EXPECT_TRUE(HasError(verify_macaroon(stack.root, kRootKey, discharges, nullptr),
                       ErrorCode::kInvalidArgument));
  // A discharge for a macaroon that has no third-party caveat at all.
  ASSERT_OK_AND_ASSIGN(const Macaroon plain, Macaroon::mint(kRootKey, "plain", ""));
  const std::vector<Macaroon> one{plain.bind_for_request(extra)};
  EXPECT_TRUE(
      HasError(verify_macaroon(plain, kRootKey, one, nullptr), ErrorCode::kInvalidArgument));
}

TEST(MacaroonVerify, TheSameDischargeCannotSatisfyTwoCaveats) {
  // Two third-party caveats with the same caveat id and key: one discharge is used once only.
  ASSERT_OK_AND_ASSIGN(Macaroon root, Macaroon::mint(kRootKey, "root id", ""));
  ASSERT_OK(root.add_third_party_caveat_with_nonce(kKeyA, "A", "", nonce('\x01')));
  ASSERT_OK(root.add_third_party_caveat_with_nonce(kKeyA, "A", "", nonce('\x02')));
  ASSERT_OK_AND_ASSIGN(const Macaroon discharge, Macaroon::mint(kKeyA, "A", ""));
  const std::vector<Macaroon> discharges{root.bind_for_request(discharge)};
  const auto result = verify_macaroon(root, kRootKey, discharges, nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.error().code() == ErrorCode::kInvalidArgument ||
              result.error().code() == ErrorCode::kNotFound)
      << test::describe(result.error());
}

TEST(MacaroonVerify, DischargeCyclesAreRejected) {
  // DA needs a discharge "A" for itself.
  ASSERT_OK_AND_ASSIGN(Macaroon root, Macaroon::mint(kRootKey, "root id", ""));
  ASSERT_OK(root.add_third_party_caveat_with_nonce(kKeyA, "A", "", nonce('\x01')));
  ASSERT_OK_AND_ASSIGN(Macaroon da, Macaroon::mint(kKeyA, "A", ""));
  ASSERT_OK(da.add_third_party_caveat_with_nonce(kKeyA, "A", "", nonce('\x02')));
  std::vector<Macaroon> discharges{root.bind_for_request(da)};
  EXPECT_FALSE(verify_macaroon(root, kRootKey, discharges, nullptr).ok());

  // DA needs B, DB needs A.
  ASSERT_OK_AND_ASSIGN(Macaroon da2, Macaroon::mint(kKeyA, "A", ""));
  ASSERT_OK(da2.add_third_party_caveat_with_nonce(kKeyB, "B", "", nonce('\x03')));
  ASSERT_OK_AND_ASSIGN(Macaroon db, Macaroon::mint(kKeyB, "B", ""));
  ASSERT_OK(db.add_third_party_caveat_with_nonce(kKeyA, "A", "", nonce('\x04')));
  discharges = {root.bind_for_request(da2), root.bind_for_request(db)};
  EXPECT_FALSE(verify_macaroon(root, kRootKey, discharges, nullptr).ok());
}

TEST(MacaroonVerify, UnboundDischargeFails) {
  const nlohmann::json& tv4 = test::macaroon_vector("TV4");
  ASSERT_OK_AND_ASSIGN(const Macaroon root, build_macaroon(tv4));
  ASSERT_OK_AND_ASSIGN(const Macaroon discharge, build_discharge(test::discharge_vector("TV5")));
  const std::vector<Macaroon> unbound{discharge};
  EXPECT_TRUE(HasError(verify_macaroon(root, bytes_field(tv4, "root_key"), unbound, nullptr),
                       ErrorCode::kUnauthenticated));
  const std::vector<Macaroon> bound{root.bind_for_request(discharge)};
  EXPECT_OK(verify_macaroon(root, bytes_field(tv4, "root_key"), bound, nullptr));
}

TEST(MacaroonVerify, DischargeBoundToAnotherRootFails) {
  const nlohmann::json& tv4 = test::macaroon_vector("TV4");
  ASSERT_OK_AND_ASSIGN(const Macaroon root, build_macaroon(tv4));
  ASSERT_OK_AND_ASSIGN(const Macaroon discharge, build_discharge(test::discharge_vector("TV5")));
  ASSERT_OK_AND_ASSIGN(const Macaroon other_root, build_macaroon(test::l402_token_vector()));
  const std::vector<Macaroon> discharges{other_root.bind_for_request(discharge)};
  EXPECT_TRUE(HasError(verify_macaroon(root, bytes_field(tv4, "root_key"), discharges, nullptr),
                       ErrorCode::kUnauthenticated));
}

TEST(MacaroonVerify, DischargeMintedWithTheWrongCaveatKeyFails) {
  const nlohmann::json& tv4 = test::macaroon_vector("TV4");
  const nlohmann::json& tv5 = test::discharge_vector("TV5");
  ASSERT_OK_AND_ASSIGN(const Macaroon root, build_macaroon(tv4));
  ASSERT_OK_AND_ASSIGN(Macaroon forged,
                       Macaroon::mint("not the caveat key", bytes_field(tv5, "identifier"),
                                      tv5.at("location").get<std::string>()));
  ASSERT_OK(forged.add_first_party_caveat("time < 2020-01-01T00:00"));
  const std::vector<Macaroon> discharges{root.bind_for_request(forged)};
  EXPECT_TRUE(HasError(verify_macaroon(root, bytes_field(tv4, "root_key"), discharges, nullptr),
                       ErrorCode::kUnauthenticated));
}

TEST(MacaroonVerify, SealedCaveatKeyThatDoesNotOpenIsUnauthenticated) {
  // A root whose chain is consistent but whose vid was not sealed under the running signature.
  const Hash256 sig0 = hmac(derive_macaroon_key(kRootKey), "root id");
  std::string vid =
      nonce('\x07') + secretbox::seal(std::string(32, 'k'), nonce('\x07'),
                                      std::string(as_view(derive_macaroon_key(kKeyA))));
  const Macaroon root =
      Macaroon::from_parts("", "root id", {Caveat{"A", vid, ""}}, hash2(sig0, vid, "A"));
  ASSERT_OK_AND_ASSIGN(const Macaroon discharge, Macaroon::mint(kKeyA, "A", ""));
  const std::vector<Macaroon> discharges{root.bind_for_request(discharge)};
  EXPECT_TRUE(
      HasError(verify_macaroon(root, kRootKey, discharges, nullptr), ErrorCode::kUnauthenticated));

  // The same done right verifies, so the construction above is sound.
  vid = nonce('\x07') +
        secretbox::seal(as_view(sig0), nonce('\x07'), as_view(derive_macaroon_key(kKeyA)));
  const Macaroon good =
      Macaroon::from_parts("", "root id", {Caveat{"A", vid, ""}}, hash2(sig0, vid, "A"));
  const std::vector<Macaroon> good_discharges{good.bind_for_request(discharge)};
  EXPECT_OK(verify_macaroon(good, kRootKey, good_discharges, nullptr));
}

TEST(MacaroonVerify, SealedCaveatKeyOfTheWrongSizeOrAShortVidFails) {
  const Hash256 sig0 = hmac(derive_macaroon_key(kRootKey), "root id");
  ASSERT_OK_AND_ASSIGN(const Macaroon discharge, Macaroon::mint(kKeyA, "A", ""));
  // The box holds 31 bytes instead of a 32-byte key.
  const std::string short_key = std::string(as_view(derive_macaroon_key(kKeyA))).substr(0, 31);
  const std::string vid31 =
      nonce('\x08') + secretbox::seal(as_view(sig0), nonce('\x08'), short_key);
  const Macaroon root31 =
      Macaroon::from_parts("", "root id", {Caveat{"A", vid31, ""}}, hash2(sig0, vid31, "A"));
  EXPECT_FALSE(verify_macaroon(root31, kRootKey,
                               std::vector<Macaroon>{root31.bind_for_request(discharge)}, nullptr)
                   .ok());
  // A vid shorter than nonce + tag.
  const std::string vid_short(30, '\x01');
  const Macaroon root_short = Macaroon::from_parts("", "root id", {Caveat{"A", vid_short, ""}},
                                                   hash2(sig0, vid_short, "A"));
  EXPECT_FALSE(verify_macaroon(root_short, kRootKey,
                               std::vector<Macaroon>{root_short.bind_for_request(discharge)},
                               nullptr)
                   .ok());
}

struct NestedStack {
  Macaroon root;
  Macaroon da;  // unbound
  Macaroon db;  // unbound
};

// R: "r = 1", third-party A.  DA: "a = 1", third-party B, "a = 2".  DB: "b = 1".
Result<NestedStack> nested_stack() {
  L402_ASSIGN_OR_RETURN(Macaroon root, Macaroon::mint(kRootKey, "root id", "https://svc/"));
  L402_RETURN_IF_ERROR(root.add_first_party_caveat("r = 1"));
  L402_RETURN_IF_ERROR(root.add_third_party_caveat(kKeyA, "A", "https://a/", system_random()));
  L402_ASSIGN_OR_RETURN(Macaroon da, Macaroon::mint(kKeyA, "A", "https://a/"));
  L402_RETURN_IF_ERROR(da.add_first_party_caveat("a = 1"));
  L402_RETURN_IF_ERROR(da.add_third_party_caveat(kKeyB, "B", "https://b/", system_random()));
  L402_RETURN_IF_ERROR(da.add_first_party_caveat("a = 2"));
  L402_ASSIGN_OR_RETURN(Macaroon db, Macaroon::mint(kKeyB, "B", "https://b/"));
  L402_RETURN_IF_ERROR(db.add_first_party_caveat("b = 1"));
  return NestedStack{root, da, db};
}

TEST(MacaroonVerify, NestedThirdPartyCaveatsInADischargeVerify) {
  ASSERT_OK_AND_ASSIGN(const NestedStack s, nested_stack());
  const Macaroon da = s.root.bind_for_request(s.da);
  const Macaroon db = s.root.bind_for_request(s.db);
  ASSERT_OK_AND_ASSIGN(const std::vector<std::string> conditions,
                       verify_macaroon(s.root, kRootKey, std::vector<Macaroon>{da, db}, nullptr));
  EXPECT_EQ(conditions, strings({"r = 1", "a = 1", "b = 1", "a = 2"}));
  // The order of the discharges does not matter.
  EXPECT_OK(verify_macaroon(s.root, kRootKey, std::vector<Macaroon>{db, da}, nullptr));
}

TEST(MacaroonVerify, NestedDischargeMustBeBoundToTheRootNotItsParent) {
  ASSERT_OK_AND_ASSIGN(const NestedStack s, nested_stack());
  const Macaroon da = s.root.bind_for_request(s.da);
  const Macaroon db_to_parent = s.da.bind_for_request(s.db);
  EXPECT_TRUE(
      HasError(verify_macaroon(s.root, kRootKey, std::vector<Macaroon>{da, db_to_parent}, nullptr),
               ErrorCode::kUnauthenticated));
}

TEST(MacaroonVerify, NestedDischargeMissingIsNotFound) {
  ASSERT_OK_AND_ASSIGN(const NestedStack s, nested_stack());
  EXPECT_TRUE(
      HasError(verify_macaroon(s.root, kRootKey,
                               std::vector<Macaroon>{s.root.bind_for_request(s.da)}, nullptr),
               ErrorCode::kNotFound));
}

TEST(MacaroonVerify, RandomNoncesDiffer) {
  ASSERT_OK_AND_ASSIGN(const NestedStack a, nested_stack());
  ASSERT_OK_AND_ASSIGN(const NestedStack b, nested_stack());
  EXPECT_NE(a.root.caveats()[1].verification_id.substr(0, 24),
            b.root.caveats()[1].verification_id.substr(0, 24));
  EXPECT_NE(a.root.signature(), b.root.signature());
}

}  // namespace
}  // namespace l402
