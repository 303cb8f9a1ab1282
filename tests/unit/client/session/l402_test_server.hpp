// An L402 seller for the client's tests: a TestHttpServer whose /paid/... answers 402 with a
// challenge minted by l402::Authority over a devnet invoice, and 200 to a valid credential
// (echoing a request body's sha256); /free/... is free. Modes script hostile servers.
#pragma once

#include <openssl/sha.h>

#include <atomic>
#include <string>
#include <vector>

#include "../http/test_http_server.hpp"
#include "l402/authority.hpp"
#include "l402/keyring.hpp"
#include "l402/lightning.hpp"

namespace l402::client_test {

enum class SellerMode {
  kNormal,
  kLoop,          // 402 even to a valid credential
  kHashMismatch,  // the macaroon names another payment hash than the invoice
  kGarbage,       // a WWW-Authenticate value that is not RFC 7235
};

inline std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char byte : digest) {
    out += kHex[byte >> 4];
    out += kHex[byte & 15];
  }
  return out;
}

class L402TestServer {
 public:
  // `invoices` creates the seller's invoices (a devnet Backend of the receiving account).
  L402TestServer(Backend& invoices, Msat price, SellerMode mode = SellerMode::kNormal)
      : invoices_(invoices),
        price_(price),
        mode_(mode),
        authority_(keyring_, revocations_, invoices_, system_random()),
        server_([this](Connection& connection, const StringRequest& request) {
          return serve(connection, request);
        }) {
    (void)keyring_.rotate(system_random());
  }

  std::string url(std::string_view path) const { return server_.url(path); }
  std::uint16_t port() const { return server_.port(); }
  int challenges() const { return challenges_.load(); }
  int granted() const { return granted_.load(); }
  // The body the last granted request carried.
  std::string last_granted_body() {
    const std::lock_guard<std::mutex> lock(mu_);
    return last_body_;
  }
  // Makes the server refuse `token_id` (hex) from now on, with a fresh challenge.
  void revoke(const TokenId& token_id) { revocations_.revoke(token_id); }
  void set_mode(SellerMode mode) { mode_.store(mode); }
  TestHttpServer& http() { return server_; }

 private:
  static std::uint64_t now() { return static_cast<std::uint64_t>(std::time(nullptr)); }

  bool serve(Connection& connection, const StringRequest& request) {
    const std::string_view target(request.target().data(), request.target().size());
    if (target.starts_with("/free")) return connection.respond(request, 200, "free content");
    if (!target.starts_with("/paid")) return connection.respond(request, 404, "not found");
    std::vector<HeaderField> fields;
    for (const auto& field : request) {
      fields.push_back(
          HeaderField{std::string_view(field.name_string().data(), field.name_string().size()),
                      std::string_view(field.value().data(), field.value().size())});
    }
    const Target service{"demo", "", {}};
    const Verdict verdict = authority_.verify_request(fields, service, now());
    if (verdict.granted() && mode_.load() != SellerMode::kLoop) {
      granted_.fetch_add(1);
      {
        const std::lock_guard<std::mutex> lock(mu_);
        last_body_ = request.body();
      }
      return connection.respond(request, 200, "paid content " + sha256_hex(request.body()));
    }
    return challenge(connection, request);
  }

  bool challenge(Connection& connection, const StringRequest& request) {
    challenges_.fetch_add(1);
    Offer offer;
    offer.services.push_back(ServiceOffer{"demo", 0, std::nullopt, {}, 0});
    Result<MintedChallenge> minted = Error(ErrorCode::kInternal, "unset");
    if (mode_.load() == SellerMode::kHashMismatch) {
      Result<IssuedInvoice> invoice =
          invoices_.create_invoice(InvoiceRequest{price_, "L402", 3600});
      if (!invoice.ok()) return connection.respond(request, 500, invoice.error().message());
      IssuedInvoice other = *invoice;
      other.payment_hash[0] ^= 0xff;
      minted = authority_.mint_for_invoice(offer, other, now());
    } else {
      minted = authority_.mint(offer, price_, now());
    }
    if (!minted.ok()) return connection.respond(request, 500, minted.error().message());
    Fields fields;
    if (mode_.load() == SellerMode::kGarbage) {
      fields.emplace_back("WWW-Authenticate", "L402 macaroon=\"unterminated, invoice=");
    } else {
      for (std::string& value : minted->header_values()) {
        fields.emplace_back("WWW-Authenticate", std::move(value));
      }
    }
    return connection.respond(request, 402, "{\"error\":\"payment required\"}", fields);
  }

  Backend& invoices_;
  const Msat price_;
  std::atomic<SellerMode> mode_;
  InMemoryKeyring keyring_;
  InMemoryRevocationList revocations_;
  Authority authority_;
  std::atomic<int> challenges_{0};
  std::atomic<int> granted_{0};
  std::mutex mu_;
  std::string last_body_;
  TestHttpServer server_;  // last: stopped first, while the members it uses still live
};

}  // namespace l402::client_test
