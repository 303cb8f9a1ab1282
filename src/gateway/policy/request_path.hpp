// The parts of a request head the policy matches on: the Host without its port, lower-cased,
// and the path without its query, normalized so that equivalent spellings of one path
// ("/api/%61dmin", "/api/x/../admin") are matched as the same path.
//
// Thread safety: stateless.
#pragma once

#include <string>
#include <string_view>

namespace l402::gateway {

// "Example.COM:8402" -> "example.com"; "[::1]:80" -> "[::1]"; "" -> "".
std::string host_without_port(std::string_view host);

// The path of an origin-form target, without query and fragment ("/a?b" -> "/a").
std::string_view path_of(std::string_view target);

// The query of a target including its '?', or "" ("/a?b" -> "?b").
std::string_view query_of(std::string_view target);

// RFC 3986 §6.2.2: percent-encoded unreserved characters decoded, the remaining percent
// escapes upper-cased, and dot segments removed (§5.2.4). Every output is equivalent to the
// input for any RFC 3986 server, so it can be forwarded in place of the input.
std::string normalize_path(std::string_view path);

}  // namespace l402::gateway
