// Crash safety of the PostgreSQL store: store_crash_writer records challenges and prints each
// token ID once record_challenge() returned. Whether the writer is killed with SIGKILL or the
// server crashes (an immediate shutdown: no checkpoint, WAL replay at the next start) in the
// middle of the burst, every printed token is in the database afterwards and the store opens
// cleanly.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "l402/store.hpp"
#include "postgres_test_support.hpp"
#include "result_matchers.hpp"

extern char** environ;

namespace l402::test {
namespace {

struct WriterRun {
  std::vector<std::string> lines;  // complete lines only
  bool killed = false;             // ended by our SIGKILL
  int exit_code = -1;
};

// Runs the writer on `dsn` for up to `count` challenges. Once it has printed `act_after`
// lines, calls `act` (which may kill it, or the server) once. Collects every complete line
// it printed. Bounded: the writer is killed after 60 s whatever happens.
WriterRun run_writer(const std::string& dsn, std::uint64_t count, std::size_t act_after,
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
  std::vector<char*> argv{const_cast<char*>(L402_STORE_CRASH_WRITER),
                          const_cast<char*>("--postgres"),
                          const_cast<char*>(dsn.c_str()),
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

// The token IDs (hex) of every challenge in the database at `dsn`.
std::set<std::string> stored_token_ids(const std::string& dsn) {
  std::set<std::string> ids;
  const std::string with_timeout = dsn + " connect_timeout=10";
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(with_timeout.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    ADD_FAILURE() << PQerrorMessage(conn.get());
    return ids;
  }
  std::unique_ptr<PGresult, decltype(&PQclear)> result(
      PQexec(conn.get(), "SELECT encode(token_id, 'hex') FROM challenges"), &PQclear);
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
    ADD_FAILURE() << PQresultErrorMessage(result.get());
    return ids;
  }
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    ids.insert(PQgetvalue(result.get(), row, 0));
  }
  return ids;
}

// Every line of `printed` names a stored challenge.
void expect_all_stored(const std::vector<std::string>& printed, const std::string& dsn) {
  const std::set<std::string> stored = stored_token_ids(dsn);
  std::size_t missing = 0;
  for (const std::string& line : printed) {
    if (stored.count(line) == 0) {
      ++missing;
      if (missing <= 5) ADD_FAILURE() << "challenge " << line << " was reported but is gone";
    }
  }
  EXPECT_EQ(missing, 0u) << "of " << printed.size() << " printed";
  EXPECT_GE(stored.size(), printed.size());
}

void expect_opens_cleanly(const std::string& dsn) {
  PostgresOptions options;
  options.dsn = dsn;
  auto store = open_postgres_store(options);
  ASSERT_TRUE(IsOk(store));
  EXPECT_TRUE(IsOk((*store)->summary()));
  EXPECT_TRUE(IsOk((*store)->record_challenge(IssuedChallenge{})));  // still writable
}

TEST(PostgresCrash, WriterRunsToTheEndAndPrintsEveryToken) {
  const std::unique_ptr<pg::TestDatabase> database = pg::fresh_shared_database();
  ASSERT_NE(database, nullptr);
  const WriterRun run =
      run_writer(database->dsn(), /*count=*/30, /*act_after=*/1000000, [](pid_t) {});
  EXPECT_FALSE(run.killed);
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.lines.size(), 30u);
  expect_all_stored(run.lines, database->dsn());
}

TEST(PostgresCrash, NothingReportedIsLostWhenTheWriterIsKilledMidBurst) {
  const std::unique_ptr<pg::TestDatabase> database = pg::fresh_shared_database();
  ASSERT_NE(database, nullptr);
  std::vector<std::string> printed;
  // Three rounds on one database: each starts on what the previous kill left behind.
  for (int round = 0; round < 3; ++round) {
    const WriterRun run = run_writer(database->dsn(), /*count=*/1000000, /*act_after=*/200,
                                     [](pid_t pid) { kill(pid, SIGKILL); });
    EXPECT_TRUE(run.killed) << "round " << round;
    EXPECT_GE(run.lines.size(), 200u) << "round " << round;
    printed.insert(printed.end(), run.lines.begin(), run.lines.end());
  }
  expect_all_stored(printed, database->dsn());
  expect_opens_cleanly(database->dsn());
}

TEST(PostgresCrash, NothingReportedIsLostWhenTheServerCrashesMidBurst) {
  pg::PrivateCluster cluster;
  ASSERT_TRUE(cluster.start()) << "could not start a private cluster in " << cluster.dir();
  const std::string dsn = pg::dsn_for(cluster.port(), "l402");
  bool halted = false;
  const WriterRun run = run_writer(dsn, /*count=*/1000000, /*act_after=*/200,
                                   [&](pid_t) { halted = cluster.halt(); });
  ASSERT_TRUE(halted);
  // The writer notices the lost server and stops on its own, quickly.
  EXPECT_FALSE(run.killed);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_GE(run.lines.size(), 200u);

  ASSERT_TRUE(cluster.restart());  // replays the WAL
  expect_all_stored(run.lines, dsn);
  expect_opens_cleanly(dsn);
}

}  // namespace
}  // namespace l402::test
