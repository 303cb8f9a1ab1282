// Crash safety of the SQLite store: a writer killed with SIGKILL in the middle of a burst of
// record_challenge() calls loses nothing it reported as recorded, and the database opens
// cleanly afterwards (quick_check at open, integrity_check here).
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "l402/encoding.hpp"
#include "l402/store.hpp"
#include "result_matchers.hpp"
#include "temp_dir.hpp"

extern char** environ;

namespace l402 {
namespace {

using test::IsOk;

struct WriterRun {
  std::vector<std::string> lines;  // complete lines only
  bool killed = false;             // ended by our SIGKILL
  int exit_code = -1;
};

// Starts the writer on `path`, kills it once it has printed `kill_after` lines (or lets it
// finish), and collects every complete line it printed.
WriterRun run_writer(const std::string& path, std::size_t kill_after, std::uint64_t count) {
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
  std::vector<char*> argv{const_cast<char*>(L402_STORE_CRASH_WRITER),
                          const_cast<char*>("--sqlite"),
                          const_cast<char*>(path.c_str()),
                          const_cast<char*>("--count"),
                          const_cast<char*>(count_text.c_str()),
                          nullptr};
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

  std::string pending;
  std::array<char, 4096> buffer{};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (true) {
    if (!run.killed && run.lines.size() >= kill_after) {
      kill(pid, SIGKILL);  // mid-burst: the writer is busy recording the next one
      run.killed = true;
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
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  if (!run.killed) {
    EXPECT_TRUE(WIFEXITED(status)) << "the writer died on its own";
  }
  return run;
}

// Runs one query with an optional blob parameter; returns the first column as text.
std::string query(sqlite3* db, const std::string& sql, const std::string& blob = {}) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) return "<prepare>";
  if (!blob.empty()) {
    sqlite3_bind_blob(stmt, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  }
  std::string out = "<no row>";
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    out = text == nullptr ? "" : reinterpret_cast<const char*>(text);
  }
  sqlite3_finalize(stmt);
  return out;
}

TEST(SqliteCrash, WriterRunsToTheEndAndPrintsEveryToken) {
  test::TempDir dir("l402-sqlite-crash");
  const WriterRun run = run_writer(dir.file("complete.db"), /*kill_after=*/1000000, /*count=*/30);
  EXPECT_FALSE(run.killed);
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.lines.size(), 30u);
}

TEST(SqliteCrash, NothingReportedIsLostWhenTheWriterIsKilledMidBurst) {
  test::TempDir dir("l402-sqlite-crash");
  ASSERT_FALSE(dir.path().empty());
  const std::string path = dir.file("crash.db");
  std::vector<std::string> printed;
  // Three rounds on one file: each starts on the database the previous kill left behind.
  for (int round = 0; round < 3; ++round) {
    const WriterRun run = run_writer(path, /*kill_after=*/200, /*count=*/1000000);
    EXPECT_TRUE(run.killed);
    EXPECT_GE(run.lines.size(), 200u) << "round " << round;
    printed.insert(printed.end(), run.lines.begin(), run.lines.end());
  }

  // The store opens (quick_check passes) and holds every printed challenge.
  SqliteOptions options;
  options.path = path;
  auto store = open_sqlite_store(options);
  ASSERT_TRUE(IsOk(store));
  const auto summary = (*store)->summary();
  ASSERT_TRUE(IsOk(summary));
  EXPECT_GE(summary->challenges, printed.size());

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  EXPECT_EQ(query(db, "PRAGMA integrity_check"), "ok");
  std::size_t missing = 0;
  for (const std::string& line : printed) {
    const auto token_id = hex::decode(line);
    ASSERT_TRUE(IsOk(token_id)) << line;
    ASSERT_EQ(token_id->size(), 32u) << line;
    if (query(db, "SELECT COUNT(*) FROM challenges WHERE token_id = ?1", *token_id) != "1") {
      ++missing;
      ADD_FAILURE() << "challenge " << line << " was reported recorded but is gone";
      if (missing > 5) break;
    }
  }
  sqlite3_close_v2(db);
  EXPECT_EQ(missing, 0u);
}

}  // namespace
}  // namespace l402
