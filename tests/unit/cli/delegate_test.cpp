// `l402 tokens delegate`: the credential it prints is narrower than the token, and nothing that
// would widen the token is ever printed.
#include "delegate.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "l402/crypto.hpp"
#include "l402/encoding.hpp"
#include "l402/macaroon.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/token.hpp"
#include "l402/token_header.hpp"
#include "result_matchers.hpp"

namespace l402::cli {
namespace {

using test::HasError;

constexpr std::int64_t kNow = 1'800'000'000;

StoredToken token_with(const std::vector<std::string>& caveats) {
  StoredToken token;
  token.preimage.fill(0x42);
  token.payment_hash = sha256(as_view(token.preimage));
  Identifier identifier;
  identifier.payment_hash = token.payment_hash;
  identifier.token_id.fill(0x07);
  Result<Macaroon> macaroon = Macaroon::mint("root key", encode_identifier(identifier), "l402");
  EXPECT_TRUE(macaroon.ok());
  for (const std::string& caveat : caveats)
    EXPECT_TRUE(macaroon->add_first_party_caveat(caveat).ok());
  token.token_id = hex::encode(as_view(identifier.token_id));
  token.macaroon_base64 = base64::encode_std(to_binary_v2(*macaroon));
  token.service = "demo";
  return token;
}

// The caveats of the macaroon in an Authorization value.
std::vector<std::string> conditions_of(const std::string& authorization) {
  Result<Credential> credential = parse_authorization(authorization);
  EXPECT_TRUE(credential.ok());
  std::vector<std::string> conditions;
  if (!credential.ok()) return conditions;
  for (const Caveat& caveat : credential->macaroon.caveats()) conditions.push_back(caveat.id);
  return conditions;
}

TEST(DelegateToken, AddsAnExpiryACapabilityAndACaveatToTheSamePreimage) {
  const StoredToken token = token_with({"services=demo:0", "demo_capabilities=read,write"});
  Delegation delegation;
  delegation.valid_for_seconds = 3600;
  delegation.capabilities = "read";
  delegation.caveats = {"demo_max_requests=10"};
  Result<DelegatedCredential> delegated = delegate_token(token, delegation, kNow);
  ASSERT_TRUE(delegated.ok()) << delegated.error().message();

  const std::vector<std::string> conditions = conditions_of(delegated->authorization);
  EXPECT_EQ(conditions,
            (std::vector<std::string>{
                "services=demo:0", "demo_capabilities=read,write", "demo_capabilities=read",
                "demo_valid_until=" + std::to_string(kNow + 3600), "demo_max_requests=10"}));
  EXPECT_TRUE(delegated->authorization.ends_with(":" + hex::encode(as_view(token.preimage))));
}

TEST(DelegateToken, RefusesToWidenCapabilitiesOrServices) {
  const StoredToken token = token_with({"services=demo:0", "demo_capabilities=read"});
  Delegation more_capabilities;
  more_capabilities.capabilities = "read,write";
  EXPECT_TRUE(
      HasError(delegate_token(token, more_capabilities, kNow), ErrorCode::kPermissionDenied));
  Delegation other_service;
  other_service.services = "other:0";
  EXPECT_FALSE(delegate_token(token, other_service, kNow).ok());
}

TEST(DelegateToken, KeepsAnEarlierExpiryThanAskedFor) {
  const std::int64_t soon = kNow + 60;
  const StoredToken token =
      token_with({"services=demo:0", "demo_valid_until=" + std::to_string(soon)});
  Delegation delegation;
  delegation.valid_for_seconds = 3600;
  Result<DelegatedCredential> delegated = delegate_token(token, delegation, kNow);
  ASSERT_TRUE(delegated.ok()) << delegated.error().message();
  for (const std::string& condition : conditions_of(delegated->authorization)) {
    EXPECT_NE(condition, "demo_valid_until=" + std::to_string(kNow + 3600));
  }
}

}  // namespace
}  // namespace l402::cli
