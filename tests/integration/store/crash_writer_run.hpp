// Drives store_crash_writer for the crash tests of both backends: starts it on a database,
// collects the token IDs it prints (one per line, each printed only after record_challenge()
// returned), and once it has printed enough lines lets the test act (kill it with SIGKILL,
// crash the server). Bounded: the writer is killed after 60 s whatever happens.
#pragma once

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

extern char** environ;

namespace l402::test {

struct WriterRun {
  std::vector<std::string> lines;  // complete lines only
  bool killed = false;             // ended by SIGKILL
  int exit_code = -1;
};

// Runs `store_crash_writer <backend_flag> <target> --count <count>`; calls `act(pid)` once
// after `act_after` lines.
inline WriterRun run_crash_writer(const std::string& backend_flag, const std::string& target,
                                  std::uint64_t count, std::size_t act_after,
                                  const std::function<void(pid_t)>& act) {
  WriterRun run;
  std::array<int, 2> fds{};
  if (pipe(fds.data()) != 0) {
    ADD_FAILURE() << "pipe() failed";
    return run;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  const std::string count_text = std::to_string(count);
  std::vector<char*> argv{
      const_cast<char*>(L402_STORE_CRASH_WRITER), const_cast<char*>(backend_flag.c_str()),
      const_cast<char*>(target.c_str()),          const_cast<char*>("--count"),
      const_cast<char*>(count_text.c_str()),      nullptr};
  pid_t pid = 0;
  const int spawned =
      posix_spawn(&pid, L402_STORE_CRASH_WRITER, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (spawned != 0) {
    close(fds[0]);
    ADD_FAILURE() << "cannot start " << L402_STORE_CRASH_WRITER;
    return run;
  }

  bool acted = false;
  std::string pending;
  std::array<char, 4096> buffer{};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (true) {
    if (!acted && run.lines.size() >= act_after) {
      act(pid);
      acted = true;
    }
    if (std::chrono::steady_clock::now() > deadline && !run.killed) {
      kill(pid, SIGKILL);
      run.killed = true;
      ADD_FAILURE() << "the writer printed only " << run.lines.size() << " lines in 60 s";
    }
    pollfd poll_fd{fds[0], POLLIN, 0};
    if (poll(&poll_fd, 1, 1000) <= 0) continue;
    const ssize_t got = read(fds[0], buffer.data(), buffer.size());
    if (got <= 0) break;  // EOF: the writer is gone
    pending.append(buffer.data(), static_cast<std::size_t>(got));
    std::size_t newline = 0;
    while ((newline = pending.find('\n')) != std::string::npos) {
      run.lines.push_back(pending.substr(0, newline));
      pending.erase(0, newline + 1);
    }
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) run.killed = true;
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  return run;
}

}  // namespace l402::test
