// ClientStore::open: private files (0700 directory, 0600 database), what it refuses, and a
// damaged database reported clearly.
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "jar_test_util.hpp"

namespace l402 {
namespace {

using test::HasError;
using test::HasErrorMentioning;
using test::IsOk;

mode_t mode_of(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

// Runs SQL on the store's file behind its back.
void run_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << (error != nullptr ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

class ClientStoreOpen : public test::JarTest {};

TEST_F(ClientStoreOpen, CreatesAnOwnerOnlyDirectoryAndDatabase) {
  const mode_t old_umask = ::umask(0);  // the store must not rely on the umask
  auto store = open_store();
  ::umask(old_umask);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(mode_of(directory()), 0700U);
  EXPECT_EQ(mode_of(database()), 0600U);
  // SQLite gives the WAL and shared-memory files the database's mode.
  ASSERT_TRUE(IsOk(store->begin_purchase(test::test_purchase(1).pending)));
  EXPECT_EQ(mode_of(database() + "-wal"), 0600U);
  EXPECT_EQ(mode_of(database() + "-shm"), 0600U);
}

TEST_F(ClientStoreOpen, TightensAnExistingGroupReadableDirectory) {
  ASSERT_EQ(::mkdir(directory().c_str(), 0755), 0);
  ASSERT_EQ(::chmod(directory().c_str(), 0755), 0);
  ASSERT_NE(open_store(), nullptr);
  EXPECT_EQ(mode_of(directory()), 0700U);
}

TEST_F(ClientStoreOpen, RefusesAWorldReadableDatabaseFile) {
  ASSERT_NE(open_store(), nullptr);
  ASSERT_EQ(::chmod(database().c_str(), 0644), 0);
  const auto reopened = ClientStore::open(directory());
  EXPECT_TRUE(HasErrorMentioning(reopened, ErrorCode::kFailedPrecondition, "chmod 600"));
  EXPECT_EQ(mode_of(database()), 0644U);  // refused, not silently changed
}

TEST_F(ClientStoreOpen, RefusesAGroupWritableWalFile) {
  {
    auto store = open_store();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(IsOk(store->begin_purchase(test::test_purchase(1).pending)));
    // The WAL stays while a connection is open; keep one open past the store.
    ASSERT_EQ(::chmod((database() + "-wal").c_str(), 0620), 0);
    const auto second = ClientStore::open(directory());
    EXPECT_TRUE(HasErrorMentioning(second, ErrorCode::kFailedPrecondition, "-wal"));
  }
}

TEST_F(ClientStoreOpen, RefusesADatabaseThatIsASymlink) {
  ASSERT_EQ(::mkdir(directory().c_str(), 0700), 0);
  { std::ofstream(temp_.file("elsewhere.db")); }
  ASSERT_EQ(::symlink(temp_.file("elsewhere.db").c_str(), database().c_str()), 0);
  EXPECT_TRUE(HasErrorMentioning(ClientStore::open(directory()), ErrorCode::kFailedPrecondition,
                                 "symlink"));
}

TEST_F(ClientStoreOpen, RefusesAPathThatIsNotADirectory) {
  { std::ofstream(directory()) << "a file"; }
  EXPECT_TRUE(HasError(ClientStore::open(directory()), ErrorCode::kFailedPrecondition));
}

TEST_F(ClientStoreOpen, RefusesAFileThatIsNotADatabase) {
  ASSERT_EQ(::mkdir(directory().c_str(), 0700), 0);
  {
    std::ofstream out(database());
    out << std::string(8192, 'x');
  }
  ASSERT_EQ(::chmod(database().c_str(), 0600), 0);
  EXPECT_TRUE(HasErrorMentioning(ClientStore::open(directory()), ErrorCode::kFailedPrecondition,
                                 "not a SQLite database"));
}

TEST_F(ClientStoreOpen, RefusesADatabaseFromANewerBuild) {
  ASSERT_NE(open_store(), nullptr);
  run_sql(database(), "INSERT INTO schema_version (version) VALUES (99)");
  EXPECT_TRUE(
      HasErrorMentioning(ClientStore::open(directory()), ErrorCode::kFailedPrecondition, "newer"));
}

TEST_F(ClientStoreOpen, ReportsADamagedRowInsteadOfBelievingIt) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  buy(*store, test::test_purchase(1));
  run_sql(database(), "UPDATE tokens SET payment_hash = x'0102'");
  EXPECT_TRUE(
      HasErrorMentioning(store->list_tokens(), ErrorCode::kFailedPrecondition, "payment_hash"));
  run_sql(database(), "UPDATE tokens SET payment_hash = preimage");
  EXPECT_TRUE(HasErrorMentioning(store->list_tokens(), ErrorCode::kFailedPrecondition, "damaged"));
}

TEST_F(ClientStoreOpen, ReopensWithItsData) {
  {
    auto store = open_store();
    ASSERT_NE(store, nullptr);
    buy(*store, test::test_purchase(1));
  }
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  ASSERT_OK_AND_ASSIGN(const auto tokens, store->list_tokens());
  EXPECT_EQ(tokens.size(), 1U);
}

}  // namespace
}  // namespace l402
