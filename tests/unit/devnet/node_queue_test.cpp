// DevnetNode: invoices with a preimage the node drew are written to SQLite in batches. Nothing
// the node answers may tell a queued invoice from a written one, and the queue reaches the
// file on its own, on close, and before anything else touches invoices.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "devnet_test_node.hpp"

namespace l402::test {
namespace {

using DevnetQueue = DevnetNodeTest;

// Invoices in the node's SQLite file as another reader of the file sees them; -1 on error.
std::int64_t invoices_in_file(const std::filesystem::path& data_dir) {
  sqlite3* db = nullptr;
  const std::string file = (data_dir / "devnet.sqlite").string();
  std::int64_t count = -1;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* select = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM invoices", -1, &select, nullptr) ==
            SQLITE_OK &&
        sqlite3_step(select) == SQLITE_ROW) {
      count = sqlite3_column_int64(select, 0);
    }
    sqlite3_finalize(select);
  }
  sqlite3_close(db);
  return count;
}

TEST_F(DevnetQueue, NewInvoiceIsFoundListedAndPayableAtOnce) {
  ASSERT_OK_AND_ASSIGN(const DevnetInvoice invoice, node_->add_invoice(request(5'000)));
  ASSERT_OK_AND_ASSIGN(const DevnetInvoice found,
                       node_->lookup_invoice(invoice.status.payment_hash));
  EXPECT_EQ(found.add_index, invoice.add_index);
  EXPECT_EQ(found.status.bolt11, invoice.status.bolt11);

  ASSERT_OK_AND_ASSIGN(const DevnetInvoice second, node_->add_invoice(request(6'000)));
  ASSERT_OK_AND_ASSIGN(const std::vector<DevnetInvoice> listed,
                       node_->invoices_added_after(invoice.add_index, 10));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].status.payment_hash, second.status.payment_hash);

  ASSERT_OK_AND_ASSIGN(const DevnetInvoice third, node_->add_invoice(request(7'000)));
  ASSERT_OK_AND_ASSIGN(const DevnetPayment paid,
                       node_->pay("rich", pay_request(third.status.bolt11)));
  EXPECT_EQ(paid.status, DevnetPaymentStatus::kSucceeded);
  EXPECT_EQ(node_->lookup_invoice(third.status.payment_hash)->status.state, InvoiceState::kSettled);
}

TEST_F(DevnetQueue, QueuedInvoicesReachTheFileWithoutFurtherCalls) {
  ASSERT_OK_AND_ASSIGN(const DevnetInvoice invoice, node_->add_invoice(request(5'000)));
  std::int64_t seen = invoices_in_file(options().data_dir);
  for (int i = 0; i < 500 && seen != 1; ++i) {  // at most 5 s
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    seen = invoices_in_file(options().data_dir);
  }
  EXPECT_EQ(seen, 1) << "the queued invoice was not written within 5 s";
}

TEST_F(DevnetQueue, EveryInvoiceSurvivesClosingTheNodeWithConsecutiveIndexes) {
  // More than the queue holds, so that adding writes it too.
  const std::size_t count = 2 * 256 + 17;
  std::vector<DevnetInvoice> added;
  for (std::size_t i = 0; i < count; ++i) {
    ASSERT_OK_AND_ASSIGN(DevnetInvoice invoice, node_->add_invoice(request(1'000 + i)));
    added.push_back(std::move(invoice));
  }
  node_.reset();
  EXPECT_EQ(invoices_in_file(options().data_dir), static_cast<std::int64_t>(count));
  ASSERT_OK_AND_ASSIGN(node_, DevnetNode::open(options()));
  ASSERT_OK_AND_ASSIGN(const std::vector<DevnetInvoice> listed,
                       node_->invoices_added_after(0, 10 * count));
  ASSERT_EQ(listed.size(), count);
  for (std::size_t i = 0; i < count; ++i) {
    EXPECT_EQ(listed[i].add_index, i + 1);
    EXPECT_EQ(listed[i].status.payment_hash, added[i].status.payment_hash);
  }
  ASSERT_OK_AND_ASSIGN(const DevnetInvoice next, node_->add_invoice(request(1'000)));
  EXPECT_EQ(next.add_index, count + 1);
}

// A process that dies with invoices still queued loses them, but not their indexes: an
// index already handed out (to a caller, to subscribers) never names another invoice.
TEST_F(DevnetQueue, IndexesOfInvoicesLostInACrashAreNotGivenAgain) {
  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The crashing process: a node of its own, invoices added, then gone without closing.
    ::close(report[0]);
    Result<std::unique_ptr<DevnetNode>> node = DevnetNode::open(options("crashed"));
    std::uint64_t last = 0;
    for (int i = 0; node.ok() && i < 5; ++i) {
      Result<DevnetInvoice> invoice = (*node)->add_invoice(request(1'000));
      if (invoice.ok()) last = invoice->add_index;
    }
    const ssize_t written = ::write(report[1], &last, sizeof last);
    ::_exit(written == sizeof last ? 0 : 1);
  }
  ::close(report[1]);
  std::uint64_t last_given = 0;
  const ssize_t got = ::read(report[0], &last_given, sizeof last_given);
  ::close(report[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_EQ(got, static_cast<ssize_t>(sizeof last_given));
  ASSERT_EQ(last_given, 5u);

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<DevnetNode> reopened, DevnetNode::open(options("crashed")));
  ASSERT_OK_AND_ASSIGN(const DevnetInvoice next, reopened->add_invoice(request(1'000)));
  EXPECT_GT(next.add_index, last_given);
}

TEST_F(DevnetQueue, IndexesContinueByOneAfterAClose) {
  ASSERT_OK_AND_ASSIGN(const DevnetInvoice before, node_->add_invoice(request(1'000)));
  node_.reset();
  ASSERT_OK_AND_ASSIGN(node_, DevnetNode::open(options()));
  ASSERT_OK_AND_ASSIGN(const DevnetInvoice after, node_->add_invoice(request(1'000)));
  EXPECT_EQ(after.add_index, before.add_index + 1);
}

TEST_F(DevnetQueue, ChosenPreimageOfAQueuedInvoiceIsRefused) {
  ASSERT_OK_AND_ASSIGN(const DevnetInvoice queued, node_->add_invoice(request(5'000)));
  DevnetInvoiceRequest again = request(5'000);
  again.preimage = queued.preimage;
  EXPECT_TRUE(HasError(node_->add_invoice(again), ErrorCode::kAlreadyExists));
  ASSERT_OK_AND_ASSIGN(const DevnetInvoice found,
                       node_->lookup_invoice(queued.status.payment_hash));
  EXPECT_EQ(found.add_index, queued.add_index);
}

}  // namespace
}  // namespace l402::test
