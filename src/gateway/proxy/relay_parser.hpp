// An HTTP/1 message parser (Beast's basic_parser) that keeps what the proxy needs and nothing
// more: the start line and fields go straight into the proxy's own head structures (no
// beast::http::fields allocations), and body bytes are copied into a buffer the session
// provides, piece by piece, like Beast's buffer_body: when the buffer is full, put() stops
// with error::need_buffer. Chunk framing is removed; the session re-frames what it writes.
// Private to src/gateway/proxy; includes Beast.
//
// Thread safety: one thread at a time.
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "gateway/exchange.hpp"

namespace l402::gateway::proxy {

// A response head as received from an upstream.
struct ResponseHead {
  int status = 0;
  unsigned version = 11;
  std::vector<Field> fields;
};

// Head is RequestHead (isRequest) or ResponseHead.
template <bool isRequest, typename Head>
class RelayParser final : public boost::beast::http::basic_parser<isRequest> {
  using string_view = boost::beast::string_view;
  using error_code = boost::beast::error_code;

 public:
  // Fills `head` (whose fields the caller has cleared).
  explicit RelayParser(Head& head) : head_(head) {
    // Body size limits are the session's to enforce (it knows the plan's limit and answers
    // 413 itself); the parser's default would refuse bodies over 8 MB. Not boost::none:
    // Beast 1.74 compares a Content-Length with the optional limit, and none loses.
    this->body_limit(std::numeric_limits<std::uint64_t>::max());
  }

  // Where body bytes go next.
  void set_body_buffer(char* data, std::size_t capacity) {
    body_ = data;
    body_capacity_ = capacity;
    body_size_ = 0;
  }
  std::size_t body_size() const { return body_size_; }

 private:
  void on_request_impl(boost::beast::http::verb /*method*/, string_view method, string_view target,
                       int version, error_code& /*ec*/) override {
    if constexpr (isRequest) {
      head_.method.assign(method.data(), method.size());
      head_.target.assign(target.data(), target.size());
      head_.version = static_cast<unsigned>(version);
    }
  }

  void on_response_impl(int status, string_view /*reason*/, int version,
                        error_code& /*ec*/) override {
    if constexpr (!isRequest) {
      head_.status = status;
      head_.version = static_cast<unsigned>(version);
    }
  }

  void on_field_impl(boost::beast::http::field /*name*/, string_view name, string_view value,
                     error_code& /*ec*/) override {
    head_.fields.push_back(
        Field{std::string(name.data(), name.size()), std::string(value.data(), value.size())});
  }

  void on_header_impl(error_code& /*ec*/) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& /*length*/,
                         error_code& /*ec*/) override {}

  std::size_t on_body_impl(string_view body, error_code& ec) override { return take(body, ec); }

  void on_chunk_header_impl(std::uint64_t /*size*/, string_view /*extensions*/,
                            error_code& /*ec*/) override {}

  std::size_t on_chunk_body_impl(std::uint64_t /*remain*/, string_view body,
                                 error_code& ec) override {
    return take(body, ec);
  }

  void on_finish_impl(error_code& /*ec*/) override {}

  std::size_t take(string_view body, error_code& ec) {
    const std::size_t room = body_capacity_ - body_size_;
    const std::size_t n = body.size() < room ? body.size() : room;
    if (n > 0) std::memcpy(body_ + body_size_, body.data(), n);
    body_size_ += n;
    if (n < body.size()) ec = boost::beast::http::error::need_buffer;
    return n;
  }

  Head& head_;
  char* body_ = nullptr;
  std::size_t body_capacity_ = 0;
  std::size_t body_size_ = 0;
};

using RequestParser = RelayParser<true, RequestHead>;
using ResponseParser = RelayParser<false, ResponseHead>;

}  // namespace l402::gateway::proxy
