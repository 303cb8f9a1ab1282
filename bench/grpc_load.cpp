// Load on a gRPC server over loopback: unary calls to /l402.testing.Echo/Say (the echo
// upstream of tests/support/grpc, directly or through l402d) with a fixed number in flight,
// on gRPC C++'s callback API over a few channels. Prints calls/s, p50, p90, p99 latency and
// the failed calls by status code; exits 1 if any call failed, so a run with failures cannot
// pass for a clean one. bench/grpc_bench.sh runs it.
//
//   grpc_load --target HOST:PORT [--duration S] [--warmup S] [--concurrency N]
//             [--channels N] [--payload-bytes N] [--call-timeout S] [--expect CODE]
//             [--metadata 'key: value']...
//   grpc_load --target HOST:PORT --challenge [--metadata 'key: value']...
//
// --expect CODE counts calls that end with gRPC status CODE as answered and any other status
// as failed (13, INTERNAL, measures l402d's payment-required challenges).
// --challenge makes one call and prints, as one JSON line, its status and the values of its
// `www-authenticate` metadata (trailing, else initial), with `macaroon` and `invoice` taken
// from the L402 one, so that a script can pay the invoice.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "echo.grpc.pb.h"
#include "echo.pb.h"

namespace {

using Clock = std::chrono::steady_clock;
using l402::testing::Echo;
using l402::testing::EchoReply;
using l402::testing::EchoRequest;

constexpr std::string_view kUsage =
    "usage: grpc_load --target HOST:PORT [--duration S] [--warmup S] [--concurrency N]\n"
    "                 [--channels N] [--payload-bytes N] [--call-timeout S]\n"
    "                 [--expect CODE] [--metadata 'key: value']...\n"
    "       grpc_load --target HOST:PORT --challenge [--metadata 'key: value']...\n"
    "  --duration      seconds measured (default 10)\n"
    "  --warmup        seconds of calls before, not measured (default 2)\n"
    "  --concurrency   calls in flight (default 64)\n"
    "  --channels      HTTP/2 connections the calls are spread over (default 4)\n"
    "  --payload-bytes size of EchoRequest.payload (default 0)\n"
    "  --call-timeout  deadline of each call, seconds (default 10)\n"
    "  --expect        the status code an answered call ends with (default 0, OK)\n"
    "  --metadata      request metadata sent with every call (repeatable)\n"
    "  --challenge     one call; print its status and www-authenticate values as JSON\n";

struct Options {
  std::string target;
  unsigned duration_s = 10;
  unsigned warmup_s = 2;
  unsigned concurrency = 64;
  unsigned channels = 4;
  unsigned payload_bytes = 0;
  unsigned call_timeout_s = 10;
  grpc::StatusCode expected = grpc::StatusCode::OK;
  std::vector<std::pair<std::string, std::string>> metadata;
  bool challenge = false;
};

std::optional<unsigned> parse_unsigned(std::string_view text, unsigned min, unsigned max) {
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return std::nullopt;
  }
  return value;
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

// "key: value" -> {lower-case key, value}; nullopt without a colon or a key.
std::optional<std::pair<std::string, std::string>> parse_metadata(std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string key(trimmed(text.substr(0, colon)));
  if (key.empty()) return std::nullopt;
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::make_pair(std::move(key), std::string(trimmed(text.substr(colon + 1))));
}

std::optional<Options> parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--challenge") {
      options.challenge = true;
      continue;
    }
    if (i + 1 >= argc) return std::nullopt;
    const std::string_view value = argv[++i];
    std::optional<unsigned> number;
    if (arg == "--target") {
      // host:port, not the next option (`--target --challenge`).
      if (value.empty() || value.front() == '-' || value.find(':') == std::string_view::npos) {
        return std::nullopt;
      }
      options.target = value;
      continue;
    }
    if (arg == "--metadata") {
      auto entry = parse_metadata(value);
      if (!entry) return std::nullopt;
      options.metadata.push_back(std::move(*entry));
      continue;
    }
    if (arg == "--duration") {
      number = parse_unsigned(value, 1, 3600);
      if (number) options.duration_s = *number;
    } else if (arg == "--warmup") {
      number = parse_unsigned(value, 0, 3600);
      if (number) options.warmup_s = *number;
    } else if (arg == "--concurrency") {
      number = parse_unsigned(value, 1, 100000);
      if (number) options.concurrency = *number;
    } else if (arg == "--channels") {
      number = parse_unsigned(value, 1, 1000);
      if (number) options.channels = *number;
    } else if (arg == "--payload-bytes") {
      number = parse_unsigned(value, 0, 64U << 20);
      if (number) options.payload_bytes = *number;
    } else if (arg == "--expect") {
      number = parse_unsigned(value, 0, grpc::StatusCode::UNAUTHENTICATED);
      if (number) options.expected = static_cast<grpc::StatusCode>(*number);
    } else if (arg == "--call-timeout") {
      number = parse_unsigned(value, 1, 3600);
      if (number) options.call_timeout_s = *number;
    }
    if (!number) return std::nullopt;
  }
  if (options.target.empty()) return std::nullopt;
  return options;
}

