// `l402d admin ...` (run_admin_command) against a running admin server.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "admin_test_fixture.hpp"
#include "l402/encoding.hpp"

namespace l402::gateway::test {
namespace {

using ::l402::test::HasError;

class AdminClientTest : public AdminServerTest {
 protected:
  AdminCommand command(std::string name) {
    AdminCommand command;
    command.host = "127.0.0.1";
    command.port = server_->port();
    command.credential = credential_;
    command.command = std::move(name);
    return command;
  }

  Json run(const AdminCommand& command, int expected_status = 200) {
    const Result<AdminAnswer> answer = run_admin_command(command);
    EXPECT_TRUE(IsOk(answer));
    if (!answer.ok()) return Json();
    EXPECT_EQ(answer->status, expected_status) << answer->body;
    return Json::parse(answer->body, nullptr, false);
  }
};

TEST_F(AdminClientTest, EachCommandReachesItsEndpoint) {
  EXPECT_EQ(run(command("info"))["version"], "9.9.9-test");
  EXPECT_EQ(run(command("services"))["services"].size(), 2u);
  EXPECT_TRUE(run(command("stats"))["totals"].is_object());

  ASSERT_TRUE(IsOk(store_->record_paid_request(TokenId{1}, Hash256{2}, "demo", Msat(10), 1)));
  ASSERT_TRUE(IsOk(store_->record_paid_request(TokenId{3}, Hash256{4}, "free", Msat(10), 2)));
  AdminCommand tokens = command("tokens");
  tokens.service = "demo";
  tokens.limit = 10;
  const Json listed = run(tokens)["tokens"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["service"], "demo");

  AdminCommand revoke = command("revoke");
  revoke.token_id = hex::encode(TokenId{1});
  revoke.reason = "refund \"quoted\"";
  EXPECT_EQ(run(revoke)["revoked"], true);
  EXPECT_TRUE(shared_->is_revoked(TokenId{1}));
  const auto entries = store_->load_revocations(0);
  ASSERT_TRUE(IsOk(entries));
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].reason, "refund \"quoted\"");

  const KeyId before = shared_->current()->active()->id;
  const Json rotated = run(command("rotate-keys"));
  EXPECT_NE(rotated["key_id"].get<KeyId>(), before);
  EXPECT_EQ(shared_->current()->active()->id, rotated["key_id"].get<KeyId>());
}

TEST_F(AdminClientTest, AWrongCredentialComesBackAs401) {
  AdminCommand info = command("info");
  info.credential = "not-the-credential";
  EXPECT_TRUE(run(info, 401)["error"].is_string());
}

TEST_F(AdminClientTest, BadCommandsAreRefusedBeforeAnyRequest) {
  EXPECT_TRUE(HasError(run_admin_command(command("destroy")), ErrorCode::kInvalidArgument));
  AdminCommand revoke = command("revoke");
  revoke.token_id = "abc";
  EXPECT_TRUE(HasError(run_admin_command(revoke), ErrorCode::kInvalidArgument));
  AdminCommand host = command("info");
  host.host = "admin.example.com";
  EXPECT_TRUE(HasError(run_admin_command(host), ErrorCode::kInvalidArgument));
}

TEST_F(AdminClientTest, NoGatewayListeningIsUnavailable) {
  // A port that was just free: bound, then released.
  std::uint16_t port = 0;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(
        io, boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0));
    port = acceptor.local_endpoint().port();
  }
  AdminCommand info = command("info");
  info.port = port;
  EXPECT_TRUE(HasError(run_admin_command(info), ErrorCode::kUnavailable));
}

}  // namespace
}  // namespace l402::gateway::test
