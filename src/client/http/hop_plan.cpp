#include "client/http/hop_plan.hpp"

#include "client/http/header_text.hpp"

namespace l402::client {

Result<void> check_request(const HttpRequest& request) {
  if (!is_token(request.method)) {
    return Error(ErrorCode::kInvalidArgument, "bad HTTP method \"" + request.method + "\"");
  }
  if (request.method == "HEAD" && request.body.kind() != RequestBody::Kind::kNone) {
    return Error(ErrorCode::kInvalidArgument, "a HEAD request cannot carry a body");
  }
  if (request.headers.size() > kMaxRequestHeaders) {
    return Error(ErrorCode::kLimitExceeded, std::to_string(request.headers.size()) +
                                                " request header fields exceed " +
                                                std::to_string(kMaxRequestHeaders));
  }
  std::size_t bytes = 0;
  for (const HttpHeader& header : request.headers) {
    if (!is_token(header.name)) {
      return Error(ErrorCode::kInvalidArgument,
                   "bad request header name \"" + header.name.substr(0, 64) + "\"");
    }
    if (!is_safe_field_value(header.value)) {
      return Error(ErrorCode::kInvalidArgument,
                   "request header " + header.name + " has a line break or NUL in its value");
    }
    bytes += header.name.size() + header.value.size() + 4;
  }
  if (bytes > kMaxRequestHeaderBytes) {
    return Error(ErrorCode::kLimitExceeded, "request header fields of " + std::to_string(bytes) +
                                                " bytes exceed " +
                                                std::to_string(kMaxRequestHeaderBytes));
  }
  return ok_result();
}

std::vector<std::string> hop_header_lines(const HttpRequest& request, const Hop& hop,
                                          const std::optional<std::string>& authorization) {
  const bool has_body = hop.send_body && request.body.kind() != RequestBody::Kind::kNone;
  std::vector<std::string> lines;
  bool expect_set = false;
  bool content_type_set = false;
  for (const HttpHeader& header : request.headers) {
    const auto is = [&](std::string_view name) { return equals_ignoring_case(header.name, name); };
    if (is("Authorization") && (authorization.has_value() || !hop.at_request_origin)) continue;
    if ((is("Cookie") || is("Host")) && !hop.at_request_origin) continue;
    if (is("Content-Length")) continue;
    if (is("Content-Type")) {
      if (!has_body && !hop.send_body) continue;
      content_type_set = true;
    }
    if (is("Expect")) expect_set = true;
    lines.push_back(header.name + ": " + header.value);
  }
  if (authorization.has_value()) lines.push_back("Authorization: " + *authorization);
  if (!expect_set) lines.emplace_back("Expect:");
  if (has_body && !content_type_set) lines.emplace_back("Content-Type:");
  return lines;
}

bool is_redirect_status(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

Hop next_hop(const Hop& current, int status, ParsedUrl target, const std::string& request_origin) {
  Hop next;
  next.at_request_origin = target.origin == request_origin;
  next.url = std::move(target);
  next.method = current.method;
  next.send_body = current.send_body;
  const bool becomes_get = (status == 303 && current.method != "HEAD") ||
                           ((status == 301 || status == 302) && current.method == "POST");
  if (becomes_get) {
    next.method = "GET";
    next.send_body = false;
  }
  return next;
}

}  // namespace l402::client
