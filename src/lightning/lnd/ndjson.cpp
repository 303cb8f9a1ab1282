#include "lnd/ndjson.hpp"

#include <utility>

namespace l402::lnd {

bool LineSplitter::append(std::string_view bytes) {
  if (overflowed_) return false;
  while (!bytes.empty()) {
    const std::size_t newline = bytes.find('\n');
    const std::string_view piece = bytes.substr(0, newline);
    if (partial_.size() + piece.size() > max_line_bytes_) {
      overflowed_ = true;
      partial_.clear();
      return false;
    }
    partial_.append(piece);
    if (newline == std::string_view::npos) break;
    if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
    if (!partial_.empty()) lines_.push_back(std::move(partial_));
    partial_.clear();
    bytes.remove_prefix(newline + 1);
  }
  return true;
}

std::optional<std::string> LineSplitter::next_line() {
  if (lines_.empty()) return std::nullopt;
  std::string line = std::move(lines_.front());
  lines_.pop_front();
  return line;
}

}  // namespace l402::lnd
