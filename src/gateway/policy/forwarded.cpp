// X-Forwarded-For and Forwarded (RFC 7239) parsing (see forwarded.hpp).
#include "gateway/policy/forwarded.hpp"

#include "gateway/policy/header_fields.hpp"

namespace l402::gateway {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

Result<void> check_size(std::span<const std::string_view> values, const ForwardedLimits& limits,
                        std::string_view name) {
  std::size_t total = 0;
  for (const std::string_view value : values) total += value.size();
  if (total > limits.max_bytes) {
    return Error(ErrorCode::kLimitExceeded,
                 std::string(name) + " longer than " + std::to_string(limits.max_bytes) + " bytes");
  }
  return ok_result();
}

Error too_many_hops(std::string_view name, const ForwardedLimits& limits) {
  return Error(ErrorCode::kLimitExceeded,
               std::string(name) + " has more than " + std::to_string(limits.max_hops) + " hops");
}

// A cursor over one Forwarded value.
class ForwardedReader {
 public:
  explicit ForwardedReader(std::string_view text) : text_(text) {}

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  void skip_spaces() {
    while (!at_end() && is_space(peek())) ++pos_;
  }
  bool consume(char c) {
    if (at_end() || peek() != c) return false;
    ++pos_;
    return true;
  }
  std::string_view token() {
    const std::size_t start = pos_;
    while (!at_end() && is_tchar(peek())) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  // A token or a quoted-string, unescaped; nullopt when neither.
  std::optional<std::string> value() {
    if (!consume('"')) {
      const std::string_view plain = token();
      if (plain.empty()) return std::nullopt;
      return std::string(plain);
    }
    std::string out;
    while (!at_end()) {
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (c == '\\') {
        if (at_end()) return std::nullopt;
        out += text_[pos_++];
      } else if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
        return std::nullopt;
      } else {
        out += c;
      }
    }
    return std::nullopt;  // unterminated
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

Error bad_forwarded(std::string_view why) {
  return Error(ErrorCode::kInvalidArgument, "Forwarded: " + std::string(why));
}

// Appends the `for` node of each element of `value` to `out`.
Result<void> read_forwarded_value(std::string_view value, const ForwardedLimits& limits,
                                  std::vector<std::string>& out) {
  ForwardedReader reader(value);
  reader.skip_spaces();
  if (reader.at_end()) return ok_result();
  while (true) {
    // One element: pairs separated by ';'.
    std::optional<std::string> node;
    bool seen[4] = {false, false, false, false};  // for, by, host, proto
    bool any = false;
    while (true) {
      reader.skip_spaces();
      const std::string_view name = reader.token();
      if (!name.empty()) {
        if (!reader.consume('=')) return bad_forwarded("a parameter without '='");
        std::optional<std::string> parameter = reader.value();
        if (!parameter) return bad_forwarded("a parameter value is not a token or quoted string");
        int index = -1;
        if (iequals(name, "for")) index = 0;
        if (iequals(name, "by")) index = 1;
        if (iequals(name, "host")) index = 2;
        if (iequals(name, "proto")) index = 3;
        if (index >= 0) {
          if (seen[index]) return bad_forwarded("a parameter is repeated in one element");
          seen[index] = true;
        }
        if (index == 0) node = std::move(parameter);
        any = true;
      }
      reader.skip_spaces();
      if (!reader.consume(';')) break;
    }
    if (any || node) {
      if (out.size() >= limits.max_hops) return too_many_hops("Forwarded", limits);
      out.push_back(node.value_or(""));
    }
    if (reader.at_end()) return ok_result();
    if (!reader.consume(',')) return bad_forwarded("unexpected character");
  }
}

}  // namespace

Result<std::vector<std::string>> parse_x_forwarded_for(std::span<const std::string_view> values,
                                                       const ForwardedLimits& limits) {
  L402_RETURN_IF_ERROR(check_size(values, limits, "X-Forwarded-For"));
  std::vector<std::string> hops;
  for (std::string_view value : values) {
    while (true) {
      const std::size_t comma = value.find(',');
      const std::string_view hop = trim_ows(value.substr(0, comma));
      if (!hop.empty()) {
        if (hops.size() >= limits.max_hops) return too_many_hops("X-Forwarded-For", limits);
        hops.emplace_back(hop);
      }
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  }
  return hops;
}

Result<std::vector<std::string>> parse_forwarded_for(std::span<const std::string_view> values,
                                                     const ForwardedLimits& limits) {
  L402_RETURN_IF_ERROR(check_size(values, limits, "Forwarded"));
  std::vector<std::string> nodes;
  for (const std::string_view value : values) {
    L402_RETURN_IF_ERROR(read_forwarded_value(value, limits, nodes));
  }
  return nodes;
}

std::optional<IpAddress> parse_node(std::string_view node) {
  node = trim_ows(node);
  if (node.starts_with('[')) {
    const std::size_t close = node.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view rest = node.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return std::nullopt;
    const std::optional<IpAddress> address = parse_ip(node.substr(1, close - 1));
    if (!address) return std::nullopt;
    return address;
  }
  const std::size_t colon = node.find(':');
  if (colon != std::string_view::npos && node.find(':', colon + 1) == std::string_view::npos) {
    node = node.substr(0, colon);  // IPv4 with a port
  }
  return parse_ip(node);
}

std::string forwarded_node(const IpAddress& address) {
  if (address.v6) return "\"[" + format_ip(address) + "]\"";
  return format_ip(address);
}

std::string forwarded_value(std::string_view text) {
  bool token = !text.empty();
  for (const char c : text) token = token && is_tchar(c);
  if (token) return std::string(text);
  std::string out = "\"";
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) continue;
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace l402::gateway
