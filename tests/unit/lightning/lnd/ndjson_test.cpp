#include "lnd/ndjson.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace l402::lnd {
namespace {

std::vector<std::string> drain(LineSplitter& splitter) {
  std::vector<std::string> lines;
  while (auto line = splitter.next_line()) lines.push_back(*line);
  return lines;
}

TEST(LineSplitter, SplitsLinesAcrossArbitraryChunkBoundaries) {
  const std::string stream = "{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3}\n";
  // Every way of cutting the stream in two gives the same lines.
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    LineSplitter splitter(1024);
    ASSERT_TRUE(splitter.append(stream.substr(0, cut)));
    ASSERT_TRUE(splitter.append(stream.substr(cut)));
    EXPECT_EQ(drain(splitter), (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"}))
        << "cut at " << cut;
    EXPECT_EQ(splitter.pending_bytes(), 0u);
  }
}

TEST(LineSplitter, ByteByByteGivesTheSameLines) {
  const std::string stream = "first\nsecond\n";
  LineSplitter splitter(1024);
  for (char c : stream) ASSERT_TRUE(splitter.append(std::string(1, c)));
  EXPECT_EQ(drain(splitter), (std::vector<std::string>{"first", "second"}));
}

TEST(LineSplitter, KeepsAnUnfinishedLinePending) {
  LineSplitter splitter(1024);
  ASSERT_TRUE(splitter.append("done\nhalf"));
  EXPECT_EQ(drain(splitter), (std::vector<std::string>{"done"}));
  EXPECT_EQ(splitter.pending_bytes(), 4u);
}

TEST(LineSplitter, RejectsALineOverTheLimit) {
  LineSplitter splitter(8);
  ASSERT_TRUE(splitter.append("12345678\n"));
  EXPECT_TRUE(splitter.append("12345"));
  EXPECT_FALSE(splitter.append("6789\n"));
  EXPECT_TRUE(splitter.overflowed());
  EXPECT_FALSE(splitter.append("1\n"));  // stays refused
  EXPECT_EQ(drain(splitter), (std::vector<std::string>{"12345678"}));
}

}  // namespace
}  // namespace l402::lnd
