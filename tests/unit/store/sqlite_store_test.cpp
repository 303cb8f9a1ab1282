// The Store conformance suite against SQLite, each case on a new database file.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "l402/store.hpp"
#include "result_matchers.hpp"
#include "store_conformance.hpp"
#include "temp_dir.hpp"

namespace l402 {
namespace {

struct SqliteFactory {
  static std::unique_ptr<Store> open_fresh() {
    static test::TempDir dir("l402-sqlite-store");
    static int opened = 0;
    path() = dir.file("store-" + std::to_string(++opened) + ".db");
    return reopen_same();
  }

  static std::unique_ptr<Store> reopen_same() {
    SqliteOptions options;
    options.path = path();
    auto store = open_sqlite_store(options);
    if (!store.ok()) {
      ADD_FAILURE() << "open_sqlite_store(" << options.path
                    << "): " << test::describe(store.error());
      return nullptr;
    }
    return std::move(store).value();
  }

  static std::string& path() {
    static std::string current;
    return current;
  }
};

}  // namespace

namespace test {
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, StoreConformance, ::testing::Types<SqliteFactory>);
}  // namespace test

}  // namespace l402