std::string_view status_name(grpc::StatusCode code) {
  static constexpr std::array<std::string_view, 17> kNames = {"OK",
                                                              "CANCELLED",
                                                              "UNKNOWN",
                                                              "INVALID_ARGUMENT",
                                                              "DEADLINE_EXCEEDED",
                                                              "NOT_FOUND",
                                                              "ALREADY_EXISTS",
                                                              "PERMISSION_DENIED",
                                                              "RESOURCE_EXHAUSTED",
                                                              "FAILED_PRECONDITION",
                                                              "ABORTED",
                                                              "OUT_OF_RANGE",
                                                              "UNIMPLEMENTED",
                                                              "INTERNAL",
                                                              "UNAVAILABLE",
                                                              "DATA_LOSS",
                                                              "UNAUTHENTICATED"};
  const auto index = static_cast<std::size_t>(code);
  return index < kNames.size() ? kNames[index] : "UNKNOWN_CODE";
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// A channel of its own, not sharing its connection with the others (gRPC pools connections
// of channels with equal arguments).
std::shared_ptr<grpc::Channel> make_channel(const std::string& target, unsigned index) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  arguments.SetInt("l402.bench.channel", static_cast<int>(index));
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), arguments);
}

// ---- --challenge

// The quoted value of `name` in a www-authenticate value (`L402 macaroon="..", invoice=".."`).
std::string parameter_of(std::string_view value, std::string_view name) {
  const std::string key = std::string(name) + "=\"";
  const std::size_t start = value.find(key);
  if (start == std::string_view::npos) return "";
  const std::size_t begin = start + key.size();
  const std::size_t end = value.find('"', begin);
  return end == std::string_view::npos ? "" : std::string(value.substr(begin, end - begin));
}

int run_challenge(const Options& options) {
  const auto stub = Echo::NewStub(make_channel(options.target, 0));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(options.call_timeout_s));
  for (const auto& [key, value] : options.metadata) context.AddMetadata(key, value);
  EchoRequest request;
  request.set_text("challenge");
  EchoReply reply;
  const grpc::Status status = stub->Say(&context, request, &reply);

  std::vector<std::string> values;
  for (const auto* metadata :
       {&context.GetServerTrailingMetadata(), &context.GetServerInitialMetadata()}) {
    const auto [first, last] = metadata->equal_range("www-authenticate");
    for (auto entry = first; entry != last; ++entry) {
      values.emplace_back(entry->second.data(), entry->second.size());
    }
    if (!values.empty()) break;
  }
  std::string macaroon;
  std::string invoice;
  for (const std::string& value : values) {
    if (value.rfind("L402 ", 0) == 0) {
      macaroon = parameter_of(value, "macaroon");
      invoice = parameter_of(value, "invoice");
    }
  }
  std::string line = "{\"status\":" + std::to_string(status.error_code()) +
                     ",\"status_name\":" + json_string(status_name(status.error_code())) +
                     ",\"message\":" + json_string(status.error_message()) +
                     ",\"macaroon\":" + json_string(macaroon) +
                     ",\"invoice\":" + json_string(invoice) + ",\"www_authenticate\":[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    line += (i == 0 ? "" : ",") + json_string(values[i]);
  }
  std::cout << line << "]}" << std::endl;
  return values.empty() ? 1 : 0;
}

// ---- the load

// One call slot: its calls run one after another, each started from the completion of the
// last, so a slot's fields are touched by one call at a time.
struct Slot {
  Echo::Stub* stub = nullptr;
  std::unique_ptr<grpc::ClientContext> context;
  EchoReply reply;
  Clock::time_point started;
  std::vector<double> latencies_us;
  std::map<grpc::StatusCode, std::size_t> failures;
  std::string first_failure;
};

class Load {
 public:
  Load(const Options& options, Clock::time_point measure_from, Clock::time_point measure_to)
      : options_(options), measure_from_(measure_from), measure_to_(measure_to) {
    request_.set_text("load");
    request_.set_payload(std::string(options.payload_bytes, 'x'));
    for (unsigned i = 0; i < options.channels; ++i) {
      stubs_.push_back(Echo::NewStub(make_channel(options.target, i)));
    }
    slots_.resize(options.concurrency);
    for (std::size_t i = 0; i < slots_.size(); ++i)
      slots_[i].stub = stubs_[i % stubs_.size()].get();
  }

  // Starts every slot and returns once they have all stopped (no call starts after
  // measure_to), or false if some are still running at `limit`.
  bool run(Clock::time_point limit) {
    running_ = slots_.size();
    for (Slot& slot : slots_) start_call(slot);
    std::unique_lock lock(mutex_);
    return stopped_.wait_until(lock, limit, [this] { return running_ == 0; });
  }

  const std::vector<Slot>& slots() const { return slots_; }

