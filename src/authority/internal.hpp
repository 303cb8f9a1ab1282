// Helpers shared by the Authority's sources. Private to src/authority.
#pragma once

#include <string>

#include "l402/keyring.hpp"

namespace l402::authority_internal {

// A key ID as people see it in messages and tools: 8 lower-case hex digits.
std::string key_id_hex(KeyId id);

}  // namespace l402::authority_internal
