// `l402 pay BOLT11`: pays one invoice with the configured wallet and prints the receipt.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace l402::cli {

void add_pay_command(CLI::App& app, int& exit_code);

}  // namespace l402::cli
