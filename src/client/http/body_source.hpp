// A request body opened for one send: libcurl pulls it through read() and may rewind it with
// seek(). A file is opened here and read with pread, a piece at a time, so that sending a
// large file holds none of it in memory and sending it again starts from a fresh open.
// Private to src/client/.
//
// Thread safety: one object per send.
#pragma once

#include <curl/curl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "l402/client.hpp"

namespace l402::client {

class BodySource {
 public:
  // Errors for a file: kNotFound, kPermissionDenied, kInvalidArgument (not a regular file),
  // kUnavailable (any other failure to open or measure it), each naming the file.
  static Result<std::unique_ptr<BodySource>> open(const RequestBody& body);
  ~BodySource();
  BodySource(const BodySource&) = delete;
  BodySource& operator=(const BodySource&) = delete;

  std::uint64_t size() const { return size_; }

  // CURLOPT_READFUNCTION and CURLOPT_SEEKFUNCTION, with this object as their data.
  static std::size_t read(char* buffer, std::size_t size, std::size_t count, void* self);
  static int seek(void* self, curl_off_t offset, int origin);

  // Why read() aborted the transfer (the file could not be read, or changed size).
  const std::optional<Error>& error() const { return error_; }

 private:
  BodySource(std::string_view bytes, int fd, std::uint64_t size, std::string name)
      : bytes_(bytes), fd_(fd), size_(size), name_(std::move(name)) {}

  const std::string_view bytes_;  // a memory body (shared with the RequestBody)
  const int fd_;                  // a file body, else -1
  const std::uint64_t size_;
  const std::string name_;  // the file's path, for errors
  std::uint64_t position_ = 0;
  std::optional<Error> error_;
};

}  // namespace l402::client
