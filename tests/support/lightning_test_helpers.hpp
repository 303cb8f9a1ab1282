// Helpers for tests of Lightning backends: a recorder of settlements to wait on, an invoice
// no test node knows, and a payment request with a test's timeout.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "l402/bolt11.hpp"
#include "l402/crypto.hpp"
#include "l402/lightning.hpp"
#include "l402/secret.hpp"
#include "test_bytes.hpp"

namespace l402::test {

// Collects what a settlement subscription delivers, for a test to wait on.
class SettlementRecorder {
 public:
  SettlementHandler handler() {
    return [this](const InvoiceStatus& settled) {
      std::lock_guard lock(mutex_);
      settled_.push_back(settled);
      changed_.notify_all();
    };
  }
  // Waits (at most `limit`) until `count` settlements have arrived; returns all received.
  std::vector<InvoiceStatus> wait_for(std::size_t count,
                                      std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, limit, [&] { return settled_.size() >= count; });
    return settled_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<InvoiceStatus> settled_;
};

// An invoice no node of the test knows: signed by a stranger's key.
inline std::string stranger_invoice(Network network, Msat amount) {
  const SecretBytes stranger_key(
      from_hex("2a7c8f17b8a9c4e6d5f3a1b0c9e8d7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0"));
  Hash256 preimage{};
  Hash256 secret{};
  preimage.fill(7);
  secret.fill(9);
  UnsignedInvoice invoice;
  invoice.network = network;
  invoice.amount = amount;
  invoice.timestamp = static_cast<std::uint64_t>(std::time(nullptr));
  invoice.fields = {bolt11_field::payment_hash(sha256(as_view(preimage))),
                    bolt11_field::payment_secret(secret), bolt11_field::description("stranger"),
                    bolt11_field::expiry(3600)};
  return encode_invoice(invoice, stranger_key).value();
}

inline PayRequest pay_request(std::string bolt11, Msat max_fee) {
  PayRequest request;
  request.bolt11 = std::move(bolt11);
  request.max_fee = max_fee;
  request.timeout = std::chrono::seconds(10);
  return request;
}

}  // namespace l402::test
