// store_crash_writer: records challenges one by one and prints each token ID (hex) the moment
// record_challenge() returns, so that a test can kill -9 it mid-burst and then check that
// every token it printed survived.
//
//   store_crash_writer --sqlite PATH | --postgres DSN [--count N]
//
// Exit codes: 0 after N challenges, 1 when the store fails, 2 for bad arguments.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>

#include "l402/encoding.hpp"
#include "l402/store.hpp"

namespace {

int usage() {
  std::fputs("usage: store_crash_writer --sqlite PATH | --postgres DSN [--count N]\n", stderr);
  return 2;
}

// Writes all of `text` to stdout, unbuffered (nothing waits in a stdio buffer at the kill).
bool write_all(std::string_view text) {
  while (!text.empty()) {
    const ssize_t written = write(STDOUT_FILENO, text.data(), text.size());
    if (written <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string sqlite_path;
  std::string postgres_dsn;
  std::uint64_t count = 1000;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return usage();
    const std::string value = argv[++i];
    if (arg == "--sqlite") {
      sqlite_path = value;
    } else if (arg == "--postgres") {
      postgres_dsn = value;
    } else if (arg == "--count") {
      count = std::strtoull(value.c_str(), nullptr, 10);
    } else {
      return usage();
    }
  }
  if (sqlite_path.empty() == postgres_dsn.empty()) return usage();

  l402::Result<std::unique_ptr<l402::Store>> opened = [&] {
    if (!sqlite_path.empty()) {
      l402::SqliteOptions options;
      options.path = sqlite_path;
      return l402::open_sqlite_store(options);
    }
    l402::PostgresOptions options;
    options.dsn = postgres_dsn;
    return l402::open_postgres_store(options);
  }();
  if (!opened.ok()) {
    std::fprintf(stderr, "store_crash_writer: %s\n", opened.error().message().c_str());
    return 1;
  }
  l402::Store& store = **opened;

  for (std::uint64_t i = 0; i < count; ++i) {
    l402::IssuedChallenge challenge;
    if (!l402::system_random().fill(challenge.token_id).ok() ||
        !l402::system_random().fill(challenge.payment_hash).ok()) {
      std::fputs("store_crash_writer: no randomness\n", stderr);
      return 1;
    }
    challenge.service = "crash";
    challenge.price = l402::Msat(1000 + i);
    challenge.issued_at = static_cast<std::int64_t>(std::time(nullptr));
    challenge.invoice_expires_at = challenge.issued_at + 3600;
    const l402::Result<void> recorded = store.record_challenge(challenge);
    if (!recorded.ok()) {
      std::fprintf(stderr, "store_crash_writer: %s\n", recorded.error().message().c_str());
      return 1;
    }
    if (!write_all(l402::hex::encode(l402::as_view(challenge.token_id)) + "\n")) return 1;
  }
  return 0;
}
