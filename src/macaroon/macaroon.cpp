#include "l402/macaroon.hpp"

#include <array>
#include <cstring>
#include <utility>

#include "internal.hpp"
#include "l402/secret.hpp"

namespace l402 {
namespace mi = macaroon_internal;

namespace macaroon_internal {

Error malformed(std::string what) {
  return Error(ErrorCode::kInvalidArgument, "macaroon: " + std::move(what));
}

Error limit_exceeded(std::string_view limit_name, std::string_view what, std::size_t size,
                     std::size_t limit) {
  std::string message = "macaroon: ";
  message += what;
  message += " (" + std::to_string(size) + ") exceeds ";
  message += limit_name;
  message += " (" + std::to_string(limit) + ")";
  return Error(ErrorCode::kLimitExceeded, std::move(message));
}

Result<void> check_field_size(std::string_view field_name, std::string_view value,
                              const MacaroonLimits& limits) {
  if (value.size() > limits.max_field_size) {
    return limit_exceeded("max_field_size", std::string(field_name) + " size", value.size(),
                          limits.max_field_size);
  }
  return ok_result();
}

Hash256 keyed_hash2(const Hash256& key, std::string_view a, std::string_view b) {
  std::array<std::uint8_t, 64> both;
  const Hash256 ha = hmac_sha256(as_view(key), a);
  const Hash256 hb = hmac_sha256(as_view(key), b);
  std::memcpy(both.data(), ha.data(), ha.size());
  std::memcpy(both.data() + ha.size(), hb.data(), hb.size());
  return hmac_sha256(as_view(key), {reinterpret_cast<const char*>(both.data()), both.size()});
}

}  // namespace macaroon_internal

Hash256 derive_macaroon_key(std::string_view root_key) {
  // The generator key is a constant, so its pad blocks are hashed once per process.
  static const HmacSha256Key generator(kMacaroonKeyGenerator);
  return generator.mac(root_key);
}

Result<Macaroon> Macaroon::mint(std::string_view root_key, std::string_view identifier,
                                std::string_view location, const MacaroonLimits& limits) {
  if (root_key.empty()) return mi::malformed("empty root key");
  Hash256 key = derive_macaroon_key(root_key);
  auto minted = mint_with_derived_key(key, identifier, location, limits);
  secure_wipe(key.data(), key.size());
  return minted;
}

Result<Macaroon> Macaroon::mint_with_derived_key(const Hash256& key, std::string_view identifier,
                                                 std::string_view location,
                                                 const MacaroonLimits& limits) {
  if (identifier.empty()) return mi::malformed("empty identifier");
  L402_RETURN_IF_ERROR(mi::check_field_size("identifier", identifier, limits));
  L402_RETURN_IF_ERROR(mi::check_field_size("location", location, limits));
  Macaroon macaroon;
  macaroon.location_ = location;
  macaroon.identifier_ = identifier;
  macaroon.signature_ = hmac_sha256(as_view(key), identifier);
  return macaroon;
}

Macaroon Macaroon::from_parts(std::string location, std::string identifier,
                              std::vector<Caveat> caveats, const Hash256& signature) {
  Macaroon macaroon;
  macaroon.location_ = std::move(location);
  macaroon.identifier_ = std::move(identifier);
  macaroon.caveats_ = std::move(caveats);
  macaroon.signature_ = signature;
  return macaroon;
}

Result<void> Macaroon::add_first_party_caveat(std::string_view condition,
                                              const MacaroonLimits& limits) {
  if (condition.empty()) return mi::malformed("empty caveat condition");
  L402_RETURN_IF_ERROR(mi::check_field_size("caveat", condition, limits));
  if (caveats_.size() >= limits.max_caveats) {
    return mi::limit_exceeded("max_caveats", "caveat count", caveats_.size() + 1,
                              limits.max_caveats);
  }
  // 1 (type) + up to 3 (length varint) + data + 1 (EOS): bound before committing.
  const std::size_t size = mi::v2_size(*this) + condition.size() + 5;
  if (size > limits.max_serialized_size) {
    return mi::limit_exceeded("max_serialized_size", "serialized size", size,
                              limits.max_serialized_size);
  }
  caveats_.push_back(Caveat{std::string(condition), {}, {}});
  signature_ = hmac_sha256(as_view(signature_), condition);
  return ok_result();
}

Result<void> Macaroon::add_third_party_caveat(std::string_view caveat_root_key,
                                              std::string_view caveat_id, std::string_view location,
                                              RandomSource& random, const MacaroonLimits& limits) {
  std::array<std::uint8_t, secretbox::kNonceSize> nonce;
  L402_RETURN_IF_ERROR(random.fill(nonce));
  return add_third_party_caveat_with_nonce(
      caveat_root_key, caveat_id, location,
      {reinterpret_cast<const char*>(nonce.data()), nonce.size()}, limits);
}

Result<void> Macaroon::add_third_party_caveat_with_nonce(std::string_view caveat_root_key,
                                                         std::string_view caveat_id,
                                                         std::string_view location,
                                                         std::string_view nonce,
                                                         const MacaroonLimits& limits) {
  if (caveat_root_key.empty()) return mi::malformed("empty third-party caveat key");
  if (caveat_id.empty()) return mi::malformed("empty third-party caveat id");
  if (nonce.size() != secretbox::kNonceSize) return mi::malformed("nonce must be 24 bytes");
  L402_RETURN_IF_ERROR(mi::check_field_size("caveat id", caveat_id, limits));
  L402_RETURN_IF_ERROR(mi::check_field_size("caveat location", location, limits));
  if (caveats_.size() >= limits.max_caveats) {
    return mi::limit_exceeded("max_caveats", "caveat count", caveats_.size() + 1,
                              limits.max_caveats);
  }
  Hash256 caveat_key = derive_macaroon_key(caveat_root_key);
  std::string verification_id(nonce);
  verification_id += secretbox::seal(as_view(signature_), nonce, as_view(caveat_key));
  secure_wipe(caveat_key.data(), caveat_key.size());

  const std::size_t size =
      mi::v2_size(*this) + caveat_id.size() + verification_id.size() + location.size() + 13;
  if (size > limits.max_serialized_size) {
    return mi::limit_exceeded("max_serialized_size", "serialized size", size,
                              limits.max_serialized_size);
  }
  signature_ = mi::keyed_hash2(signature_, verification_id, caveat_id);
  caveats_.push_back(
      Caveat{std::string(caveat_id), std::move(verification_id), std::string(location)});
  return ok_result();
}

Macaroon Macaroon::bind_for_request(const Macaroon& discharge) const {
  Macaroon bound = discharge;
  if (discharge.signature_ == signature_) return bound;
  static constexpr Hash256 kZeroKey{};
  bound.signature_ = mi::keyed_hash2(kZeroKey, as_view(signature_), as_view(discharge.signature_));
  return bound;
}

}  // namespace l402
