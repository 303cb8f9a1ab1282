#include "request_command.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client_config.hpp"
#include "deferred_wallet.hpp"
#include "exit_codes.hpp"
#include "l402/client.hpp"
#include "output_sinks.hpp"
#include "progress.hpp"
#include "request_report.hpp"
#include "store_options.hpp"
#include "units.hpp"

namespace l402::cli {
namespace {

// Bodies given inline on the command line are small; files are streamed (--data-binary @F).
constexpr std::size_t kMaxHeaders = 100;

struct RequestArguments {
  std::string url;
  std::optional<std::string> method;
  std::vector<std::string> headers;
  std::optional<std::string> data;
  std::optional<std::string> data_binary;
  std::optional<std::string> output;
  bool include_head = false;
  bool verbose = false;
  bool silent = false;
  bool follow = false;
  bool json = false;
  bool dry_run = false;
  bool insecure = false;
  std::optional<std::string> ca_file;
  std::optional<std::string> max_price;
  double timeout_seconds = 0;
  double connect_timeout_seconds = 10;
  StoreArguments store;
};

int fail(int code, const std::string& message) {
  std::cerr << "l402: " << message << '\n';
  return code;
}

bool has_header(const HttpRequest& request, std::string_view name) {
  for (const HttpHeader& header : request.headers) {
    if (header.name.size() == name.size() &&
        std::equal(name.begin(), name.end(), header.name.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return true;
    }
  }
  return false;
}

// "-d DATA" / "--data-binary DATA": the text itself, or "@FILE" for a file sent as it is.
RequestBody body_from(const std::string& data) {
  if (!data.empty() && data.front() == '@') return RequestBody::file(data.substr(1));
  return RequestBody::memory(data);
}

Result<HttpRequest> build_request(const RequestArguments& arguments) {
  HttpRequest request;
  request.url = arguments.url;
  if (arguments.headers.size() > kMaxHeaders) {
    return Error(ErrorCode::kLimitExceeded, "at most 100 -H options");
  }
  for (const std::string& line : arguments.headers) {
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0) {
      return Error(ErrorCode::kInvalidArgument,
                   "-H '" + line.substr(0, 80) + "': expected 'Name: value'");
    }
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
    request.headers.push_back({line.substr(0, colon), value});
  }
  const std::optional<std::string>& data = arguments.data ? arguments.data : arguments.data_binary;
  if (data) {
    request.body = body_from(*data);
    request.method = "POST";
    // curl's habit: a body given with -d is a form unless the caller says otherwise.
    if (!has_header(request, "Content-Type")) {
      request.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
    }
  }
  if (arguments.method) request.method = *arguments.method;
  return request;
}

std::chrono::milliseconds seconds_option(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

void print_verbose(VerboseKind kind, std::string_view line) {
  const char* prefix = kind == VerboseKind::kInfo          ? "* "
                       : kind == VerboseKind::kRequestLine ? "> "
                                                           : "< ";
  std::cerr << prefix << line << '\n';
}

Result<ClientOptions> client_options(const RequestArguments& arguments,
                                     const ClientConfig& config) {
  ClientOptions options;
  options.data_dir = config.store_dir;
  options.budget = config.budget;
  if (arguments.max_price) {
    L402_ASSIGN_OR_RETURN(const Msat price, parse_amount(*arguments.max_price));
    // --max-price narrows the configured one; it never widens it.
    if (!options.budget.max_price || price < *options.budget.max_price) {
      options.budget.max_price = price;
    }
  }
  options.dry_run = arguments.dry_run;
  options.http.follow_redirects = arguments.follow;
  options.http.insecure = arguments.insecure;
  if (arguments.ca_file) options.http.ca_file = *arguments.ca_file;
  if (arguments.timeout_seconds < 0 || arguments.timeout_seconds > 86'400 ||
      arguments.connect_timeout_seconds <= 0 || arguments.connect_timeout_seconds > 3600) {
    return Error(ErrorCode::kInvalidArgument,
                 "--max-time must be in [0, 86400] seconds, --connect-timeout in (0, 3600]");
  }
  options.http.total_timeout = seconds_option(arguments.timeout_seconds);
  options.http.connect_timeout = seconds_option(arguments.connect_timeout_seconds);
  if (arguments.verbose) options.http.verbose = print_verbose;
  if (!arguments.silent) {
    options.progress = [](const ProgressEvent& event) {
      std::cerr << "l402: " << progress_line(event) << '\n';
    };
  }
  return options;
}

std::unique_ptr<BodySink> output_sink(const RequestArguments& arguments) {
  std::unique_ptr<BodySink> sink;
  if (arguments.output && *arguments.output != "-") {
    sink = make_file_sink(*arguments.output);
  } else if (arguments.json) {
    sink = make_discard_sink();
  } else {
    sink = make_descriptor_sink(STDOUT_FILENO);
  }
  if (arguments.include_head && !arguments.json) sink = make_head_sink(std::move(sink));
  return sink;
}

int run_request(const RequestArguments& arguments) {
  const auto started = std::chrono::steady_clock::now();
  if (arguments.data && arguments.data_binary) {
    return fail(kExitBadInput, "give -d or --data-binary, not both");
  }
  Result<HttpRequest> request = build_request(arguments);
  if (!request.ok()) return fail(kExitBadInput, request.error().message());
  Result<ClientConfig> config = load_config_for(arguments.store);
  if (!config.ok()) return fail(kExitBadInput, config.error().message());
  Result<ClientOptions> options = client_options(arguments, *config);
  if (!options.ok()) return fail(kExitBadInput, options.error().message());
  Result<std::unique_ptr<Client>> client =
      Client::open(std::move(options).value(), open_wallet_when_needed(config->wallet));
  if (!client.ok()) return fail(kExitStore, "token store: " + client.error().message());

  const std::unique_ptr<BodySink> sink = output_sink(arguments);
  const PerformResult result = (*client)->perform(*request, *sink);
  const auto total = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  if (arguments.json) {
    std::optional<std::string> output;
    if (arguments.output && *arguments.output != "-") output = arguments.output;
    std::cout << request_json(result, output, total).dump() << '\n';
  }
  const std::string failure = request_failure_message(result);
  if (!failure.empty()) std::cerr << "l402: " << failure << '\n';
  return request_exit_code(result);
}

void add_common_options(CLI::App& command, RequestArguments& arguments) {
  command.add_option("url", arguments.url, "http:// or https:// URL")->required();
  command.add_option("-o,--output", arguments.output, "Write the body to FILE instead of stdout");
  command.add_flag("-i,--include", arguments.include_head,
                   "Write the response head before the body");
  command.add_flag("-v,--verbose", arguments.verbose, "Show the HTTP exchange on stderr");
  command.add_flag("-s,--silent", arguments.silent, "No progress lines on stderr");
  command.add_flag("-L,--location", arguments.follow, "Follow redirects");
  command.add_flag("--json", arguments.json,
                   "Print one JSON object on stdout; the body goes to -o or nowhere");
  command.add_flag("--dry-run", arguments.dry_run, "Show what would be paid, pay nothing");
  command.add_option("--max-price", arguments.max_price,
                     "Most to pay for one token: N sat or N msat (narrows budget.max_price)");
  command.add_option("--max-time", arguments.timeout_seconds,
                     "Seconds for each HTTP exchange, redirects included (0: no limit)");
  command.add_option("--connect-timeout", arguments.connect_timeout_seconds,
                     "Seconds to connect (10)");
  command.add_option("--cacert", arguments.ca_file, "PEM file of certificates to trust for https");
  command.add_flag("-k,--insecure", arguments.insecure,
                   "Do not verify the server's certificate (tests only)");
  add_store_options(command, arguments.store);
}

}  // namespace

void add_request_commands(CLI::App& app, int& exit_code) {
  auto get_arguments = std::make_shared<RequestArguments>();
  CLI::App* get = app.add_subcommand("get", "GET a URL, paying its L402 price within the budget");
  add_common_options(*get, *get_arguments);
  get->callback([get_arguments, &exit_code] { exit_code = run_request(*get_arguments); });

  auto arguments = std::make_shared<RequestArguments>();
  CLI::App* request = app.add_subcommand(
      "request", "Send an HTTP request (curl's options), paying its L402 price within the budget");
  add_common_options(*request, *arguments);
  request->add_option("-X,--request", arguments->method, "Method (default GET, POST with a body)");
  request->add_option("-H,--header", arguments->headers, "Header 'Name: value' (repeatable)")
      ->allow_extra_args(false);
  request->add_option("-d,--data", arguments->data, "Body: the text, or @FILE (implies POST)");
  request->add_option("--data-binary", arguments->data_binary,
                      "Body: the text, or @FILE streamed as it is (implies POST)");
  request->callback([arguments, &exit_code] { exit_code = run_request(*arguments); });
}

}  // namespace l402::cli
