#include "gateway/grpc/pem_file.hpp"

#include <fstream>
#include <sstream>

namespace l402::gateway {

Result<std::string> read_pem_file(const std::filesystem::path& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(ErrorCode::kFailedPrecondition, what + " " + path.string() + ": cannot read");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace l402::gateway
