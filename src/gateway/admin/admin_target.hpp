// Pieces of an admin request taken apart: the path and query of a target, query parameters,
// the bearer credential of an Authorization field, a token ID in hex. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "l402/token.hpp"

namespace l402::gateway::admin {

struct Target {
  std::string path;
  std::string query;  // without '?'
};

Target split_target(std::string_view target);

// The percent-decoded value of `name` in `query` ("a=1&b=2"); nullopt when absent or badly
// encoded.
std::optional<std::string> query_parameter(std::string_view query, std::string_view name);

// "Bearer <credential>" (scheme case-insensitive) -> the credential; nullopt otherwise.
std::optional<std::string_view> bearer_credential(std::string_view authorization);

// 64 hex digits (either case) -> the token ID.
std::optional<TokenId> parse_token_id(std::string_view hex_text);

// `text` percent-encoded for a query value (unreserved characters kept).
std::string percent_encode(std::string_view text);

}  // namespace l402::gateway::admin
