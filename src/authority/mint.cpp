// Minting: a token ID carrying the active key's ID, a root key derived from the master key
// (never stored), and the caveats of the offer in a fixed order:
//
//   1. services=a:0,b:1
//   2. then per service, in the offer's order:
//      - <name>_capabilities=x,y when capabilities is set (an empty list writes
//        "<name>_capabilities=");
//      - <condition>=<value> for each constraint, in order;
//      - <name>_valid_until=<now + valid_for_seconds> when valid_for_seconds > 0.
//
// Aperture writes constraints in Go map order; a fixed order makes minting deterministic for
// a given random source, which tests and reproducible challenges rely on.
#include <algorithm>
#include <array>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include "l402/authority.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/token_header.hpp"

namespace l402 {
namespace {

Error bad_offer(std::string message) {
  return Error(ErrorCode::kInvalidArgument, "offer: " + std::move(message));
}

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

// Quoted for a message; offers come from configuration, but keep control bytes out anyway.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) out += has_control({&c, 1}) ? '?' : c;
  out += '"';
  return out;
}

Result<void> check_service_name(std::string_view name) {
  if (name.empty()) return bad_offer("a service has an empty name");
  if (name.find_first_of(",:=") != std::string_view::npos || has_control(name)) {
    return bad_offer("service name " + quoted(name) +
                     " contains ',', ':', '=' or a control character");
  }
  return ok_result();
}

Result<void> check_service(const ServiceOffer& service, std::uint64_t now) {
  L402_RETURN_IF_ERROR(check_service_name(service.name));
  if (service.capabilities) {
    for (const std::string& capability : *service.capabilities) {
      if (capability.empty() || capability.find(',') != std::string::npos ||
          has_control(capability)) {
        return bad_offer("service " + quoted(service.name) + ": capability " + quoted(capability) +
                         " is empty or contains ',' or a control character");
      }
    }
  }
  for (const auto& [condition, value] : service.constraints) {
    if (condition.empty() || condition.find('=') != std::string::npos) {
      return bad_offer("service " + quoted(service.name) + ": constraint condition " +
                       quoted(condition) + " is empty or contains '='");
    }
  }
  // valid_until is read back as an int64 (parse_unix_seconds).
  constexpr auto kMaxTime = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (service.valid_for_seconds > 0 &&
      (now > kMaxTime || service.valid_for_seconds > kMaxTime - now)) {
    return bad_offer("service " + quoted(service.name) + ": now + valid_for_seconds (" +
                     std::to_string(service.valid_for_seconds) + ") does not fit a Unix time");
  }
  return ok_result();
}

Result<void> check_offer(const Offer& offer, std::uint64_t now) {
  if (offer.services.empty()) return bad_offer("no service");
  for (std::size_t i = 0; i < offer.services.size(); ++i) {
    L402_RETURN_IF_ERROR(check_service(offer.services[i], now));
    // A repeated service would repeat its caveats, and the verifier holds each repetition to
    // the one before: refuse it here rather than mint a token that may be denied.
    for (std::size_t j = 0; j < i; ++j) {
      if (offer.services[j].name == offer.services[i].name) {
        return bad_offer("service " + quoted(offer.services[i].name) + " is listed twice");
      }
    }
  }
  return ok_result();
}

Error no_active_key() {
  return Error(ErrorCode::kFailedPrecondition,
               "no active master key to mint with; rotate the keyring to create one");
}

// Appends "condition=value" as a first-party caveat. The macaroon is built under the header
// limits, so that every token minted here also parses from a request; exceeding them is a
// property of the offer.
class CaveatWriter {
 public:
  CaveatWriter(Macaroon& macaroon, const MacaroonLimits& limits)
      : macaroon_(macaroon), limits_(limits) {}

  Result<void> add(std::string_view condition, std::string_view value) {
    buffer_.assign(condition);
    buffer_ += '=';
    buffer_ += value;
    Result<void> added = macaroon_.add_first_party_caveat(buffer_, limits_);
    if (!added.ok() && added.error().code() == ErrorCode::kLimitExceeded) {
      return bad_offer("the token would exceed the header limits: " + added.error().message());
    }
    return added;
  }

  Result<void> add_suffixed(std::string_view service, std::string_view suffix,
                            std::string_view value) {
    condition_.assign(service);
    condition_ += suffix;
    return add(condition_, value);
  }

