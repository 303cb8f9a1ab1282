// Shared by the LND client's integration tests: a macaroon file, a backend pointed at a
// fake server, and invoices whose preimage the test knows.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "l402/bolt11.hpp"
#include "l402/crypto.hpp"
#include "l402/encoding.hpp"
#include "l402/lightning.hpp"
#include "l402/secret.hpp"
#include "result_matchers.hpp"
#include "temp_dir.hpp"

namespace l402::test {

// The bytes of the macaroon file the fake server expects (hex in the header).
inline constexpr std::string_view kFakeMacaroon = "\x02\x01\x03lnd-fake-macaroon";

inline std::string write_file(const TempDir& dir, const std::string& name,
                              std::string_view contents) {
  const std::string path = dir.file(name);
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

inline LndOptions fake_options(const TempDir& dir, const std::string& url) {
  LndOptions options;
  options.url = url;
  options.allow_plain_http = true;
  options.macaroon_path = write_file(dir, "admin.macaroon", kFakeMacaroon);
  options.connect_timeout = std::chrono::milliseconds(500);
  options.call_timeout = std::chrono::milliseconds(1'000);
  options.reconnect_delay = std::chrono::milliseconds(20);
  return options;
}

struct KnownInvoice {
  std::string bolt11;
  Hash256 preimage{};
  Hash256 payment_hash{};
};

// A mainnet invoice for `amount` signed by a fixed key, whose preimage is `fill` repeated.
// An LND backend for the fake node at `url`; a failure to open fails the test.
inline std::unique_ptr<Backend> open_backend(const TempDir& dir, const std::string& url) {
  auto backend = open_lnd_backend(fake_options(dir, url));
  EXPECT_TRUE(IsOk(backend));
  return backend.ok() ? std::move(backend).value() : nullptr;
}

inline KnownInvoice make_invoice(std::uint8_t fill, std::optional<Msat> amount) {
  KnownInvoice invoice;
  invoice.preimage.fill(fill);
  invoice.payment_hash = sha256(as_view(invoice.preimage));
  Hash256 secret{};
  secret.fill(0x42);
  UnsignedInvoice unsigned_invoice;
  unsigned_invoice.network = Network::kBitcoin;
  unsigned_invoice.amount = amount;
  unsigned_invoice.timestamp = static_cast<std::uint64_t>(std::time(nullptr));
  unsigned_invoice.fields = {bolt11_field::payment_hash(invoice.payment_hash),
                             bolt11_field::payment_secret(secret),
                             bolt11_field::description("fake")};
  const SecretBytes key(std::string(32, '\x11'));
  invoice.bolt11 = encode_invoice(unsigned_invoice, key).value();
  return invoice;
}

// A payment of `bolt11` with a fee budget and a short timeout.
inline PayRequest pay_for(std::string bolt11) {
  PayRequest request;
  request.bolt11 = std::move(bolt11);
  request.max_fee = Msat(1000);
  request.timeout = std::chrono::milliseconds(2'000);
  return request;
}

inline std::string hex_of(const Hash256& hash) { return hex::encode(as_view(hash)); }

// A Payment stream line as LND writes it.
inline std::string payment_line(const KnownInvoice& invoice, std::string_view status,
                                std::string_view reason, bool with_preimage) {
  return R"({"result":{"payment_hash":")" + hex_of(invoice.payment_hash) +
         R"(","value":"100","creation_date":"1700000100","fee":"0","payment_preimage":")" +
         (with_preimage ? hex_of(invoice.preimage) : std::string(64, '0')) +
         R"(","value_sat":"100","value_msat":"100000","payment_request":")" + invoice.bolt11 +
         R"(","status":")" + std::string(status) +
         R"(","fee_sat":"0","fee_msat":"250","creation_time_ns":"1700000100123456789","htlcs":[],"payment_index":"7","failure_reason":")" +
         std::string(reason) + R"(","first_hop_custom_records":{}}})" + "\n";
}

inline std::string getinfo_body(std::string_view version) {
  return R"({"version":")" + std::string(version) +
         R"(","identity_pubkey":"03e7156ae33b0a208d0744199163177e909e80176e55d97a2f221ede0f934dd9ad","alias":"fake","block_height":100,"synced_to_chain":true,"chains":[{"chain":"bitcoin","network":"mainnet"}]})";
}

// A settled Invoice message with the given settle_index (and add_index one above it).
inline std::string settled_invoice(std::uint64_t settle_index) {
  Hash256 hash{};
  hash.fill(static_cast<std::uint8_t>(settle_index));
  return R"({"memo":"","r_hash":")" + base64::encode_std(as_view(hash)) +
         R"(","value":"1","value_msat":"1000","settled":true,"creation_date":"1700000000","settle_date":"1700000001","payment_request":"lnbc10n1x","add_index":")" +
         std::to_string(settle_index + 1) + R"(","settle_index":")" + std::to_string(settle_index) +
         R"(","amt_paid_msat":"1000","state":"SETTLED","htlcs":[],"features":{}})";
}

}  // namespace l402::test
