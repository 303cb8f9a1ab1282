#include "output_sinks.hpp"

#include <string>
#include <utility>

namespace l402::cli {
namespace {

class DiscardSink final : public BodySink {
 public:
  Result<void> begin(const ResponseHead& /*head*/) override { return ok_result(); }
  Result<void> write(std::string_view /*bytes*/) override { return ok_result(); }
};

class HeadSink final : public BodySink {
 public:
  explicit HeadSink(std::unique_ptr<BodySink> inner) : inner_(std::move(inner)) {}

  Result<void> begin(const ResponseHead& head) override {
    L402_RETURN_IF_ERROR(inner_->begin(head));
    std::string text = "HTTP/1.1 " + std::to_string(head.status);
    if (!head.reason.empty()) text += " " + head.reason;
    text += "\r\n";
    for (const HttpHeader& header : head.headers) {
      text += header.name + ": " + header.value + "\r\n";
    }
    text += "\r\n";
    return inner_->write(text);
  }
  Result<void> write(std::string_view bytes) override { return inner_->write(bytes); }

 private:
  std::unique_ptr<BodySink> inner_;
};

}  // namespace

std::unique_ptr<BodySink> make_discard_sink() { return std::make_unique<DiscardSink>(); }

std::unique_ptr<BodySink> make_head_sink(std::unique_ptr<BodySink> inner) {
  return std::make_unique<HeadSink>(std::move(inner));
}

}  // namespace l402::cli
