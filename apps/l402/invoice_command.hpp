// `l402 invoice decode`.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace l402::cli {

// Registers the `invoice` command and its subcommands on `app`. The subcommand that runs
// stores its exit code in `exit_code` (see exit_codes.hpp).
void add_invoice_command(CLI::App& app, int& exit_code);

}  // namespace l402::cli
