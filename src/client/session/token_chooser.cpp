#include "client/session/token_chooser.hpp"

#include "l402/encoding.hpp"
#include "l402/purchase_policy.hpp"

namespace l402::client {

std::string authorization_for(const StoredToken& token) {
  return "L402 " + token.macaroon_base64 + ":" + hex::encode(token.preimage);
}

std::optional<std::string> TokenChooser::choose(const ParsedUrl& url) {
  Result<std::string> origin = canonical_origin(url.url);
  last_origin_ = origin.ok() ? std::move(origin).value() : url.origin;
  last_token_.reset();
  if (caller_authorized_ && last_origin_ == request_origin_) return std::nullopt;
  if (fresh_.has_value() && fresh_->origin == last_origin_) {
    last_token_ = fresh_;
    return authorization_for(*fresh_);
  }
  Result<std::vector<StoredToken>> tokens = store_.tokens_for_origin(last_origin_);
  if (!tokens.ok()) {
    error_ = tokens.error();
    return std::nullopt;
  }
  const std::optional<std::size_t> chosen = select_token(*tokens, url.path, now_);
  if (!chosen.has_value()) return std::nullopt;
  last_token_ = (*tokens)[*chosen];
  return authorization_for(*last_token_);
}

}  // namespace l402::client
