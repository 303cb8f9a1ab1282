#include "client/http/url.hpp"

#include <curl/curl.h>

#include <charconv>
#include <memory>

#include "l402/client_store.hpp"

namespace l402::client {
namespace {

struct UrlHandleDeleter {
  void operator()(CURLU* handle) const { curl_url_cleanup(handle); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlHandleDeleter>;

struct CurlString {
  char* text = nullptr;
  ~CurlString() { curl_free(text); }
};

Error bad_url(std::string_view url, std::string_view why) {
  return Error(ErrorCode::kInvalidArgument,
               "bad URL \"" + std::string(url.substr(0, 200)) + "\": " + std::string(why));
}

Result<void> check_length(std::string_view url) {
  if (url.size() > kMaxUrlBytes) {
    return Error(ErrorCode::kLimitExceeded, "URL of " + std::to_string(url.size()) +
                                                " bytes exceeds " + std::to_string(kMaxUrlBytes));
  }
  if (url.find('\0') != std::string_view::npos) return bad_url(url, "contains a NUL byte");
  return ok_result();
}

Result<std::string> get_part(CURLU* handle, CURLUPart part, unsigned flags, std::string_view url,
                             std::string_view what) {
  CurlString value;
  if (curl_url_get(handle, part, &value.text, flags) != CURLUE_OK || value.text == nullptr) {
    return bad_url(url, "no " + std::string(what));
  }
  return std::string(value.text);
}

std::string lower_case(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

Result<ParsedUrl> describe(CURLU* handle, std::string_view original) {
  ParsedUrl parsed;
  L402_ASSIGN_OR_RETURN(parsed.scheme, get_part(handle, CURLUPART_SCHEME, 0, original, "scheme"));
  parsed.scheme = lower_case(std::move(parsed.scheme));
  if (parsed.scheme != "http" && parsed.scheme != "https") {
    return bad_url(original, "scheme " + parsed.scheme + " is not http or https");
  }
  L402_ASSIGN_OR_RETURN(parsed.host, get_part(handle, CURLUPART_HOST, 0, original, "host"));
  parsed.host = lower_case(std::move(parsed.host));
  if (parsed.host.empty()) return bad_url(original, "no host");
  L402_ASSIGN_OR_RETURN(const std::string port,
                        get_part(handle, CURLUPART_PORT, CURLU_DEFAULT_PORT, original, "port"));
  unsigned value = 0;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (error != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
    return bad_url(original, "bad port " + port);
  }
  parsed.port = static_cast<std::uint16_t>(value);
  L402_ASSIGN_OR_RETURN(parsed.path, get_part(handle, CURLUPART_PATH, 0, original, "path"));
  if (parsed.path.empty()) parsed.path = "/";
  L402_ASSIGN_OR_RETURN(parsed.url, get_part(handle, CURLUPART_URL, 0, original, "URL"));
  parsed.origin = parsed.scheme + "://" + parsed.host + ":" + std::to_string(parsed.port);
  // Tokens are filed under canonical_origin(): a host that curl accepts but that has no
  // canonical origin (e.g. "127.0.~.1") could never keep a token, so it is refused here.
  const Result<std::string> canonical = canonical_origin(parsed.url);
  if (!canonical.ok()) return bad_url(original, canonical.error().message());
  if (*canonical != parsed.origin) {
    return bad_url(
        original, "its origin " + parsed.origin + " is not in canonical form (" + *canonical + ")");
  }
  return parsed;
}

Result<void> set_url(CURLU* handle, std::string_view url) {
  const std::string text(url);
  const CURLUcode code = curl_url_set(handle, CURLUPART_URL, text.c_str(), 0);
  if (code != CURLUE_OK) return bad_url(url, curl_url_strerror(code));
  return ok_result();
}

// curl's normal form is not always a fixed point: "http:/%36/" comes out as "http://6/", which
// curl reads again as host 0.0.0.6. A URL must mean the same thing each time it is read (tokens
// are filed under it), so the handle is brought to a form that reads back as itself.
Result<void> settle(CURLU* handle, std::string_view original) {
  for (int round = 0; round < 3; ++round) {
    L402_ASSIGN_OR_RETURN(const std::string before,
                          get_part(handle, CURLUPART_URL, 0, original, "URL"));
    L402_RETURN_IF_ERROR(set_url(handle, before));
    L402_ASSIGN_OR_RETURN(const std::string after,
                          get_part(handle, CURLUPART_URL, 0, original, "URL"));
    if (after == before) return ok_result();
  }
  return bad_url(original, "it has no stable normal form");
}

}  // namespace

Result<ParsedUrl> parse_url(std::string_view url) {
  L402_RETURN_IF_ERROR(check_length(url));
  const UrlHandle handle(curl_url());
  if (!handle) return Error(ErrorCode::kInternal, "out of memory parsing a URL");
  L402_RETURN_IF_ERROR(set_url(handle.get(), url));
  L402_RETURN_IF_ERROR(settle(handle.get(), url));
  return describe(handle.get(), url);
}

Result<ParsedUrl> resolve_url(std::string_view base, std::string_view reference) {
  L402_RETURN_IF_ERROR(check_length(base));
  L402_RETURN_IF_ERROR(check_length(reference));
  const UrlHandle handle(curl_url());
  if (!handle) return Error(ErrorCode::kInternal, "out of memory parsing a URL");
  L402_RETURN_IF_ERROR(set_url(handle.get(), base));
  // With a URL already held, curl resolves a relative one against it (RFC 3986 §5).
  L402_RETURN_IF_ERROR(set_url(handle.get(), reference));
  L402_RETURN_IF_ERROR(settle(handle.get(), reference));
  return describe(handle.get(), reference);
}

}  // namespace l402::client
