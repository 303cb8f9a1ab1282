// kill -9 of `l402 get` in the middle of a purchase, against l402d and its embedded devnet:
// the next run finishes the purchase from the journal (asking the wallet what became of the
// payment) and never pays twice. The wallet is reached through a relay that holds its
// answers back (DelayingProxy), so that "paid by the wallet, not yet known to the client" is
// a moment long enough to kill the client in, observed from outside: the wallet reports the
// journalled payment succeeded while the journal still holds the purchase.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include "background_process.hpp"
#include "delaying_proxy.hpp"
#include "gateway_buyer_fixture.hpp"
#include "l402/client_store.hpp"
#include "l402/encoding.hpp"
#include "result_matchers.hpp"

namespace l402::test {
namespace {

using std::chrono::milliseconds;

std::uint16_t port_of(const std::string& url) {
  return static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
}

// The purchases the journal holds (opening the store as another l402 process would).
std::vector<PendingPurchase> pending_purchases(const std::string& store_dir) {
  if (!std::filesystem::exists(store_dir + "/" + std::string(kClientStoreFileName))) return {};
  Result<std::unique_ptr<ClientStore>> store = ClientStore::open(store_dir);
  if (!store.ok()) return {};
  Result<std::vector<PendingPurchase>> purchases = (*store)->pending_purchases();
  return purchases.ok() ? *purchases : std::vector<PendingPurchase>{};
}

std::size_t pending(const std::string& store_dir) { return pending_purchases(store_dir).size(); }

bool wait_for(const std::function<bool()>& condition, milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return true;
}

class PurchaseKillTest : public GatewayBuyerTest {
 protected:
  // Starts `l402 get URL` paying through a relay that delays the wallet's answers by `delay`.
  std::unique_ptr<BackgroundProcess> start_slow_buyer(const Buyer& slow, const std::string& path) {
    return std::make_unique<BackgroundProcess>(
        L402_CLI_PATH,
        std::vector<std::string>{"get", "--json", url(path), "--config", slow.config_path(),
                                 "--data-dir", slow.store_dir()},
        slow.file("slow.stderr"));
  }

  BuyerWallet through(const DelayingProxy& proxy) const {
    BuyerWallet proxied = wallet();
    proxied.devnet_url = "https://127.0.0.1:" + std::to_string(proxy.port());
    return proxied;
  }

  // The next run, straight to the wallet, completes: one payment in all, one receipt.
  void expect_completed_without_paying_twice(const Buyer& next) {
    const CliRun run = next.run("get --json " + url("/api/hello"));
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(json_of(run)["status"], 200);
    EXPECT_EQ(pending(next.store_dir()), 0u);
    const CliRun spent = next.run("spent --json");
    EXPECT_EQ(json_of(spent)["receipts"].size(), 1u) << spent.out;
    std::this_thread::sleep_for(milliseconds(500));  // a second payment would settle by now
    EXPECT_EQ(paid_tokens(1), 1) << "the wallet paid more than once";
  }
};

TEST_F(PurchaseKillTest, KilledAfterTheWalletPaidBeforeTheTokenIsStored) {
  const DelayingProxy proxy(port_of(wallet().devnet_url), milliseconds(1500));
  ASSERT_NE(proxy.port(), 0);
  const Buyer slow(through(proxy));
  const std::unique_ptr<BackgroundProcess> client = start_slow_buyer(slow, "/api/hello");
  ASSERT_TRUE(wait_for([&] { return pending(slow.store_dir()) == 1; }, milliseconds(30'000)))
      << read_whole_file(slow.file("slow.stderr"));
  const Hash256 hash = pending_purchases(slow.store_dir()).front().payment_hash;
  // Paid, says the wallet, while its answer to the client is still held back.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Backend> payer, open_payer(gateway()));
  ASSERT_TRUE(wait_for(
      [&] {
        const Result<PaymentStatus> status = payer->lookup_payment(hash);
        return status.ok() && status->state == PaymentState::kSucceeded;
      },
      milliseconds(10'000)));
  ASSERT_EQ(pending(slow.store_dir()), 1u) << "the client finished before it could be killed";
  client->stop(SIGKILL, milliseconds(5000));
  EXPECT_EQ(pending(slow.store_dir()), 1u);

  const Buyer next(wallet(), "", slow.store_dir());
  const CliRun run = next.run("get --json " + url("/api/hello"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("had succeeded: token stored"), std::string::npos) << run.err;
  EXPECT_EQ(json_of(run)["paid_msat"], 0) << "the recovered token should have been used";
  expect_completed_without_paying_twice(next);
  const nlohmann::json spent = json_of(next.run("spent --json"));
  EXPECT_EQ(spent["receipts"][0]["payment_hash"], hex::encode(as_view(hash)))
      << "the one receipt is the killed run's payment";
}

TEST_F(PurchaseKillTest, KilledAsSoonAsThePurchaseIsJournalled) {
  const DelayingProxy proxy(port_of(wallet().devnet_url), milliseconds(1500));
  ASSERT_NE(proxy.port(), 0);
  const Buyer slow(through(proxy));
  const std::unique_ptr<BackgroundProcess> client = start_slow_buyer(slow, "/api/hello");
  ASSERT_TRUE(wait_for([&] { return pending(slow.store_dir()) == 1; }, milliseconds(30'000)))
      << read_whole_file(slow.file("slow.stderr"));
  client->stop(SIGKILL, milliseconds(5000));

  // Whether or not the payment had left, the next run settles it and pays at most once.
  const Buyer next(wallet(), "", slow.store_dir());
  expect_completed_without_paying_twice(next);
}

}  // namespace
}  // namespace l402::test
