// Authority::mint and mint_for_invoice: token ID layout, root-key derivation, the exact caveats
// and their order, determinism, offer validation, and errors from the invoice and random
// sources.
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "l402/bolt11.hpp"
#include "test_util.hpp"

namespace l402 {
namespace {

using test::HasError;
using test::HasErrorMentioning;
using test::IsOk;
using Strings = std::vector<std::string>;
using test::caveat_ids;

TEST(AuthorityMint, WritesTheStandardOffersCaveatsInOrder) {
  test::Harness harness;
  ASSERT_OK_AND_ASSIGN(const MintedChallenge minted,
                       harness.authority().mint(test::standard_offer(), Msat(21000), test::kNow));
  EXPECT_EQ(caveat_ids(minted.macaroon),
            (Strings{"services=myservice:1,other:0", "myservice_capabilities=read,write",
                     "myservice_max_requests=1000", "myservice_valid_until=1700003600"}));
  for (const Caveat& caveat : minted.macaroon.caveats()) EXPECT_TRUE(caveat.is_first_party());
}

TEST(AuthorityMint, GroupsEachServicesCaveatsAfterTheServicesList) {
  Offer offer;
  ServiceOffer a = test::service_offer("a", 2);
  a.capabilities = Strings{"x"};
  a.constraints = {{"a_max", "5"}, {"a_region", "eu=west"}};
  a.valid_for_seconds = 60;
  ServiceOffer b = test::service_offer("b", 255);
  b.capabilities = Strings{"y", "z"};
  b.constraints = {{"b_max", "7"}};
  b.valid_for_seconds = 1;
  offer.services = {a, b};
  test::Harness harness;
  ASSERT_OK_AND_ASSIGN(const MintedChallenge minted,
                       harness.authority().mint(offer, Msat(1000), 100));
  EXPECT_EQ(caveat_ids(minted.macaroon),
            (Strings{"services=a:2,b:255", "a_capabilities=x", "a_max=5", "a_region=eu=west",
                     "a_valid_until=160", "b_capabilities=y,z", "b_max=7", "b_valid_until=101"}));
}

TEST(AuthorityMint, WritesAnEmptyCapabilitiesCaveatForAnEmptyList) {
  Offer offer;
  offer.services = {test::service_offer("s")};
  offer.services[0].capabilities = Strings{};
  test::Harness harness;
  ASSERT_OK_AND_ASSIGN(const MintedChallenge minted,
                       harness.authority().mint(offer, Msat(1000), test::kNow));
  EXPECT_EQ(caveat_ids(minted.macaroon), (Strings{"services=s:0", "s_capabilities="}));
}

TEST(AuthorityMint, WritesOnlyTheServicesCaveatForABareService) {
  Offer offer;
  offer.services = {test::service_offer("s")};
  test::Harness harness;
  ASSERT_OK_AND_ASSIGN(const MintedChallenge minted,
                       harness.authority().mint(offer, Msat(1000), test::kNow));
  EXPECT_EQ(caveat_ids(minted.macaroon), Strings{"services=s:0"});
}

TEST(AuthorityMint, TokenIdIsTheKeyIdThenTwentyEightRandomBytes) {
  test::Harness harness;
  ASSERT_OK_AND_ASSIGN(const MintedChallenge minted,
                       harness.authority().mint(test::standard_offer(), Msat(1), test::kNow));
  EXPECT_EQ(minted.key_id, test::Harness::kKeyId);
  EXPECT_EQ(key_id_of(minted.token_id), test::Harness::kKeyId);
  // The harness's Authority draws from DeterministicRandom(1); the token ID is its first use.
  test::DeterministicRandom same(1);
  std::array<std::uint8_t, 28> expected{};
  ASSERT_OK(same.fill(expected));
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), minted.token_id.begin() + 4));
}

TEST(AuthorityMint, IdentifierCarriesTheInvoicesPaymentHash) {
  test::Harness harness;
  ASSERT_OK_AND_ASSIGN(const MintedChallenge minted,
                       harness.authority().mint(test::standard_offer(), Msat(21000), test::kNow));
  ASSERT_OK_AND_ASSIGN(const Identifier identifier,
                       decode_identifier(minted.macaroon.identifier()));
  EXPECT_EQ(identifier.version, 0);
  EXPECT_EQ(identifier.payment_hash, minted.payment_hash);
  EXPECT_EQ(identifier.token_id, minted.token_id);

  ASSERT_OK_AND_ASSIGN(const Invoice invoice, decode_invoice(minted.invoice));
  EXPECT_EQ(invoice.payment_hash, minted.payment_hash);
  EXPECT_EQ(invoice.network, Network::kRegtest);
  EXPECT_EQ(invoice.amount, Msat(21000));
  EXPECT_EQ(invoice.description, "L402 test");
  EXPECT_EQ(invoice.expiry, 3600u);
  EXPECT_EQ(invoice.payee, harness.invoices().node_id());
  // The invoice is payable: its preimage is known to the (test) node.
  const std::optional<Hash256> preimage = harness.invoices().preimage_of(minted.payment_hash);
  ASSERT_TRUE(preimage.has_value());
  EXPECT_EQ(sha256(as_view(*preimage)), minted.payment_hash);
}

