// The token store's import reader (read_token_document, what `l402 tokens import` reads).
// Properties: errors are kInvalidArgument or kLimitExceeded; every token read back is
// consistent (64 hex digits of token ID, sha256(preimage) == payment hash); writing what was
// read and reading it again gives the same tokens.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "client/jar/token_document.hpp"
#include "fuzz_common.hpp"
#include "l402/crypto.hpp"

namespace {

using namespace l402;

bool same(const StoredToken& a, const StoredToken& b) {
  return a.token_id == b.token_id && a.origin == b.origin && a.service == b.service &&
         a.path_scope == b.path_scope && a.macaroon_base64 == b.macaroon_base64 &&
         a.payment_hash == b.payment_hash && a.preimage == b.preimage && a.amount == b.amount &&
         a.fee == b.fee && a.bought_at == b.bought_at && a.expires_at == b.expires_at &&
         a.stale == b.stale;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ClientStoreLimits limits;
  limits.max_import_size = 64 * 1024;
  limits.max_import_tokens = 64;
  const Result<std::vector<StoredToken>> tokens =
      client_jar::read_token_document(fuzz::as_text(data, size), limits);
  if (!tokens.ok()) {
    L402_FUZZ_CHECK(tokens.error().code() == ErrorCode::kInvalidArgument ||
                    tokens.error().code() == ErrorCode::kLimitExceeded);
    return 0;
  }
  for (const StoredToken& token : *tokens) {
    L402_FUZZ_CHECK(token.token_id.size() == 64);
    L402_FUZZ_CHECK(sha256(as_view(token.preimage)) == token.payment_hash);
  }
  const std::string written = client_jar::write_token_document(*tokens);
  const Result<std::vector<StoredToken>> again = client_jar::read_token_document(written, limits);
  L402_FUZZ_CHECK(again.ok() && again->size() == tokens->size());
  for (std::size_t i = 0; i < tokens->size(); ++i) L402_FUZZ_CHECK(same((*tokens)[i], (*again)[i]));
  return 0;
}
