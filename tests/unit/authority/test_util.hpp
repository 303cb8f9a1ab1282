// Shared helpers for the Authority tests: a deterministic random source, a harness holding an
// Authority with its keyring, deny-list and invoice source, credentials and header values
// built by hand, and assertions on verdicts.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "l402/authority.hpp"
#include "l402/crypto.hpp"
#include "l402/encoding.hpp"
#include "l402/keyring.hpp"
#include "l402/macaroon.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/result.hpp"
#include "l402/secret.hpp"
#include "l402/token.hpp"
#include "l402/token_header.hpp"
#include "result_matchers.hpp"
#include "test_bytes.hpp"
#include "test_invoice_source.hpp"

namespace l402 {

inline void PrintTo(DenialCode code, std::ostream* os) { *os << denial_code_name(code); }

}  // namespace l402

namespace l402::test {

inline constexpr std::uint64_t kNow = 1700000000;  // 2023-11-14T22:13:20Z
inline constexpr std::string_view kService = "myservice";

// A RandomSource whose output is SHA-256(seed || counter) blocks: the same seed always gives
// the same bytes. Not thread-safe.
class DeterministicRandom final : public RandomSource {
 public:
  explicit DeterministicRandom(std::uint64_t seed) : seed_(seed) {}

  Result<void> fill(std::span<std::uint8_t> out) override {
    for (std::uint8_t& byte : out) {
      if (used_ == block_.size()) {
        std::array<char, 16> input{};
        std::memcpy(input.data(), &seed_, sizeof(seed_));
        std::memcpy(input.data() + 8, &counter_, sizeof(counter_));
        block_ = sha256({input.data(), input.size()});
        ++counter_;
        used_ = 0;
      }
      byte = block_[used_++];
    }
    return ok_result();
  }

 private:
  std::uint64_t seed_;
  std::uint64_t counter_ = 0;
  Hash256 block_{};
  std::size_t used_ = block_.size();
};

// A RandomSource that is broken.
class FailingRandom final : public RandomSource {
 public:
  Result<void> fill(std::span<std::uint8_t> /*out*/) override {
    return Error(ErrorCode::kInternal, "test random source: exhausted");
  }
};

inline Hash256 filled_hash(std::uint8_t byte) {
  Hash256 out{};
  out.fill(byte);
  return out;
}

inline std::string hex_of(const Hash256& bytes) { return to_hex(as_view(bytes)); }

// The caveat identifiers of a macaroon, in order.
inline std::vector<std::string> caveat_ids(const Macaroon& macaroon) {
  std::vector<std::string> out;
  for (const Caveat& caveat : macaroon.caveats()) out.push_back(caveat.id);
  return out;
}

// Master keys with known bytes, so tests can derive root keys themselves.
inline SecretBytes master_key_bytes(std::uint8_t fill) {
  return SecretBytes(std::string(kMasterKeySize, static_cast<char>(fill)));
}

inline TokenId token_id_for(KeyId key_id, std::uint8_t fill) {
  TokenId id = filled_hash(fill);
  id[0] = static_cast<std::uint8_t>(key_id >> 24);
  id[1] = static_cast<std::uint8_t>(key_id >> 16);
  id[2] = static_cast<std::uint8_t>(key_id >> 8);
  id[3] = static_cast<std::uint8_t>(key_id);
  return id;
}

// The root key of `token_id` under the master key of `fill` bytes, computed from
// hmac_sha256 alone (not derive_root_key).
inline Hash256 expected_root_key(std::uint8_t fill, const TokenId& token_id) {
  std::string message(kRootKeyLabel);
  message += '\0';
  message += as_view(token_id);
  return hmac_sha256(std::string(kMasterKeySize, static_cast<char>(fill)), message);
}

// A macaroon with any identifier bytes and caveats, signed under `root_key`.
inline Macaroon mint_raw(const Hash256& root_key, std::string_view identifier,
                         const std::vector<std::string>& caveats,
                         std::string_view location = "lsat") {
  Macaroon macaroon = Macaroon::mint(as_view(root_key), identifier, location).value();
  for (const std::string& caveat : caveats) macaroon.add_first_party_caveat(caveat).value();
  return macaroon;
}

inline std::string identifier_bytes(std::uint16_t version, const Hash256& payment_hash,
                                    const TokenId& token_id) {
  std::string out;
  out += static_cast<char>(version >> 8);
  out += static_cast<char>(version & 0xff);
  out += as_view(payment_hash);
  out += as_view(token_id);
  return out;
}

// ---- Credentials as a client sends them ------------------------------------------------------

inline std::string b64(const Macaroon& macaroon) {
  return base64::encode_std(to_binary_v2(macaroon));
}

// "<scheme> <b64>[,<b64>...]:<hex preimage>", built without the library's formatter.
inline std::string authorization(const Macaroon& macaroon, const Hash256& preimage,
                                 const std::vector<Macaroon>& discharges = {},
                                 std::string_view scheme = "L402") {
  std::string value(scheme);
  value += ' ';
  value += b64(macaroon);
  for (const Macaroon& discharge : discharges) {
    value += ',';
    value += b64(discharge);
  }
  value += ':';
  value += hex_of(preimage);
  return value;
}

inline Credential credential(const Macaroon& macaroon, const Hash256& preimage,
                             std::vector<Macaroon> discharges = {}) {
  return Credential{macaroon, std::move(discharges), preimage, CredentialForm::kAuthorization};
}

// ---- The harness -----------------------------------------------------------------------------

// What a request for `service` asks for.
inline Target target(std::string_view service = kService, std::string_view capability = {},
                     std::span<const std::string> limit_conditions = {}) {
  Target out;
  out.service = service;
  out.capability = capability;
  out.limit_conditions = limit_conditions;
  return out;
}

// A service offer without optional parts.
inline ServiceOffer service_offer(std::string name, std::uint8_t tier = 0) {
  ServiceOffer out;
  out.name = std::move(name);
  out.tier = tier;
  return out;
}

// A paid token: what the client holds after paying the challenge's invoice.
struct PaidToken {
  MintedChallenge challenge;
  Hash256 preimage{};
  const Macaroon& macaroon() const { return challenge.macaroon; }
};

// The standard offer: "myservice" (tier 1, read/write, a request limit, an hour) and
// "other" (tier 0, no restriction).
inline Offer standard_offer() {
  Offer offer;
  ServiceOffer mine;
  mine.name = std::string(kService);
  mine.tier = 1;
  mine.capabilities = std::vector<std::string>{"read", "write"};
  mine.constraints = {{"myservice_max_requests", "1000"}};
  mine.valid_for_seconds = 3600;
  ServiceOffer other;
  other.name = "other";
  offer.services = {mine, other};
  offer.invoice_memo = "L402 test";
  return offer;
}

// An Authority over an in-memory keyring (master key of 0x11 bytes, ID 0x0a0b0c0d, active),
// an in-memory deny-list and a TestInvoiceSource, all deterministic.
class Harness {
 public:
  static constexpr KeyId kKeyId = 0x0a0b0c0d;
  static constexpr std::uint8_t kKeyFill = 0x11;

