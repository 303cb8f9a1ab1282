// FakeLightningd itself, spoken to with raw JSON-RPC: it must answer as CLN documents, or
// the client tests prove nothing.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cln_test_fixture.hpp"
#include "l402/encoding.hpp"

namespace l402::test {
namespace {

using nlohmann::json;

// A bare client: writes bytes, reads "\n\n"-terminated replies, with a 5 s bound.
class RawRpc {
 public:
  explicit RawRpc(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.data(), path.size());
    connected_ = ::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~RawRpc() { ::close(fd_); }

  bool connected() const { return connected_; }

  void send(const std::string& bytes) {
    ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }

  // The next reply, or a discarded json after 5 s or at end of stream.
  json receive() {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    for (;;) {
      const std::size_t end = buffer_.find("\n\n");
      if (end != std::string::npos) {
        const std::string text = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        return json::parse(text, nullptr, false);
      }
      if (std::chrono::steady_clock::now() >= deadline) return json(json::value_t::discarded);
      pollfd entry{fd_, POLLIN, 0};
      if (::poll(&entry, 1, 50) <= 0) continue;
      char chunk[4096];
      const ssize_t count = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (count <= 0) return json(json::value_t::discarded);
      buffer_.append(chunk, static_cast<std::size_t>(count));
    }
  }

