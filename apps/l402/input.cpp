#include "input.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>

#include "l402/encoding.hpp"

namespace l402::cli {
namespace {

Result<std::string> read_stream(std::istream& in, std::string_view name, std::size_t max_size) {
  std::string data;
  char buffer[4096];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    data.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (data.size() > max_size) {
      return Error(ErrorCode::kLimitExceeded,
                   std::string(name) + ": more than " + std::to_string(max_size) + " bytes");
    }
  }
  if (in.bad()) return Error(ErrorCode::kUnavailable, std::string(name) + ": read error");
  return data;
}

}  // namespace

Result<std::string> read_argument(std::string_view argument, std::size_t max_size) {
  if (argument == "-") return read_stream(std::cin, "stdin", max_size);
  if (argument.starts_with('@')) {
    const std::string path(argument.substr(1));
    std::ifstream file(path, std::ios::binary);
    if (!file) return Error(ErrorCode::kNotFound, "cannot open " + path);
    return read_stream(file, path, max_size);
  }
  if (argument.size() > max_size) {
    return Error(ErrorCode::kLimitExceeded, "argument of " + std::to_string(argument.size()) +
                                                " bytes exceeds " + std::to_string(max_size));
  }
  return std::string(argument);
}

Result<std::string> decode_hex_option(std::string_view option, std::string_view text) {
  auto bytes = hex::decode(text);
  if (!bytes.ok()) return bytes.error().with_context(option);
  return bytes;
}

}  // namespace l402::cli