 private:
  void start_call(Slot& slot) {
    slot.context = std::make_unique<grpc::ClientContext>();
    slot.context->set_deadline(std::chrono::system_clock::now() +
                               std::chrono::seconds(options_.call_timeout_s));
    for (const auto& [key, value] : options_.metadata) slot.context->AddMetadata(key, value);
    slot.started = Clock::now();
    slot.stub->async()->Say(slot.context.get(), &request_, &slot.reply,
                            [this, &slot](grpc::Status status) { on_done(slot, status); });
  }

  void on_done(Slot& slot, const grpc::Status& status) {
    const Clock::time_point now = Clock::now();
    // Counted if it started in the measured window (its end may fall a little after).
    if (slot.started >= measure_from_ && slot.started < measure_to_) {
      if (status.error_code() == options_.expected) {
        slot.latencies_us.push_back(
            std::chrono::duration<double, std::micro>(now - slot.started).count());
      } else {
        if (slot.failures.empty()) {
          slot.first_failure =
              std::string(status_name(status.error_code())) + ": " + status.error_message();
        }
        ++slot.failures[status.error_code()];
      }
    }
    if (now < measure_to_) return start_call(slot);
    {
      const std::lock_guard lock(mutex_);
      --running_;
    }
    stopped_.notify_one();
  }

  const Options& options_;
  const Clock::time_point measure_from_;
  const Clock::time_point measure_to_;
  EchoRequest request_;
  std::vector<std::unique_ptr<Echo::Stub>> stubs_;
  std::vector<Slot> slots_;
  std::mutex mutex_;
  std::condition_variable stopped_;
  std::size_t running_ = 0;
};

double percentile_ms(const std::vector<double>& sorted_us, double p) {
  if (sorted_us.empty()) return 0;
  const auto index = static_cast<std::size_t>(p * static_cast<double>(sorted_us.size() - 1));
  return sorted_us[index] / 1000.0;
}

int run_load(const Options& options) {
  const Clock::time_point start = Clock::now();
  const Clock::time_point measure_from = start + std::chrono::seconds(options.warmup_s);
  const Clock::time_point measure_to = measure_from + std::chrono::seconds(options.duration_s);
  Load load(options, measure_from, measure_to);
  const bool stopped =
      load.run(measure_to + std::chrono::seconds(options.call_timeout_s) + std::chrono::seconds(5));
  if (!stopped) {
    std::cerr << "grpc_load: calls still in flight well past their deadline\n";
    std::_Exit(1);  // the slots are still referenced by gRPC: do not destroy them
  }

  std::vector<double> latencies_us;
  std::map<grpc::StatusCode, std::size_t> failures;
  std::string first_failure;
  for (const Slot& slot : load.slots()) {
    latencies_us.insert(latencies_us.end(), slot.latencies_us.begin(), slot.latencies_us.end());
    for (const auto& [code, count] : slot.failures) failures[code] += count;
    if (first_failure.empty()) first_failure = slot.first_failure;
  }
  std::sort(latencies_us.begin(), latencies_us.end());
  std::size_t failed = 0;
  for (const auto& [code, count] : failures) failed += count;
  const double seconds = options.duration_s;
  const double rate = static_cast<double>(latencies_us.size()) / seconds;
  const double p50 = percentile_ms(latencies_us, 0.50);
  const double p90 = percentile_ms(latencies_us, 0.90);
  const double p99 = percentile_ms(latencies_us, 0.99);

  std::printf(
      "grpc_load: /l402.testing.Echo/Say on %s, %u in flight on %u channels, %u s (warm-up %u "
      "s), payload %u bytes, %zu metadata entries\n",
      options.target.c_str(), options.concurrency, options.channels, options.duration_s,
      options.warmup_s, options.payload_bytes, options.metadata.size());
  std::printf(
      "calls/s %.0f   p50 %.3f ms   p90 %.3f ms   p99 %.3f ms   answered %s %zu   failed %zu\n",
      rate, p50, p90, p99, std::string(status_name(options.expected)).c_str(), latencies_us.size(),
      failed);
  std::string by_code;
  for (const auto& [code, count] : failures) {
    by_code +=
        (by_code.empty() ? "" : ",") + json_string(status_name(code)) + ":" + std::to_string(count);
  }
  if (failed > 0) {
    std::printf("FAILED CALLS: %zu (%s); first message: %s\n", failed, by_code.c_str(),
                first_failure.c_str());
  }
  std::printf(
      "{\"calls_per_second\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"ok\":%zu,"
      "\"failed\":%zu,\"failures\":{%s}}\n",
      rate, p50, p90, p99, latencies_us.size(), failed, by_code.c_str());
  std::fflush(stdout);
  return failed == 0 && !latencies_us.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
    std::cout << kUsage;
    return 0;
  }
  const std::optional<Options> options = parse_options(argc, argv);
  if (!options) {
    std::cerr << kUsage;
    return 2;
  }
  return options->challenge ? run_challenge(*options) : run_load(*options);
}
