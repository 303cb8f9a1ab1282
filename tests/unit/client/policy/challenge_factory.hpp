// Challenges for the purchase policy's tests: real macaroons minted by the Authority and real
// BOLT 11 invoices signed by our encoder, honest or hostile on demand.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "l402/authority.hpp"
#include "l402/bolt11.hpp"
#include "l402/crypto.hpp"
#include "l402/encoding.hpp"
#include "l402/keyring.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/secret.hpp"
#include "l402/token.hpp"
#include "l402/token_header.hpp"
#include "test_bytes.hpp"
#include "test_invoice_source.hpp"

namespace l402::test {

inline constexpr std::int64_t kPolicyNow = 1700000000;  // 2023-11-14T22:13:20Z

// What a hand-made invoice says.
struct InvoiceSpec {
  Hash256 payment_hash{};
  Network network = Network::kRegtest;
  std::optional<Msat> amount = Msat(21'000);
  std::uint64_t timestamp = kPolicyNow;
  std::uint64_t expiry = 3600;
};

// An Authority over an in-memory keyring whose invoices come from a TestInvoiceSource
// (regtest, timestamped kPolicyNow), plus builders for hand-made parts.
class ChallengeFactory {
 public:
  ChallengeFactory()
      : invoices_(system_random(), TestInvoiceSource::Options{.network = Network::kRegtest,
                                                              .timestamp = kPolicyNow,
                                                              .min_final_cltv_expiry = 18}),
        authority_(keyring_, revocations_, invoices_, system_random()),
        node_key_(from_hex(kTestNodeKeyHex)) {
    keyring_.add(MasterKey{0x01020304, KeyState::kActive, SecretBytes(std::string(32, 'k'))})
        .value();
  }

  // "myservice" for an hour with read capability, as a gateway would offer it.
  static Offer offer(std::uint64_t valid_for_seconds = 3600) {
    ServiceOffer service;
    service.name = "myservice";
    service.tier = 1;
    service.capabilities = std::vector<std::string>{"read"};
    service.valid_for_seconds = valid_for_seconds;
    Offer out;
    out.services = {service};
    return out;
  }

  // A challenge minted at kPolicyNow for `price`, as the L402 line of a 402 carries it.
  MintedChallenge mint(Msat price, const Offer& offer = ChallengeFactory::offer()) {
    return authority_.mint(offer, price, static_cast<std::uint64_t>(kPolicyNow)).value();
  }

  // A macaroon minted for `payment_hash`, paired with any invoice text.
  MintedChallenge mint_for(const Hash256& payment_hash, std::string invoice,
                           const Offer& offer = ChallengeFactory::offer()) {
    return authority_
        .mint_for_invoice(offer, IssuedInvoice{std::move(invoice), payment_hash},
                          static_cast<std::uint64_t>(kPolicyNow))
        .value();
  }

  // A signed invoice as `spec` says.
  std::string invoice(const InvoiceSpec& spec) const {
    UnsignedInvoice unsigned_invoice;
    unsigned_invoice.network = spec.network;
    unsigned_invoice.amount = spec.amount;
    unsigned_invoice.timestamp = spec.timestamp;
    unsigned_invoice.fields = {
        bolt11_field::payment_hash(spec.payment_hash), bolt11_field::payment_secret(Hash256{}),
        bolt11_field::description("test"), bolt11_field::expiry(spec.expiry)};
    return encode_invoice(unsigned_invoice, node_key_).value();
  }

  // A macaroon and an invoice both for a fresh payment hash, the invoice as `spec` says
  // (its payment_hash is replaced).
  MintedChallenge mint_with_invoice(InvoiceSpec spec) {
    system_random().fill(spec.payment_hash).value();
    return mint_for(spec.payment_hash, invoice(spec));
  }

  // The challenge as parse_challenges() returns it for the L402 line.
  static Challenge challenge(const MintedChallenge& minted) {
    return Challenge{"L402", base64::encode_std(minted.macaroon_binary), minted.invoice, "0"};
  }

  std::optional<Hash256> preimage_of(const Hash256& payment_hash) const {
    return invoices_.preimage_of(payment_hash);
  }

 private:
  InMemoryKeyring keyring_;
  InMemoryRevocationList revocations_;
  TestInvoiceSource invoices_;
  Authority authority_;
  SecretBytes node_key_;
};

}  // namespace l402::test
