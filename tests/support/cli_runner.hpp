// Runs a program as a user would, for the integration tests: exit code, stdout, stderr.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace l402::test {

struct CliRun {
  int exit_code = -1;  // -1: killed by a signal or timed out
  std::string out;
  std::string err;
};

inline std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs `program args` (args already quoted for the shell) with stdin from `stdin_path`,
// for at most 20 seconds. Output goes to files unique to this call, so test cases that
// CTest runs in parallel do not overwrite each other's.
inline CliRun run_program(const std::string& program, const std::string& args,
                          const std::string& stdin_path = "/dev/null") {
  std::string out_path = ::testing::TempDir() + "l402_cli_out_XXXXXX";
  std::string err_path = ::testing::TempDir() + "l402_cli_err_XXXXXX";
  const int out_fd = mkstemp(out_path.data());
  const int err_fd = mkstemp(err_path.data());
  if (out_fd >= 0) close(out_fd);
  if (err_fd >= 0) close(err_fd);
  const std::string command =
      "timeout 20 " + program + " " + args + " <" + stdin_path + " >" + out_path + " 2>" + err_path;
  const int status = std::system(command.c_str());
  CliRun result;
  if (WIFEXITED(status) && WEXITSTATUS(status) != 124) result.exit_code = WEXITSTATUS(status);
  result.out = read_whole_file(out_path);
  result.err = read_whole_file(err_path);
  std::remove(out_path.c_str());
  std::remove(err_path.c_str());
  return result;
}

}  // namespace l402::test
