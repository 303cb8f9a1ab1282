// `l402 token inspect`: an L402 challenge, credential or token, taken apart as JSON.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace l402::cli {

// Registers the `token` command and its subcommands on `app`. The subcommand that runs
// stores its exit code in `exit_code` (see exit_codes.hpp).
void add_token_command(CLI::App& app, int& exit_code);

}  // namespace l402::cli
