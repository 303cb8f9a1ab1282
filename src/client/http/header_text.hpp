// Small pure helpers over HTTP/1.1 header text (RFC 9110 §5, RFC 9112 §5): comparing names,
// checking what we are about to send, and hiding credentials from verbose output. Private to
// src/client/.
//
// Thread safety: stateless.
#pragma once

#include <string>
#include <string_view>

namespace l402::client {

// ASCII case-insensitive equality (field names, schemes).
bool equals_ignoring_case(std::string_view a, std::string_view b);

// RFC 9110 token: one or more of ALPHA DIGIT !#$%&'*+-.^_`|~ (methods, field names).
bool is_token(std::string_view text);

// A field value we may send: no CR, LF or NUL, so that no value can add a line to the head.
bool is_safe_field_value(std::string_view text);

// `text` without leading and trailing spaces and tabs.
std::string_view trim_whitespace(std::string_view text);

// A header line ("Name: value") as it may be shown: the values of Authorization,
// Proxy-Authorization and Cookie are replaced by "<redacted>" (an authorization's scheme is
// kept, e.g. "Authorization: L402 <redacted>"). Other lines come back unchanged.
std::string redact_header_line(std::string_view line);

}  // namespace l402::client
