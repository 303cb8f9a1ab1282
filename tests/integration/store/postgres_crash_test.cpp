// Crash safety of the PostgreSQL store: store_crash_writer records challenges and prints each
// token ID once record_challenge() returned. Whether the writer is killed with SIGKILL or the
// server crashes (an immediate shutdown: no checkpoint, WAL replay at the next start) in the
// middle of the burst, every printed token is in the database afterwards and the store opens
// cleanly.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "crash_writer_run.hpp"
#include "l402/store.hpp"
#include "postgres_test_support.hpp"
#include "result_matchers.hpp"

namespace l402::test {
namespace {

WriterRun run_writer(const std::string& dsn, std::uint64_t count, std::size_t act_after,
                     const std::function<void(pid_t)>& act) {
  return run_crash_writer("--postgres", dsn, count, act_after, act);
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
