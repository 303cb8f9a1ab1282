// The devnet node's macaroons: one per account, minted with our own macaroon library so that
// any LND client can present it, and checked by the node (and its REST server).
//
// A macaroon is V2 binary, location "lnd" (what LND writes), identifier
// "devnet-account:<account>" and no caveats. Its root key is derived from macaroon.key
// (HMAC-SHA256(macaroon.key, "l402-devnet macaroon root key v1")), so that the 32 bytes on
// disk are never used directly as a MAC key and a new purpose can derive a key of its own.
//
// Thread safety: immutable after construction; safe from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "l402/result.hpp"
#include "l402/secret.hpp"

namespace l402::devnet {

// The identifier prefix; what follows it is the account name.
inline constexpr std::string_view kAccountIdentifierPrefix = "devnet-account:";
// LND's answer to a macaroon it did not mint or that was altered.
inline constexpr std::string_view kMacaroonMismatchMessage =
    "verification failed: signature mismatch after caveat verification";

class NodeMacaroons {
 public:
  // `macaroon_key`: the 32 bytes of macaroon.key.
  explicit NodeMacaroons(const SecretBytes& macaroon_key);

  // The binary V2 macaroon of `account`. Deterministic: the same key and account always give
  // the same bytes.
  Result<std::string> mint(std::string_view account) const;

  // The account named by a macaroon this node minted. Errors: kUnauthenticated for bytes
  // that are not a macaroon, a signature that does not verify (another node's, or altered),
  // caveats (devnet macaroons carry none, and the node has no checker for any), or an
  // identifier of another form.
  Result<std::string> authenticate(std::span<const std::uint8_t> macaroon) const;

 private:
  SecretBytes root_key_;
};

}  // namespace l402::devnet
