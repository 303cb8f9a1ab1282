#include "client/jar/private_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace l402::client_jar {

namespace {

constexpr mode_t kGroupOrOther = S_IRWXG | S_IRWXO;

Error file_error(const std::string& path, const std::string& what) {
  return Error(ErrorCode::kFailedPrecondition, "token store " + path + ": " + what);
}

Error errno_error(const std::string& path, const std::string& what, int error_number) {
  return file_error(path, what + " (" + std::strerror(error_number) + ")");
}

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof(text), "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// A file of the store found in place: ours, regular, private.
Result<void> check_private_file(const std::string& path, const struct stat& info) {
  if (!S_ISREG(info.st_mode)) {
    return file_error(path, "not a regular file (a symlink or special file is not used)");
  }
  if (info.st_uid != ::geteuid()) {
    return file_error(path, "owned by another user (uid " + std::to_string(info.st_uid) + ")");
  }
  if ((info.st_mode & kGroupOrOther) != 0) {
    return file_error(path, "readable or writable by other users (mode " +
                                octal_mode(info.st_mode) +
                                "); it holds payment preimages, which others may already have "
                                "read. Run `chmod 600 " +
                                path + "` if that is acceptable, or remove the file");
  }
  return ok_result();
}

}  // namespace

Result<void> prepare_private_directory(const std::string& directory) {
  const std::filesystem::path dir(directory);
  std::error_code ec;
  if (dir.has_parent_path()) std::filesystem::create_directories(dir.parent_path(), ec);
  if (ec) return file_error(dir.parent_path().string(), "cannot create: " + ec.message());
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return errno_error(directory, "cannot create the directory", errno);
  }
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0) {
    return errno_error(directory, "cannot read the directory", errno);
  }
  if (!S_ISDIR(info.st_mode)) return file_error(directory, "not a directory");
  if (info.st_uid != ::geteuid()) {
    return file_error(directory, "the directory is owned by another user (uid " +
                                     std::to_string(info.st_uid) + ")");
  }
  // Commonly made by `mkdir -p` under a 022 umask before we got here; it is ours to fix.
  if ((info.st_mode & kGroupOrOther) != 0 && ::chmod(dir.c_str(), 0700) != 0) {
    return errno_error(directory, "cannot make the directory private (chmod 700)", errno);
  }
  return ok_result();
}

Result<void> prepare_private_database(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == ELOOP) return file_error(path, "is a symlink; the store does not follow one");
    return errno_error(path, "cannot open", errno);
  }
  struct stat info {};
  const int stat_result = ::fstat(fd, &info);
  const int stat_errno = errno;
  ::close(fd);
  if (stat_result != 0) return errno_error(path, "cannot read the file's mode", stat_errno);
  L402_RETURN_IF_ERROR(check_private_file(path, info));
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::string companion = path + suffix;
    struct stat companion_info {};
    if (::lstat(companion.c_str(), &companion_info) != 0) {
      if (errno == ENOENT) continue;
      return errno_error(companion, "cannot read the file's mode", errno);
    }
    L402_RETURN_IF_ERROR(check_private_file(companion, companion_info));
  }
  return ok_result();
}

}  // namespace l402::client_jar
