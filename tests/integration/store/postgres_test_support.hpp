// PostgreSQL test helpers: the throw-away cluster that pg_cluster.sh starts, one fresh database
// per test, and a private cluster for tests that stop the server.
//
// The shared cluster's directory comes from $L402_TEST_POSTGRES_DIR (CTest sets it; the
// fixture test postgres_cluster_start fills it). A missing cluster fails the test: these
// tests never skip.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "l402/store.hpp"
#include "result_matchers.hpp"

namespace l402::test::pg {

inline std::string dsn_for(const std::string& port, const std::string& dbname) {
  return "host=127.0.0.1 port=" + port + " dbname=" + dbname + " user=postgres";
}

// The port written by `pg_cluster.sh start DIR`, or nullopt (with `why`).
inline std::optional<std::string> port_of(const std::string& dir, std::string& why) {
  std::ifstream in(dir + "/port");
  std::string port;
  if (!(in >> port) || port.empty()) {
    why = "no PostgreSQL cluster in " + dir + " (" + dir + "/port is missing)";
    return std::nullopt;
  }
  return port;
}

// The shared cluster's port, or nullopt (with `why`).
inline std::optional<std::string> shared_port(std::string& why) {
  const char* dir = std::getenv("L402_TEST_POSTGRES_DIR");
  if (dir == nullptr || *dir == '\0') {
    why =
        "L402_TEST_POSTGRES_DIR is not set: run through ctest, which starts the cluster "
        "(fixture postgres_cluster), or start one with pg_cluster.sh";
    return std::nullopt;
  }
  return port_of(dir, why);
}

// Runs `sql` on a connection to `dsn`. Returns the first column of the first row ("" when
// there is none), or nullopt with the error in `why`.
inline std::optional<std::string> run_sql(const std::string& dsn, const std::string& sql,
                                          std::string& why) {
  const std::string with_timeout = dsn + " connect_timeout=10";
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(with_timeout.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    why = PQerrorMessage(conn.get());
    return std::nullopt;
  }
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn.get(), sql.c_str()), &PQclear);
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    why = PQresultErrorMessage(result.get());
    return std::nullopt;
  }
  if (status == PGRES_TUPLES_OK && PQntuples(result.get()) > 0) {
    return std::string(PQgetvalue(result.get(), 0, 0));
  }
  return std::string();
}

inline std::string random_database_name() {
  std::random_device device;
  std::uniform_int_distribution<unsigned long long> dist;
  char name[32];
  std::snprintf(name, sizeof name, "t_%016llx", dist(device));
  return name;
}

inline bool drop_database(const std::string& port, const std::string& name, std::string& why) {
  // WITH (FORCE) ends connections a failed test left open (PostgreSQL 13+).
  return run_sql(dsn_for(port, "postgres"), "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)",
                 why)
      .has_value();
}

// A database of the test's own on the cluster listening on `port`. Dropped as soon as the
// test is done with it (every DROP DATABASE makes the server checkpoint, which is cheap only
// while few databases are dirty), and in any case when the test program ends.
class TestDatabase {
 public:
  // Creates it; on failure, ok() is false and error() says why.
  explicit TestDatabase(std::string port) : port_(std::move(port)), name_(random_database_name()) {
    if (run_sql(dsn_for(port_, "postgres"), "CREATE DATABASE " + name_, error_)) {
      created_ = true;
      Leftovers::instance().add(port_, name_);
    }
  }
  ~TestDatabase() {
    if (!created_) return;
    std::string why;
    if (drop_database(port_, name_, why)) Leftovers::instance().remove(port_, name_);
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  bool ok() const { return created_; }
  const std::string& error() const { return error_; }
  std::string dsn() const { return dsn_for(port_, name_); }

 private:
  // Databases not dropped yet, dropped when the test program ends (a test that failed may
  // have left a store open, so that its database could not be dropped earlier).
  class Leftovers : public ::testing::Environment {
   public:
    static Leftovers& instance() {
      static Leftovers* leftovers = [] {
        auto* env = new Leftovers();
        ::testing::AddGlobalTestEnvironment(env);  // gtest owns it
        return env;
      }();
      return *leftovers;
    }
    void add(const std::string& port, const std::string& name) {
      std::lock_guard lock(mutex_);
      databases_.emplace_back(port, name);
    }
    void remove(const std::string& port, const std::string& name) {
      std::lock_guard lock(mutex_);
      std::erase(databases_, std::pair(port, name));
    }
    void TearDown() override {
      std::lock_guard lock(mutex_);
      for (const auto& [port, name] : databases_) {
        std::string why;
        if (!drop_database(port, name, why)) {
          std::fprintf(stderr, "warning: could not drop database %s: %s\n", name.c_str(),
                       why.c_str());
        }
      }
      databases_.clear();
    }

   private:
    std::mutex mutex_;
    std::vector<std::pair<std::string, std::string>> databases_;
  };

  std::string port_;
  std::string name_;
  std::string error_;
  bool created_ = false;
};

// A fresh database on the shared cluster; fails the test (and returns null) when there is no
// cluster or the database cannot be created.
inline std::unique_ptr<TestDatabase> fresh_shared_database() {
  std::string why;
  const std::optional<std::string> port = shared_port(why);
  if (!port) {
    ADD_FAILURE() << why;
    return nullptr;
  }
  auto database = std::make_unique<TestDatabase>(*port);
  if (!database->ok()) {
    ADD_FAILURE() << "CREATE DATABASE failed: " << database->error();
    return nullptr;
  }
  return database;
}

inline std::unique_ptr<Store> open_store(const std::string& dsn, std::size_t pool_size = 4) {
  PostgresOptions options;
  options.dsn = dsn;
  options.pool_size = pool_size;
  auto opened = open_postgres_store(options);
  if (!opened.ok()) {
    ADD_FAILURE() << "open_postgres_store(" << dsn << "): " << describe(opened.error());
    return nullptr;
  }
  return std::move(opened).value();
}

// A cluster of the test's own, in a temporary directory, for tests that stop and restart the
// server. Stopped and removed when destroyed, whatever happened in between.
class PrivateCluster {
 public:
  PrivateCluster() {
    char templ[] = "/tmp/l402-pg-XXXXXX";
    if (::mkdtemp(templ) == nullptr) return;
    dir_ = templ;
  }
  ~PrivateCluster() {
    if (!dir_.empty()) run("stop");
  }
  PrivateCluster(const PrivateCluster&) = delete;
  PrivateCluster& operator=(const PrivateCluster&) = delete;

  // `pg_cluster.sh start`; true when it worked.
  bool start() {
    if (dir_.empty() || !run("start")) return false;
    std::string why;
    const std::optional<std::string> port = port_of(dir_, why);
    if (!port) return false;
    port_ = *port;
    return true;
  }
  // Stops the server at once, as a crash would (pg_ctl stop -m immediate).
  bool halt() { return run("halt"); }
  // Starts it again on the same port.
  bool restart() { return run("restart"); }

  const std::string& port() const { return port_; }
  const std::string& dir() const { return dir_; }

 private:
  bool run(const std::string& command) {
    const std::string line =
        "timeout 150 '" L402_PG_CLUSTER_SCRIPT "' " + command + " '" + dir_ + "'";
    return std::system(line.c_str()) == 0;
  }

  std::string dir_;
  std::string port_;
};

}  // namespace l402::test::pg
