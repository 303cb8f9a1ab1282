// `l402d admin ...`: the command-line front of the admin API.
#pragma once

#include <CLI/CLI.hpp>

namespace l402::l402d {

// Adds the `admin` subcommand; when it runs, sets `ran` and `exit_code`.
void add_admin_command(CLI::App& app, int& exit_code, bool& ran);

}  // namespace l402::l402d
