// `l402 get URL` and `l402 request [curl-like options] URL`: an HTTP request that pays for
// itself through l402::Client, within --max-price and the configured budgets.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace l402::cli {

void add_request_commands(CLI::App& app, int& exit_code);

}  // namespace l402::cli
