// Allocation-free forms of the caveat rules, for the verifier's hot path. Private to src/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "l402/result.hpp"
#include "l402/token.hpp"

namespace l402::token_internal {

// Checks a whole `services` value as parse_services() does and returns the tier of the first
// entry named `name`, or nullopt when no entry names it.
Result<std::optional<std::uint8_t>> find_service_tier(std::string_view services,
                                                      std::string_view name);

// Checks a whole `<service>_capabilities` value as parse_capabilities() does and says whether
// it lists `capability`.
Result<bool> capabilities_contain(std::string_view capabilities, std::string_view capability);

// `text` for an error message: at most 64 bytes, bytes outside printable ASCII shown as '?',
// in double quotes, "..." after it when cut.
std::string quote(std::string_view text);

}  // namespace l402::token_internal
