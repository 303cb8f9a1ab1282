// l402: the buyer's command line: requests that pay for themselves, the tokens and spending they
// leave, paying invoices, running devnet, inspecting macaroons, invoices and tokens.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "devnet_command.hpp"
#include "exit_codes.hpp"
#include "invoice_command.hpp"
#include "macaroon_command.hpp"
#include "pay_command.hpp"
#include "request_command.hpp"
#include "spent_command.hpp"
#include "token_command.hpp"
#include "tokens_command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"l402: pay for and inspect L402 credentials"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "l402 0.1.0");
  int exit_code = l402::cli::kExitOk;
  l402::cli::add_macaroon_command(app, exit_code);
  l402::cli::add_invoice_command(app, exit_code);
  l402::cli::add_token_command(app, exit_code);
  l402::cli::add_pay_command(app, exit_code);
  l402::cli::add_devnet_command(app, exit_code);
  l402::cli::add_request_commands(app, exit_code);
  l402::cli::add_tokens_command(app, exit_code);
  l402::cli::add_spent_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : l402::cli::kExitBadInput;
  } catch (const std::exception& error) {
    std::cerr << "l402: " << error.what() << '\n';
    return l402::cli::kExitBadInput;
  }
  return exit_code;
}
