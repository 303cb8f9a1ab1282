// `l402 tokens list|show|rm|export|import|delegate`: the tokens `l402 get/request` bought.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace l402::cli {

void add_tokens_command(CLI::App& app, int& exit_code);

}  // namespace l402::cli
