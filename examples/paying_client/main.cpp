// A program that buys API calls with l402::Client: GET (or POST with --data) a URL, pay the
// 402 within a price limit through a devnet wallet, print the body on stdout and what
// happened on stderr. Run `l402 devnet` first (its REST API pays for us), then e.g.
//
//   paying_client http://127.0.0.1:8085/api/quote --max-price-sat 100
//
// Options: --max-price-sat N, --dry-run, --data DATA (POST), --data-dir DIR (token store;
// default ~/.local/share/l402/example), --devnet-dir DIR, --devnet-url URL, --account NAME.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "l402/client.hpp"
#include "l402/devnet.hpp"

namespace {

struct Arguments {
  std::string url;
  std::optional<std::uint64_t> max_price_sat;
  bool dry_run = false;
  std::optional<std::string> data;
  std::string data_dir;
  std::string devnet_dir;
  std::string devnet_url = "https://127.0.0.1:18080";
  std::string account = "default";
};

std::string home_data_dir() {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  const char* home = std::getenv("HOME");
  if (xdg != nullptr && *xdg != '\0') return std::string(xdg) + "/l402";
  return std::string(home != nullptr ? home : ".") + "/.local/share/l402";
}

std::optional<Arguments> parse(int argc, char** argv) {
  Arguments args;
  args.data_dir = home_data_dir() + "/example";
  args.devnet_dir = home_data_dir() + "/devnet";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--dry-run") {
      args.dry_run = true;
    } else if (arg == "--max-price-sat" && has_value) {
      args.max_price_sat = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--data" && has_value) {
      args.data = argv[++i];
    } else if (arg == "--data-dir" && has_value) {
      args.data_dir = argv[++i];
    } else if (arg == "--devnet-dir" && has_value) {
      args.devnet_dir = argv[++i];
    } else if (arg == "--devnet-url" && has_value) {
      args.devnet_url = argv[++i];
    } else if (arg == "--account" && has_value) {
      args.account = argv[++i];
    } else if (args.url.empty() && !arg.starts_with("--")) {
      args.url = arg;
    } else {
      return std::nullopt;
    }
  }
  if (args.url.empty()) return std::nullopt;
  return args;
}

// devnet's REST API is LND's, so the LND backend is its client.
l402::Result<std::unique_ptr<l402::Backend>> open_devnet_wallet(const Arguments& args) {
  l402::LndOptions lnd;
  lnd.url = args.devnet_url;
  lnd.tls_cert_path = args.devnet_dir + "/tls.cert";
  lnd.macaroon_path = args.devnet_dir + "/" + l402::devnet_macaroon_file_name(args.account);
  return l402::open_lnd_backend(lnd);
}

void show(const l402::ProgressEvent& event) {
  const auto sat = [](l402::Msat msat) { return std::to_string(msat.value() / 1000) + " sat"; };
  switch (event.kind) {
    case l402::ProgressKind::kChallenged:  // without a price when the challenge is refused
      std::cerr << "402 from " << event.url;
      if (event.amount.value() > 0)
        std::cerr << " for '" << event.service << "': " << sat(event.amount);
      std::cerr << '\n';
      break;
    case l402::ProgressKind::kPaying:
      std::cerr << "paying " << sat(event.amount) << " (fee at most " << sat(event.fee) << ")\n";
      break;
    case l402::ProgressKind::kPaid:
      std::cerr << "paid in " << event.elapsed.count() << " ms, fee " << event.fee.value()
                << " msat\n";
      break;
    case l402::ProgressKind::kStatus:
      std::cerr << "status " << event.status << '\n';
      break;
    case l402::ProgressKind::kRecovered:
    case l402::ProgressKind::kRefused:
    case l402::ProgressKind::kWouldPay:
    case l402::ProgressKind::kRetrying:
      if (!event.message.empty()) std::cerr << event.message << '\n';
      break;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::optional<Arguments> args = parse(argc, argv);
  if (!args) {
    std::cerr << "usage: paying_client URL [--max-price-sat N] [--dry-run] [--data DATA]\n"
                 "       [--data-dir DIR] [--devnet-dir DIR] [--devnet-url URL] [--account NAME]\n";
    return 2;
  }
  l402::Result<std::unique_ptr<l402::Backend>> wallet = open_devnet_wallet(*args);
  if (!wallet.ok()) {
    std::cerr << "wallet: " << wallet.error().message() << " (is `l402 devnet` running?)\n";
    return 1;
  }
  l402::ClientOptions options;
  options.data_dir = args->data_dir;
  options.dry_run = args->dry_run;
  if (args->max_price_sat) options.budget.max_price = l402::Msat::from_sat(*args->max_price_sat);
  options.progress = show;
  l402::Result<std::unique_ptr<l402::Client>> client =
      l402::Client::open(std::move(options), std::move(wallet).value());
  if (!client.ok()) {
    std::cerr << "client: " << client.error().message() << '\n';
    return 1;
  }

  l402::HttpRequest request;
  request.url = args->url;
  if (args->data) {
    request.method = "POST";
    request.body = l402::RequestBody::memory(*args->data);
  }
  std::unique_ptr<l402::BodySink> stdout_sink = l402::make_descriptor_sink(STDOUT_FILENO);
  const l402::PerformResult result = (*client)->perform(request, *stdout_sink);
  if (result.purchase) {
    std::cerr << (result.purchase->paid ? "bought" : "would buy") << " token "
              << result.purchase->token_id.substr(0, 16) << "... for "
              << result.purchase->amount.value() << " msat\n";
  }
  if (result.error) {
    std::cerr << l402::perform_outcome_name(result.outcome) << ": " << result.error->message()
              << '\n';
  }
  return result.outcome == l402::PerformOutcome::kDone && result.status < 400 ? 0 : 1;
}
