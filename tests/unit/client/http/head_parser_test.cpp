#include "client/http/head_parser.hpp"

#include <gtest/gtest.h>

namespace l402::client {
namespace {

using Step = HeadParser::Step;

TEST(HeadParser, ReadsStatusReasonAndFieldsInOrder) {
  HeadParser parser(4096);
  EXPECT_EQ(parser.feed("HTTP/1.1 402 Payment Required\r\n"), Step::kNeedMore);
  EXPECT_EQ(parser.feed("WWW-Authenticate: LSAT macaroon=\"a\", invoice=\"b\"\r\n"),
            Step::kNeedMore);
  EXPECT_EQ(parser.feed("www-authenticate:L402 macaroon=\"a\", invoice=\"b\"  \r\n"),
            Step::kNeedMore);
  EXPECT_EQ(parser.feed("Content-Length: 0\r\n"), Step::kNeedMore);
  EXPECT_EQ(parser.feed("\r\n"), Step::kComplete);
  const ResponseHead& head = parser.head();
  EXPECT_EQ(head.status, 402);
  EXPECT_EQ(head.reason, "Payment Required");
  ASSERT_EQ(head.headers.size(), 3u);
  const std::vector<std::string_view> challenges = head.values("WWW-Authenticate");
  ASSERT_EQ(challenges.size(), 2u);
  EXPECT_EQ(challenges[0], "LSAT macaroon=\"a\", invoice=\"b\"");
  EXPECT_EQ(challenges[1], "L402 macaroon=\"a\", invoice=\"b\"");
  EXPECT_EQ(head.value("content-length"), "0");
  EXPECT_FALSE(head.value("Location").has_value());
}

TEST(HeadParser, SkipsInterimHeads) {
  HeadParser parser(4096);
  EXPECT_EQ(parser.feed("HTTP/1.1 100 Continue\r\n"), Step::kNeedMore);
  EXPECT_EQ(parser.feed("X-Interim: 1\r\n"), Step::kNeedMore);
  EXPECT_EQ(parser.feed("\r\n"), Step::kNeedMore);
  EXPECT_EQ(parser.feed("HTTP/1.1 200 OK\r\n"), Step::kNeedMore);
  EXPECT_EQ(parser.feed("\r\n"), Step::kComplete);
  EXPECT_EQ(parser.head().status, 200);
  EXPECT_TRUE(parser.head().headers.empty());
}

TEST(HeadParser, JoinsFoldedLinesWithASpace) {
  HeadParser parser(4096);
  (void)parser.feed("HTTP/1.1 200 OK\r\n");
  (void)parser.feed("X-Long: first\r\n");
  (void)parser.feed("\t second\r\n");
  EXPECT_EQ(parser.feed("\r\n"), Step::kComplete);
  EXPECT_EQ(parser.head().value("X-Long"), "first second");
}

TEST(HeadParser, AcceptsAStatusLineWithoutReason) {
  HeadParser parser(4096);
  (void)parser.feed("HTTP/1.1 204\r\n");
  EXPECT_EQ(parser.feed("\r\n"), Step::kComplete);
  EXPECT_EQ(parser.head().status, 204);
  EXPECT_EQ(parser.head().reason, "");
}

TEST(HeadParser, StopsAtTheByteLimit) {
  HeadParser parser(64);
  EXPECT_EQ(parser.feed("HTTP/1.1 200 OK\r\n"), Step::kNeedMore);
  EXPECT_EQ(parser.feed("X-Big: " + std::string(60, 'x') + "\r\n"), Step::kTooLarge);
}

TEST(HeadParser, IgnoresTrailersButStillBoundsThem) {
  HeadParser parser(64);
  (void)parser.feed("HTTP/1.1 200 OK\r\n");
  EXPECT_EQ(parser.feed("\r\n"), Step::kComplete);
  EXPECT_EQ(parser.feed("X-Checksum: abc\r\n"), Step::kIgnored);
  EXPECT_EQ(parser.head().headers.size(), 0u);
  EXPECT_EQ(parser.feed("X-More: " + std::string(60, 'y') + "\r\n"), Step::kTooLarge);
}

}  // namespace
}  // namespace l402::client
