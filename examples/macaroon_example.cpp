// A seller mints an L402-shaped macaroon, a buyer narrows it, the seller verifies it and
// checks its caveats. Build: cmake --build build --target macaroon_example
#include <array>
#include <cstdint>
#include <iostream>
#include <string>
#include <string_view>

#include "l402/crypto.hpp"
#include "l402/encoding.hpp"
#include "l402/macaroon.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/secret.hpp"

namespace {

std::string random_bytes(l402::RandomSource& random, std::size_t size) {
  std::string bytes(size, '\0');
  auto filled = random.fill({reinterpret_cast<std::uint8_t*>(bytes.data()), bytes.size()});
  filled.value();  // The system CSPRNG failing is not something this example can recover from.
  return bytes;
}

}  // namespace

int main() {
  l402::RandomSource& random = l402::system_random();
  const l402::SecretBytes root_key(random_bytes(random, 32));
  const l402::Hash256 payment_hash = l402::sha256("the invoice's preimage");
  // An L402 identifier: version 0 (two bytes), payment hash, token ID.
  const std::string identifier =
      std::string(2, '\0') + std::string(l402::as_view(payment_hash)) + random_bytes(random, 32);

  auto token = l402::Macaroon::mint(root_key.view(), identifier, "lsat");
  if (!token.ok()) {
    std::cerr << token.error().message() << '\n';
    return 1;
  }
  for (const char* caveat : {"services=weather:0", "weather_capabilities=forecast,history"}) {
    if (auto added = token->add_first_party_caveat(caveat); !added.ok()) {
      std::cerr << added.error().message() << '\n';
      return 1;
    }
  }
  const std::string header_value = l402::base64::encode_std(l402::to_binary_v2(*token));
  std::cout << "token: " << header_value << '\n';

  // The buyer narrows the token without any key.
  auto received = l402::parse_text(header_value);
  if (!received.ok()) return 1;
  l402::Macaroon narrowed = received->front();
  if (!narrowed.add_first_party_caveat("weather_capabilities=forecast").ok()) return 1;

  // The seller verifies the chain, then judges each caveat.
  auto verified = l402::verify_macaroon(
      narrowed, root_key.view(), {}, [](std::string_view condition) -> l402::Result<void> {
        if (condition.starts_with("services=") || condition.starts_with("weather_")) return {};
        return l402::Error(l402::ErrorCode::kPermissionDenied,
                           "unknown caveat " + std::string(condition));
      });
  if (!verified.ok()) {
    std::cerr << "refused: " << verified.error().message() << '\n';
    return 1;
  }
  std::cout << "verified with " << verified->size() << " caveats:\n";
  for (const std::string& condition : *verified) std::cout << "  " << condition << '\n';
  return 0;
}
