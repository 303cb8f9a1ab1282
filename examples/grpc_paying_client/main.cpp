// A program that buys gRPC calls with the paying interceptor (l402/grpc_client.hpp): calls
// l402.testing.Echo/Say on a gRPC target (l402d's gRPC listener in front of l402-grpc-echo),
// pays the challenge within a price limit through a devnet wallet, and prints the reply on
// stdout and what was paid on stderr. Run `l402 devnet` first (its REST API pays for us), e.g.
//
//   l402-grpc-pay-example 127.0.0.1:8443 --text hello --max-price-sat 100
//
// Options: --text TEXT, --max-price-sat N, --tls (with the system's roots, or --ca-file PEM),
// --data-dir DIR (token store; default ~/.local/share/l402/grpc-example), --devnet-dir DIR,
// --devnet-url URL, --account NAME.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "echo.grpc.pb.h"
#include "l402/client.hpp"
#include "l402/devnet.hpp"
#include "l402/grpc_client.hpp"

namespace {

struct Arguments {
  std::string target;
  std::string text = "hello";
  std::optional<std::uint64_t> max_price_sat;
  bool tls = false;
  std::string ca_file;
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
  args.data_dir = home_data_dir() + "/grpc-example";
  args.devnet_dir = home_data_dir() + "/devnet";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--tls") {
      args.tls = true;
    } else if (arg == "--text" && has_value) {
      args.text = argv[++i];
    } else if (arg == "--max-price-sat" && has_value) {
      args.max_price_sat = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--ca-file" && has_value) {
      args.ca_file = argv[++i];
    } else if (arg == "--data-dir" && has_value) {
      args.data_dir = argv[++i];
    } else if (arg == "--devnet-dir" && has_value) {
      args.devnet_dir = argv[++i];
    } else if (arg == "--devnet-url" && has_value) {
      args.devnet_url = argv[++i];
    } else if (arg == "--account" && has_value) {
      args.account = argv[++i];
    } else if (args.target.empty() && !arg.starts_with("--")) {
      args.target = arg;
    } else {
      return std::nullopt;
    }
  }
  if (args.target.empty()) return std::nullopt;
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

std::shared_ptr<grpc::ChannelCredentials> channel_credentials(const Arguments& args) {
  if (!args.tls) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  if (!args.ca_file.empty()) {
    std::ifstream file(args.ca_file);
    std::stringstream pem;
    pem << file.rdbuf();
    ssl.pem_root_certs = pem.str();
  }
  return grpc::SslCredentials(ssl);
}

void show_purchase(std::string_view method, const l402::PurchaseResult& result) {
  if (result.purchase.has_value()) {
    std::cerr << method << ": " << (result.purchase->paid ? "bought" : "did not buy") << " token "
              << result.purchase->token_id.substr(0, 16) << "... for "
              << result.purchase->amount.value() << " msat + " << result.purchase->fee.value()
              << " msat fee\n";
  }
  if (result.error.has_value()) {
    std::cerr << l402::perform_outcome_name(result.outcome) << ": " << result.error->message()
              << '\n';
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::optional<Arguments> args = parse(argc, argv);
  if (!args) {
    std::cerr << "usage: l402-grpc-pay-example HOST:PORT [--text TEXT] [--max-price-sat N]\n"
                 "       [--tls] [--ca-file PEM] [--data-dir DIR] [--devnet-dir DIR]\n"
                 "       [--devnet-url URL] [--account NAME]\n";
    return 2;
  }
  l402::Result<std::unique_ptr<l402::Backend>> wallet = open_devnet_wallet(*args);
  if (!wallet.ok()) {
    std::cerr << "wallet: " << wallet.error().message() << " (is `l402 devnet` running?)\n";
    return 1;
  }
  l402::ClientOptions options;
  options.data_dir = args->data_dir;
  if (args->max_price_sat) options.budget.max_price = l402::Msat::from_sat(*args->max_price_sat);
  l402::Result<std::unique_ptr<l402::Client>> client =
      l402::Client::open(std::move(options), std::move(wallet).value());
  if (!client.ok()) {
    std::cerr << "client: " << client.error().message() << '\n';
    return 1;
  }

  l402::GrpcPayingOptions paying;
  paying.authority = args->target;
  paying.tls = args->tls;
  paying.on_purchase = show_purchase;
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  factories.push_back(l402::make_paying_interceptor_factory(
      std::shared_ptr<l402::Client>(std::move(client).value()), std::move(paying)));
  auto channel = grpc::experimental::CreateCustomChannelWithInterceptors(
      args->target, channel_credentials(*args), grpc::ChannelArguments(), std::move(factories));
  auto stub = l402::testing::Echo::NewStub(channel);

  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  l402::testing::EchoRequest request;
  request.set_text(args->text);
  l402::testing::EchoReply reply;
  const grpc::Status status = stub->Say(&context, request, &reply);
  if (!status.ok()) {
    std::cerr << "gRPC status " << status.error_code() << ": " << status.error_message() << '\n';
    return 1;
  }
  std::cout << reply.text() << '\n';
  return 0;
}
