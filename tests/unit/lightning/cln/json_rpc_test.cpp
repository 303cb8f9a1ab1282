// JSON-RPC framing, request encoding and reply parsing of the Core Lightning client.
#include "cln/json_rpc.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "result_matchers.hpp"

namespace l402::cln {
namespace {

using nlohmann::json;
using test::HasError;
using test::HasErrorMentioning;

const std::string kReply = R"({"jsonrpc":"2.0","id":"l402:getinfo#1","result":{"id":"02ab"}})";

std::vector<std::string> drain(ReplyFramer& framer) {
  std::vector<std::string> out;
  while (std::optional<std::string> reply = framer.next()) out.push_back(*reply);
  return out;
}

TEST(ReplyFramer, TakesOneReplyTerminatedByBlankLine) {
  ReplyFramer framer;
  ASSERT_OK(framer.feed(kReply + "\n\n"));
  EXPECT_EQ(drain(framer), std::vector<std::string>{kReply});
  EXPECT_TRUE(framer.empty());
}

TEST(ReplyFramer, AssemblesAReplySplitAtEveryByte) {
  const std::string wire = kReply + "\n\n";
  for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
    ReplyFramer framer;
    ASSERT_OK(framer.feed(wire.substr(0, cut)));
    std::vector<std::string> replies = drain(framer);
    ASSERT_OK(framer.feed(wire.substr(cut)));
    for (std::string& reply : drain(framer)) replies.push_back(std::move(reply));
    EXPECT_EQ(replies, std::vector<std::string>{kReply}) << "cut at " << cut;
    EXPECT_TRUE(framer.empty());
  }
}

TEST(ReplyFramer, AssemblesAReplyFedOneByteAtATime) {
  const std::string wire = kReply + "\n\n";
  ReplyFramer framer;
  std::vector<std::string> replies;
  for (const char c : wire) {
    ASSERT_OK(framer.feed(std::string(1, c)));
    for (std::string& reply : drain(framer)) replies.push_back(std::move(reply));
  }
  EXPECT_EQ(replies, std::vector<std::string>{kReply});
}

TEST(ReplyFramer, SplitsSeveralRepliesInOneRead) {
  const std::string second = R"({"jsonrpc":"2.0","id":"b","error":{"code":-1,"message":"x"}})";
  ReplyFramer framer;
  ASSERT_OK(framer.feed(kReply + "\n\n" + second + "\n\n" + R"({"jsonrpc")"));
  EXPECT_EQ(drain(framer), (std::vector<std::string>{kReply, second}));
  EXPECT_FALSE(framer.empty());  // the start of a third reply waits for more bytes
  ASSERT_OK(framer.feed(R"(:"2.0","id":"c","result":{}})"
                        "\n\n"));
  EXPECT_EQ(drain(framer), std::vector<std::string>{R"({"jsonrpc":"2.0","id":"c","result":{}})"});
}

TEST(ReplyFramer, SkipsBlankLinesAndSurroundingWhitespace) {
  ReplyFramer framer;
  ASSERT_OK(framer.feed("\n\n  \r\n" + kReply + " \n\n\n"));
  EXPECT_EQ(drain(framer), std::vector<std::string>{kReply});
  EXPECT_TRUE(framer.empty());
}

TEST(ReplyFramer, RefusesAReplyLongerThanTheLimit) {
  ReplyFramer framer(/*max_reply_bytes=*/64);
  ASSERT_OK(framer.feed(std::string(60, ' ')));
  EXPECT_TRUE(HasErrorMentioning(framer.feed(std::string(10, 'x')), ErrorCode::kInternal,
                                 "malformed response"));
}

TEST(ReplyFramer, CountsEachReplyAgainstTheLimitOnItsOwn) {
  ReplyFramer framer(/*max_reply_bytes=*/kReply.size() + 4);
  // Two complete replies in one read exceed the limit together but not one by one.
  EXPECT_OK(framer.feed(kReply + "\n\n" + kReply + "\n\n"));
  EXPECT_EQ(drain(framer).size(), 2u);
}

TEST(ReplyFramer, RefusesATooLongReplyThatFollowsAShortOneInTheSameRead) {
  // Found by fuzz/cln_json_rpc_parse: only the first reply of a read was measured, so a
  // complete reply after it came out of next() however long it was.
  ReplyFramer framer(/*max_reply_bytes=*/kReply.size() + 4);
  const std::string too_long = R"({"jsonrpc":"2.0","id":"b","result":{"alias":")" +
                               std::string(kReply.size(), 'x') + R"("}})";
  EXPECT_TRUE(HasErrorMentioning(framer.feed(kReply + "\n\n" + too_long + "\n\n"),
                                 ErrorCode::kInternal, "malformed response"));
  // Also when the short reply was taken before the long one arrived complete in one read.
  ReplyFramer other(/*max_reply_bytes=*/kReply.size() + 4);
  ASSERT_OK(other.feed(kReply + "\n"));
  EXPECT_TRUE(drain(other).empty());
  EXPECT_TRUE(HasErrorMentioning(other.feed("\n" + too_long + "\n\n"), ErrorCode::kInternal,
                                 "malformed response"));
}

