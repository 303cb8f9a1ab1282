// Keeps SQLite's checkpoints (copying the WAL back into the database file, with an fsync
// each) off the node's write path.
//
// SQLite checkpoints automatically inside the commit that crosses 1000 WAL pages, which puts
// two fsyncs inside the node's store lock every few hundred invoices and stalls every caller.
// Here the writer connection's commit hook only signals a thread of our own, which runs a
// PASSIVE checkpoint on a second connection while writers go on. A PASSIVE checkpoint cannot
// let the WAL start over while writers keep appending, so when the WAL still holds more than
// kRestartPages after one, a RESTART checkpoint makes writers wait briefly instead of letting
// the file grow without bound.
//
// Thread safety: internal; constructed and destroyed by the NodeStore that owns the writer.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "l402/result.hpp"
#include "store/sqlite_db.hpp"

namespace l402::devnet {

class WalCheckpointer {
 public:
  // WAL pages (4 KiB) that trigger a checkpoint, as SQLite's own default.
  static constexpr int kCheckpointPages = 1'000;
  // WAL pages beyond which writers are made to wait for a full checkpoint (64 MiB).
  static constexpr int kRestartPages = 16'384;

  // Opens a connection of its own to `writer`'s database and takes over its checkpoints.
  // Requires: `writer` outlives the checkpointer.
  static Result<std::unique_ptr<WalCheckpointer>> start(sqlite::Connection& writer);
  // Stops the thread (it finishes a checkpoint in progress) and gives the checkpoints back to
  // SQLite.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

 private:
  WalCheckpointer(sqlite::Connection& writer, std::unique_ptr<sqlite::Connection> own)
      : writer_(writer), own_(std::move(own)) {}
  static int on_commit(void* self, sqlite3* db, const char* schema, int wal_pages);
  void run();

  sqlite::Connection& writer_;
  const std::unique_ptr<sqlite::Connection> own_;  // used by the thread only

  std::atomic<bool> requested_{false};  // set by the commit hook, cleared by the thread
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace l402::devnet
