// A temporary directory directly under /tmp, for unix sockets: their paths are limited to
// 107 bytes, which a long $TMPDIR (as TempDir uses) can exceed. Removed on destruction.
#pragma once

#include <stdlib.h>  // mkdtemp

#include <filesystem>
#include <string>
#include <system_error>

namespace l402::test {

class SocketDir {
 public:
  SocketDir() {
    std::string pattern = "/tmp/l402-cln-XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~SocketDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  SocketDir(const SocketDir&) = delete;
  SocketDir& operator=(const SocketDir&) = delete;

  // Empty when the directory could not be created.
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace l402::test
