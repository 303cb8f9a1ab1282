// Case-insensitive lookups of a request head's fields, for the policy's own use.
//
// Thread safety: stateless.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "gateway/exchange.hpp"

namespace l402::gateway {

// ASCII case-insensitive equality (field names).
bool iequals(std::string_view a, std::string_view b);

// ASCII case-insensitive prefix test.
bool istarts_with(std::string_view text, std::string_view prefix);

// `text` without the optional whitespace (spaces and tabs) around it.
std::string_view trim_ows(std::string_view text);

// An RFC 9110 tchar: what tokens (methods, field and parameter names) are made of.
bool is_tchar(char c);

// The first field named `name`, if any.
std::optional<std::string_view> find_field(const RequestHead& head, std::string_view name);

// Every field named `name`, in order.
std::vector<std::string_view> field_values(const RequestHead& head, std::string_view name);

}  // namespace l402::gateway