  json call(const std::string& method, const json& params) {
    send(json{{"jsonrpc", "2.0"}, {"id", "t:" + method}, {"method", method}, {"params", params}}
             .dump());
    return receive();
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

std::int64_t error_code(const json& reply) {
  if (!reply.is_object() || !reply.contains("error")) return 0;
  return reply["error"]["code"].get<std::int64_t>();
}

class FakeLightningdTest : public ClnTest {
 protected:
  void SetUp() override {
    ClnTest::SetUp();
    rpc_ = std::make_unique<RawRpc>(node_->socket_path());
    ASSERT_TRUE(rpc_->connected());
  }
  std::unique_ptr<RawRpc> rpc_;
};

TEST_F(FakeLightningdTest, RequiresJsonRpc20) {
  rpc_->send(R"({"id":1,"method":"getinfo","params":{}})");
  const json reply = rpc_->receive();
  EXPECT_EQ(error_code(reply), -32600);
  EXPECT_EQ(reply["id"], 1);
}

TEST_F(FakeLightningdTest, AnswersPipelinedRequestsInOrder) {
  rpc_->send(R"({"jsonrpc":"2.0","id":"a","method":"getinfo"})"
             R"({"jsonrpc":"2.0","id":"b","method":"listinvoices","params":{}})"
             R"({"jsonrpc":"2.0","id":"c","method":"nosuch","params":[]})");
  EXPECT_EQ(rpc_->receive()["id"], "a");
  EXPECT_EQ(rpc_->receive()["id"], "b");
  const json third = rpc_->receive();
  EXPECT_EQ(third["id"], "c");
  EXPECT_EQ(error_code(third), -32601);
}

TEST_F(FakeLightningdTest, GetinfoHasTheRequiredFields) {
  const json result = rpc_->call("getinfo", json::object())["result"];
  for (const char* field :
       {"id", "alias", "color", "num_peers", "num_pending_channels", "num_active_channels",
        "num_inactive_channels", "version", "blockheight", "network", "fees_collected_msat",
        "lightning-dir", "address"}) {
    EXPECT_TRUE(result.contains(field)) << field;
  }
  EXPECT_EQ(result["network"], "regtest");
}

TEST_F(FakeLightningdTest, InvoiceEnforcesUniqueLabelsAndPreimages) {
  const std::string preimage(64, 'a');
  const json first = rpc_->call(
      "invoice",
      {{"amount_msat", "10sat"}, {"label", "x"}, {"description", "d"}, {"preimage", preimage}});
  ASSERT_TRUE(first.contains("result")) << first.dump();
  for (const char* field :
       {"bolt11", "payment_hash", "payment_secret", "expires_at", "created_index"}) {
    EXPECT_TRUE(first["result"].contains(field)) << field;
  }
  EXPECT_EQ(
      error_code(rpc_->call("invoice", {{"amount_msat", 1}, {"label", "x"}, {"description", "d"}})),
      900);
  EXPECT_EQ(
      error_code(rpc_->call(
          "invoice",
          {{"amount_msat", 1}, {"label", "y"}, {"description", "d"}, {"preimage", preimage}})),
      901);
  // A numeric label is its own label: 1 and "1" differ from "01".
  EXPECT_TRUE(rpc_->call("invoice", {{"amount_msat", 1}, {"label", 1}, {"description", "d"}})
                  .contains("result"));
  EXPECT_TRUE(rpc_->call("invoice", {{"amount_msat", 1}, {"label", "01"}, {"description", "d"}})
                  .contains("result"));
}

TEST_F(FakeLightningdTest, InvoiceRefusesBadParams) {
  EXPECT_EQ(error_code(rpc_->call("invoice", {{"amount_msat", 1}, {"label", "z"}})), -32602);
  EXPECT_EQ(
      error_code(rpc_->call("invoice", {{"amount_msat", 0}, {"label", "z"}, {"description", "d"}})),
      -32602);
  EXPECT_EQ(error_code(rpc_->call(
                "invoice",
                {{"amount_msat", 1}, {"label", "z"}, {"description", "d"}, {"colour", "red"}})),
            -32602);
}

TEST_F(FakeLightningdTest, InvoiceTakesPositionalParamsAndAny) {
  const json reply = rpc_->call("invoice", json::array({"any", "p", "positional", 60}));
  ASSERT_TRUE(reply.contains("result")) << reply.dump();
  const json listed = rpc_->call("listinvoices", {{"label", "p"}})["result"]["invoices"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_FALSE(listed[0].contains("amount_msat"));
  EXPECT_EQ(listed[0]["status"], "unpaid");
  EXPECT_EQ(listed[0]["description"], "positional");
}

TEST_F(FakeLightningdTest, WaitanyinvoiceTimesOutWith904) {
  EXPECT_EQ(error_code(rpc_->call("waitanyinvoice", {{"lastpay_index", 0}, {"timeout", 0}})), 904);
}

TEST_F(FakeLightningdTest, WaitinvoiceReturnsThePaidInvoiceOr903) {
  ASSERT_TRUE(rpc_->call("invoice",
                         {{"amount_msat", 5}, {"label", "w"}, {"description", "d"}, {"expiry", 30}})
                  .contains("result"));
  const json listed = rpc_->call("listinvoices", {{"label", "w"}})["result"]["invoices"][0];
  Result<std::string> hash_bytes = hex::decode(listed["payment_hash"].get<std::string>());
  ASSERT_OK(hash_bytes);
  Hash256 hash{};
  std::copy(hash_bytes->begin(), hash_bytes->end(), hash.begin());
  ASSERT_OK(node_->settle_invoice(hash));
  const json paid = rpc_->call("waitinvoice", {{"label", "w"}});
  ASSERT_TRUE(paid.contains("result")) << paid.dump();
  for (const char* field : {"pay_index", "amount_received_msat", "paid_at", "payment_preimage"}) {
    EXPECT_TRUE(paid["result"].contains(field)) << field;
  }

  ASSERT_TRUE(rpc_->call("invoice",
                         {{"amount_msat", 5}, {"label", "v"}, {"description", "d"}, {"expiry", 30}})
                  .contains("result"));
  node_->advance_clock(31s);
  EXPECT_EQ(error_code(rpc_->call("waitinvoice", {{"label", "v"}})), 903);
  EXPECT_EQ(error_code(rpc_->call("waitinvoice", {{"label", "none"}})), -1);
}

TEST_F(FakeLightningdTest, PayReplaysASuccessWhereXpaySays219) {
  const json created =
      rpc_->call("invoice", {{"amount_msat", 1000}, {"label", "r"}, {"description", "d"}});
  const std::string bolt11 = created["result"]["bolt11"];
  const json first = rpc_->call("pay", {{"bolt11", bolt11}});
  ASSERT_TRUE(first.contains("result")) << first.dump();
  EXPECT_EQ(first["result"]["status"], "complete");
  const json again = rpc_->call("pay", {{"bolt11", bolt11}});
  ASSERT_TRUE(again.contains("result")) << again.dump();
  EXPECT_EQ(again["result"]["payment_preimage"], first["result"]["payment_preimage"]);
  EXPECT_EQ(error_code(rpc_->call("xpay", {{"invstring", bolt11}})), 219);
  const json pays = rpc_->call("listpays", {{"bolt11", bolt11}})["result"]["pays"];
  ASSERT_EQ(pays.size(), 1u);
  EXPECT_EQ(pays[0]["status"], "complete");
  EXPECT_TRUE(pays[0].contains("preimage"));
}

TEST_F(FakeLightningdTest, XpayCanBeMissing) {
  node_->set_xpay_available(false);
  const json reply = rpc_->call("xpay", {{"invstring", "lnbcrt1"}});
  EXPECT_EQ(error_code(reply), -32601);
}

}  // namespace
}  // namespace l402::test
