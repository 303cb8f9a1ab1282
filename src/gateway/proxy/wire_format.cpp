// HTTP/1.1 head and chunk serialisation.
#include "gateway/proxy/wire_format.hpp"

#include <charconv>
#include <cstring>

namespace l402::gateway::proxy {
namespace {

// Three memchr passes (vectorised in glibc): every forwarded field goes through here, and an
// Authorization value is hundreds of bytes.
bool safe_text(std::string_view text) {
  return std::memchr(text.data(), '\r', text.size()) == nullptr &&
         std::memchr(text.data(), '\n', text.size()) == nullptr &&
         std::memchr(text.data(), '\0', text.size()) == nullptr;
}

}  // namespace

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

void append_status_line(std::string& out, int status) {
  out += "HTTP/1.1 ";
  char digits[8];
  const auto end = std::to_chars(digits, digits + sizeof digits, status).ptr;
  out.append(digits, end);
  out += ' ';
  out += reason_phrase(status);
  out += kCrLf;
}

void append_request_line(std::string& out, std::string_view method, std::string_view target) {
  out += method;
  out += ' ';
  out += target;
  out += " HTTP/1.1\r\n";
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  if (name.empty() || !safe_text(name) || !safe_text(value)) return;
  out += name;
  out += ": ";
  out += value;
  out += kCrLf;
}

void append_parsed_field(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += kCrLf;
}

void append_fields(std::string& out, const std::vector<Field>& fields) {
  for (const Field& field : fields) append_field(out, field.name, field.value);
}

std::string_view chunk_size_line(ChunkSizeBuffer& buffer, std::size_t size) {
  char* end = std::to_chars(buffer.data(), buffer.data() + buffer.size() - 2, size, 16).ptr;
  *end++ = '\r';
  *end++ = '\n';
  return {buffer.data(), static_cast<std::size_t>(end - buffer.data())};
}

}  // namespace l402::gateway::proxy