TEST(EncodeRequest, WritesJsonRpc20WithIdMethodAndNamedParams) {
  const std::string text =
      encode_request("l402:invoice#7", "invoice", {{"amount_msat", 1000}, {"label", "l"}});
  const json request = json::parse(text);
  EXPECT_EQ(request["jsonrpc"], "2.0");
  EXPECT_EQ(request["id"], "l402:invoice#7");
  EXPECT_EQ(request["method"], "invoice");
  EXPECT_EQ(request["params"]["amount_msat"], 1000);
  EXPECT_EQ(text.find('\n'), std::string::npos);
}

TEST(EncodeRequest, ReplacesInvalidUtf8InsteadOfThrowing) {
  const std::string text = encode_request("x", "invoice", {{"description", "bad \xff byte"}});
  EXPECT_FALSE(json::parse(text, nullptr, false).is_discarded());
}

TEST(ParseReply, ReadsAResult) {
  ASSERT_OK_AND_ASSIGN(const RpcReply reply, parse_reply(kReply));
  EXPECT_EQ(reply.id, "l402:getinfo#1");
  EXPECT_FALSE(reply.error.has_value());
  EXPECT_EQ(reply.result["id"], "02ab");
}

TEST(ParseReply, ReadsAnErrorWithData) {
  ASSERT_OK_AND_ASSIGN(
      const RpcReply reply,
      parse_reply(R"({"jsonrpc":"2.0","id":"a","error":{"code":207,"message":"Invoice expired",)"
                  R"("data":{"now":5,"expiry":4}}})"));
  ASSERT_TRUE(reply.error.has_value());
  EXPECT_EQ(reply.error->code, 207);
  EXPECT_EQ(reply.error->message, "Invoice expired");
  EXPECT_EQ(reply.error->data["expiry"], 4);
}

TEST(ParseReply, KeepsANumericIdAsItsText) {
  ASSERT_OK_AND_ASSIGN(const RpcReply reply, parse_reply(R"({"id":12,"result":{}})"));
  EXPECT_EQ(reply.id, "12");
}

TEST(ParseReply, RejectsMalformedReplies) {
  for (const std::string& text : {
           std::string(R"({"jsonrpc":"2.0","id":"a","result":{"bolt11":)"),  // truncated
           std::string(R"([1,2])"),                                          // not an object
           std::string(R"({"jsonrpc":"2.0","result":{}})"),                  // no id
           std::string(R"({"jsonrpc":"2.0","id":"a","result":5})"),          // result not object
           std::string(R"({"jsonrpc":"2.0","id":"a"})"),                     // neither
           std::string(R"({"id":"a","error":{"message":"no code"}})"),
           std::string(R"({"id":"a","error":{"code":1.5,"message":"x"}})"),
           std::string(R"({"id":"a","error":"text"})"),
       }) {
    EXPECT_TRUE(
        HasErrorMentioning(parse_reply(text), ErrorCode::kInternal, "cln: malformed response"))
        << text;
  }
}

TEST(ErrorFromRpc, MapsCodesToErrorCodes) {
  const struct {
    std::int64_t rpc;
    ErrorCode code;
  } cases[] = {
      {-32602, ErrorCode::kInvalidArgument}, {-5, ErrorCode::kUnavailable},
      {-4, ErrorCode::kUnavailable},         {900, ErrorCode::kAlreadyExists},
      {901, ErrorCode::kAlreadyExists},      {905, ErrorCode::kNotFound},
      {-1, ErrorCode::kFailedPrecondition},  {-32601, ErrorCode::kFailedPrecondition},
  };
  for (const auto& c : cases) {
    const Error error = error_from_rpc("invoice", RpcError{c.rpc, "why", json()});
    EXPECT_EQ(error.code(), c.code) << c.rpc;
    EXPECT_NE(error.message().find("invoice"), std::string::npos);
    EXPECT_NE(error.message().find("why"), std::string::npos);
  }
}

}  // namespace
}  // namespace l402::cln
