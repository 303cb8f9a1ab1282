#include "pay_command.hpp"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "client_config.hpp"
#include "exit_codes.hpp"
#include "input.hpp"
#include "l402/bolt11.hpp"
#include "l402/encoding.hpp"
#include "l402/lightning.hpp"

namespace l402::cli {
namespace {

struct PayArguments {
  std::string invoice;
  std::optional<std::uint64_t> max_fee_msat;
  std::optional<std::uint64_t> amount_msat;
  double timeout_seconds = 60;
  std::optional<std::string> config_path;
};

// Without --max-fee-msat: 1% of the amount, and at least 10 sat, which a payment between
// well-connected nodes stays under.
Msat default_max_fee(Msat amount) {
  return Msat(std::max<std::uint64_t>(amount.value() / 100, 10'000));
}

int fail(int code, const std::string& message) {
  std::cerr << "l402: " << message << '\n';
  return code;
}

int exit_code_for(PayFailure failure) {
  switch (failure) {
    case PayFailure::kUnavailable:
      return kExitWalletUnavailable;
    case PayFailure::kInvalidInvoice:
    case PayFailure::kInvoiceExpired:
      return kExitPaymentRefused;
    default:
      return kExitPaymentFailed;
  }
}

int run_pay(const PayArguments& arguments) {
  constexpr std::size_t kMaxInvoiceArgument = Bolt11Limits{}.max_length + 16;
  Result<std::string> text = read_argument(arguments.invoice, kMaxInvoiceArgument);
  if (!text.ok()) return fail(kExitBadInput, text.error().message());
  std::string bolt11 = *text;
  while (!bolt11.empty() && (bolt11.back() == '\n' || bolt11.back() == '\r')) bolt11.pop_back();
  Result<Invoice> invoice = decode_invoice(bolt11);
  if (!invoice.ok())
    return fail(kExitBadInput, "not a valid invoice: " + invoice.error().message());
  if (!invoice->amount && !arguments.amount_msat) {
    return fail(kExitBadInput, "the invoice names no amount: give --amount-msat");
  }
  if (invoice->amount && arguments.amount_msat) {
    return fail(kExitBadInput, "--amount-msat is only for invoices that name no amount");
  }
  const auto now = static_cast<std::uint64_t>(std::time(nullptr));
  if (invoice->is_expired(now)) {
    return fail(kExitPaymentRefused, "invoice expired at " + std::to_string(invoice->expires_at()) +
                                         " (unix time); not paying");
  }
  if (arguments.timeout_seconds <= 0 || arguments.timeout_seconds > 3600) {
    return fail(kExitBadInput, "--timeout must be in (0, 3600] seconds");
  }

  Result<ClientConfig> config = load_client_config(arguments.config_path);
  if (!config.ok()) return fail(kExitBadInput, config.error().message());
  Result<std::unique_ptr<Backend>> wallet = open_wallet(config->wallet);
  if (!wallet.ok()) return fail(kExitWalletUnavailable, "wallet: " + wallet.error().message());
  Result<NodeInfo> info = (*wallet)->get_info();
  if (!info.ok()) return fail(kExitWalletUnavailable, "wallet: " + info.error().message());
  if (info->network != invoice->network) {
    return fail(kExitPaymentRefused, "the invoice is for " +
                                         std::string(network_name(invoice->network)) +
                                         " but the wallet is on " +
                                         std::string(network_name(info->network)) + "; not paying");
  }

  const Msat amount = invoice->amount ? *invoice->amount : Msat(*arguments.amount_msat);
  PayRequest request;
  request.bolt11 = bolt11;
  request.max_fee =
      arguments.max_fee_msat ? Msat(*arguments.max_fee_msat) : default_max_fee(amount);
  request.timeout =
      std::chrono::milliseconds(static_cast<long long>(arguments.timeout_seconds * 1000));
  if (arguments.amount_msat) request.amount = Msat(*arguments.amount_msat);
  const PayOutcome outcome = (*wallet)->pay(request);
  if (!outcome.ok()) {
    return fail(exit_code_for(outcome.failure()),
                "payment failed (" + std::string(pay_failure_name(outcome.failure())) +
                    "): " + outcome.message());
  }
  const Payment& payment = outcome.payment();
  nlohmann::ordered_json receipt;
  receipt["payment_hash"] = hex::encode(as_view(payment.payment_hash));
  receipt["preimage"] = hex::encode(as_view(payment.preimage));
  receipt["amount_msat"] = payment.amount.value();
  receipt["fee_msat"] = payment.fee.value();
  std::cout << receipt.dump() << '\n';
  return kExitOk;
}

}  // namespace

void add_pay_command(CLI::App& app, int& exit_code) {
  auto arguments = std::make_shared<PayArguments>();
  CLI::App* pay = app.add_subcommand(
      "pay",
      "Pay a BOLT 11 invoice with the configured wallet; print the preimage and fee as JSON");
  pay->add_option("invoice", arguments->invoice, "The invoice, '-' for stdin or @file")->required();
  pay->add_option("--max-fee-msat", arguments->max_fee_msat,
                  "Most to pay in routing fees (default: 1% of the amount, at least 10 sat)");
  pay->add_option("--amount-msat", arguments->amount_msat,
                  "What to pay, for an invoice that names no amount");
  pay->add_option("--timeout", arguments->timeout_seconds, "Seconds to try before giving up (60)");
  pay->add_option("--config", arguments->config_path,
                  "Configuration file (default: $L402_CONFIG, ~/.config/l402/config.yaml)");
  pay->callback([arguments, &exit_code] { exit_code = run_pay(*arguments); });
}

}  // namespace l402::cli
