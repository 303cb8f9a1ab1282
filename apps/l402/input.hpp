// Reading command-line arguments that may name stdin ("-") or a file ("@path"), with a cap.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "l402/result.hpp"

namespace l402::cli {

// The argument itself, or the contents of stdin for "-" or of the file for "@path".
// Fails with kLimitExceeded past `max_size` bytes and kNotFound for an unreadable file.
Result<std::string> read_argument(std::string_view argument, std::size_t max_size);

// Decodes hex for an option, naming it in the error ("--root-key: hex: odd number...").
Result<std::string> decode_hex_option(std::string_view option, std::string_view text);

}  // namespace l402::cli
