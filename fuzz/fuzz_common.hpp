// Helpers shared by the libFuzzer targets: a property check that reports and aborts (so that
// libFuzzer records the input as a crash) and hex dumps for the report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "l402/encoding.hpp"

namespace l402::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

[[noreturn]] inline void property_failed(const char* file, int line, const char* what) {
  std::fprintf(stderr, "%s:%d: property violated: %s\n", file, line, what);
  std::abort();
}

// Prints `label` and the hex of `bytes` to stderr (for reports before a failed check).
inline void dump(const char* label, std::string_view bytes) {
  std::fprintf(stderr, "%s (%zu bytes): %s\n", label, bytes.size(), hex::encode(bytes).c_str());
}

}  // namespace l402::fuzz

// Like assert(), but never compiled out.
#define L402_FUZZ_CHECK(condition)                                                   \
  do {                                                                               \
    if (!(condition)) ::l402::fuzz::property_failed(__FILE__, __LINE__, #condition); \
  } while (false)
