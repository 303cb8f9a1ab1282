// Shared helpers for the token jar's tests: a store in a temporary directory and purchases
// whose macaroon, payment hash and preimage belong together.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "l402/client_store.hpp"
#include "l402/crypto.hpp"
#include "l402/encoding.hpp"
#include "l402/macaroon.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/token.hpp"
#include "result_matchers.hpp"
#include "temp_dir.hpp"

namespace l402::test {

inline constexpr std::int64_t kJarNow = 1'700'000'000;  // 2023-11-14T22:13:20Z
inline constexpr std::string_view kOrigin = "https://api.example:443";

// A purchase as the client would journal it, and the wallet's answer once paid.
struct TestPurchase {
  PendingPurchase pending;
  Payment payment;
};

// Purchase number `seed`: its preimage is 32 bytes of `seed`, its token ID the hash of
// "token" and `seed`; a real macaroon names both.
inline TestPurchase test_purchase(std::uint8_t seed, std::string origin = std::string(kOrigin),
                                  Msat amount = Msat(21'000), std::int64_t started_at = kJarNow) {
  Hash256 preimage{};
  preimage.fill(seed);
  const Hash256 payment_hash = sha256(as_view(preimage));
  const TokenId token_id = sha256("token" + std::to_string(seed));
  Macaroon macaroon =
      Macaroon::mint("root key", encode_identifier({0, payment_hash, token_id}), "lsat").value();
  macaroon.add_first_party_caveat("services=myservice:0").value();

  TestPurchase out;
  out.pending.payment_hash = payment_hash;
  out.pending.token_id = hex::encode(token_id);
  out.pending.invoice = "lnbcrt210n1test" + std::to_string(seed);
  out.pending.macaroon_base64 = base64::encode_std(to_binary_v2(macaroon));
  out.pending.origin = std::move(origin);
  out.pending.service = "myservice";
  out.pending.path = "/v1/items";
  out.pending.amount = amount;
  out.pending.max_fee = Msat(10'000);
  out.pending.started_at = started_at;
  out.pending.expires_at = started_at + 3600;
  out.payment = Payment{payment_hash, preimage, amount, Msat(15)};
  return out;
}

// A store in its own temporary directory (the store's directory is a child of it, so
// tests can watch it being created).
class JarTest : public ::testing::Test {
 protected:
  std::string directory() const { return temp_.path() + "/jar"; }
  std::string database() const { return directory() + "/tokens.db"; }

  std::unique_ptr<ClientStore> open_store(const ClientStoreOptions& options = {}) {
    Result<std::unique_ptr<ClientStore>> store = ClientStore::open(directory(), options);
    EXPECT_TRUE(IsOk(store));
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // Begins and completes `purchase`, at `at`.
  StoredToken buy(ClientStore& store, const TestPurchase& purchase, std::int64_t at = kJarNow) {
    EXPECT_TRUE(IsOk(store.begin_purchase(purchase.pending)));
    Result<StoredToken> token =
        store.complete_purchase(purchase.pending.payment_hash, purchase.payment, at);
    EXPECT_TRUE(IsOk(token));
    return token.ok() ? std::move(token).value() : StoredToken{};
  }

  TempDir temp_{"l402-jar"};
};

}  // namespace l402::test
