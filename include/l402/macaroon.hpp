// Macaroons: bearer credentials with contextual caveats (Birgisson et al., 2014), compatible
// byte for byte with go-macaroon (what Aperture uses), libmacaroons and pymacaroons.
//
//   sig0 = HMAC(HMAC("macaroons-key-generator", root_key), identifier)
//   first-party caveat c:          sig = HMAC(sig, c)
//   third-party caveat (cid, vid): sig = HMAC(sig, HMAC(sig, vid) || HMAC(sig, cid))
//
// A Macaroon is an immutable-by-default value: adding a caveat returns an error or updates
// the signature in place. Serialisation lives in macaroon_format.hpp.
//
// Thread safety: a plain value; concurrent reads of one object are safe.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "l402/crypto.hpp"
#include "l402/result.hpp"

namespace l402 {

// The key every macaroon library uses to derive the HMAC key from a root key.
inline constexpr std::string_view kMacaroonKeyGenerator = "macaroons-key-generator";

// Bounds that decoders and builders enforce. The defaults fit any L402 token with room to
// spare; a decoder reports which bound was hit (kLimitExceeded).
struct MacaroonLimits {
  // Bytes of one serialised macaroon or stack in binary or JSON. The text forms read by
  // parse_text (base64, hex) may be up to twice as long, so that the hex of the largest
  // binary still fits; what they decode to is held to this limit.
  std::size_t max_serialized_size = std::size_t{64} * 1024;
  // Caveats in one macaroon.
  std::size_t max_caveats = 512;
  // Bytes of one field: location, identifier, caveat id, verification id.
  std::size_t max_field_size = std::size_t{16} * 1024;
  // Macaroons in one stack (the root plus its discharges).
  std::size_t max_stack_size = 32;
};

struct Caveat {
  // The condition (first-party) or the third party's caveat identifier (third-party).
  std::string id;
  // Encrypted caveat key for the third party: 24-byte nonce || secretbox. Empty for
  // first-party caveats.
  std::string verification_id;
  // Where to find the third party. Not covered by the signature. Empty for first-party.
  std::string location;

  bool is_first_party() const { return verification_id.empty(); }
  bool operator==(const Caveat&) const = default;
};

class Macaroon {
 public:
  // Mints a macaroon whose key is derived from `root_key` (the usual entry point). A third
  // party mints a discharge the same way, from the caveat root key and the caveat id.
  // Fails with kInvalidArgument for an empty root key or identifier, kLimitExceeded when a
  // field exceeds `limits`.
  static Result<Macaroon> mint(std::string_view root_key, std::string_view identifier,
                               std::string_view location, const MacaroonLimits& limits = {});

  // Mints with an already-derived 32-byte HMAC key, e.g. a discharge whose key was recovered
  // from a third-party caveat.
  static Result<Macaroon> mint_with_derived_key(const Hash256& key, std::string_view identifier,
                                                std::string_view location,
                                                const MacaroonLimits& limits = {});

  // Assembles a macaroon from decoded parts without computing anything. For decoders.
  static Macaroon from_parts(std::string location, std::string identifier,
                             std::vector<Caveat> caveats, const Hash256& signature);

  // Appends a first-party caveat and advances the signature. Fails (and leaves the macaroon
  // unchanged) for an empty condition or when `limits` would be exceeded.
  Result<void> add_first_party_caveat(std::string_view condition,
                                      const MacaroonLimits& limits = {});

  // Appends a third-party caveat: the derived `caveat_root_key` is sealed under the current
  // signature with a fresh nonce from `random`, so that only a holder of a discharge can
  // verify. `location` is a hint for the client and is not signed.
  Result<void> add_third_party_caveat(std::string_view caveat_root_key, std::string_view caveat_id,
                                      std::string_view location, RandomSource& random,
                                      const MacaroonLimits& limits = {});

  // As above with a caller-chosen 24-byte nonce (for test vectors). Never reuse a nonce.
  Result<void> add_third_party_caveat_with_nonce(std::string_view caveat_root_key,
                                                 std::string_view caveat_id,
                                                 std::string_view location, std::string_view nonce,
                                                 const MacaroonLimits& limits = {});

  // Returns `discharge` with its signature bound to this (root) macaroon's signature, ready
  // to send alongside it:  HMAC(0^32, HMAC(0^32, root_sig) || HMAC(0^32, discharge_sig)).
  // Like go-macaroon, a discharge whose signature equals the root's is left as it is.
  Macaroon bind_for_request(const Macaroon& discharge) const;

  const std::string& location() const { return location_; }
  const std::string& identifier() const { return identifier_; }
  const std::vector<Caveat>& caveats() const { return caveats_; }
  const Hash256& signature() const { return signature_; }

  bool operator==(const Macaroon&) const = default;

 private:
  Macaroon() = default;

  std::string location_;
  std::string identifier_;
  std::vector<Caveat> caveats_;
  Hash256 signature_{};
};

// Decides whether one first-party caveat holds for the request at hand. Returns an error
// (normally kPermissionDenied) saying why not.
using CaveatChecker = std::function<Result<void>(std::string_view condition)>;

// Verifies `macaroon` against `root_key`, resolving each third-party caveat with a discharge
// from `discharges` (matched by identifier, each used once; every discharge must be used).
// `check` is called for every first-party caveat of the macaroon and its discharges; pass
// nullptr to accept them all and inspect the returned list instead.
//
// Returns the first-party caveats in the order they were checked. Errors:
// kUnauthenticated (a signature or sealed caveat key does not verify), kNotFound (no
// discharge for a third-party caveat), kInvalidArgument (an unused or repeated discharge,
// discharge cycles), or whatever `check` returned for the first caveat it refused.
Result<std::vector<std::string>> verify_macaroon(const Macaroon& macaroon,
                                                 std::string_view root_key,
                                                 std::span<const Macaroon> discharges,
                                                 const CaveatChecker& check);

// HMAC("macaroons-key-generator", root_key): the HMAC key a root key stands for.
Hash256 derive_macaroon_key(std::string_view root_key);

}  // namespace l402
