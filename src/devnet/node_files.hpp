// The devnet node's files: its private data directory, its 32-byte key files and the files it
// writes for clients (macaroons). Private to src/devnet/.
//
// Thread safety: stateless functions; the caller keeps two of them from writing one file at
// once (the node does all of this in DevnetNode::open).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string_view>

#include "l402/result.hpp"
#include "l402/secret.hpp"

namespace l402::devnet {

// Creates `dir` with mode 0700 when it is missing (its parents with the usual mode), and
// checks that it is a directory we can write into. Errors: kFailedPrecondition naming it.
Result<void> ensure_private_directory(const std::filesystem::path& dir);

// An exclusive advisory lock (flock) on a file in the data directory, held while a node has
// the directory open, so that a second node (in this process or another) cannot open the
// same directory and give out the same indexes. Released when destroyed (or when the
// process dies).
class DirectoryLock {
 public:
  // Errors: kFailedPrecondition when another node holds the lock or the file cannot be made.
  static Result<DirectoryLock> acquire(const std::filesystem::path& lock_file);
  DirectoryLock(DirectoryLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DirectoryLock& operator=(DirectoryLock&& other) noexcept;
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;
  ~DirectoryLock();

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Reads a key file of exactly 32 bytes. Errors: kNotFound when it does not exist,
// kFailedPrecondition naming the file when it cannot be read or has another size.
Result<SecretBytes> read_key_file(const std::filesystem::path& file);

// Creates `file` empty with mode 0600 when it does not exist (a new SQLite database then
// has that mode, and its -wal and -shm files take it from the database).
// Errors: kFailedPrecondition naming the file.
Result<void> create_private_file_if_missing(const std::filesystem::path& file);

// Writes `bytes` to `file` with `mode` so that a crash leaves either the whole file or none:
// a temporary file is written and synced, then renamed over `file`, then the directory is
// synced. Errors: kFailedPrecondition naming the file.
Result<void> write_file_atomically(const std::filesystem::path& file, std::string_view bytes,
                                   mode_t mode);

// write_file_atomically with mode 0600: key files and macaroons.
inline Result<void> write_private_file(const std::filesystem::path& file, std::string_view bytes) {
  return write_file_atomically(file, bytes, 0600);
}

}  // namespace l402::devnet
