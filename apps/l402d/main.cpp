// l402d: the L402 gateway. Sells access to HTTP APIs for Lightning payments.
//
//   l402d [--config FILE] [--data-dir DIR]    run (no file: devnet, SQLite, a demo service)
//   l402d --check-config FILE                 report every problem in FILE, exit 1 if any
//   l402d admin COMMAND ...                   ask a running gateway (JSON on stdout)
#include <signal.h>

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <memory>
#include <string>

#include "admin_command.hpp"
#include "gateway/config/config.hpp"
#include "io_backend.hpp"
#include "runtime.hpp"
#include "version.hpp"

namespace l402::l402d {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitConfigInvalid = 1;
constexpr int kExitUsage = 2;
constexpr int kExitStartFailed = 3;

int check_config(const std::string& path) {
  const gateway::ConfigLoad load =
      gateway::load_config_file(path, gateway::ConfigEnvironment::system());
  std::cout << gateway::format_diagnostics(path, load);
  if (!load.config) return kExitConfigInvalid;
  std::cout << path << ": ok" << (load.aperture_format ? " (Aperture format)" : "") << '\n';
  return kExitOk;
}

// Asio reports a ring it cannot open by throwing from an io_context's constructor: on kernels
// before 5.12, where rings count against RLIMIT_MEMLOCK, the start-up check's one ring may fit
// and the workers' ones not.
Result<std::unique_ptr<Runtime>> start_runtime(gateway::GatewayConfig config,
                                               const std::string& config_path) {
  try {
    return Runtime::start(std::move(config), config_path);
  } catch (const std::exception& error) {
    std::string message = error.what();
    if (io_backend() == "io_uring") {
      message += " (L402D_IO_BACKEND=epoll runs l402d on epoll instead)";
    }
    return Error(ErrorCode::kInternal, message);
  }
}

int run(const std::string& config_path, const std::string& data_dir) {
  const gateway::ConfigEnvironment env = gateway::ConfigEnvironment::system();
  gateway::GatewayConfig config;
  if (config_path.empty()) {
    config = gateway::default_config(data_dir.empty() ? env.default_data_dir
                                                      : std::filesystem::path(data_dir));
  } else {
    const gateway::ConfigLoad load = gateway::load_config_file(config_path, env);
    std::cerr << gateway::format_diagnostics(config_path, load);
    if (!load.config) return kExitConfigInvalid;
    config = *load.config;
    if (!data_dir.empty()) {
      std::cerr << "l402d: --data-dir is ignored with --config; set data_dir in the file\n";
    }
  }

  // Signals are taken with sigwait() below: every thread started from here on blocks them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A client that goes away mid-write must not kill the process.
  signal(SIGPIPE, SIG_IGN);

  Result<std::unique_ptr<Runtime>> runtime = start_runtime(std::move(config), config_path);
  if (!runtime.ok()) {
    std::cerr << "l402d: cannot start: " << runtime.error().message() << '\n';
    return kExitStartFailed;
  }
  std::cerr << (*runtime)->guidance();
  std::cout << (*runtime)->ready_line() << std::endl;

  for (;;) {
    int signal_number = 0;
    if (sigwait(&signals, &signal_number) != 0) continue;
    if (signal_number == SIGHUP) {
      (*runtime)->reload();
      continue;
    }
    break;
  }
  (*runtime)->shut_down();
  return kExitOk;
}

}  // namespace

}  // namespace l402::l402d

int main(int argc, char** argv) {
  using namespace l402::l402d;
  // Before anything starts Asio: its backend is fixed for the whole program.
  if (!hand_over_to_epoll_if_needed(argv)) return kExitStartFailed;
  CLI::App app{"l402d: the L402 gateway: sells access to HTTP APIs for Lightning payments"};
  app.set_version_flag("--version", std::string("l402d ") + kVersion);
  std::string config_path;
  std::string data_dir;
  std::string check_path;
  app.add_option("--config", config_path, "Configuration file (YAML; l402d's or Aperture's)")
      ->check(CLI::ExistingFile);
  app.add_option("--data-dir", data_dir,
                 "Data directory when running without --config (default ~/.local/share/l402d)");
  app.add_option("--check-config", check_path,
                 "Check a configuration file, report every problem, and exit");
  int exit_code = 0;
  bool ran_subcommand = false;
  add_admin_command(app, exit_code, ran_subcommand);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : kExitUsage;
  } catch (const std::exception& error) {
    std::cerr << "l402d: " << error.what() << '\n';
    return kExitUsage;
  }
  if (ran_subcommand) return exit_code;
  if (!check_path.empty()) return check_config(check_path);
  return run(config_path, data_dir);
}
