// `l402 devnet`: runs the simulated Lightning node on its own, with LND's REST API on
// loopback, until interrupted. No real money.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace l402::cli {

void add_devnet_command(CLI::App& app, int& exit_code);

}  // namespace l402::cli
