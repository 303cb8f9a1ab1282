// SQLite's own failure modes: files that cannot be used are refused at open with a clear
// kFailedPrecondition naming the path; a lock held too long is kUnavailable.
//
// Read-only files: tests usually run as root, and root writes through a 0444 file or a 0555
// directory. So these cases open the store in a forked child that, when it is root, first
// drops to the unprivileged user nobody (65534) — the permission check is then real. When the
// child cannot drop its privileges the case is skipped, saying why.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "l402/store.hpp"
#include "result_matchers.hpp"
#include "temp_dir.hpp"

namespace l402 {
namespace {

using test::HasError;
using test::HasErrorMentioning;
using test::IsOk;

SqliteOptions options_for(const std::string& path) {
  SqliteOptions options;
  options.path = path;
  return options;
}

IssuedChallenge challenge(std::uint8_t n) {
  IssuedChallenge c;
  c.token_id.fill(n);
  c.payment_hash.fill(static_cast<std::uint8_t>(n ^ 0xff));
  c.service = "svc";
  c.price = Msat(1000);
  c.issued_at = 100 + n;
  c.invoice_expires_at = 3700;
  return c;
}

// Runs raw SQL against `path` (outside the store). Returns the first column of the first row.
std::optional<std::string> raw_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    sqlite3_close_v2(db);
    return std::nullopt;
  }
  std::optional<std::string> out;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      out = text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text));
    } else if (rc == SQLITE_DONE) {
      out = std::string();
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close_v2(db);
  return out;
}

