// The body sinks of l402/client.hpp.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "l402/client.hpp"

namespace l402 {
namespace {

// Writes all of `bytes` to `fd`, retrying short writes and EINTR.
Result<void> write_all(int fd, std::string_view bytes, std::string_view what) {
  while (!bytes.empty()) {
    const ssize_t wrote = ::write(fd, bytes.data(), bytes.size());
    if (wrote < 0) {
      if (errno == EINTR) continue;
      return Error(ErrorCode::kUnavailable,
                   "cannot write to " + std::string(what) + ": " + std::strerror(errno));
    }
    bytes.remove_prefix(static_cast<std::size_t>(wrote));
  }
  return ok_result();
}

class FileSink final : public BodySink {
 public:
  explicit FileSink(std::filesystem::path path) : path_(std::move(path)) {}
  ~FileSink() override {
    if (fd_ >= 0) ::close(fd_);
  }
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  Result<void> begin(const ResponseHead&) override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd_ < 0) {
      return Error(errno == EACCES ? ErrorCode::kPermissionDenied : ErrorCode::kUnavailable,
                   "cannot create " + path_.string() + ": " + std::strerror(errno));
    }
    return ok_result();
  }

  Result<void> write(std::string_view bytes) override {
    if (fd_ < 0) return Error(ErrorCode::kInternal, "file sink written before begin");
    return write_all(fd_, bytes, path_.string());
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

class DescriptorSink final : public BodySink {
 public:
  explicit DescriptorSink(int fd) : fd_(fd) {}
  Result<void> begin(const ResponseHead&) override { return ok_result(); }
  Result<void> write(std::string_view bytes) override {
    return write_all(fd_, bytes, "descriptor " + std::to_string(fd_));
  }

 private:
  int fd_;
};

}  // namespace

Result<void> MemorySink::begin(const ResponseHead& head) {
  head_ = head;
  data_.clear();
  truncated_ = false;
  return ok_result();
}

Result<void> MemorySink::write(std::string_view bytes) {
  const std::size_t room = limit_ - data_.size();
  if (bytes.size() <= room) {
    data_.append(bytes);
    return ok_result();
  }
  if (overflow_ == Overflow::kFail) {
    return Error(ErrorCode::kLimitExceeded,
                 "response body exceeds " + std::to_string(limit_) + " bytes");
  }
  data_.append(bytes.substr(0, room));
  truncated_ = true;
  return ok_result();
}

std::unique_ptr<BodySink> make_file_sink(std::filesystem::path path) {
  return std::make_unique<FileSink>(std::move(path));
}

std::unique_ptr<BodySink> make_descriptor_sink(int fd) {
  return std::make_unique<DescriptorSink>(fd);
}

}  // namespace l402
