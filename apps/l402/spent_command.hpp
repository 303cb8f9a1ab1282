// `l402 spent [--by host|day] [--json]`: the spending ledger, receipt by receipt or in totals.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace l402::cli {

void add_spent_command(CLI::App& app, int& exit_code);

}  // namespace l402::cli
