// A small blocking HTTP client for the gateway's integration tests, on libcurl: every header
// line as received (repeated names kept, in order), the body whole or streamed to a callback,
// and a time limit on every request.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace l402::test {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value" lines
  std::string body;                  // sent when not empty (or when body_size is set)
  // A streamed request body of `body_size` bytes: fill(buffer, capacity) returns the bytes
  // written (0 at the end).
  std::function<std::size_t(char*, std::size_t)> fill;
  std::uint64_t body_size = 0;
  // A streamed response body: each chunk as it arrives; return false to abort. When set,
  // HttpResponse::body stays empty.
  std::function<bool(std::string_view)> on_body;
  std::chrono::milliseconds timeout{10000};
  std::string ca_file;     // https: trust this certificate
  bool verify_tls = true;  // https: false accepts any certificate
};

struct HttpResponse {
  long status = 0;  // 0: no response (see error)
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string error;  // libcurl's message when the transfer failed

  // Every value of the header `name` (case-insensitive), in order.
  std::vector<std::string> values(std::string_view name) const;
  // The first value of the header `name`, if any.
  std::optional<std::string> header(std::string_view name) const;
};

HttpResponse http(const HttpRequest& request);

inline HttpResponse http_get(const std::string& url, std::vector<std::string> headers = {}) {
  HttpRequest request;
  request.url = url;
  request.headers = std::move(headers);
  return http(request);
}

}  // namespace l402::test
