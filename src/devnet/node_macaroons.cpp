#include "node_macaroons.hpp"

#include <utility>
#include <vector>

#include "l402/crypto.hpp"
#include "l402/devnet.hpp"
#include "l402/macaroon.hpp"
#include "l402/macaroon_format.hpp"

namespace l402::devnet {

namespace {

constexpr std::string_view kRootKeyLabel = "l402-devnet macaroon root key v1";
constexpr std::string_view kLocation = "lnd";

Error unauthenticated(std::string_view detail) {
  std::string message(kMacaroonMismatchMessage);
  if (!detail.empty()) message += " (" + std::string(detail) + ")";
  return Error(ErrorCode::kUnauthenticated, std::move(message));
}

}  // namespace

NodeMacaroons::NodeMacaroons(const SecretBytes& macaroon_key) {
  Hash256 root = hmac_sha256(macaroon_key.view(), kRootKeyLabel);
  root_key_ = SecretBytes(as_view(root));
  secure_wipe(root.data(), root.size());
}

Result<std::string> NodeMacaroons::mint(std::string_view account) const {
  std::string identifier(kAccountIdentifierPrefix);
  identifier += account;
  L402_ASSIGN_OR_RETURN(Macaroon macaroon, Macaroon::mint(root_key_.view(), identifier, kLocation));
  return to_binary_v2(macaroon);
}

Result<std::string> NodeMacaroons::authenticate(std::span<const std::uint8_t> macaroon) const {
  const std::string_view bytes(reinterpret_cast<const char*>(macaroon.data()), macaroon.size());
  Result<Macaroon> parsed = parse_binary(bytes);
  if (!parsed.ok()) return unauthenticated("not a macaroon: " + parsed.error().message());
  // The library compares signatures in constant time.
  Result<std::vector<std::string>> verified =
      verify_macaroon(*parsed, root_key_.view(), {}, /*check=*/nullptr);
  if (!verified.ok()) return unauthenticated({});
  if (!verified->empty()) {
    return unauthenticated("devnet macaroons take no caveats; found \"" + verified->front() + "\"");
  }
  const std::string& identifier = parsed->identifier();
  if (identifier.rfind(kAccountIdentifierPrefix, 0) != 0 ||
      identifier.size() == kAccountIdentifierPrefix.size()) {
    return unauthenticated("identifier names no account");
  }
  return identifier.substr(kAccountIdentifierPrefix.size());
}

}  // namespace l402::devnet

namespace l402 {

std::string devnet_macaroon_file_name(std::string_view account) {
  if (account == "default") return "admin.macaroon";
  return std::string(account) + ".macaroon";
}

}  // namespace l402
