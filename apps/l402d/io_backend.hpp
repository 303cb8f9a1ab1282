// Which of Asio's I/O backends this l402d runs on, and the hand-over from the io_uring build to
// the epoll build where io_uring cannot be used (src/CMakeLists.txt says why there are two).
#pragma once

#include <string_view>

namespace l402::l402d {

// "io_uring" or "epoll": this program's Asio backend, named in the ready line.
std::string_view io_backend();

// In the io_uring build: when io_uring is unavailable here (an old kernel, or a seccomp profile
// such as Docker's default that refuses its system calls), or the environment asks for epoll
// (L402D_IO_BACKEND=epoll), replaces this process with l402d-epoll from the same directory,
// with the same arguments. Returns true when this process should go on (io_uring works, or this
// is the epoll build); false, with the reason on stderr, when the hand-over failed.
bool hand_over_to_epoll_if_needed(char** argv);

}  // namespace l402::l402d
