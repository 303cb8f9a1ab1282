#include "client/http/header_text.hpp"
#include "l402/client.hpp"

namespace l402 {

std::vector<std::string_view> ResponseHead::values(std::string_view name) const {
  std::vector<std::string_view> found;
  for (const HttpHeader& header : headers) {
    if (client::equals_ignoring_case(header.name, name)) found.push_back(header.value);
  }
  return found;
}

std::optional<std::string_view> ResponseHead::value(std::string_view name) const {
  for (const HttpHeader& header : headers) {
    if (client::equals_ignoring_case(header.name, name)) return std::string_view(header.value);
  }
  return std::nullopt;
}

}  // namespace l402
