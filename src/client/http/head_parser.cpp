#include "client/http/head_parser.hpp"

#include "client/http/header_text.hpp"

namespace l402::client {
namespace {

std::string_view without_line_ending(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  return line;
}

}  // namespace

void HeadParser::start_head(std::string_view status_line) {
  head_ = ResponseHead{};
  // RFC 9112 §4: HTTP-version SP 3DIGIT SP [reason-phrase]
  const std::size_t space = status_line.find(' ');
  if (space == std::string_view::npos) return;
  const std::string_view rest = status_line.substr(space + 1);
  if (rest.size() < 3) return;
  int status = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    if (rest[i] < '0' || rest[i] > '9') return;
    status = status * 10 + (rest[i] - '0');
  }
  head_.status = status;
  if (rest.size() > 4) head_.reason = std::string(trim_whitespace(rest.substr(4)));
}

HeadParser::Step HeadParser::feed(std::string_view line) {
  bytes_ += line.size();
  if (bytes_ > max_bytes_) return Step::kTooLarge;
  if (complete_) return Step::kIgnored;
  const std::string_view text = without_line_ending(line);
  if (text.starts_with("HTTP/")) {
    bytes_ = line.size();
    start_head(text);
    return Step::kNeedMore;
  }
  if (text.empty()) {
    if (head_.status >= 100 && head_.status < 200) {
      // An interim answer (100 Continue): the real head follows.
      bytes_ = 0;
      head_ = ResponseHead{};
      return Step::kNeedMore;
    }
    complete_ = true;
    bytes_ = 0;
    return Step::kComplete;
  }
  if ((text.front() == ' ' || text.front() == '\t') && !head_.headers.empty()) {
    // RFC 9112 §5.2: obsolete line folding, replaced by a space.
    std::string& value = head_.headers.back().value;
    value.append(" ").append(trim_whitespace(text));
    return Step::kNeedMore;
  }
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return Step::kNeedMore;  // not a field: dropped
  head_.headers.push_back(HttpHeader{std::string(trim_whitespace(text.substr(0, colon))),
                                     std::string(trim_whitespace(text.substr(colon + 1)))});
  return Step::kNeedMore;
}

}  // namespace l402::client