TEST(AuthorityMint, AsksTheInvoiceSourceForThePriceMemoAndExpiry) {
  test::Harness harness;
  Offer offer = test::standard_offer();
  offer.invoice_memo = "one month of myservice";
  offer.invoice_expiry_seconds = 600;
  ASSERT_OK(harness.authority().mint(offer, Msat(5000000), test::kNow));
  const std::vector<InvoiceRequest> requests = harness.invoices().requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].amount, Msat(5000000));
  EXPECT_EQ(requests[0].memo, "one month of myservice");
  EXPECT_EQ(requests[0].expiry_seconds, 600u);
}

TEST(AuthorityMint, MintForInvoiceUsesTheCallersInvoiceAndCreatesNone) {
  test::Harness harness;
  const IssuedInvoice invoice{"lnbcrt1invoice-made-elsewhere", test::filled_hash(0x5e)};
  ASSERT_OK_AND_ASSIGN(
      const MintedChallenge minted,
      harness.authority().mint_for_invoice(test::standard_offer(), invoice, test::kNow));
  EXPECT_EQ(minted.invoice, invoice.bolt11);
  EXPECT_EQ(minted.payment_hash, invoice.payment_hash);
  EXPECT_EQ(decode_identifier(minted.macaroon.identifier())->payment_hash, invoice.payment_hash);
  EXPECT_EQ(harness.invoices().issued(), 0u);
}

TEST(AuthorityMint, RootKeyIsDerivedFromTheMasterKey) {
  test::Harness harness;
  ASSERT_OK_AND_ASSIGN(const MintedChallenge minted,
                       harness.authority().mint(test::standard_offer(), Msat(1), test::kNow));
  const Hash256 root_key = test::Harness::root_key_of(minted.token_id);
  ASSERT_OK_AND_ASSIGN(const Strings caveats,
                       verify_macaroon(minted.macaroon, as_view(root_key), {}, nullptr));
  EXPECT_EQ(caveats, caveat_ids(minted.macaroon));
  const Hash256 other = test::expected_root_key(0x12, minted.token_id);
  EXPECT_TRUE(HasError(verify_macaroon(minted.macaroon, as_view(other), {}, nullptr),
                       ErrorCode::kUnauthenticated));
}

TEST(AuthorityMint, IsDeterministicForAFixedRandomSource) {
  const IssuedInvoice invoice{"lnbcrt1fixed", test::filled_hash(0x33)};
  test::Harness first(AuthorityOptions{}, /*seed=*/42);
  test::Harness second(AuthorityOptions{}, /*seed=*/42);
  test::Harness third(AuthorityOptions{}, /*seed=*/43);
  ASSERT_OK_AND_ASSIGN(const MintedChallenge a, first.authority().mint_for_invoice(
                                                    test::standard_offer(), invoice, test::kNow));
  ASSERT_OK_AND_ASSIGN(const MintedChallenge b, second.authority().mint_for_invoice(
                                                    test::standard_offer(), invoice, test::kNow));
  ASSERT_OK_AND_ASSIGN(const MintedChallenge c, third.authority().mint_for_invoice(
                                                    test::standard_offer(), invoice, test::kNow));
  EXPECT_EQ(a.macaroon_binary, b.macaroon_binary);
  EXPECT_EQ(a.macaroon, b.macaroon);
  EXPECT_EQ(a.token_id, b.token_id);
  EXPECT_NE(a.token_id, c.token_id);
  EXPECT_NE(a.macaroon.signature(), c.macaroon.signature());
  // And the next token of the same Authority is another one.
  ASSERT_OK_AND_ASSIGN(const MintedChallenge d, first.authority().mint_for_invoice(
                                                    test::standard_offer(), invoice, test::kNow));
  EXPECT_NE(a.token_id, d.token_id);
}

