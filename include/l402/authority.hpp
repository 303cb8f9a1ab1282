// The Authority mints L402 challenges and verifies credentials, with no per-request state.
//
// Root keys are derived, not stored (docs/tokens.md gives the construction exactly):
//
//   token ID = key ID (4 bytes, big-endian) || 28 random bytes
//   root key = HMAC-SHA256(master key[key ID], "l402 root key" || 0x00 || token ID)
//
// A Keyring holds the master keys; a RevocationList holds revoked token IDs. Both are small
// interfaces read on every verify, so implementations answer from memory (the store keeps
// them current across gateways). An unpaid challenge costs no storage at all.
//
// verify() checks, in this order, cheapest first: identifier (length, version), key ID
// (known, not retired), sha256(preimage) == payment hash, the HMAC chain (constant-time),
// revocation, then the caveats: repeated conditions may only narrow (services, capabilities,
// expiry, declared limits), the target service must be named, unexpired, and hold the
// target capability. Unknown conditions are not enforced; they reach the upstream.
//
// Thread safety: an Authority is immutable after construction; mint and verify may run on
// any thread at once provided its Keyring, RevocationList, InvoiceSource and RandomSource
// allow it (the in-memory ones here and SystemRandom do).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "l402/amount.hpp"
#include "l402/crypto.hpp"
#include "l402/keyring.hpp"
#include "l402/macaroon.hpp"
#include "l402/result.hpp"
#include "l402/secret.hpp"
#include "l402/token.hpp"
#include "l402/token_header.hpp"

namespace l402 {

// ---- Invoices -------------------------------------------------------------------------

struct InvoiceRequest {
  Msat amount;
  std::string memo;
  std::uint64_t expiry_seconds = 3600;
};

struct IssuedInvoice {
  std::string bolt11;
  Hash256 payment_hash{};
};

// Where challenges get their invoices (a Lightning backend). May block; the gateway calls
// Authority::mint off its I/O threads, or creates the invoice itself and calls
// Authority::mint_for_invoice.
class InvoiceSource {
 public:
  virtual ~InvoiceSource() = default;
  // Errors: kUnavailable (backend unreachable), kDeadlineExceeded, or the backend's refusal.
  virtual Result<IssuedInvoice> create_invoice(const InvoiceRequest& request) = 0;
};

// ---- Minting --------------------------------------------------------------------------

// What a token grants for one service.
struct ServiceOffer {
  std::string name;  // no ',', ':', '=' and not empty
  std::uint8_t tier = 0;
  // nullopt: no capabilities caveat (every capability). A list, even empty, adds
  // "<name>_capabilities=a,b".
  std::optional<std::vector<std::string>> capabilities;
  // Further caveats ("condition", "value"), added in this order, e.g. limits the upstream
  // enforces: {"<name>_max_requests", "1000"}.
  std::vector<std::pair<std::string, std::string>> constraints;
  // 0: no expiry. Otherwise "<name>_valid_until=<now + valid_for_seconds>".
  std::uint64_t valid_for_seconds = 0;
};

struct Offer {
  std::vector<ServiceOffer> services;  // at least one
  std::string invoice_memo = "L402";
  std::uint64_t invoice_expiry_seconds = 3600;
};

struct MintedChallenge {
  Macaroon macaroon;
  std::string macaroon_binary;  // V2
  std::string invoice;          // BOLT 11
  TokenId token_id{};
  Hash256 payment_hash{};
  KeyId key_id = 0;

