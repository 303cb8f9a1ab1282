#include "gateway/observe/log.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>

namespace l402::gateway {
namespace {

// Captures what a Logger writes, through a pipe.
class CapturedLog {
 public:
  CapturedLog() { EXPECT_EQ(::pipe(fds_), 0); }
  ~CapturedLog() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  int fd() const { return fds_[1]; }
  std::string read_available() {
    char buffer[4096];
    const ssize_t n = ::read(fds_[0], buffer, sizeof buffer);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
  }

 private:
  int fds_[2] = {-1, -1};
};

TEST(Logger, JsonLinesCarryLevelMessageAndFields) {
  CapturedLog capture;
  Logger logger(LogConfig{.format = LogFormat::kJson, .level = "info", .access_log = true},
                capture.fd());
  logger.info("request", {{"status", 402}, {"service", "quotes"}, {"paid", false}});
  const std::string line = capture.read_available();
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  const auto json = nlohmann::json::parse(line);
  EXPECT_EQ(json["level"], "info");
  EXPECT_EQ(json["msg"], "request");
  EXPECT_EQ(json["status"], 402);
  EXPECT_EQ(json["service"], "quotes");
  EXPECT_EQ(json["paid"], false);
  EXPECT_TRUE(json.contains("time"));
}

TEST(Logger, JsonEscapesControlCharactersSoALineStaysOneLine) {
  CapturedLog capture;
  Logger logger(LogConfig{.format = LogFormat::kJson}, capture.fd());
  logger.warn("bad\nrequest", {{"path", "/a\"b\x01"}});
  const std::string line = capture.read_available();
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  const auto json = nlohmann::json::parse(line);
  EXPECT_EQ(json["msg"], "bad\nrequest");
  EXPECT_EQ(json["path"], "/a\"b\x01");
}

TEST(Logger, TextQuotesValuesWithSpaces) {
  CapturedLog capture;
  Logger logger(LogConfig{.format = LogFormat::kText}, capture.fd());
  logger.info("started", {{"listen", "127.0.0.1:8402"}, {"note", "two words"}});
  const std::string line = capture.read_available();
  EXPECT_NE(line.find(" info started listen=127.0.0.1:8402 note=\"two words\"\n"),
            std::string::npos)
      << line;
}

TEST(Logger, DropsEventsBelowTheLevel) {
  CapturedLog capture;
  Logger logger(LogConfig{.level = "warn"}, capture.fd());
  EXPECT_FALSE(logger.enabled(LogLevel::kInfo));
  logger.info("quiet");
  logger.error("loud");
  const std::string text = capture.read_available();
  EXPECT_EQ(text.find("quiet"), std::string::npos);
  EXPECT_NE(text.find("loud"), std::string::npos);
}

TEST(Logger, AccessLogFollowsConfigOnReload) {
  CapturedLog capture;
  Logger logger(LogConfig{}, capture.fd());
  EXPECT_TRUE(logger.access_log_enabled());
  logger.set_config(LogConfig{.access_log = false});
  EXPECT_FALSE(logger.access_log_enabled());
}

}  // namespace
}  // namespace l402::gateway
