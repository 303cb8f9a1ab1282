// DevnetNode::open: checks the options, then sets up (or reopens) the data directory: the
// node key, the macaroon key, the database, the accounts and their macaroon files.
#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <utility>

#include "invoice_builder.hpp"
#include "node_files.hpp"
#include "node_impl.hpp"

namespace l402 {

namespace {

using devnet::kMaxStoredMsat;

constexpr std::size_t kMaxAccountNameLength = 32;
constexpr Msat kDefaultAccountBalance(100'000'000'000);  // 1 BTC
// Far beyond any sensible expiry, and small enough that timestamp + expiry never overflows.
constexpr std::uint64_t kMaxExpiryLimit = std::uint64_t{1} << 40;
// Random 32-byte strings are valid secp256k1 keys but for a chance of about 2^-128.
constexpr int kKeyAttempts = 16;

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, "devnet options: " + std::move(message));
}

Result<void> check_account_name(std::string_view name) {
  const bool valid_characters = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  if (name.empty() || name.size() > kMaxAccountNameLength || !valid_characters) {
    return invalid("account name \"" + std::string(name) + "\" is not [a-z0-9_-]{1,32}");
  }
  // admin.macaroon belongs to "default", as in LND's data directory.
  if (name == "admin") return invalid("account name \"admin\" is reserved");
  return ok_result();
}

// The accounts to create on first start, "default" included, by name.
Result<std::map<std::string, Msat>> initial_accounts(const DevnetOptions& options) {
  std::map<std::string, Msat> accounts;
  for (const DevnetAccount& account : options.accounts) {
    L402_RETURN_IF_ERROR(check_account_name(account.name));
    if (account.initial_balance.value() > kMaxStoredMsat) {
      return invalid("initial balance of \"" + account.name + "\" is too large");
    }
    if (!accounts.emplace(account.name, account.initial_balance).second) {
      return invalid("account \"" + account.name + "\" is listed twice");
    }
  }
  accounts.emplace("default", kDefaultAccountBalance);
  return accounts;
}

Result<void> check_options(const DevnetOptions& options) {
  if (options.data_dir.empty()) return invalid("data_dir is empty");
  if (options.max_expiry_seconds == 0 || options.max_expiry_seconds > kMaxExpiryLimit) {
    return invalid("max_expiry_seconds must be between 1 and 2^40");
  }
  if (options.fee_base.value() > kMaxStoredMsat) return invalid("fee_base is too large");
  return ok_result();
}

// Reads a 32-byte key file, or creates it (with `is_valid` deciding whether random bytes
// make a key) when it does not exist yet.
template <typename Validate>
Result<SecretBytes> load_or_create_key(const std::filesystem::path& file, Validate&& is_valid) {
  Result<SecretBytes> existing = devnet::read_key_file(file);
  if (existing.ok() || existing.error().code() != ErrorCode::kNotFound) return existing;
  for (int attempt = 0; attempt < kKeyAttempts; ++attempt) {
    std::array<std::uint8_t, 32> bytes{};
    L402_RETURN_IF_ERROR(system_random().fill(bytes));
    SecretBytes key(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    secure_wipe(bytes.data(), bytes.size());
    if (!is_valid(key)) continue;
    L402_RETURN_IF_ERROR(devnet::write_private_file(file, key.view()));
    return key;
  }
  return Error(ErrorCode::kInternal, "cannot draw a valid key for " + file.string());
}

std::uint64_t system_now() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

}  // namespace

Result<std::unique_ptr<DevnetNode>> DevnetNode::open(const DevnetOptions& options) {
  L402_RETURN_IF_ERROR(check_options(options));
  L402_ASSIGN_OR_RETURN(const auto accounts, initial_accounts(options));
  const std::uint64_t now = options.now ? options.now() : system_now();
  const std::filesystem::path& dir = options.data_dir;
  L402_RETURN_IF_ERROR(devnet::ensure_private_directory(dir));

  L402_ASSIGN_OR_RETURN(devnet::DirectoryLock lock,
                        devnet::DirectoryLock::acquire(dir / "devnet.lock"));

  // A database without its node key holds invoices no new key could settle: refuse rather
  // than start a different node over them.
  const std::filesystem::path node_key_file = dir / "node.key";
  std::error_code ec;
  if (!std::filesystem::exists(node_key_file, ec) &&
      std::filesystem::exists(dir / "devnet.sqlite", ec)) {
    return Error(ErrorCode::kFailedPrecondition,
                 "key file " + node_key_file.string() +
                     " is missing but the node's database is there; restore the key, or remove "
                     "the whole data directory to start a new node");
  }
  L402_ASSIGN_OR_RETURN(SecretBytes node_key,
                        load_or_create_key(node_key_file, [](const SecretBytes& key) {
                          return derive_public_key(key).ok();
                        }));
  Result<PublicKey> node_id = derive_public_key(node_key);
  if (!node_id.ok()) {
    return Error(ErrorCode::kFailedPrecondition,
                 "key file " + node_key_file.string() +
                     " does not hold a valid secp256k1 private key; it is corrupt");
  }
  L402_ASSIGN_OR_RETURN(
      SecretBytes macaroon_key,
      load_or_create_key(dir / "macaroon.key", [](const SecretBytes&) { return true; }));

  devnet::NodeParts parts(std::move(lock));
  parts.macaroons = std::make_unique<devnet::NodeMacaroons>(macaroon_key);
  L402_RETURN_IF_ERROR(devnet::create_private_file_if_missing(dir / "devnet.sqlite"));
  L402_ASSIGN_OR_RETURN(parts.store, devnet::NodeStore::open(dir / "devnet.sqlite", now));
  for (const auto& [name, balance] : accounts) {
    L402_RETURN_IF_ERROR(parts.store->ensure_account(name, balance));
  }
  L402_ASSIGN_OR_RETURN(const std::vector<std::string> names, parts.store->account_names());
  for (const std::string& name : names) {
    // Accounts of earlier starts keep working even when no longer listed.
    parts.accounts.insert(name);
    const std::filesystem::path file = dir / devnet_macaroon_file_name(name);
    if (std::filesystem::exists(file, ec)) continue;
    L402_ASSIGN_OR_RETURN(const std::string macaroon, parts.macaroons->mint(name));
    L402_RETURN_IF_ERROR(devnet::write_private_file(file, macaroon));
  }
  if (now > devnet::kPruneGraceSeconds) {
    while (true) {
      L402_ASSIGN_OR_RETURN(const std::size_t deleted,
                            parts.store->delete_open_invoices_expired_before(
                                now - devnet::kPruneGraceSeconds, devnet::kPruneBatch));
      if (deleted < devnet::kPruneBatch) break;
    }
  }

  parts.options = options;
  parts.node_key = std::move(node_key);
  parts.node_id = *node_id;
  return std::unique_ptr<DevnetNode>(std::make_unique<devnet::DevnetNodeImpl>(std::move(parts)));
}

}  // namespace l402
