#include "io_backend.hpp"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <system_error>

#if L402D_IO_URING
#include <liburing.h>
#include <unistd.h>
#endif

namespace l402::l402d {

#if L402D_IO_URING

namespace {

// As many entries as Asio asks for (io_uring_service's ring_size), so that a limit on locked
// memory that would refuse Asio's ring refuses this one too.
constexpr unsigned kAsioRingEntries = 16384;

// Empty when io_uring works here; otherwise why not.
std::string io_uring_refusal() {
  io_uring ring{};
  const int result = io_uring_queue_init(kAsioRingEntries, &ring, 0);
  if (result < 0) return std::error_code(-result, std::generic_category()).message();
  io_uring_queue_exit(&ring);
  return "";
}

}  // namespace

std::string_view io_backend() { return "io_uring"; }

bool hand_over_to_epoll_if_needed(char** argv) {
  const char* asked = std::getenv("L402D_IO_BACKEND");
  std::string reason;
  if (asked != nullptr && std::strcmp(asked, "epoll") == 0) {
    reason = "L402D_IO_BACKEND=epoll";
  } else {
    reason = io_uring_refusal();
    if (reason.empty()) return true;
    reason = "io_uring is unavailable (" + reason + ")";
  }
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  const std::filesystem::path twin = self.parent_path() / "l402d-epoll";
  if (!error) {
    std::cerr << "l402d: " << reason << ": running " << twin.string() << '\n';
    execv(twin.c_str(), argv);
    error = std::error_code(errno, std::generic_category());
  }
  std::cerr << "l402d: " << reason << ", and " << twin.string()
            << " cannot be run: " << error.message() << '\n';
  return false;
}

#else

std::string_view io_backend() { return "epoll"; }

bool hand_over_to_epoll_if_needed(char** /*argv*/) { return true; }

#endif

}  // namespace l402::l402d
