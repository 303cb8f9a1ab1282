// plan_purchase: what an accepted plan holds, and every refusal reason, with macaroons minted
// by the Authority and invoices signed by our BOLT 11 encoder.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "challenge_factory.hpp"
#include "l402/purchase_policy.hpp"

namespace l402 {
namespace {

using test::ChallengeFactory;
using test::InvoiceSpec;
using test::kPolicyNow;

constexpr Network kWallet = Network::kRegtest;

PurchaseDecision plan(const std::vector<Challenge>& challenges, std::int64_t now = kPolicyNow,
                      const Budget& budget = {}, const SpentToday& spent = {}) {
  return plan_purchase(challenges, kWallet, now, budget, spent);
}

::testing::AssertionResult IsRefused(const PurchaseDecision& decision, Refusal reason) {
  if (decision.approved()) {
    return ::testing::AssertionFailure()
           << "expected refusal " << refusal_name(reason) << " but the purchase was approved";
  }
  if (decision.refusal().reason != reason) {
    return ::testing::AssertionFailure()
           << "expected refusal " << refusal_name(reason) << " but got "
           << refusal_name(decision.refusal().reason) << ": " << decision.refusal().message;
  }
  return ::testing::AssertionSuccess();
}

std::string message_of(const PurchaseDecision& decision) {
  return decision.approved() ? std::string() : decision.refusal().message;
}

TEST(PlanPurchase, ApprovesAChallengeMintedByTheAuthorityWithEverythingDecoded) {
  ChallengeFactory factory;
  const MintedChallenge minted = factory.mint(Msat(21'000));
  const PurchaseDecision decision = plan({ChallengeFactory::challenge(minted)});
  ASSERT_TRUE(decision.approved()) << message_of(decision);
  const PurchasePlan& p = decision.plan();
  EXPECT_EQ(p.challenge_index, 0U);
  EXPECT_EQ(p.amount, Msat(21'000));
  EXPECT_EQ(p.identifier.payment_hash, minted.payment_hash);
  EXPECT_EQ(p.identifier.token_id, minted.token_id);
  EXPECT_EQ(p.token_id, hex::encode(minted.token_id));
  EXPECT_EQ(p.invoice.payment_hash, minted.payment_hash);
  EXPECT_EQ(p.macaroon, minted.macaroon);
  EXPECT_EQ(p.macaroon_base64, base64::encode_std(minted.macaroon_binary));
  EXPECT_EQ(p.service, "myservice");
  ASSERT_EQ(p.services.size(), 1U);
  EXPECT_EQ(p.services[0].tier, 1);
  EXPECT_EQ(p.invoice_expires_at, kPolicyNow + 3600);
  EXPECT_EQ(p.token_expires_at, kPolicyNow + 3600);
  EXPECT_EQ(p.max_fee, Msat(10'000));  // max(10 sat, 1% of 21 sat)
}

TEST(PlanPurchase, LeavesServiceEmptyAndNoExpiryForATokenWithoutCaveats) {
  ChallengeFactory factory;
  InvoiceSpec spec;
  system_random().fill(spec.payment_hash).value();
  const std::string invoice = factory.invoice(spec);
  // A bare macaroon: the identifier only, as some servers mint.
  const Macaroon bare =
      Macaroon::mint("root", encode_identifier({0, spec.payment_hash, Hash256{}}), "lsat").value();
  const Challenge challenge{"L402", base64::encode_std(to_binary_v2(bare)), invoice, std::nullopt};
  const PurchaseDecision decision = plan({challenge});
  ASSERT_TRUE(decision.approved()) << message_of(decision);
  EXPECT_EQ(decision.plan().service, "");
  EXPECT_TRUE(decision.plan().services.empty());
  EXPECT_EQ(decision.plan().token_expires_at, std::nullopt);
}

TEST(PlanPurchase, ReadsTheLastValidUntilOfTheFirstServiceAfterAttenuation) {
  ChallengeFactory factory;
  MintedChallenge minted = factory.mint(Msat(1000));
  minted.macaroon.add_first_party_caveat("myservice_valid_until=1700000100").value();
  minted.macaroon_binary = to_binary_v2(minted.macaroon);
  const PurchaseDecision decision = plan({ChallengeFactory::challenge(minted)});
  ASSERT_TRUE(decision.approved()) << message_of(decision);
  EXPECT_EQ(decision.plan().token_expires_at, 1700000100);
}

TEST(PlanPurchase, TakesTheFirstOfAperturesLsatAndL402Pair) {
  ChallengeFactory factory;
  const MintedChallenge minted = factory.mint(Msat(1000));
  const std::vector<std::string> values = minted.header_values(ChallengeStyle::kAperture);
  std::vector<std::string_view> views(values.begin(), values.end());
  const std::vector<Challenge> challenges = parse_challenges(views).value();
  ASSERT_EQ(challenges.size(), 2U);
  const PurchaseDecision decision = plan(challenges);
  ASSERT_TRUE(decision.approved()) << message_of(decision);
  EXPECT_EQ(decision.plan().challenge_index, 0U);
  EXPECT_EQ(decision.plan().challenge.scheme, "LSAT");
}

TEST(PlanPurchase, SkipsARefusedChallengeAndTakesALaterAcceptableOne) {
  ChallengeFactory factory;
  const MintedChallenge mainnet = factory.mint_with_invoice({.network = Network::kBitcoin});
  const MintedChallenge good = factory.mint(Msat(1000));
  const PurchaseDecision decision =
      plan({ChallengeFactory::challenge(mainnet), ChallengeFactory::challenge(good)});
  ASSERT_TRUE(decision.approved()) << message_of(decision);
  EXPECT_EQ(decision.plan().challenge_index, 1U);
  EXPECT_EQ(decision.plan().identifier.payment_hash, good.payment_hash);
}

TEST(PlanPurchase, ReportsTheFirstRefusalWhenNoChallengeIsAcceptable) {
  ChallengeFactory factory;
  const MintedChallenge mainnet = factory.mint_with_invoice({.network = Network::kBitcoin});
  const MintedChallenge any_amount = factory.mint_with_invoice({.amount = std::nullopt});
  const PurchaseDecision decision =
      plan({ChallengeFactory::challenge(mainnet), ChallengeFactory::challenge(any_amount)});
  EXPECT_TRUE(IsRefused(decision, Refusal::kWrongNetwork));
  EXPECT_EQ(decision.refusal().challenge_index, 0U);
}

TEST(PlanPurchase, RefusesAnEmptyChallengeListAsBadChallenge) {
  const PurchaseDecision decision = plan({});
  EXPECT_TRUE(IsRefused(decision, Refusal::kBadChallenge));
  EXPECT_NE(message_of(decision).find("no L402 challenge"), std::string::npos);
}

TEST(PlanPurchase, RefusesAMacaroonThatIsNotBase64) {
  ChallengeFactory factory;
  Challenge challenge = ChallengeFactory::challenge(factory.mint(Msat(1000)));
  challenge.macaroon_base64 = "not base64!";
  EXPECT_TRUE(IsRefused(plan({challenge}), Refusal::kBadChallenge));
}

TEST(PlanPurchase, RefusesBase64ThatIsNotAMacaroon) {
  ChallengeFactory factory;
  Challenge challenge = ChallengeFactory::challenge(factory.mint(Msat(1000)));
  challenge.macaroon_base64 = base64::encode_std("\x02garbage that is no macaroon");
  EXPECT_TRUE(IsRefused(plan({challenge}), Refusal::kBadChallenge));
}

TEST(PlanPurchase, RefusesAnOverlongMacaroon) {
  ChallengeFactory factory;
  Challenge challenge = ChallengeFactory::challenge(factory.mint(Msat(1000)));
  challenge.macaroon_base64 = std::string(100'000, 'A');
  const PurchaseDecision decision = plan({challenge});
  EXPECT_TRUE(IsRefused(decision, Refusal::kBadChallenge));
  EXPECT_NE(message_of(decision).find("longer than"), std::string::npos);
}

TEST(PlanPurchase, RefusesAnIdentifierOfVersionOne) {
  ChallengeFactory factory;
  InvoiceSpec spec;
  system_random().fill(spec.payment_hash).value();
  std::string identifier = encode_identifier({0, spec.payment_hash, Hash256{}});
  identifier[1] = 1;  // version 1, big-endian
  const Macaroon macaroon = Macaroon::mint("root", identifier, "lsat").value();
  const Challenge challenge{"L402", base64::encode_std(to_binary_v2(macaroon)),
                            factory.invoice(spec), "0"};
  const PurchaseDecision decision = plan({challenge});
  EXPECT_TRUE(IsRefused(decision, Refusal::kBadChallenge));
  EXPECT_NE(message_of(decision).find("version"), std::string::npos);
}

TEST(PlanPurchase, RefusesAnUndecodableInvoice) {
  ChallengeFactory factory;
  Challenge challenge = ChallengeFactory::challenge(factory.mint(Msat(1000)));
  challenge.invoice = "lnbcrt1garbage";
  EXPECT_TRUE(IsRefused(plan({challenge}), Refusal::kBadChallenge));
}

TEST(PlanPurchase, RefusesAnInvoiceAlteredInTransit) {
  ChallengeFactory factory;
  Challenge challenge = ChallengeFactory::challenge(factory.mint(Msat(1000)));
  // Change one data character before the checksum: the bech32 checksum then fails.
  char& c = challenge.invoice[challenge.invoice.size() - 10];
  c = c == 'q' ? 'p' : 'q';
  EXPECT_TRUE(IsRefused(plan({challenge}), Refusal::kBadChallenge));
}

TEST(PlanPurchase, RefusesAnUnknownChallengeVersion) {
  ChallengeFactory factory;
  Challenge challenge = ChallengeFactory::challenge(factory.mint(Msat(1000)));
  challenge.version = "1";
  EXPECT_TRUE(IsRefused(plan({challenge}), Refusal::kBadChallenge));
}

TEST(PlanPurchase, RefusesAMalformedServicesCaveat) {
  ChallengeFactory factory;
  MintedChallenge minted = factory.mint(Msat(1000));
  minted.macaroon.add_first_party_caveat("services=:oops").value();
  minted.macaroon_binary = to_binary_v2(minted.macaroon);
  EXPECT_TRUE(IsRefused(plan({ChallengeFactory::challenge(minted)}), Refusal::kBadChallenge));
}

TEST(PlanPurchase, RefusesAnInvoiceForAnotherPaymentHash) {
  ChallengeFactory factory;
  const MintedChallenge honest = factory.mint(Msat(1000));
  Hash256 other{};
  system_random().fill(other).value();
  const MintedChallenge hostile = factory.mint_for(other, honest.invoice);
  const PurchaseDecision decision = plan({ChallengeFactory::challenge(hostile)});
  EXPECT_TRUE(IsRefused(decision, Refusal::kHashMismatch));
  EXPECT_NE(message_of(decision).find(hex::encode(other)), std::string::npos);
}

TEST(PlanPurchase, RefusesAMainnetInvoiceForARegtestWallet) {
  ChallengeFactory factory;
  const MintedChallenge minted = factory.mint_with_invoice({.network = Network::kBitcoin});
  const PurchaseDecision decision = plan({ChallengeFactory::challenge(minted)});
  EXPECT_TRUE(IsRefused(decision, Refusal::kWrongNetwork));
  EXPECT_NE(message_of(decision).find("bitcoin"), std::string::npos);
  EXPECT_NE(message_of(decision).find("regtest"), std::string::npos);
}

TEST(PlanPurchase, RefusesAnInvoiceAtItsExpiryButNotASecondBefore) {
  ChallengeFactory factory;
  const MintedChallenge minted = factory.mint_with_invoice({.expiry = 60});
  const std::vector<Challenge> challenges{ChallengeFactory::challenge(minted)};
  EXPECT_TRUE(plan(challenges, kPolicyNow + 59).approved());
  EXPECT_TRUE(IsRefused(plan(challenges, kPolicyNow + 60), Refusal::kInvoiceExpired));
}

TEST(PlanPurchase, RefusesATokenThatHasExpiredAlready) {
  ChallengeFactory factory;
  const MintedChallenge minted = factory.mint(Msat(1000), ChallengeFactory::offer(60));
  const std::vector<Challenge> challenges{ChallengeFactory::challenge(minted)};
  EXPECT_TRUE(plan(challenges, kPolicyNow + 59).approved());
  EXPECT_TRUE(IsRefused(plan(challenges, kPolicyNow + 60), Refusal::kTokenExpired));
}

TEST(PlanPurchase, RefusesAnAnyAmountInvoice) {
  ChallengeFactory factory;
  const MintedChallenge minted = factory.mint_with_invoice({.amount = std::nullopt});
  EXPECT_TRUE(IsRefused(plan({ChallengeFactory::challenge(minted)}), Refusal::kNoAmount));
}

TEST(PlanPurchase, RefusalNamesAreStable) {
  EXPECT_EQ(refusal_name(Refusal::kBadChallenge), "bad_challenge");
  EXPECT_EQ(refusal_name(Refusal::kHashMismatch), "hash_mismatch");
  EXPECT_EQ(refusal_name(Refusal::kWrongNetwork), "wrong_network");
  EXPECT_EQ(refusal_name(Refusal::kInvoiceExpired), "invoice_expired");
  EXPECT_EQ(refusal_name(Refusal::kTokenExpired), "token_expired");
  EXPECT_EQ(refusal_name(Refusal::kNoAmount), "no_amount");
  EXPECT_EQ(refusal_name(Refusal::kOverMaxPrice), "over_max_price");
  EXPECT_EQ(refusal_name(Refusal::kOverHostBudget), "over_host_budget");
  EXPECT_EQ(refusal_name(Refusal::kOverTotalBudget), "over_total_budget");
}

TEST(MakePendingPurchase, CopiesThePlanAndDropsTheQueryFromThePath) {
  ChallengeFactory factory;
  const MintedChallenge minted = factory.mint(Msat(5000));
  const PurchaseDecision decision = plan({ChallengeFactory::challenge(minted)});
  ASSERT_TRUE(decision.approved());
  const PendingPurchase pending = make_pending_purchase(decision.plan(), "https://api.example:443",
                                                        "/v1/items?page=2#top", kPolicyNow + 5);
  EXPECT_EQ(pending.payment_hash, minted.payment_hash);
  EXPECT_EQ(pending.token_id, hex::encode(minted.token_id));
  EXPECT_EQ(pending.invoice, minted.invoice);
  EXPECT_EQ(pending.macaroon_base64, base64::encode_std(minted.macaroon_binary));
  EXPECT_EQ(pending.origin, "https://api.example:443");
  EXPECT_EQ(pending.service, "myservice");
  EXPECT_EQ(pending.path, "/v1/items");
  EXPECT_EQ(pending.amount, Msat(5000));
  EXPECT_EQ(pending.max_fee, decision.plan().max_fee);
  EXPECT_EQ(pending.started_at, kPolicyNow + 5);
  EXPECT_EQ(pending.expires_at, kPolicyNow + 3600);
  EXPECT_EQ(make_pending_purchase(decision.plan(), "o", "?x", 0).path, "/");
}

}  // namespace
}  // namespace l402
