// The export/import document of the token jar (private to src/client/jar/; the format is in
// client_store.hpp and docs/client-store.md).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "l402/client_store.hpp"
#include "l402/result.hpp"

namespace l402::client_jar {

inline constexpr std::string_view kTokenDocumentFormat = "l402-tokens";
inline constexpr int kTokenDocumentVersion = 1;

// The document for `tokens`, in their order.
std::string write_token_document(std::span<const StoredToken> tokens);

// Every token of a document, each checked as import_tokens() promises. Errors:
// kInvalidArgument ("token 3: preimage: ..."), kLimitExceeded (document size, token count,
// nesting).
Result<std::vector<StoredToken>> read_token_document(std::string_view json,
                                                     const ClientStoreLimits& limits);

}  // namespace l402::client_jar
