// What each hop of an exchange sends (pure; no I/O): the request checked once, the header
// lines of one hop, and the hop that follows a redirect (RFC 9110 §15.4). Private to
// src/client/.
//
// Thread safety: stateless.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "client/http/url.hpp"
#include "l402/client.hpp"

namespace l402::client {

// Bounds on what a caller may ask us to send.
inline constexpr std::size_t kMaxRequestHeaders = 100;
inline constexpr std::size_t kMaxRequestHeaderBytes = 64 * 1024;

// One request of an exchange: the first, or one that follows a redirect.
struct Hop {
  ParsedUrl url;
  std::string method;
  bool send_body = true;          // false once a redirect turned the request into a GET
  bool at_request_origin = true;  // the caller's credentials may go here
};

// Errors: kInvalidArgument (a method or field name that is not a token, a value with CR, LF or
// NUL, a HEAD with a body), kLimitExceeded (too many fields or bytes).
Result<void> check_request(const HttpRequest& request);

// The "Name: value" lines for libcurl on `hop`. The caller's fields in order, except:
// Authorization when `authorization` is given (it is sent instead) or away from the request's
// origin; Cookie and Host away from it; Content-Length always (the body's size is known);
// Content-Type once the body is dropped. Then "Expect:" (no 100-continue wait) unless the
// caller set Expect, and "Content-Type:" (no form type by default) for a body without one.
std::vector<std::string> hop_header_lines(const HttpRequest& request, const Hop& hop,
                                          const std::optional<std::string>& authorization);

// 301, 302, 303, 307, 308.
bool is_redirect_status(int status);

// The hop after `current` answered `status` with a Location resolved to `target`: 303 turns
// any method but HEAD into a GET without body, as do 301 and 302 a POST; 307 and 308 repeat
// the method and body.
Hop next_hop(const Hop& current, int status, ParsedUrl target, const std::string& request_origin);

}  // namespace l402::client
