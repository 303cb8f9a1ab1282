// `l402 macaroon mint|inspect|verify|attenuate`.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace l402::cli {

// Registers the `macaroon` command and its subcommands on `app`. The subcommand that runs
// stores its exit code in `exit_code` (see exit_codes.hpp).
void add_macaroon_command(CLI::App& app, int& exit_code);

}  // namespace l402::cli
