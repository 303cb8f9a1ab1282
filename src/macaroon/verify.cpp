// Verification recomputes every signature chain before any caveat is checked, so a forged
// macaroon is reported as such (kUnauthenticated) rather than by whichever caveat it fails.
#include <vector>

#include "internal.hpp"
#include "l402/macaroon.hpp"
#include "l402/secret.hpp"

namespace l402 {
namespace {
namespace mi = macaroon_internal;

Error unauthenticated(std::string what) {
  return Error(ErrorCode::kUnauthenticated, "macaroon: " + std::move(what));
}

// Recovers the caveat key sealed in a verification id under the running signature.
Result<Hash256> open_caveat_key(const Hash256& signature, std::string_view verification_id,
                                std::size_t caveat_index) {
  auto where = [caveat_index] { return "caveat " + std::to_string(caveat_index); };
  if (verification_id.size() < mi::kVerificationIdMinSize) {
    return unauthenticated(where() + ": verification id too short");
  }
  auto key = secretbox::open(as_view(signature), verification_id.substr(0, secretbox::kNonceSize),
                             verification_id.substr(secretbox::kNonceSize));
  if (!key.ok() || key->size() != sizeof(Hash256)) {
    if (key.ok()) secure_wipe(key->data(), key->size());
    return unauthenticated(where() + ": cannot open the third-party caveat key");
  }
  Hash256 out;
  std::copy(key->begin(), key->end(), out.begin());
  secure_wipe(key->data(), key->size());
  return out;
}

class ChainVerifier {
 public:
  ChainVerifier(const Hash256& root_signature, std::span<const Macaroon> discharges)
      : root_signature_(root_signature), discharges_(discharges), used_(discharges.size(), false) {}

  // Recomputes `macaroon`'s chain from `key`, descending into discharges; for a discharge
  // (is_root = false) the result is bound to the root signature before comparing.
  Result<void> verify(const Macaroon& macaroon, const Hash256& key, bool is_root) {
    conditions_.reserve(conditions_.size() + macaroon.caveats().size());
    Hash256 signature = hmac_sha256(as_view(key), macaroon.identifier());
    const auto& caveats = macaroon.caveats();
    for (std::size_t i = 0; i < caveats.size(); ++i) {
      const Caveat& caveat = caveats[i];
      if (caveat.is_first_party()) {
        conditions_.push_back(caveat.id);
        signature = hmac_sha256(as_view(signature), caveat.id);
        continue;
      }
      L402_ASSIGN_OR_RETURN(Hash256 caveat_key,
                            open_caveat_key(signature, caveat.verification_id, i));
      auto discharged = verify_discharge(caveat, caveat_key);
      secure_wipe(caveat_key.data(), caveat_key.size());
      L402_RETURN_IF_ERROR(discharged);
      signature = mi::keyed_hash2(signature, caveat.verification_id, caveat.id);
    }
    if (!is_root) {
      static constexpr Hash256 kZeroKey{};
      signature = mi::keyed_hash2(kZeroKey, as_view(root_signature_), as_view(signature));
    }
    if (!constant_time_equal(as_view(signature), as_view(macaroon.signature()))) {
      return unauthenticated(is_root ? "signature mismatch" : "discharge signature mismatch");
    }
    return ok_result();
  }

  Result<void> check_all_discharges_used() const {
    for (std::size_t i = 0; i < used_.size(); ++i) {
      if (!used_[i]) {
        return Error(ErrorCode::kInvalidArgument,
                     "macaroon: discharge " + std::to_string(i) + " was not used");
      }
    }
    return ok_result();
  }

  std::vector<std::string> take_conditions() { return std::move(conditions_); }

 private:
  Result<void> verify_discharge(const Caveat& caveat, const Hash256& caveat_key) {
    for (std::size_t d = 0; d < discharges_.size(); ++d) {
      if (discharges_[d].identifier() != caveat.id) continue;
      // Marking before descending also stops discharges that refer to each other in a cycle.
      if (used_[d]) {
        return Error(ErrorCode::kInvalidArgument,
                     "macaroon: discharge " + std::to_string(d) + " used more than once");
      }
      used_[d] = true;
      return verify(discharges_[d], caveat_key, /*is_root=*/false);
    }
    return Error(ErrorCode::kNotFound, "macaroon: no discharge for a third-party caveat");
  }

  const Hash256& root_signature_;
  std::span<const Macaroon> discharges_;
  std::vector<bool> used_;
  std::vector<std::string> conditions_;
};

}  // namespace

Result<std::vector<std::string>> verify_macaroon(const Macaroon& macaroon,
                                                 std::string_view root_key,
                                                 std::span<const Macaroon> discharges,
                                                 const CaveatChecker& check) {
  if (root_key.empty()) return mi::malformed("empty root key");
  Hash256 key = derive_macaroon_key(root_key);
  ChainVerifier verifier(macaroon.signature(), discharges);
  auto verified = verifier.verify(macaroon, key, /*is_root=*/true);
  secure_wipe(key.data(), key.size());
  L402_RETURN_IF_ERROR(verified);
  L402_RETURN_IF_ERROR(verifier.check_all_discharges_used());
  std::vector<std::string> conditions = verifier.take_conditions();
  if (check) {
    for (const std::string& condition : conditions) L402_RETURN_IF_ERROR(check(condition));
  }
  return conditions;
}

}  // namespace l402
