// The Authorize hook of one exchange: for each hop, the stored token to send to that origin
// (select_token), remembering what went to the last hop so that a 402 can mark it stale.
// Private to src/client/.
//
// Thread safety: one object per exchange.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "client/http/url.hpp"
#include "l402/client_store.hpp"

namespace l402::client {

// "L402 <macaroon base64>:<preimage hex>": the credential of a stored token. Holds a secret.
std::string authorization_for(const StoredToken& token);

// The best token held for `origin` (canonical) and a request to `path`, by select_token(), or
// nullopt. Errors: the store's.
Result<std::optional<StoredToken>> best_token(ClientStore& store, std::string_view origin,
                                              std::string_view path, std::int64_t now);

class TokenChooser {
 public:
  // `request_origin` is the canonical origin of the request's URL; when `caller_authorized`,
  // the request carries its own Authorization and gets no token of ours there. `fresh`, when
  // given, is sent to its origin instead of choosing (the retry after buying it).
  TokenChooser(ClientStore& store, std::int64_t now, std::string request_origin,
               bool caller_authorized, std::optional<StoredToken> fresh = std::nullopt)
      : store_(store),
        now_(now),
        request_origin_(std::move(request_origin)),
        caller_authorized_(caller_authorized),
        fresh_(std::move(fresh)) {}

  // The Authorization value for a hop to `url`, or nullopt.
  std::optional<std::string> choose(const ParsedUrl& url);

  // The canonical origin of the last hop asked about, and whether the caller's own
  // Authorization went there.
  const std::string& last_origin() const { return last_origin_; }
  bool last_hop_caller_authorized() const {
    return caller_authorized_ && last_origin_ == request_origin_;
  }
  // The token sent on the last hop, if any.
  const std::optional<StoredToken>& last_token() const { return last_token_; }
  // A store failure while choosing (the hop then went without a token).
  const std::optional<Error>& error() const { return error_; }

 private:
  ClientStore& store_;
  const std::int64_t now_;
  const std::string request_origin_;
  const bool caller_authorized_;
  const std::optional<StoredToken> fresh_;

  std::string last_origin_;
  std::optional<StoredToken> last_token_;
  std::optional<Error> error_;
};

}  // namespace l402::client