  explicit Harness(AuthorityOptions options = {}, std::uint64_t seed = 1)
      : random_(seed),
        invoice_random_(seed + 1000),
        invoices_(invoice_random_),
        authority_(keyring_, revocations_, invoices_, random_, std::move(options)) {
    keyring_.add(MasterKey{kKeyId, KeyState::kActive, master_key_bytes(kKeyFill)}).value();
  }

  // Mints for `offer` at `now` and pays the invoice.
  Result<PaidToken> buy(const Offer& offer = standard_offer(), std::uint64_t now = kNow,
                        Msat price = Msat(21000)) {
    L402_ASSIGN_OR_RETURN(MintedChallenge challenge, authority_.mint(offer, price, now));
    const std::optional<Hash256> preimage = invoices_.preimage_of(challenge.payment_hash);
    if (!preimage) return Error(ErrorCode::kInternal, "test: no preimage for the invoice");
    return PaidToken{std::move(challenge), *preimage};
  }

  // The root key of a token minted under the harness's key (0x11 bytes).
  static Hash256 root_key_of(const TokenId& token_id) {
    return expected_root_key(kKeyFill, token_id);
  }

  Verdict verify(const Macaroon& macaroon, const Hash256& preimage, const Target& target,
                 std::uint64_t now = kNow, std::vector<Macaroon> discharges = {}) const {
    return authority_.verify(credential(macaroon, preimage, std::move(discharges)), target, now);
  }

  Verdict verify_header(std::string_view name, std::string_view value, const Target& target,
                        std::uint64_t now = kNow) const {
    const HeaderField field{name, value};
    return authority_.verify_request(std::span(&field, 1), target, now);
  }

  Verdict verify_fields(std::span<const HeaderField> fields, const Target& target,
                        std::uint64_t now = kNow) const {
    return authority_.verify_request(fields, target, now);
  }

  Authority& authority() { return authority_; }
  const InMemoryKeyring& keyring() const { return keyring_; }
  const InMemoryRevocationList& revocations() const { return revocations_; }
  InMemoryKeyring& keyring() { return keyring_; }
  InMemoryRevocationList& revocations() { return revocations_; }
  TestInvoiceSource& invoices() { return invoices_; }
  DeterministicRandom& random() { return random_; }

 private:
  InMemoryKeyring keyring_;
  InMemoryRevocationList revocations_;
  DeterministicRandom random_;
  DeterministicRandom invoice_random_;
  TestInvoiceSource invoices_;
  Authority authority_;
};

// ---- Verdict assertions ----------------------------------------------------------------------

inline ::testing::AssertionResult IsGranted(const Verdict& verdict) {
  if (verdict.granted()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "denied " << denial_code_name(verdict.denial().code) << " ("
         << verdict.denial().http_status << "): " << verdict.denial().reason;
}

inline ::testing::AssertionResult IsDenied(const Verdict& verdict, DenialCode code) {
  if (verdict.granted()) {
    return ::testing::AssertionFailure()
           << "expected denial " << denial_code_name(code) << " but it was granted";
  }
  if (verdict.denial().code != code) {
    return ::testing::AssertionFailure()
           << "expected denial " << denial_code_name(code) << " but got "
           << denial_code_name(verdict.denial().code) << ": " << verdict.denial().reason;
  }
  return ::testing::AssertionSuccess();
}

// As IsDenied, and the reason contains `word`.
inline ::testing::AssertionResult IsDeniedMentioning(const Verdict& verdict, DenialCode code,
                                                     std::string_view word) {
  ::testing::AssertionResult base = IsDenied(verdict, code);
  if (!base) return base;
  if (verdict.denial().reason.find(word) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "reason \"" << verdict.denial().reason << "\" does not mention \"" << word << "\"";
  }
  return ::testing::AssertionSuccess();
}

// `macaroon` with `caveat` appended by its holder.
inline Macaroon attenuated(Macaroon macaroon, std::string_view caveat) {
  macaroon.add_first_party_caveat(caveat).value();
  return macaroon;
}

}  // namespace l402::test