 private:
  Macaroon& macaroon_;
  const MacaroonLimits& limits_;
  std::string buffer_;
  std::string condition_;
};

Result<void> add_offer_caveats(Macaroon& macaroon, const Offer& offer, std::uint64_t now,
                               const MacaroonLimits& limits) {
  CaveatWriter writer(macaroon, limits);
  std::vector<ServiceTier> services;
  services.reserve(offer.services.size());
  for (const ServiceOffer& service : offer.services)
    services.push_back({service.name, service.tier});
  L402_RETURN_IF_ERROR(writer.add(caveat::kServices, format_services(services)));

  std::string list;
  for (const ServiceOffer& service : offer.services) {
    if (service.capabilities) {
      list.clear();
      for (const std::string& capability : *service.capabilities) {
        if (!list.empty()) list += ',';
        list += capability;
      }
      L402_RETURN_IF_ERROR(writer.add_suffixed(service.name, caveat::kCapabilitiesSuffix, list));
    }
    for (const auto& [condition, value] : service.constraints) {
      L402_RETURN_IF_ERROR(writer.add(condition, value));
    }
    if (service.valid_for_seconds > 0) {
      L402_RETURN_IF_ERROR(writer.add_suffixed(service.name, caveat::kValidUntilSuffix,
                                               std::to_string(now + service.valid_for_seconds)));
    }
  }
  return ok_result();
}

}  // namespace

Authority::Authority(const Keyring& keyring, const RevocationList& revocations,
                     InvoiceSource& invoices, RandomSource& random, AuthorityOptions options)
    : keyring_(keyring),
      revocations_(revocations),
      invoices_(invoices),
      random_(random),
      options_(std::move(options)) {}

Result<MintedChallenge> Authority::mint(const Offer& offer, Msat price, std::uint64_t now) const {
  // Everything that can be refused without the node is refused before an invoice is made.
  L402_RETURN_IF_ERROR(check_offer(offer, now));
  if (keyring_.current()->active() == nullptr) return no_active_key();
  L402_ASSIGN_OR_RETURN(const IssuedInvoice invoice,
                        invoices_.create_invoice(InvoiceRequest{price, offer.invoice_memo,
                                                                offer.invoice_expiry_seconds}));
  return mint_checked_offer(offer, invoice, now);
}

Result<MintedChallenge> Authority::mint_for_invoice(const Offer& offer,
                                                    const IssuedInvoice& invoice,
                                                    std::uint64_t now) const {
  L402_RETURN_IF_ERROR(check_offer(offer, now));
  return mint_checked_offer(offer, invoice, now);
}

Result<MintedChallenge> Authority::mint_checked_offer(const Offer& offer,
                                                      const IssuedInvoice& invoice,
                                                      std::uint64_t now) const {
  const std::shared_ptr<const KeySet> keys = keyring_.current();
  const KeySet::Entry* key = keys->active();
  if (key == nullptr) return no_active_key();

  // token ID = key ID (big-endian) || 28 random bytes.
  Identifier identifier;
  identifier.payment_hash = invoice.payment_hash;
  TokenId& token_id = identifier.token_id;
  for (std::size_t i = 0; i < kKeyIdSize; ++i) {
    token_id[i] = static_cast<std::uint8_t>(key->id >> (8 * (kKeyIdSize - 1 - i)));
  }
  const Result<void> filled = random_.fill(std::span(token_id).subspan(kKeyIdSize));
  if (!filled.ok()) return filled.error().with_context("minting a token ID");

  Hash256 root_key = derive_root_key(key->key, token_id);
  Result<Macaroon> minted = Macaroon::mint(as_view(root_key), encode_identifier(identifier),
                                           options_.location, options_.limits.macaroon);
  secure_wipe(root_key.data(), root_key.size());
  if (!minted.ok()) return std::move(minted).error().with_context("minting the macaroon");
  Macaroon macaroon = std::move(minted).value();
  L402_RETURN_IF_ERROR(add_offer_caveats(macaroon, offer, now, options_.limits.macaroon));

  MintedChallenge challenge{.macaroon = std::move(macaroon),
                            .macaroon_binary = {},
                            .invoice = invoice.bolt11,
                            .token_id = token_id,
                            .payment_hash = invoice.payment_hash,
                            .key_id = key->id};
  challenge.macaroon_binary = to_binary_v2(challenge.macaroon);
  return challenge;
}

std::vector<std::string> MintedChallenge::header_values(ChallengeStyle style) const {
  return format_challenge(macaroon_binary, invoice, style);
}

}  // namespace l402
