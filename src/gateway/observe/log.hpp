// Structured logs: one line per event, as JSON objects or as "time level message k=v ..."
// text, to a file descriptor (stderr by default). The access log is one event per request.
// Callers pass only values that are safe to print: never a preimage, root key, macaroon,
// admin credential or injected header value.
//
// Thread safety: every method is safe from any thread; lines never interleave.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "gateway/config/config.hpp"

namespace l402::gateway {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

struct LogValue {
  LogValue(std::string_view v) : value(std::string(v)) {}             // NOLINT: implicit by design
  LogValue(const std::string& v) : value(v) {}                        // NOLINT
  LogValue(const char* v) : value(std::string(v)) {}                  // NOLINT
  LogValue(std::int64_t v) : value(v) {}                              // NOLINT
  LogValue(std::uint64_t v) : value(static_cast<std::int64_t>(v)) {}  // NOLINT
  LogValue(int v) : value(static_cast<std::int64_t>(v)) {}            // NOLINT
  LogValue(unsigned v) : value(static_cast<std::int64_t>(v)) {}       // NOLINT
  LogValue(double v) : value(v) {}                                    // NOLINT
  LogValue(bool v) : value(v) {}                                      // NOLINT
  std::variant<std::string, std::int64_t, double, bool> value;
};

struct LogField {
  std::string_view key;
  LogValue value;
};

class Logger {
 public:
  // Writes to `fd` (not closed). Level from LogConfig::level.
  Logger(const LogConfig& config, int fd = 2);
  ~Logger();

  void set_config(const LogConfig& config);  // on reload
  bool enabled(LogLevel level) const;
  bool access_log_enabled() const;
  void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});
  void info(std::string_view message, std::initializer_list<LogField> fields = {}) {
    log(LogLevel::kInfo, message, fields);
  }
  void warn(std::string_view message, std::initializer_list<LogField> fields = {}) {
    log(LogLevel::kWarn, message, fields);
  }
  void error(std::string_view message, std::initializer_list<LogField> fields = {}) {
    log(LogLevel::kError, message, fields);
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace l402::gateway