  // The WWW-Authenticate values (format_challenge).
  std::vector<std::string> header_values(ChallengeStyle style = ChallengeStyle::kAperture) const;
};

// ---- Verifying ------------------------------------------------------------------------

// What the request asks for.
struct Target {
  std::string_view service;
  // Required capability; empty when the request needs none.
  std::string_view capability;
  // Conditions that are numeric limits: a repetition may only lower them.
  std::span<const std::string> limit_conditions;
};

struct Grant {
  TokenId token_id{};
  Hash256 payment_hash{};
  KeyId key_id = 0;
  std::string service;
  std::uint8_t tier = 0;
  // The last capabilities caveat for the service; nullopt when there is none (no restriction).
  std::optional<std::vector<std::string>> capabilities;
  // The service's last valid_until caveat, Unix seconds.
  std::optional<std::int64_t> valid_until;
  // Every first-party caveat in order, for the upstream to read.
  std::vector<std::string> caveats;
};

enum class DenialCode {
  kNoCredential,       // nothing to verify: the usual first request
  kMalformed,          // unparseable header, macaroon or identifier; a limit exceeded
  kUnknownVersion,     // identifier version other than 0
  kUnknownKeyId,       // not minted with any key this gateway knows
  kKeyRetired,         // minted with a key that has been retired
  kBadSignature,       // the HMAC chain does not verify: forged or altered
  kWrongPreimage,      // sha256(preimage) != payment hash
  kRevoked,            // the token ID is on the deny-list
  kExpired,            // the service's valid_until has passed
  kWrongService,       // the token does not name the target service
  kMissingCapability,  // the token's capabilities exclude the target capability
  kWidenedCaveat,      // a repeated caveat widens the one before it
};

// Stable snake_case name, e.g. "wrong_preimage".
std::string_view denial_code_name(DenialCode code);

enum class DenialStatusMode {
  // 401 for a credential that is malformed or not genuine (the 2026 spec), 402 when it is
  // genuine but unusable here (expired, revoked, wrong service) or absent.
  kSpec,
  // 402 for everything, as Aperture answers.
  kAperture,
};

struct Denial {
  DenialCode code = DenialCode::kMalformed;
  std::string reason;  // for the person holding the credential; never contains secrets
  int http_status = 402;
  bool fresh_challenge = true;  // send a new challenge with the denial
};

class Verdict {
 public:
  Verdict(Grant grant) : value_(std::move(grant)) {}     // NOLINT: implicit by design
  Verdict(Denial denial) : value_(std::move(denial)) {}  // NOLINT
  bool granted() const { return value_.index() == 0; }
  // Requires: granted().
  const Grant& grant() const { return std::get<0>(value_); }
  // Requires: !granted().
  const Denial& denial() const { return std::get<1>(value_); }

 private:
  std::variant<Grant, Denial> value_;
};

struct AuthorityOptions {
  // Macaroon location: not signed; "lsat" as Aperture writes.
  std::string location = "lsat";
  DenialStatusMode status_mode = DenialStatusMode::kSpec;
  HeaderLimits limits;
};

class Authority {
 public:
  // The references must outlive the Authority.
  Authority(const Keyring& keyring, const RevocationList& revocations, InvoiceSource& invoices,
            RandomSource& random, AuthorityOptions options = {});

  // Creates an invoice for `price` and mints the token for it. Caveats, in order:
  // "services=a:0,b:1"; then per service: capabilities, constraints, valid_until.
  // Errors: kFailedPrecondition (no active key), kInvalidArgument (a bad offer), or the
  // InvoiceSource's error.
  Result<MintedChallenge> mint(const Offer& offer, Msat price, std::uint64_t now) const;

  // As mint(), for an invoice the caller created (pure apart from randomness).
  Result<MintedChallenge> mint_for_invoice(const Offer& offer, const IssuedInvoice& invoice,
                                           std::uint64_t now) const;

  Verdict verify(const Credential& credential, const Target& target, std::uint64_t now) const;

  // parse_credential + verify: a missing credential is kNoCredential, a bad one kMalformed.
  Verdict verify_request(std::span<const HeaderField> fields, const Target& target,
                         std::uint64_t now) const;

  // For caches of grants. verify() decides the same for the same credential and target as
  // long as key_snapshot() returns the same snapshot, except that a token may be revoked or
  // expire meanwhile: grant_lapsed() checks those two, without parsing or hashing.
  std::shared_ptr<const KeySet> key_snapshot() const { return keyring_.current(); }
  bool grant_lapsed(const Grant& grant, std::uint64_t now) const;

  const AuthorityOptions& options() const { return options_; }

 private:
  // mint_for_invoice() for an offer check_offer() has accepted.
  Result<MintedChallenge> mint_checked_offer(const Offer& offer, const IssuedInvoice& invoice,
                                             std::uint64_t now) const;
  Denial deny(DenialCode code, std::string reason) const;

  const Keyring& keyring_;
  const RevocationList& revocations_;
  InvoiceSource& invoices_;
  RandomSource& random_;
  AuthorityOptions options_;
};

}  // namespace l402
