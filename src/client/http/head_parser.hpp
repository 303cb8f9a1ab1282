// Assembles a response head from the lines libcurl hands over one at a time (status line,
// fields, the blank line that ends them), skipping interim 1xx heads and bounding the bytes
// kept. Pure: no I/O. Private to src/client/.
//
// Thread safety: one object per transfer.
#pragma once

#include <cstddef>
#include <string_view>

#include "l402/client.hpp"

namespace l402::client {

class HeadParser {
 public:
  enum class Step {
    kNeedMore,  // the head goes on
    kComplete,  // the final head ended with this line (returned once; later lines are ignored)
    kIgnored,   // a line after the final head (a chunked body's trailer): not kept
    kTooLarge,  // the head, or the trailers after it, went past max_bytes
  };

  explicit HeadParser(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // `line` as libcurl gives it, line ending included.
  Step feed(std::string_view line);

  bool complete() const { return complete_; }
  const ResponseHead& head() const { return head_; }

 private:
  void start_head(std::string_view status_line);

  const std::size_t max_bytes_;
  std::size_t bytes_ = 0;  // of the current head (or of everything after the final one)
  bool complete_ = false;
  ResponseHead head_;
};

}  // namespace l402::client