TEST(AuthorityMint, WholeChallengesAreReproducible) {
  // Invoices too: the test node's randomness and timestamp are fixed.
  test::Harness first(AuthorityOptions{}, /*seed=*/5);
  test::Harness second(AuthorityOptions{}, /*seed=*/5);
  ASSERT_OK_AND_ASSIGN(const MintedChallenge a,
                       first.authority().mint(test::standard_offer(), Msat(1000), test::kNow));
  ASSERT_OK_AND_ASSIGN(const MintedChallenge b,
                       second.authority().mint(test::standard_offer(), Msat(1000), test::kNow));
  EXPECT_EQ(a.invoice, b.invoice);
  EXPECT_EQ(a.macaroon_binary, b.macaroon_binary);
}

TEST(AuthorityMint, MacaroonBinaryIsTheV2FormAtTheConfiguredLocation) {
  test::Harness harness;
  ASSERT_OK_AND_ASSIGN(const MintedChallenge minted,
                       harness.authority().mint(test::standard_offer(), Msat(1), test::kNow));
  EXPECT_EQ(minted.macaroon.location(), "lsat");
  EXPECT_EQ(minted.macaroon_binary, to_binary_v2(minted.macaroon));
  ASSERT_OK_AND_ASSIGN(const Macaroon parsed, parse_binary(minted.macaroon_binary));
  EXPECT_EQ(parsed, minted.macaroon);

  AuthorityOptions options;
  options.location = "https://api.example/";
  test::Harness located(options);
  ASSERT_OK_AND_ASSIGN(const MintedChallenge other,
                       located.authority().mint(test::standard_offer(), Msat(1), test::kNow));
  EXPECT_EQ(other.macaroon.location(), "https://api.example/");
}

TEST(AuthorityMint, HeaderValuesCarryTheMacaroonAndInvoice) {
  test::Harness harness;
  ASSERT_OK_AND_ASSIGN(const MintedChallenge minted,
                       harness.authority().mint(test::standard_offer(), Msat(1), test::kNow));
  const std::string macaroon = base64::encode_std(minted.macaroon_binary);
  const std::vector<std::string> aperture = minted.header_values();
  ASSERT_EQ(aperture.size(), 2u);
  EXPECT_EQ(aperture,
            format_challenge(minted.macaroon_binary, minted.invoice, ChallengeStyle::kAperture));
  const std::vector<std::string> spec = minted.header_values(ChallengeStyle::kSpec);
  ASSERT_EQ(spec.size(), 1u);
  for (const std::string& value : aperture) {
    EXPECT_NE(value.find(macaroon), std::string::npos) << value;
    EXPECT_NE(value.find(minted.invoice), std::string::npos) << value;
  }
  EXPECT_EQ(spec[0].rfind("L402 ", 0), 0u) << spec[0];
}

TEST(AuthorityMint, FailsWithoutAnActiveKeyBeforeMakingAnInvoice) {
  test::Harness harness;
  ASSERT_OK(harness.keyring().set_state(test::Harness::kKeyId, KeyState::kVerifyOnly));
  EXPECT_TRUE(
      HasErrorMentioning(harness.authority().mint(test::standard_offer(), Msat(1), test::kNow),
                         ErrorCode::kFailedPrecondition, "active"));
  EXPECT_EQ(harness.invoices().issued(), 0u);
  EXPECT_TRUE(HasError(harness.authority().mint_for_invoice(test::standard_offer(),
                                                            IssuedInvoice{"x", {}}, test::kNow),
                       ErrorCode::kFailedPrecondition));
}

TEST(AuthorityMint, PropagatesTheInvoiceSourcesError) {
  InMemoryKeyring keyring;
  ASSERT_OK(keyring.add(MasterKey{1, KeyState::kActive, test::master_key_bytes(1)}));
  InMemoryRevocationList revocations;
  test::FailingInvoiceSource invoices;
  test::DeterministicRandom random(1);
  const Authority authority(keyring, revocations, invoices, random);
  EXPECT_TRUE(HasErrorMentioning(authority.mint(test::standard_offer(), Msat(1), test::kNow),
                                 ErrorCode::kUnavailable, "unreachable"));
  EXPECT_EQ(invoices.calls(), 1u);
}

TEST(AuthorityMint, PropagatesARandomSourceFailure) {
  InMemoryKeyring keyring;
  ASSERT_OK(keyring.add(MasterKey{1, KeyState::kActive, test::master_key_bytes(1)}));
  InMemoryRevocationList revocations;
  test::TestInvoiceSource invoices;
  test::FailingRandom random;
  const Authority authority(keyring, revocations, invoices, random);
  EXPECT_TRUE(HasErrorMentioning(
      authority.mint_for_invoice(test::standard_offer(), IssuedInvoice{"x", {}}, test::kNow),
      ErrorCode::kInternal, "exhausted"));
}

struct BadOffer {
  const char* name;
  std::function<void(Offer&)> spoil;
  const char* mentions;
};

