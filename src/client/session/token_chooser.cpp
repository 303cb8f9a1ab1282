#include "client/session/token_chooser.hpp"

#include "l402/encoding.hpp"
#include "l402/purchase_policy.hpp"

namespace l402::client {

std::string authorization_for(const StoredToken& token) {
  return "L402 " + token.macaroon_base64 + ":" + hex::encode(token.preimage);
}

Result<std::optional<StoredToken>> best_token(ClientStore& store, std::string_view origin,
                                              std::string_view path, std::int64_t now) {
  L402_ASSIGN_OR_RETURN(std::vector<StoredToken> tokens, store.tokens_for_origin(origin));
  const std::optional<std::size_t> chosen = select_token(tokens, path, now);
  if (!chosen.has_value()) return std::optional<StoredToken>();
  return std::optional<StoredToken>(std::move(tokens[*chosen]));
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
  Result<std::optional<StoredToken>> best = best_token(store_, last_origin_, url.path, now_);
  if (!best.ok()) {
    error_ = best.error();
    return std::nullopt;
  }
  if (!best->has_value()) return std::nullopt;
  last_token_ = std::move(*best);
  return authorization_for(*last_token_);
}

}  // namespace l402::client
