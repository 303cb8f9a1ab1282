// Crash safety of the SQLite store: a writer killed with SIGKILL in the middle of a burst of
// record_challenge() calls loses nothing it reported as recorded, and the database opens
// cleanly afterwards (quick_check at open, integrity_check here).
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "crash_writer_run.hpp"
#include "l402/encoding.hpp"
#include "l402/store.hpp"
#include "result_matchers.hpp"
#include "temp_dir.hpp"

namespace l402 {
namespace {

using test::IsOk;
using test::WriterRun;

// Kills the writer with SIGKILL once it has printed `kill_after` lines: mid-burst, the
// writer is busy recording the next one.
WriterRun run_writer(const std::string& path, std::size_t kill_after, std::uint64_t count) {
  return test::run_crash_writer("--sqlite", path, count, kill_after,
                                [](pid_t pid) { kill(pid, SIGKILL); });
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
