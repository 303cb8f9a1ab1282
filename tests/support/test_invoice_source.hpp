// Invoice sources for tests.
//
// TestInvoiceSource issues REAL signed BOLT 11 invoices (regtest by default, signed with a
// fixed node key) with a fresh random preimage each, and remembers every preimage, so a test
// can "pay" an invoice by looking the preimage of its payment hash up. FailingInvoiceSource is
// a Lightning backend that cannot be reached.
//
// Thread safety: both are safe from any thread (the RandomSource given to TestInvoiceSource
// is used under its lock).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "l402/authority.hpp"
#include "l402/bolt11.hpp"
#include "l402/crypto.hpp"
#include "l402/result.hpp"
#include "l402/secret.hpp"
#include "test_bytes.hpp"

namespace l402::test {

// The node key of the BOLT 11 spec's examples: any valid secp256k1 key would do.
inline constexpr std::string_view kTestNodeKeyHex =
    "e126f68f7eafcc8b74f54d269fe206be715000f94dac067d1c04a8ca3b2db734";

class TestInvoiceSource final : public InvoiceSource {
 public:
  struct Options {
    Network network = Network::kRegtest;
    // The invoices' timestamp (BOLT 11 `timestamp`): fixed, so that a deterministic random
    // source gives the same invoices on every run.
    std::uint64_t timestamp = 1700000000;
    std::uint64_t min_final_cltv_expiry = 18;
  };

  // `random` must outlive the source; it supplies preimages and payment secrets.
  explicit TestInvoiceSource(RandomSource& random = system_random())
      : TestInvoiceSource(random, Options()) {}
  TestInvoiceSource(RandomSource& random, Options options)
      : random_(random), options_(options), node_key_(from_hex(kTestNodeKeyHex)) {}

  Result<IssuedInvoice> create_invoice(const InvoiceRequest& request) override {
    std::lock_guard lock(mutex_);
    Hash256 preimage{};
    Hash256 payment_secret{};
    L402_RETURN_IF_ERROR(random_.fill(preimage));
    L402_RETURN_IF_ERROR(random_.fill(payment_secret));
    const Hash256 payment_hash = sha256(as_view(preimage));

    UnsignedInvoice invoice;
    invoice.network = options_.network;
    // BOLT 11 has no zero amount; an invoice for 0 msat is an "any amount" invoice.
    if (request.amount.value() > 0) invoice.amount = request.amount;
    invoice.timestamp = options_.timestamp;
    static constexpr std::array<std::uint32_t, 3> kFeatures{8, 14, 17};  // as lnd sets them
    invoice.fields = {bolt11_field::payment_hash(payment_hash),
                      bolt11_field::payment_secret(payment_secret),
                      bolt11_field::description(request.memo),
                      bolt11_field::expiry(request.expiry_seconds),
                      bolt11_field::min_final_cltv_expiry(options_.min_final_cltv_expiry),
                      bolt11_field::features(kFeatures)};
    L402_ASSIGN_OR_RETURN(std::string bolt11, encode_invoice(invoice, node_key_));
    preimages_[payment_hash] = preimage;
    requests_.push_back(request);
    return IssuedInvoice{std::move(bolt11), payment_hash};
  }

  // The preimage of an invoice this source issued ("paying" it), or nullopt.
  std::optional<Hash256> preimage_of(const Hash256& payment_hash) const {
    std::lock_guard lock(mutex_);
    const auto found = preimages_.find(payment_hash);
    if (found == preimages_.end()) return std::nullopt;
    return found->second;
  }

  // Every request received, in order.
  std::vector<InvoiceRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  std::size_t issued() const {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }

  // The node's public key (the payee of every invoice).
  PublicKey node_id() const { return derive_public_key(node_key_).value(); }

 private:
  mutable std::mutex mutex_;
  RandomSource& random_;
  const Options options_;
  const SecretBytes node_key_;
  std::map<Hash256, Hash256> preimages_;
  std::vector<InvoiceRequest> requests_;
};

// A backend that is down: every call fails with kUnavailable.
class FailingInvoiceSource final : public InvoiceSource {
 public:
  Result<IssuedInvoice> create_invoice(const InvoiceRequest& /*request*/) override {
    std::lock_guard lock(mutex_);
    ++calls_;
    return Error(ErrorCode::kUnavailable, "test backend: the Lightning node is unreachable");
  }

  std::size_t calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }

 private:
  mutable std::mutex mutex_;
  std::size_t calls_ = 0;
};

}  // namespace l402::test
