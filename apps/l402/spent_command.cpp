#include "spent_command.hpp"

#include <CLI/CLI.hpp>
#include <cstdint>
#include <iostream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "exit_codes.hpp"
#include "l402/encoding.hpp"
#include "l402/token.hpp"
#include "store_options.hpp"
#include "units.hpp"

namespace l402::cli {
namespace {

struct SpentArguments {
  std::optional<std::string> by;
  bool json = false;
  StoreArguments store;
};

int fail(int code, const std::string& message) {
  std::cerr << "l402: " << message << '\n';
  return code;
}

constexpr std::int64_t kAllTime = std::numeric_limits<std::int64_t>::max();

int print_receipts(ClientStore& store, bool json) {
  Result<std::vector<Receipt>> receipts = store.spending(0, kAllTime);
  if (!receipts.ok()) return fail(kExitStore, receipts.error().message());
  std::uint64_t amount = 0;
  std::uint64_t fee = 0;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const Receipt& receipt : *receipts) {
    amount += receipt.amount.value();
    fee += receipt.fee.value();
    const std::string hash = hex::encode(as_view(receipt.payment_hash));
    const std::string preimage = hex::encode(as_view(receipt.preimage));
    if (json) {
      list.push_back({{"at", receipt.at},
                      {"host", receipt.host},
                      {"origin", receipt.origin},
                      {"service", receipt.service},
                      {"amount_msat", receipt.amount.value()},
                      {"fee_msat", receipt.fee.value()},
                      {"payment_hash", hash},
                      {"preimage", preimage},
                      {"token_id", receipt.token_id}});
    } else {
      std::cout << iso8601_utc(receipt.at) << "  " << receipt.host << "  "
                << (receipt.service.empty() ? "-" : receipt.service) << "  "
                << sat_text(receipt.amount) << " + " << sat_text(receipt.fee) << " fee  hash "
                << hash << "  preimage " << preimage << '\n';
    }
  }
  if (json) {
    std::cout << nlohmann::ordered_json{{"receipts", list},
                                        {"total_amount_msat", amount},
                                        {"total_fee_msat", fee}}
                     .dump()
              << '\n';
  } else {
    std::cout << "total: " << receipts->size() << " purchases, " << sat_text(Msat(amount)) << " + "
              << sat_text(Msat(fee)) << " fee\n";
  }
  return kExitOk;
}

int print_summary(ClientStore& store, bool by_host, bool json) {
  Result<std::vector<SpendingSummary>> rows =
      by_host ? store.spending_by_host(0, kAllTime) : store.spending_by_day(0, kAllTime);
  if (!rows.ok()) return fail(kExitStore, rows.error().message());
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const SpendingSummary& row : *rows) {
    if (json) {
      list.push_back({{by_host ? "host" : "day", row.key},
                      {"purchases", row.purchases},
                      {"amount_msat", row.amount.value()},
                      {"fee_msat", row.fee.value()}});
    } else {
      std::cout << row.key << "  " << row.purchases << " purchases  " << sat_text(row.amount)
                << " + " << sat_text(row.fee) << " fee\n";
    }
  }
  if (json)
    std::cout << nlohmann::ordered_json{{by_host ? "by_host" : "by_day", list}}.dump() << '\n';
  return kExitOk;
}

int run_spent(const SpentArguments& arguments) {
  if (arguments.by && *arguments.by != "host" && *arguments.by != "day") {
    return fail(kExitBadInput, "--by must be host or day");
  }
  Result<ClientConfig> config = load_config_for(arguments.store);
  if (!config.ok()) return fail(kExitBadInput, config.error().message());
  Result<std::unique_ptr<ClientStore>> store = open_store(*config);
  if (!store.ok()) return fail(kExitStore, store.error().message());
  if (!arguments.by) return print_receipts(**store, arguments.json);
  return print_summary(**store, *arguments.by == "host", arguments.json);
}

}  // namespace

void add_spent_command(CLI::App& app, int& exit_code) {
  auto arguments = std::make_shared<SpentArguments>();
  CLI::App* spent = app.add_subcommand(
      "spent", "The spending ledger: receipts (with preimages) or totals by host or day");
  spent->add_option("--by", arguments->by, "Totals by host or by UTC day");
  spent->add_flag("--json", arguments->json, "One JSON object on stdout");
  add_store_options(*spent, arguments->store);
  spent->callback([arguments, &exit_code] { exit_code = run_spent(*arguments); });
}

}  // namespace l402::cli
