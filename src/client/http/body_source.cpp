#include "client/http/body_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace l402::client {
namespace {

Error open_error(const std::string& name, int error) {
  const std::string message = "cannot read request body " + name + ": " + std::strerror(error);
  switch (error) {
    case ENOENT:
      return Error(ErrorCode::kNotFound, message);
    case EACCES:
    case EPERM:
      return Error(ErrorCode::kPermissionDenied, message);
    case EISDIR:
      return Error(ErrorCode::kInvalidArgument, message);
    default:
      return Error(ErrorCode::kUnavailable, message);
  }
}

}  // namespace

Result<std::unique_ptr<BodySource>> BodySource::open(const RequestBody& body) {
  switch (body.kind()) {
    case RequestBody::Kind::kNone:
      return std::unique_ptr<BodySource>(new BodySource({}, -1, 0, {}));
    case RequestBody::Kind::kMemory:
      return std::unique_ptr<BodySource>(new BodySource(body.bytes(), -1, body.bytes().size(), {}));
    case RequestBody::Kind::kFile:
      break;
  }
  const std::string name = body.path().string();
  const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return open_error(name, errno);
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int error = errno;
    ::close(fd);
    return open_error(name, error);
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    // A pipe or device cannot be read twice, and the retry after paying must send it again.
    return Error(ErrorCode::kInvalidArgument,
                 "request body " + name + " is not a regular file (it must be re-readable)");
  }
  return std::unique_ptr<BodySource>(
      new BodySource({}, fd, static_cast<std::uint64_t>(info.st_size), name));
}

BodySource::~BodySource() {
  if (fd_ >= 0) ::close(fd_);
}

std::size_t BodySource::read(char* buffer, std::size_t size, std::size_t count, void* self) {
  auto* source = static_cast<BodySource*>(self);
  const std::uint64_t left = source->size_ - source->position_;
  const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(size * count, left));
  if (want == 0) return 0;
  if (source->fd_ < 0) {
    std::memcpy(buffer, source->bytes_.data() + source->position_, want);
    source->position_ += want;
    return want;
  }
  while (true) {
    const ssize_t got = ::pread(source->fd_, buffer, want, static_cast<off_t>(source->position_));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      source->error_ = Error(ErrorCode::kUnavailable, "cannot read request body " + source->name_ +
                                                          ": " + std::strerror(errno));
      return CURL_READFUNC_ABORT;
    }
    if (got == 0) {
      source->error_ = Error(ErrorCode::kFailedPrecondition,
                             "request body " + source->name_ + " shrank while being sent");
      return CURL_READFUNC_ABORT;
    }
    source->position_ += static_cast<std::uint64_t>(got);
    return static_cast<std::size_t>(got);
  }
}

int BodySource::seek(void* self, curl_off_t offset, int origin) {
  auto* source = static_cast<BodySource*>(self);
  if (origin != SEEK_SET || offset < 0 || static_cast<std::uint64_t>(offset) > source->size_) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  source->position_ = static_cast<std::uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

}  // namespace l402::client
