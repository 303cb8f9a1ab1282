// Host and path canonicalization for routing (see request_path.hpp).
#include "gateway/policy/request_path.hpp"

#include <cctype>
#include <vector>

namespace l402::gateway {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_unreserved(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~';
}

std::string decode_unreserved(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '%' && i + 2 < path.size()) {
      const int high = hex_value(path[i + 1]);
      const int low = hex_value(path[i + 2]);
      if (high >= 0 && low >= 0) {
        const auto decoded = static_cast<unsigned char>(high * 16 + low);
        if (is_unreserved(decoded)) {
          out += static_cast<char>(decoded);
        } else {
          out += '%';
          out += static_cast<char>(std::toupper(static_cast<unsigned char>(path[i + 1])));
          out += static_cast<char>(std::toupper(static_cast<unsigned char>(path[i + 2])));
        }
        i += 2;
        continue;
      }
    }
    out += c;
  }
  return out;
}

// RFC 3986 §5.2.4 (remove_dot_segments) for a path that starts with '/': "." segments go,
// ".." removes the segment before it; a final "." or ".." leaves a trailing '/'.
std::string remove_dot_segments(std::string_view path) {
  std::vector<std::string_view> segments;
  bool trailing_slash = false;
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    const bool last = end == path.size();
    if (segment == ".") {
      trailing_slash = last;
    } else if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
      trailing_slash = last;
    } else {
      segments.push_back(segment);
      trailing_slash = false;
    }
    start = end + 1;
  }
  std::string out;
  out.reserve(path.size());
  for (const std::string_view segment : segments) {
    out += '/';
    out += segment;
  }
  if (trailing_slash || out.empty()) out += '/';
  return out;
}

}  // namespace

std::string host_without_port(std::string_view host) {
  std::string_view bare = host;
  if (bare.starts_with('[')) {
    const std::size_t close = bare.find(']');
    if (close != std::string_view::npos) bare = bare.substr(0, close + 1);
  } else if (const std::size_t colon = bare.rfind(':');
             colon != std::string_view::npos && bare.find(':') == colon) {
    bare = bare.substr(0, colon);
  }
  std::string out(bare);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find_first_of("?#"));
}

std::string_view query_of(std::string_view target) {
  const std::size_t question = target.find('?');
  if (question == std::string_view::npos) return {};
  const std::string_view rest = target.substr(question);
  return rest.substr(0, rest.find('#'));
}

std::string normalize_path(std::string_view path) {
  std::string decoded = decode_unreserved(path);
  // Only an absolute path has segments to resolve ("*" of OPTIONS has none).
  if (!decoded.starts_with('/') || decoded.find('.') == std::string::npos) return decoded;
  return remove_dot_segments(decoded);
}

}  // namespace l402::gateway