TEST(AuthorityMint, RejectsBadOffersBeforeMakingAnInvoice) {
  const std::vector<BadOffer> cases = {
      {"no service", [](Offer& o) { o.services.clear(); }, "no service"},
      {"empty name", [](Offer& o) { o.services[0].name = ""; }, "empty name"},
      {"comma in name", [](Offer& o) { o.services[0].name = "a,b"; }, "\"a,b\""},
      {"colon in name", [](Offer& o) { o.services[0].name = "a:b"; }, "\"a:b\""},
      {"equals in name", [](Offer& o) { o.services[0].name = "a=b"; }, "\"a=b\""},
      {"newline in name", [](Offer& o) { o.services[0].name = "a\nb"; }, "control"},
      {"NUL in name", [](Offer& o) { o.services[0].name = std::string("a\0b", 3); }, "control"},
      {"DEL in name", [](Offer& o) { o.services[0].name = "a\x7f"; }, "control"},
      {"service twice", [](Offer& o) { o.services[1].name = o.services[0].name; }, "twice"},
      {"empty capability",
       [](Offer& o) {
         o.services[0].capabilities = Strings{"read", ""};
       },
       "capability"},
      {"comma in capability", [](Offer& o) { o.services[0].capabilities = Strings{"a,b"}; },
       "capability"},
      {"control in capability", [](Offer& o) { o.services[0].capabilities = Strings{"a\tb"}; },
       "capability"},
      {"empty constraint",
       [](Offer& o) {
         o.services[0].constraints = {{"", "1"}};
       },
       "constraint"},
      {"equals in constraint",
       [](Offer& o) {
         o.services[0].constraints = {{"a=b", "1"}};
       },
       "constraint"},
      {"expiry overflows int64",
       [](Offer& o) {
         o.services[0].valid_for_seconds =
             static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
       },
       "valid_for_seconds"},
      {"expiry overflows uint64",
       [](Offer& o) {
         o.services[1].valid_for_seconds = std::numeric_limits<std::uint64_t>::max();
       },
       "valid_for_seconds"},
  };
  for (const BadOffer& bad : cases) {
    SCOPED_TRACE(bad.name);
    test::Harness harness;
    Offer offer = test::standard_offer();
    bad.spoil(offer);
    EXPECT_TRUE(HasErrorMentioning(harness.authority().mint(offer, Msat(1), test::kNow),
                                   ErrorCode::kInvalidArgument, bad.mentions));
    EXPECT_TRUE(
        HasError(harness.authority().mint_for_invoice(offer, IssuedInvoice{"x", {}}, test::kNow),
                 ErrorCode::kInvalidArgument));
    EXPECT_EQ(harness.invoices().issued(), 0u);
  }
}

TEST(AuthorityMint, ExpiryMayReachTheLastInt64Second) {
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  Offer offer;
  offer.services = {test::service_offer("s")};
  offer.services[0].valid_for_seconds = 10;
  test::Harness harness;
  ASSERT_OK_AND_ASSIGN(const MintedChallenge minted, harness.authority().mint_for_invoice(
                                                         offer, IssuedInvoice{"x", {}}, kMax - 10));
  EXPECT_EQ(minted.macaroon.caveats().back().id, "s_valid_until=9223372036854775807");
  EXPECT_TRUE(
      HasError(harness.authority().mint_for_invoice(offer, IssuedInvoice{"x", {}}, kMax - 9),
               ErrorCode::kInvalidArgument));
  // Without an expiry, the clock does not matter.
  offer.services[0].valid_for_seconds = 0;
  EXPECT_TRUE(IsOk(harness.authority().mint_for_invoice(
      offer, IssuedInvoice{"x", {}}, std::numeric_limits<std::uint64_t>::max())));
}

TEST(AuthorityMint, RefusesAnOfferWhoseTokenWouldNotFitTheHeaderLimits) {
  // Everything minted must also parse from a request: 70 caveats exceed max_caveats (64).
  Offer offer;
  ServiceOffer service = test::service_offer("s");
  for (int i = 0; i < 70; ++i) service.constraints.emplace_back("s_c" + std::to_string(i), "1");
  offer.services = {service};
  test::Harness harness;
  EXPECT_TRUE(HasErrorMentioning(
      harness.authority().mint_for_invoice(offer, IssuedInvoice{"x", {}}, test::kNow),
      ErrorCode::kInvalidArgument, "max_caveats"));

  // With larger limits the same offer mints.
  AuthorityOptions options;
  options.limits.macaroon.max_caveats = 100;
  test::Harness roomy(options);
  EXPECT_TRUE(IsOk(roomy.authority().mint_for_invoice(offer, IssuedInvoice{"x", {}}, test::kNow)));
}

}  // namespace
}  // namespace l402
