#include "node_files.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

namespace l402::devnet {

namespace {

constexpr std::size_t kKeySize = 32;

Error file_error(const std::filesystem::path& path, std::string_view what, int error_number) {
  std::string message = std::string(what) + " " + path.string();
  if (error_number != 0) message += ": " + std::string(std::strerror(error_number));
  return Error(ErrorCode::kFailedPrecondition, std::move(message));
}

// Closes a descriptor when it goes out of scope.
class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return fd_; }
  // Closes now, reporting the error close() may return (a deferred write error on some file
  // systems).
  int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

Result<void> write_all(int fd, std::string_view bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return file_error(path, "cannot write", errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
  return ok_result();
}

Result<void> sync_directory(const std::filesystem::path& dir) {
  Descriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return file_error(dir, "cannot open directory", errno);
  if (::fsync(fd.get()) != 0) return file_error(dir, "cannot sync directory", errno);
  return ok_result();
}

}  // namespace

Result<void> ensure_private_directory(const std::filesystem::path& dir) {
  std::error_code ec;
  if (dir.has_parent_path()) std::filesystem::create_directories(dir.parent_path(), ec);
  if (ec) return file_error(dir.parent_path(), "cannot create directory", ec.value());
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return file_error(dir, "cannot create data directory", errno);
  }
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0) return file_error(dir, "cannot read data directory", errno);
  if (!S_ISDIR(info.st_mode)) {
    return file_error(dir, "data directory path is not a directory:", 0);
  }
  if (::access(dir.c_str(), R_OK | W_OK | X_OK) != 0) {
    return file_error(dir, "data directory is not readable and writable by this user:", errno);
  }
  return ok_result();
}

Result<DirectoryLock> DirectoryLock::acquire(const std::filesystem::path& lock_file) {
  const int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return file_error(lock_file, "cannot create lock file", errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error_number = errno;
    ::close(fd);
    if (error_number == EWOULDBLOCK) {
      return Error(ErrorCode::kFailedPrecondition,
                   "the data directory of " + lock_file.string() +
                       " is in use by another devnet node (it holds the lock file)");
    }
    return file_error(lock_file, "cannot lock", error_number);
  }
  return DirectoryLock(fd);
}

DirectoryLock& DirectoryLock::operator=(DirectoryLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

Result<SecretBytes> read_key_file(const std::filesystem::path& file) {
  Descriptor fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Error(ErrorCode::kNotFound, "no key file " + file.string());
    return file_error(file, "cannot open key file", errno);
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return file_error(file, "cannot read key file", errno);
  if (!S_ISREG(info.st_mode) || info.st_size != static_cast<off_t>(kKeySize)) {
    return Error(ErrorCode::kFailedPrecondition,
                 "key file " + file.string() + " holds " + std::to_string(info.st_size) +
                     " bytes instead of " + std::to_string(kKeySize) +
                     ": it is truncated or corrupt; restore it from a backup, or remove the "
                     "whole data directory to start a new node");
  }
  std::array<char, kKeySize> buffer{};
  std::size_t filled = 0;
  while (filled < buffer.size()) {
    const ssize_t got = ::read(fd.get(), buffer.data() + filled, buffer.size() - filled);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return file_error(file, "cannot read key file", errno);
    if (got == 0) return file_error(file, "key file shrank while being read:", 0);
    filled += static_cast<std::size_t>(got);
  }
  SecretBytes key(std::string_view(buffer.data(), buffer.size()));
  secure_wipe(buffer.data(), buffer.size());
  return key;
}

Result<void> create_private_file_if_missing(const std::filesystem::path& file) {
  Descriptor fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (fd.get() < 0 && errno != EEXIST) return file_error(file, "cannot create", errno);
  return ok_result();
}

Result<void> write_file_atomically(const std::filesystem::path& file, std::string_view bytes,
                                   mode_t mode) {
  std::filesystem::path temporary = file;
  temporary += ".tmp";
  {
    Descriptor fd(
        ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode));
    if (fd.get() < 0) return file_error(temporary, "cannot create", errno);
    // O_CREAT applies the mode only to a new file; a leftover from a crash keeps its own.
    if (::fchmod(fd.get(), mode) != 0) return file_error(temporary, "cannot chmod", errno);
    L402_RETURN_IF_ERROR(write_all(fd.get(), bytes, temporary));
    if (::fsync(fd.get()) != 0) return file_error(temporary, "cannot sync", errno);
    if (fd.close() != 0) return file_error(temporary, "cannot close", errno);
  }
  if (::rename(temporary.c_str(), file.c_str()) != 0) {
    return file_error(file, "cannot rename the new file to", errno);
  }
  return sync_directory(file.has_parent_path() ? file.parent_path() : ".");
}

}  // namespace l402::devnet
