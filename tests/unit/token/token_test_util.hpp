// Shared by the token tests: the synthetic token of l402-protocol.md §7.3 and a digest printer.
#pragma once

#include <string>
#include <string_view>

#include "l402/crypto.hpp"
#include "test_bytes.hpp"

namespace l402::test {

// §7.3: V2 binary of the synthetic token, in hex.
inline constexpr std::string_view k73Hex =
    "0201046c7361740242000072dbb7336c76780023f83da4c355f2eeea85733b13d3477697917790c1229084fed74b3e"
    "f24820f440601eff5bfb42bef4d615c4948cec8aca3cb15bd23f101300021473657276696365733d6d7973657276"
    "6963653a300002236d79736572766963655f6361706162696c69746965733d6164642c737562747261637400022"
    "06d79736572766963655f76616c69645f756e74696c3d34313032343434383030000006205d75adca880a781468"
    "44ce92ce7d659e77a7751fb68558086d8c02c29f3b8d89";

inline std::string hex_of(const Hash256& digest) { return to_hex(as_view(digest)); }

}  // namespace l402::test