// Creates a store at `path` holding some rows, and closes it (WAL checkpointed into the file).
void create_populated(const std::string& path, int challenges) {
  auto store = open_sqlite_store(options_for(path));
  ASSERT_TRUE(IsOk(store));
  ASSERT_TRUE(IsOk((*store)->ensure_active_key(system_random())));
  for (int i = 0; i < challenges; ++i) {
    IssuedChallenge c = challenge(static_cast<std::uint8_t>(i % 256));
    c.token_id[1] = static_cast<std::uint8_t>(i / 256);
    c.service = std::string(100, 's');  // make the rows span many pages
    ASSERT_TRUE(IsOk((*store)->record_challenge(c)));
  }
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string random_bytes(std::size_t size) {
  std::string bytes(size, '\0');
  EXPECT_TRUE(
      IsOk(system_random().fill({reinterpret_cast<std::uint8_t*>(bytes.data()), bytes.size()})));
  return bytes;
}

// What open_sqlite_store() said in a child process running as an unprivileged user.
struct ChildOutcome {
  bool skipped = false;  // could not drop privileges
  std::string skip_reason;
  bool ok = false;
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

ChildOutcome open_as_unprivileged(const std::string& path) {
  std::array<int, 2> pipe_fds{};
  ChildOutcome failed;
  failed.skipped = true;
  if (pipe(pipe_fds.data()) != 0) {
    failed.skip_reason = "pipe() failed";
    return failed;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    failed.skip_reason = "fork() failed";
    return failed;
  }
  if (pid == 0) {
    close(pipe_fds[0]);
    std::string report;
    if (geteuid() == 0 &&
        (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0)) {
      report = "S";
    } else {
      auto store = open_sqlite_store(options_for(path));
      if (store.ok()) {
        report = "O";
      } else {
        report = "E" + std::to_string(static_cast<int>(store.error().code())) + "\n" +
                 store.error().message();
      }
    }
    const ssize_t written = write(pipe_fds[1], report.data(), report.size());
    _exit(written == static_cast<ssize_t>(report.size()) ? 0 : 1);
  }
  close(pipe_fds[1]);
  std::string report;
  std::array<char, 4096> buffer{};
  ssize_t got = 0;
  while ((got = read(pipe_fds[0], buffer.data(), buffer.size())) > 0) {
    report.append(buffer.data(), static_cast<std::size_t>(got));
  }
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  ChildOutcome outcome;
  if (report.empty() || report[0] == 'S') {
    outcome.skipped = true;
    outcome.skip_reason = "cannot switch to user nobody to make permissions apply";
  } else if (report[0] == 'O') {
    outcome.ok = true;
  } else {
    const std::size_t newline = report.find('\n');
    outcome.code = static_cast<ErrorCode>(std::stoi(report.substr(1, newline - 1)));
    outcome.message = report.substr(newline + 1);
  }
  return outcome;
}

class SqliteOpen : public ::testing::Test {
 protected:
  std::string path(const std::string& name = "store.db") const { return dir_.file(name); }
  test::TempDir dir_{"l402-sqlite-open"};
};

TEST_F(SqliteOpen, CreatesTheFileInWalModeWithTheSchema) {
  ASSERT_FALSE(dir_.path().empty());
  {
    auto store = open_sqlite_store(options_for(path()));
    ASSERT_TRUE(IsOk(store));
    EXPECT_TRUE(std::filesystem::exists(path()));
  }
  EXPECT_EQ(raw_sql(path(), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw_sql(path(), "SELECT MAX(version) FROM schema_version"), "2");
  EXPECT_EQ(raw_sql(path(),
                    "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('master_keys', "
                    "'revocations', 'challenges', 'paid_tokens', 'settlements', "
                    "'counters', 'master_keys_one_active', 'challenges_by_expiry', "
                    "'settlement_cursors', 'challenges_by_payment_hash')"),
            "10");
  // Opening again migrates nothing.
  ASSERT_TRUE(IsOk(open_sqlite_store(options_for(path()))));
  EXPECT_EQ(raw_sql(path(), "SELECT COUNT(*) FROM schema_version"), "2");
}

// A database of the first schema version (as an older l402d left it) gains what version 2
// adds and keeps its rows.
TEST_F(SqliteOpen, DatabaseOfSchemaVersionOneIsMigratedKeepingItsRows) {
  {
    auto store = open_sqlite_store(options_for(path()));
    ASSERT_TRUE(IsOk(store));
    ASSERT_TRUE(IsOk((*store)->ensure_active_key(system_random())));
  }
  for (const char* undo : {"DROP TABLE settlement_cursors", "DROP INDEX challenges_by_payment_hash",
                           "DELETE FROM schema_version WHERE version = 2"}) {
    ASSERT_TRUE(raw_sql(path(), undo).has_value()) << undo;
  }
  ASSERT_EQ(raw_sql(path(), "SELECT MAX(version) FROM schema_version"), "1");
  auto store = open_sqlite_store(options_for(path()));
  ASSERT_TRUE(IsOk(store));
  EXPECT_EQ(raw_sql(path(), "SELECT MAX(version) FROM schema_version"), "2");
  EXPECT_EQ(raw_sql(path(), "SELECT COUNT(*) FROM master_keys"), "1");
  ASSERT_TRUE(IsOk((*store)->record_settlements("02aa", {}, 3)));
  EXPECT_EQ((*store)->settlements_through("02aa").value(), 3u);
}

TEST_F(SqliteOpen, CreatesTheDatabaseAndItsWalReadableByItsOwnerOnly) {
  auto store = open_sqlite_store(options_for(path()));
  ASSERT_TRUE(IsOk(store));
  ASSERT_TRUE(IsOk((*store)->ensure_active_key(system_random())));  // the master key is in
  for (const std::string& file : {path(), path() + "-wal"}) {
    struct stat info {};
    ASSERT_EQ(::stat(file.c_str(), &info), 0) << file;
    EXPECT_EQ(info.st_mode & 0777, 0600u) << file;
  }
}

TEST_F(SqliteOpen, OpensAnEmptyFile) {
  write_file(path(), "");
  auto store = open_sqlite_store(options_for(path()));
  ASSERT_TRUE(IsOk(store));
  EXPECT_TRUE(IsOk((*store)->ensure_active_key(system_random())));
}

TEST_F(SqliteOpen, RefusesBadOptions) {
  EXPECT_TRUE(HasError(open_sqlite_store(options_for("")), ErrorCode::kInvalidArgument));
  SqliteOptions no_pool = options_for(path());
  no_pool.pool_size = 0;
  EXPECT_TRUE(HasError(open_sqlite_store(no_pool), ErrorCode::kInvalidArgument));
}

TEST_F(SqliteOpen, RefusesAFileOfRandomBytes) {
  write_file(path(), random_bytes(8192));
  const auto store = open_sqlite_store(options_for(path()));
  EXPECT_TRUE(HasErrorMentioning(store, ErrorCode::kFailedPrecondition, path()));
  EXPECT_TRUE(HasErrorMentioning(store, ErrorCode::kFailedPrecondition, "not a SQLite database"));
}

TEST_F(SqliteOpen, RefusesATextFile) {
  write_file(path(), "listen: 127.0.0.1:8080\nservices:\n  - name: svc\n");
  EXPECT_TRUE(HasErrorMentioning(open_sqlite_store(options_for(path())),
                                 ErrorCode::kFailedPrecondition, path()));
}

TEST_F(SqliteOpen, RefusesATruncatedDatabase) {
  create_populated(path(), 600);
  const auto size = std::filesystem::file_size(path());
  ASSERT_GT(size, 16u * 4096u);
  std::filesystem::resize_file(path(), size / 2);
  const auto store = open_sqlite_store(options_for(path()));
  EXPECT_TRUE(HasErrorMentioning(store, ErrorCode::kFailedPrecondition, path()));
  EXPECT_TRUE(HasErrorMentioning(store, ErrorCode::kFailedPrecondition, "corrupt"));
}

TEST_F(SqliteOpen, RefusesADatabaseWithOverwrittenPages) {
  create_populated(path(), 600);
  const auto size = std::filesystem::file_size(path());
  ASSERT_GT(size, 16u * 4096u);
  {
    std::fstream file(path(), std::ios::binary | std::ios::in | std::ios::out);
    const std::string garbage = random_bytes(3 * 4096);
    file.seekp(static_cast<std::streamoff>(size / 2 / 4096 * 4096));
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  const auto store = open_sqlite_store(options_for(path()));
  EXPECT_TRUE(HasErrorMentioning(store, ErrorCode::kFailedPrecondition, path()));
  EXPECT_TRUE(HasErrorMentioning(store, ErrorCode::kFailedPrecondition, "corrupt"));
}

TEST_F(SqliteOpen, RefusesADirectory) {
  std::filesystem::create_directory(path("a-directory"));
  EXPECT_TRUE(HasErrorMentioning(open_sqlite_store(options_for(path("a-directory"))),
                                 ErrorCode::kFailedPrecondition, "directory"));
}

TEST_F(SqliteOpen, RefusesAPathInAMissingDirectory) {
  const std::string missing = path("no-such-dir/store.db");
  EXPECT_TRUE(HasErrorMentioning(open_sqlite_store(options_for(missing)),
                                 ErrorCode::kFailedPrecondition, missing));
}

TEST_F(SqliteOpen, RefusesAReadOnlyFile) {
  create_populated(path(), 3);
  std::filesystem::permissions(dir_.path(), std::filesystem::perms(0755));
  std::filesystem::permissions(path(), std::filesystem::perms(0444));
  const ChildOutcome outcome = open_as_unprivileged(path());
  if (outcome.skipped) GTEST_SKIP() << outcome.skip_reason;
  ASSERT_FALSE(outcome.ok) << "a read-only database file was opened for writing";
  EXPECT_EQ(outcome.code, ErrorCode::kFailedPrecondition) << outcome.message;
  EXPECT_NE(outcome.message.find(path()), std::string::npos) << outcome.message;
  EXPECT_NE(outcome.message.find("read-only"), std::string::npos) << outcome.message;
}

TEST_F(SqliteOpen, RefusesAFileInAReadOnlyDirectory) {
  // The file is writable, but WAL needs its -wal and -shm files next to it.
  const std::string sub = path("ro");
  std::filesystem::create_directory(sub);
  const std::string db = sub + "/store.db";
  create_populated(db, 3);
  std::filesystem::permissions(dir_.path(), std::filesystem::perms(0755));
  std::filesystem::permissions(db, std::filesystem::perms(0666));
  std::filesystem::permissions(sub, std::filesystem::perms(0555));
  const ChildOutcome outcome = open_as_unprivileged(db);
  if (outcome.skipped) GTEST_SKIP() << outcome.skip_reason;
  ASSERT_FALSE(outcome.ok) << "opened a database whose directory is read-only";
  EXPECT_EQ(outcome.code, ErrorCode::kFailedPrecondition) << outcome.message;
  EXPECT_NE(outcome.message.find(db), std::string::npos) << outcome.message;
}

TEST_F(SqliteOpen, RefusesANewerSchemaVersion) {
  ASSERT_TRUE(IsOk(open_sqlite_store(options_for(path()))));
  ASSERT_TRUE(raw_sql(path(), "INSERT INTO schema_version (version) VALUES (99)").has_value());
  const auto store = open_sqlite_store(options_for(path()));
  EXPECT_TRUE(HasErrorMentioning(store, ErrorCode::kFailedPrecondition, "newer"));
  EXPECT_TRUE(HasErrorMentioning(store, ErrorCode::kFailedPrecondition, path()));
}

TEST_F(SqliteOpen, ConcurrentOpensOfANewFileMigrateOnce) {
  std::atomic<int> failures{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      auto store = open_sqlite_store(options_for(path()));
      if (!store.ok() || !(*store)->ensure_active_key(system_random()).ok()) ++failures;
    });
  }
  go = true;
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(raw_sql(path(), "SELECT COUNT(*) FROM schema_version"), "2");
  EXPECT_EQ(raw_sql(path(), "SELECT COUNT(*) FROM master_keys"), "1");
}

// ---- Running -----------------------------------------------------------------------------

TEST_F(SqliteOpen, ALockHeldBeyondTheBusyTimeoutIsUnavailable) {
  SqliteOptions options = options_for(path());
  options.busy_timeout = std::chrono::milliseconds(200);
  auto store = open_sqlite_store(options);
  ASSERT_TRUE(IsOk(store));

  sqlite3* holder = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path().c_str(), &holder, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(holder, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(HasError((*store)->record_challenge(challenge(1)), ErrorCode::kUnavailable));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  // Reads go on while another process writes (WAL).
  EXPECT_TRUE(IsOk((*store)->summary()));
  ASSERT_EQ(sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close_v2(holder);
  EXPECT_TRUE(IsOk((*store)->record_challenge(challenge(1))));
}

TEST_F(SqliteOpen, ARecordedChallengeIsVisibleToOtherConnectionsAtOnce) {
  auto store = open_sqlite_store(options_for(path()));
  ASSERT_TRUE(IsOk(store));
  ASSERT_TRUE(IsOk((*store)->record_challenge(challenge(7))));
  EXPECT_EQ(raw_sql(path(), "SELECT COUNT(*) FROM challenges"), "1");
}

TEST_F(SqliteOpen, WaitForChangeIgnoresLedgerAndCounterWrites) {
  auto first = open_sqlite_store(options_for(path()));
  ASSERT_TRUE(IsOk(first));
  auto second = open_sqlite_store(options_for(path()));
  ASSERT_TRUE(IsOk(second));
  ASSERT_TRUE(IsOk((*second)->ensure_active_key(system_random())));
  for (int i = 0; i < 20 && (*first)->wait_for_change(std::chrono::milliseconds(150)).value();
       ++i) {
  }
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    std::uint8_t n = 0;
    while (!stop.load()) {
      (void)(*second)->add_to_counter(CounterKey{"a", "svc", 0}, 1);
      (void)(*second)->record_challenge(challenge(++n));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  const auto changed = (*first)->wait_for_change(std::chrono::milliseconds(400));
  stop = true;
  writer.join();
  ASSERT_TRUE(IsOk(changed));
  EXPECT_FALSE(*changed);
}

}  // namespace
}  // namespace l402
