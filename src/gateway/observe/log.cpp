// Logger: each event is formatted into one string and written with one write(2) under a
// mutex, so lines from several threads never interleave and a crash loses at most the line
// being written.
#include "gateway/observe/log.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace l402::gateway {
namespace {

LogLevel parse_level(std::string_view text) {
  if (text == "debug") return LogLevel::kDebug;
  if (text == "warn" || text == "warning") return LogLevel::kWarn;
  if (text == "error") return LogLevel::kError;
  return LogLevel::kInfo;
}

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

// RFC 3339 UTC with milliseconds.
std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[96];  // generous: the compiler cannot bound every int field's width
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis));
  return buffer;
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  out += '"';
}

bool needs_quotes(std::string_view text) {
  if (text.empty()) return true;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || byte < 0x20 || byte == 0x7f) {
      return true;
    }
  }
  return false;
}

void append_value(std::string& out, const LogValue& value, bool json) {
  if (const auto* text = std::get_if<std::string>(&value.value)) {
    if (json || needs_quotes(*text)) {
      append_json_string(out, *text);
    } else {
      out += *text;
    }
  } else if (const auto* integer = std::get_if<std::int64_t>(&value.value)) {
    out += std::to_string(*integer);
  } else if (const auto* real = std::get_if<double>(&value.value)) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.6g", *real);
    out += buffer;
  } else {
    out += std::get<bool>(value.value) ? "true" : "false";
  }
}

}  // namespace

struct Logger::Impl {
  int fd;
  std::atomic<LogLevel> level{LogLevel::kInfo};
  std::atomic<bool> json{false};
  std::atomic<bool> access_log{true};
  std::mutex write_mutex;
};

Logger::Logger(const LogConfig& config, int fd) : impl_(std::make_unique<Impl>()) {
  impl_->fd = fd;
  set_config(config);
}

Logger::~Logger() = default;

void Logger::set_config(const LogConfig& config) {
  impl_->level = parse_level(config.level);
  impl_->json = config.format == LogFormat::kJson;
  impl_->access_log = config.access_log;
}

bool Logger::enabled(LogLevel level) const { return level >= impl_->level.load(); }

bool Logger::access_log_enabled() const {
  return impl_->access_log.load() && enabled(LogLevel::kInfo);
}

void Logger::log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (!enabled(level)) return;
  const bool json = impl_->json.load();
  std::string line;
  line.reserve(160);
  if (json) {
    line += "{\"time\":\"" + timestamp() + "\",\"level\":\"";
    line += level_name(level);
    line += "\",\"msg\":";
    append_json_string(line, message);
    for (const LogField& field : fields) {
      line += ',';
      append_json_string(line, field.key);
      line += ':';
      append_value(line, field.value, true);
    }
    line += "}\n";
  } else {
    line += timestamp();
    line += ' ';
    line += level_name(level);
    line += ' ';
    line += message;
    for (const LogField& field : fields) {
      line += ' ';
      line += field.key;
      line += '=';
      append_value(line, field.value, false);
    }
    line += '\n';
  }
  std::lock_guard lock(impl_->write_mutex);
  std::size_t written = 0;
  while (written < line.size()) {
    const ssize_t n = ::write(impl_->fd, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a log that cannot be written must not stop the gateway
    written += static_cast<std::size_t>(n);
  }
}

}  // namespace l402::gateway
