// The admin credential file: created once, atomically, readable by its owner only.
//
// A new credential is written to a private temporary file in the same directory and linked
// into place: link() fails when the name exists, so of several processes starting at once
// exactly one creates the file, the others read it, and nobody ever sees a half-written one.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <system_error>

#include "gateway/admin/admin_server.hpp"
#include "l402/encoding.hpp"
#include "l402/secret.hpp"

namespace l402::gateway {
namespace {

constexpr std::size_t kCredentialBytes = 32;
// A credential file larger than this is not one of ours.
constexpr off_t kMaxFileSize = 4096;

std::string errno_text(int error) { return std::generic_category().message(error); }

Error file_error(const std::filesystem::path& path, std::string_view what, int error) {
  return Error(ErrorCode::kFailedPrecondition, "admin credential file " + path.string() + ": " +
                                                   std::string(what) + ": " + errno_text(error));
}

bool valid_credential(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (c <= ' ' || c > '~') return false;  // it travels in an HTTP header field
  }
  return true;
}

Result<std::string> read_credential(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return file_error(path, "cannot open", errno);
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int error = errno;
    ::close(fd);
    return file_error(path, "cannot stat", error);
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    return Error(ErrorCode::kFailedPrecondition,
                 "admin credential file " + path.string() + ": not a regular file");
  }
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
    return Error(ErrorCode::kFailedPrecondition,
                 "admin credential file " + path.string() + " is accessible by group or others " +
                     "(mode " + mode + "); run: chmod 600 " + path.string());
  }
  if (info.st_size > kMaxFileSize) {
    ::close(fd);
    return Error(ErrorCode::kFailedPrecondition,
                 "admin credential file " + path.string() + ": too large to be a credential");
  }
  std::string content(static_cast<std::size_t>(kMaxFileSize) + 1, '\0');
  std::size_t used = 0;
  while (used < content.size()) {
    const ssize_t got = ::read(fd, content.data() + used, content.size() - used);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      const int error = errno;
      ::close(fd);
      secure_wipe(content.data(), content.size());
      return file_error(path, "cannot read", error);
    }
    if (got == 0) break;
    used += static_cast<std::size_t>(got);
  }
  ::close(fd);
  std::string_view text(content.data(), used);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  std::string credential(text);
  secure_wipe(content.data(), content.size());
  if (!valid_credential(credential)) {
    return Error(ErrorCode::kFailedPrecondition,
                 "admin credential file " + path.string() +
                     ": does not hold a credential (one line of printable characters without "
                     "spaces); delete it to have a new one created");
  }
  return credential;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t wrote = ::write(fd, data.data(), data.size());
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(wrote));
  }
  return true;
}

// Creates `path` holding a new credential. Returns false (and no error) when `path` exists.
Result<bool> create_credential(const std::filesystem::path& path, RandomSource& random) {
  std::array<std::uint8_t, kCredentialBytes> bytes{};
  L402_RETURN_IF_ERROR(random.fill(bytes));
  std::string line = hex::encode(bytes) + "\n";
  secure_wipe(bytes.data(), bytes.size());

  std::string temporary = path.string() + ".XXXXXX";
  const int fd = ::mkstemp(temporary.data());  // mode 0600
  if (fd < 0) {
    secure_wipe(line.data(), line.size());
    return file_error(path, "cannot create a temporary file beside it", errno);
  }
  const bool written = write_all(fd, line) && ::fsync(fd) == 0;
  const int write_error = errno;
  secure_wipe(line.data(), line.size());
  ::close(fd);
  if (!written) {
    ::unlink(temporary.c_str());
    return file_error(path, "cannot write", write_error);
  }
  const int linked = ::link(temporary.c_str(), path.c_str());
  const int link_error = errno;
  ::unlink(temporary.c_str());
  if (linked == 0) return true;
  if (link_error == EEXIST) return false;
  return file_error(path, "cannot create", link_error);
}

}  // namespace

Result<std::string> load_or_create_admin_credential(const std::filesystem::path& path,
                                                    RandomSource& random) {
  if (path.empty()) {
    return Error(ErrorCode::kInvalidArgument, "no admin credential file given");
  }
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (path.has_parent_path()) {
      std::filesystem::create_directories(path.parent_path(), ec);
      if (ec) return file_error(path, "cannot create its directory", ec.value());
    }
    L402_RETURN_IF_ERROR(create_credential(path, random));
  }
  return read_credential(path);
}

}  // namespace l402::gateway
