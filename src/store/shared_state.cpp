// SharedState: the keyring and deny-list in memory, kept current from a Store.
//
// Readers (current(), is_revoked()) never touch the store: current() copies a shared_ptr under
// a mutex, is_revoked() looks the set up under a shared lock. refresh() is serialised by its
// own mutex; it replaces the key snapshot and adds the revocations past the last sequence
// seen. A background thread calls it whenever Store::wait_for_change() returns (a change, or
// the poll interval passed).
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "l402/store.hpp"

namespace l402 {

namespace {

// How long the refresh thread waits after the store failed before it tries again.
constexpr std::chrono::milliseconds kRetryAfterError(500);
// How often the destructor repeats Store::interrupt() until the thread notices.
constexpr std::chrono::milliseconds kInterruptRepeat(20);

}  // namespace

struct SharedState::Impl {
  Impl(Store& store_in, RandomSource& random_in, std::chrono::milliseconds poll_interval_in)
      : store(store_in), random(random_in), poll_interval(poll_interval_in) {}

  Result<void> refresh_keys();
  Result<void> refresh_revocations();
  void run();

  // Constant after construction.
  Store& store;
  RandomSource& random;
  const std::chrono::milliseconds poll_interval;

  mutable std::mutex keys_mutex;
  std::shared_ptr<const KeySet> keys;  // guarded by keys_mutex; never null

  mutable std::shared_mutex revoked_mutex;
  std::unordered_set<TokenId, TokenIdHash> revoked;  // guarded by revoked_mutex

  // Serialises refreshes and changes (and with them the use of `random`).
  std::mutex refresh_mutex;
  std::uint64_t last_sequence = 0;  // guarded by refresh_mutex

  std::mutex stop_mutex;
  std::condition_variable stop_changed;
  bool stopping = false;  // guarded by stop_mutex
  bool finished = false;  // guarded by stop_mutex
  std::thread thread;
};

Result<void> SharedState::Impl::refresh_keys() {
  L402_ASSIGN_OR_RETURN(std::vector<MasterKey> loaded, store.load_keys());
  Result<std::shared_ptr<const KeySet>> created = KeySet::create(std::move(loaded));
  if (!created.ok()) return created.error().with_context("keys in the store");
  std::lock_guard lock(keys_mutex);
  keys = std::move(created).value();
  return ok_result();
}

Result<void> SharedState::Impl::refresh_revocations() {
  L402_ASSIGN_OR_RETURN(std::vector<RevocationEntry> entries,
                        store.load_revocations(last_sequence));
  if (entries.empty()) return ok_result();
  {
    std::unique_lock lock(revoked_mutex);
    for (const RevocationEntry& entry : entries) revoked.insert(entry.token_id);
  }
  for (const RevocationEntry& entry : entries) {
    last_sequence = std::max(last_sequence, entry.sequence);
  }
  return ok_result();
}

void SharedState::Impl::run() {
  while (true) {
    {
      std::lock_guard lock(stop_mutex);
      if (stopping) break;
    }
    const Result<bool> changed = store.wait_for_change(poll_interval);
    std::unique_lock lock(stop_mutex);
    if (stopping) break;
    if (!changed.ok()) {
      // The store is unreachable: keep the last snapshot and try again shortly.
      stop_changed.wait_for(lock, std::min(poll_interval, kRetryAfterError),
                            [this] { return stopping; });
      continue;
    }
    lock.unlock();
    // On a change, and at least every poll interval. A failure keeps the last good snapshot;
    // the next round tries again.
    std::lock_guard refreshing(refresh_mutex);
    (void)refresh_keys();
    (void)refresh_revocations();
  }
  {
    std::lock_guard lock(stop_mutex);
    finished = true;
  }
  stop_changed.notify_all();
}

// ---- SharedState -------------------------------------------------------------------------

SharedState::SharedState(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<SharedState>> SharedState::start(Store& store, RandomSource& random,
                                                        std::chrono::milliseconds poll_interval) {
  L402_RETURN_IF_ERROR(store.ensure_active_key(random));
  auto impl = std::make_unique<Impl>(store, random, poll_interval);
  L402_RETURN_IF_ERROR(impl->refresh_keys());
  L402_RETURN_IF_ERROR(impl->refresh_revocations());
  Impl* running = impl.get();
  running->thread = std::thread([running] { running->run(); });
  return std::unique_ptr<SharedState>(new SharedState(std::move(impl)));
}

SharedState::~SharedState() {
  Impl& impl = *impl_;
  std::unique_lock lock(impl.stop_mutex);
  impl.stopping = true;
  impl.stop_changed.notify_all();
  // interrupt() wakes a wait in progress; the thread may be between waits, so repeat it until
  // the thread has seen `stopping`.
  while (!impl.finished) {
    lock.unlock();
    impl.store.interrupt();
    lock.lock();
    impl.stop_changed.wait_for(lock, kInterruptRepeat, [&impl] { return impl.finished; });
  }
  lock.unlock();
  impl.thread.join();
}

std::shared_ptr<const KeySet> SharedState::current() const {
  std::lock_guard lock(impl_->keys_mutex);
  return impl_->keys;
}

bool SharedState::is_revoked(const TokenId& token_id) const {
  std::shared_lock lock(impl_->revoked_mutex);
  return impl_->revoked.contains(token_id);
}

std::size_t SharedState::revoked_count() const {
  std::shared_lock lock(impl_->revoked_mutex);
  return impl_->revoked.size();
}

Result<bool> SharedState::revoke(const TokenId& token_id, std::int64_t at,
                                 std::string_view reason) {
  std::lock_guard refreshing(impl_->refresh_mutex);
  L402_ASSIGN_OR_RETURN(const bool added, impl_->store.revoke(token_id, at, reason));
  if (!impl_->refresh_revocations().ok()) {
    // The revocation is stored; the reload failed. Deny the token here at once anyway (the
    // refresh thread loads the rest later).
    std::unique_lock lock(impl_->revoked_mutex);
    impl_->revoked.insert(token_id);
  }
  return added;
}

Result<KeyId> SharedState::rotate_key() {
  std::lock_guard refreshing(impl_->refresh_mutex);
  L402_ASSIGN_OR_RETURN(const KeyId id, impl_->store.rotate_key(impl_->random));
  L402_RETURN_IF_ERROR(impl_->refresh_keys());
  return id;
}

Result<void> SharedState::set_key_state(KeyId id, KeyState state) {
  std::lock_guard refreshing(impl_->refresh_mutex);
  L402_RETURN_IF_ERROR(impl_->store.set_key_state(id, state));
  return impl_->refresh_keys();
}

Result<void> SharedState::refresh() {
  std::lock_guard refreshing(impl_->refresh_mutex);
  L402_RETURN_IF_ERROR(impl_->refresh_keys());
  return impl_->refresh_revocations();
}

}  // namespace l402
