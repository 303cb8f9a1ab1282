// Tests of the proxy's field-list edits and wire serialisation (no sockets).
#include "gateway/proxy/header_edits.hpp"

#include <gtest/gtest.h>

#include "gateway/proxy/wire_format.hpp"

namespace l402::gateway::proxy {
namespace {

std::vector<std::string> names(const std::vector<Field>& fields) {
  std::vector<std::string> out;
  for (const Field& field : fields) out.push_back(field.name);
  return out;
}

TEST(HeaderEdits, RemovesHopByHopFieldsAndThoseNamedInConnection) {
  std::vector<Field> fields = {
      {"Host", "a"},
      {"Connection", "keep-alive, X-Hop"},
      {"Keep-Alive", "timeout=5"},
      {"x-hop", "1"},
      {"TE", "trailers"},
      {"Transfer-Encoding", "chunked"},
      {"Upgrade", "h2c"},
      {"Proxy-Connection", "close"},
      {"Trailer", "X-T"},
      {"X-End-To-End", "ok"},
  };
  remove_hop_by_hop(fields);
  // Trailer describes the message (its trailer section), not the connection.
  EXPECT_EQ(names(fields), (std::vector<std::string>{"Host", "Trailer", "X-End-To-End"}));
}

TEST(HeaderEdits, RemovesThenSetsReplacingEveryFieldOfASetName) {
  std::vector<Field> fields = {{"Host", "client"}, {"X-A", "1"}, {"x-b", "2"}, {"X-B", "3"}};
  apply_edits(fields, {"x-a"}, {{"X-B", "new1"}, {"X-B", "new2"}, {"Host", "upstream"}});
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0].name, "X-B");
  EXPECT_EQ(fields[0].value, "new1");
  EXPECT_EQ(fields[1].value, "new2");
  EXPECT_EQ(fields[2].value, "upstream");
}

TEST(HeaderEdits, ForwardFilterKeepsWhatTheCopyingEditsKeep) {
  const std::vector<Field> fields = {
      {"Host", "client"},
      {"Connection", "X-Hop"},
      {"X-Hop", "1"},
      {"Keep-Alive", "5"},
      {"X-A", "1"},
      {"X-B", "2"},
      {"Content-Length", "3"},
      {"Expect", "100-continue"},
      {"X-Kept", "k"},
  };
  const std::vector<std::string> remove = {"x-a"};
  const std::vector<Field> set = {{"X-B", "new"}, {"Host", "upstream"}};
  std::vector<Field> copied = fields;
  remove_hop_by_hop(copied);
  apply_edits(copied, remove, set);
  remove_field(copied, "content-length");
  remove_field(copied, "expect");

  const ForwardFilter filter(fields, remove, set, {"content-length", "expect"});
  std::vector<Field> filtered;
  for (const Field& field : fields) {
    if (filter.keeps(field)) filtered.push_back(field);
  }
  filtered.insert(filtered.end(), set.begin(), set.end());
  EXPECT_EQ(names(filtered), names(copied));
  EXPECT_EQ(names(filtered), (std::vector<std::string>{"X-Kept", "X-B", "Host"}));
}

TEST(HeaderEdits, RecognisesWebSocketUpgradesOnly) {
  EXPECT_TRUE(asks_websocket_upgrade({{"Connection", "Upgrade"}, {"Upgrade", "websocket"}}));
  EXPECT_TRUE(
      asks_websocket_upgrade({{"connection", "keep-alive, UPGRADE"}, {"upgrade", "WebSocket"}}));
  EXPECT_TRUE(asks_websocket_upgrade(
      {{"Connection", "keep-alive"}, {"Connection", "upgrade"}, {"Upgrade", "foo, websocket"}}));
  EXPECT_FALSE(asks_websocket_upgrade({{"Upgrade", "websocket"}}));
  EXPECT_FALSE(asks_websocket_upgrade({{"Connection", "Upgrade"}, {"Upgrade", "h2c"}}));
  EXPECT_FALSE(asks_websocket_upgrade({{"Connection", "Upgraded"}, {"Upgrade", "websocket"}}));
  EXPECT_FALSE(asks_websocket_upgrade({{"Connection", "Upgrade"}, {"Upgrade", "websockets"}}));
}

TEST(WireFormat, LeavesOutFieldsThatWouldForgeFurtherFields) {
  std::string out;
  append_fields(out, {{"X-Ok", "1"}, {"X-Bad", "a\r\nX-Forged: 1"}, {"X\nBad", "b"}});
  EXPECT_EQ(out, "X-Ok: 1\r\n");
}

// Values are checked sixteen bytes at a time, then byte by byte: a CR, LF or NUL anywhere, in
// a long value or a short one, in a name or a value, keeps the field out.
TEST(WireFormat, LeavesOutFieldsWithAForbiddenByteAtAnyPosition) {
  for (const char forbidden : {'\r', '\n', '\0'}) {
    for (std::size_t length = 1; length <= 40; ++length) {
      for (std::size_t at = 0; at < length; ++at) {
        std::string text(length, 'v');
        text[at] = forbidden;
        std::string out;
        append_field(out, "X-Value", text);
        append_field(out, "X-" + text, "1");
        EXPECT_EQ(out, "") << "byte " << int(forbidden) << " at " << at << " of " << length;
      }
      std::string out;
      append_field(out, "X-Value", std::string(length, 'v'));
      EXPECT_EQ(out, "X-Value: " + std::string(length, 'v') + "\r\n");
    }
  }
}

TEST(WireFormat, WritesChunkSizesInHex) {
  ChunkSizeBuffer buffer;
  EXPECT_EQ(chunk_size_line(buffer, 0x1a2b), "1a2b\r\n");
  EXPECT_EQ(chunk_size_line(buffer, 0), "0\r\n");
}

TEST(WireFormat, WritesStatusLineWithReasonPhrase) {
  std::string out;
  append_status_line(out, 431);
  EXPECT_EQ(out, "HTTP/1.1 431 Request Header Fields Too Large\r\n");
  out.clear();
  append_status_line(out, 299);
  EXPECT_EQ(out, "HTTP/1.1 299 Unknown\r\n");
}

}  // namespace
}  // namespace l402::gateway::proxy
