#include <utility>

#include "l402/client.hpp"

namespace l402 {

RequestBody RequestBody::memory(std::string bytes) {
  RequestBody body;
  body.kind_ = Kind::kMemory;
  body.bytes_ = std::make_shared<const std::string>(std::move(bytes));
  return body;
}

RequestBody RequestBody::file(std::filesystem::path path) {
  RequestBody body;
  body.kind_ = Kind::kFile;
  body.path_ = std::move(path);
  return body;
}

std::string_view RequestBody::bytes() const {
  if (kind_ != Kind::kMemory) std::abort();
  return *bytes_;
}

const std::filesystem::path& RequestBody::path() const {
  if (kind_ != Kind::kFile) std::abort();
  return path_;
}

}  // namespace l402
