// Splits a byte stream into newline-delimited lines (LND's NDJSON streams). Chunk boundaries
// need not fall on line boundaries: a partial line waits for the rest. Pure.
//
// Thread safety: one thread at a time.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace l402::lnd {

class LineSplitter {
 public:
  // `max_line_bytes` bounds a line (and so the buffer) against a peer that never ends one.
  explicit LineSplitter(std::size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

  // Adds bytes; complete lines become available to next_line(). Returns false (and takes
  // nothing more) once a line exceeds the limit.
  bool append(std::string_view bytes);

  // The oldest complete line without its "\n" (and "\r"), skipping empty lines; nullopt when
  // none is complete yet.
  std::optional<std::string> next_line();

  // Bytes of an unfinished line: at the end of a stream, a sign it was cut mid-message.
  std::size_t pending_bytes() const { return partial_.size(); }
  bool overflowed() const { return overflowed_; }

 private:
  const std::size_t max_line_bytes_;
  std::string partial_;
  std::deque<std::string> lines_;
  bool overflowed_ = false;
};

}  // namespace l402::lnd
