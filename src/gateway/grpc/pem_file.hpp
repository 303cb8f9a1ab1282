// Reading the PEM files of the gRPC listeners and upstreams (certificates, keys, CAs), which
// gRPC C++ takes as strings rather than paths.
#pragma once

#include <filesystem>
#include <string>

#include "l402/result.hpp"

namespace l402::gateway {

// The whole file. Errors: kFailedPrecondition "<what> <path>: cannot read".
Result<std::string> read_pem_file(const std::filesystem::path& path, const std::string& what);

}  // namespace l402::gateway
