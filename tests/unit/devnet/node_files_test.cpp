// DevnetNode: its data directory, keys, macaroons and what survives a restart.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "devnet_test_node.hpp"
#include "l402/macaroon.hpp"
#include "l402/macaroon_format.hpp"

namespace l402::test {
namespace {

using DevnetFiles = DevnetNodeTest;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

unsigned mode_of(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return 0;
  return info.st_mode & 0777;
}

std::span<const std::uint8_t> bytes_of(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

TEST_F(DevnetFiles, DataDirectoryAndSecretsArePrivate) {
  const std::filesystem::path dir = node_->data_dir();
  EXPECT_EQ(mode_of(dir), 0700u);
  EXPECT_EQ(mode_of(dir / "node.key"), 0600u);
  EXPECT_EQ(mode_of(dir / "macaroon.key"), 0600u);
  EXPECT_EQ(mode_of(dir / "admin.macaroon"), 0600u);
  EXPECT_EQ(mode_of(dir / "devnet.sqlite"), 0600u);
  EXPECT_EQ(read_file(dir / "node.key").size(), 32u);
  EXPECT_EQ(read_file(dir / "macaroon.key").size(), 32u);
  EXPECT_TRUE(std::filesystem::exists(dir / "devnet.sqlite"));
  EXPECT_TRUE(std::filesystem::exists(dir / "payer.macaroon"));
  EXPECT_TRUE(std::filesystem::exists(dir / "rich.macaroon"));
  EXPECT_EQ(node_->macaroon_path("default"), dir / "admin.macaroon");
  EXPECT_EQ(node_->macaroon_path("payer"), dir / "payer.macaroon");
}

TEST_F(DevnetFiles, MacaroonFilesAuthenticateTheirAccounts) {
  for (const std::string account : {"default", "payer", "rich"}) {
    const std::string macaroon = read_file(node_->macaroon_path(account));
    ASSERT_OK_AND_ASSIGN(std::string authorized, node_->authenticate(bytes_of(macaroon)));
    EXPECT_EQ(authorized, account);
    ASSERT_OK_AND_ASSIGN(Macaroon parsed, parse_binary(macaroon));
    EXPECT_EQ(parsed.location(), "lnd");
    EXPECT_EQ(macaroon[0], '\x02') << "binary V2";
  }
}

TEST_F(DevnetFiles, AlteredMacaroonIsRefused) {
  std::string macaroon = read_file(node_->macaroon_path("payer"));
  macaroon[macaroon.size() - 1] = static_cast<char>(macaroon[macaroon.size() - 1] ^ 1);
  EXPECT_TRUE(
      HasErrorMentioning(node_->authenticate(bytes_of(macaroon)), ErrorCode::kUnauthenticated,
                         "verification failed: signature mismatch after caveat verification"));

  // Renaming the account in the identifier breaks the signature too.
  ASSERT_OK_AND_ASSIGN(Macaroon parsed, parse_binary(read_file(node_->macaroon_path("payer"))));
  const Macaroon renamed = Macaroon::from_parts(parsed.location(), "devnet-account:rich",
                                                parsed.caveats(), parsed.signature());
  EXPECT_TRUE(
      HasError(node_->authenticate(bytes_of(to_binary_v2(renamed))), ErrorCode::kUnauthenticated));

  // A caveat the holder added is genuine but devnet checks none, so it refuses it.
  ASSERT_OK(parsed.add_first_party_caveat("ipaddr 127.0.0.1"));
  EXPECT_TRUE(
      HasError(node_->authenticate(bytes_of(to_binary_v2(parsed))), ErrorCode::kUnauthenticated));

  EXPECT_TRUE(
      HasError(node_->authenticate(bytes_of("not a macaroon")), ErrorCode::kUnauthenticated));
}

TEST_F(DevnetFiles, MacaroonOfAnotherNodeIsRefused) {
  ASSERT_OK_AND_ASSIGN(auto other, DevnetNode::open(options("other")));
  const std::string theirs = read_file(other->macaroon_path("default"));
  EXPECT_TRUE(HasError(node_->authenticate(bytes_of(theirs)), ErrorCode::kUnauthenticated));
  EXPECT_NE(other->info().node_id, node_->info().node_id);
}

TEST_F(DevnetFiles, ReopenedNodeKeepsItsKeyInvoicesPaymentsBalancesAndIndexes) {
  ASSERT_OK_AND_ASSIGN(DevnetInvoice paid, node_->add_invoice(request(10'000)));
  ASSERT_OK_AND_ASSIGN(DevnetInvoice open, node_->add_invoice(request(20'000)));
  PayRequest pay;
  pay.bolt11 = paid.status.bolt11;
  pay.max_fee = Msat(10'000);
  ASSERT_OK_AND_ASSIGN(DevnetPayment payment, node_->pay("payer", pay));
  ASSERT_EQ(payment.status, DevnetPaymentStatus::kSucceeded);
  const NodeInfo info = node_->info();
  const std::string macaroon = read_file(node_->macaroon_path("default"));
  ASSERT_OK_AND_ASSIGN(const Msat payer_balance, node_->balance("payer"));
  ASSERT_OK_AND_ASSIGN(const Msat default_balance, node_->balance("default"));

  node_.reset();
  DevnetOptions again = options();
  // Listed balances only apply on creation: an existing account keeps its own.
  again.accounts = {{"payer", Msat(5)}};
  ASSERT_OK_AND_ASSIGN(node_, DevnetNode::open(again));

  EXPECT_EQ(node_->info().node_id, info.node_id);
  EXPECT_EQ(read_file(node_->macaroon_path("default")), macaroon);
  ASSERT_OK(node_->authenticate(bytes_of(macaroon)));
  EXPECT_EQ(node_->balance("payer").value(), payer_balance);
  EXPECT_EQ(node_->balance("default").value(), default_balance);
  EXPECT_TRUE(IsOk(node_->balance("rich"))) << "accounts of earlier starts remain";

  ASSERT_OK_AND_ASSIGN(DevnetInvoice settled, node_->lookup_invoice(paid.status.payment_hash));
  EXPECT_EQ(settled.status.state, InvoiceState::kSettled);
  EXPECT_EQ(settled.status.settle_index, 1u);
  ASSERT_OK_AND_ASSIGN(DevnetInvoice still_open, node_->lookup_invoice(open.status.payment_hash));
  EXPECT_EQ(still_open.status.state, InvoiceState::kOpen);
  EXPECT_EQ(still_open.status.bolt11, open.status.bolt11);
  ASSERT_OK_AND_ASSIGN(DevnetPayment recorded,
                       node_->lookup_payment("payer", paid.status.payment_hash));
  EXPECT_EQ(recorded.preimage, payment.preimage);

  // Indexes continue where they were.
  ASSERT_OK_AND_ASSIGN(DevnetInvoice third, node_->add_invoice(request(30'000)));
  EXPECT_EQ(third.add_index, 3u);
  pay.bolt11 = third.status.bolt11;
  ASSERT_OK_AND_ASSIGN(DevnetPayment second_payment, node_->pay("rich", pay));
  EXPECT_EQ(second_payment.payment_index, payment.payment_index + 1);
  EXPECT_EQ(node_->lookup_invoice(third.status.payment_hash)->status.settle_index, 2u);
}

TEST_F(DevnetFiles, TruncatedNodeKeyIsRefusedNamingTheFile) {
  const std::filesystem::path key = node_->data_dir() / "node.key";
  node_.reset();
  write_file(key, read_file(key).substr(0, 31));
  EXPECT_TRUE(
      HasErrorMentioning(DevnetNode::open(options()), ErrorCode::kFailedPrecondition, "node.key"));
}

TEST_F(DevnetFiles, NodeKeyOutsideTheCurveIsRefused) {
  const std::filesystem::path key = node_->data_dir() / "node.key";
  node_.reset();
  write_file(key, std::string(32, '\xff'));  // above the curve order
  EXPECT_TRUE(
      HasErrorMentioning(DevnetNode::open(options()), ErrorCode::kFailedPrecondition, "node.key"));
}

TEST_F(DevnetFiles, TruncatedMacaroonKeyIsRefusedNamingTheFile) {
  const std::filesystem::path key = node_->data_dir() / "macaroon.key";
  node_.reset();
  write_file(key, "short");
  EXPECT_TRUE(HasErrorMentioning(DevnetNode::open(options()), ErrorCode::kFailedPrecondition,
                                 "macaroon.key"));
}

TEST_F(DevnetFiles, MissingNodeKeyBesideADatabaseIsRefused) {
  const std::filesystem::path key = node_->data_dir() / "node.key";
  node_.reset();
  std::filesystem::remove(key);
  EXPECT_TRUE(
      HasErrorMentioning(DevnetNode::open(options()), ErrorCode::kFailedPrecondition, "node.key"));
}

TEST_F(DevnetFiles, DataDirectoryThatIsAFileIsRefused) {
  DevnetOptions bad = options();
  bad.data_dir = std::filesystem::path(dir_.path()) / "a-file";
  write_file(bad.data_dir, "x");
  EXPECT_TRUE(HasError(DevnetNode::open(bad), ErrorCode::kFailedPrecondition));
}

TEST_F(DevnetFiles, BadAccountOptionsAreRefused) {
  DevnetOptions bad = options("bad");
  bad.accounts = {{"Upper", Msat(1)}};
  EXPECT_TRUE(HasError(DevnetNode::open(bad), ErrorCode::kInvalidArgument));
  bad.accounts = {{"", Msat(1)}};
  EXPECT_TRUE(HasError(DevnetNode::open(bad), ErrorCode::kInvalidArgument));
  bad.accounts = {{std::string(33, 'a'), Msat(1)}};
  EXPECT_TRUE(HasError(DevnetNode::open(bad), ErrorCode::kInvalidArgument));
  bad.accounts = {{"twice", Msat(1)}, {"twice", Msat(2)}};
  EXPECT_TRUE(HasError(DevnetNode::open(bad), ErrorCode::kInvalidArgument));
  bad.accounts = {{"admin", Msat(1)}};
  EXPECT_TRUE(HasError(DevnetNode::open(bad), ErrorCode::kInvalidArgument));
}

TEST_F(DevnetFiles, SecondNodeOnTheSameDirectoryIsRefusedUntilTheFirstCloses) {
  EXPECT_TRUE(
      HasErrorMentioning(DevnetNode::open(options()), ErrorCode::kFailedPrecondition, "in use"));
  node_.reset();
  EXPECT_TRUE(IsOk(DevnetNode::open(options())));
}

TEST_F(DevnetFiles, TheWriteAheadLogIsCopiedIntoTheDatabaseWhileTheNodeRuns) {
  // Past the checkpointer's threshold (1000 pages of 4 KiB), then some.
  const std::filesystem::path database = node_->data_dir() / "devnet.sqlite";
  const std::filesystem::path wal = node_->data_dir() / "devnet.sqlite-wal";
  constexpr std::uintmax_t kThreshold = 1'100 * 4'096;
  for (int i = 0; i < 100'000 && std::filesystem::file_size(wal) < kThreshold; ++i) {
    ASSERT_OK(node_->add_invoice(request(1'000 + static_cast<std::uint64_t>(i))));
  }
  ASSERT_GE(std::filesystem::file_size(wal), kThreshold);
  // The checkpoint runs on a thread of its own: wait for it, at most 10 s. The database file
  // holds one version of each page where the WAL holds many, so it stays smaller.
  constexpr std::uintmax_t kCopied = 256 * 1'024;
  std::uintmax_t copied = std::filesystem::file_size(database);
  for (int i = 0; i < 1'000 && copied < kCopied; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    copied = std::filesystem::file_size(database);
  }
  EXPECT_GE(copied, kCopied) << "nothing was checkpointed from the WAL";
}

TEST_F(DevnetFiles, DefaultAccountStartsWithOneBitcoin) {
  EXPECT_EQ(node_->balance("default").value(), Msat(100'000'000'000));
  EXPECT_EQ(node_->balance("payer").value(), Msat(1'000'000));
}

}  // namespace
}  // namespace l402::test
