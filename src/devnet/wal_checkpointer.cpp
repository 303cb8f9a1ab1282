#include "wal_checkpointer.hpp"

#include <chrono>
#include <utility>

namespace l402::devnet {

namespace {

// A RESTART checkpoint waits this long for writers before giving up (it retries next time).
constexpr auto kBusyTimeout = std::chrono::milliseconds(5'000);

}  // namespace

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::start(sqlite::Connection& writer) {
  L402_ASSIGN_OR_RETURN(std::unique_ptr<sqlite::Connection> own,
                        sqlite::Connection::open(writer.path(), /*create=*/false, kBusyTimeout));
  // A connection finds the WAL only when it first reads the database; until then a checkpoint
  // on it does nothing and reports -1 pages.
  L402_RETURN_IF_ERROR(sqlite::use_wal(*own));
  std::unique_ptr<WalCheckpointer> checkpointer(new WalCheckpointer(writer, std::move(own)));
  // Replaces the hook that sqlite3_wal_autocheckpoint() installs.
  sqlite3_wal_hook(writer.handle(), &WalCheckpointer::on_commit, checkpointer.get());
  checkpointer->thread_ = std::thread([raw = checkpointer.get()] { raw->run(); });
  return checkpointer;
}

WalCheckpointer::~WalCheckpointer() {
  // Back to SQLite's automatic checkpoints for whatever the writer commits from now on.
  sqlite3_wal_autocheckpoint(writer_.handle(), kCheckpointPages);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

int WalCheckpointer::on_commit(void* self, sqlite3* /*db*/, const char* /*schema*/, int wal_pages) {
  auto* checkpointer = static_cast<WalCheckpointer*>(self);
  if (wal_pages >= kCheckpointPages && !checkpointer->requested_.exchange(true)) {
    // Taking the mutex makes the wake-up impossible to miss; this happens once per
    // kCheckpointPages pages, not once per commit.
    { std::lock_guard lock(checkpointer->mutex_); }
    checkpointer->wake_.notify_one();
  }
  return SQLITE_OK;
}

void WalCheckpointer::run() {
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || requested_.load(); });
      if (stopping_) return;
    }
    requested_.store(false);
    int wal_pages = 0;
    int copied = 0;
    // Failures (a busy database, I/O trouble) leave the WAL as it is; the next commit hook
    // asks again. Nothing is lost: the WAL holds every commit until it is copied.
    if (sqlite3_wal_checkpoint_v2(own_->handle(), "main", SQLITE_CHECKPOINT_PASSIVE, &wal_pages,
                                  &copied) == SQLITE_OK &&
        wal_pages > kRestartPages) {
      (void)sqlite3_wal_checkpoint_v2(own_->handle(), "main", SQLITE_CHECKPOINT_RESTART, nullptr,
                                      nullptr);
    }
  }
}

}  // namespace l402::devnet
