// l402d's configuration loader (src/gateway/config/) on arbitrary bytes: YAML of any shape,
// in l402d's format or Aperture's, with an environment that has no variables and no files.
//
// Properties: never a crash, a hang or an exception; a load either has a config or errors,
// never both; at most 100 problems are listed (plus one "too many" line); every line number
// lies within the input; a loaded config has at most 1000 uniquely named services whose
// regexes all compile, with an admin address on loopback and every default path filled in.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <set>
#include <string>

#include "fuzz_common.hpp"
#include "gateway/config/config.hpp"
#include "gateway/config/value_parsers.hpp"

namespace {

using namespace l402::gateway;

const ConfigEnvironment& empty_environment() {
  static const ConfigEnvironment env = [] {
    ConfigEnvironment out;
    out.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    out.read_file = [](const std::filesystem::path&) -> std::optional<std::string> {
      return std::nullopt;
    };
    out.home = "/home/fuzz";
    out.default_data_dir = "/var/lib/l402d-fuzz";
    return out;
  }();
  return env;
}

void check_lines(const std::vector<ConfigDiagnostic>& list, int line_count) {
  for (const ConfigDiagnostic& diagnostic : list) {
    if (diagnostic.line < 0 || diagnostic.line > line_count + 1 || diagnostic.column < 0) {
      std::fprintf(stderr, "diagnostic at %d:%d of %d lines: %s\n", diagnostic.line,
                   diagnostic.column, line_count, diagnostic.message.c_str());
    }
    L402_FUZZ_CHECK(diagnostic.line >= 0 && diagnostic.line <= line_count + 1);
    L402_FUZZ_CHECK(diagnostic.column >= 0);
    L402_FUZZ_CHECK(!diagnostic.message.empty());
  }
}

void check_config(const GatewayConfig& config) {
  L402_FUZZ_CHECK(config.services.size() <= 1000);
  L402_FUZZ_CHECK(!config.listeners.empty());
  L402_FUZZ_CHECK(!config.data_dir.empty());
  std::set<std::string> names;
  for (const ServiceConfig& service : config.services) {
    L402_FUZZ_CHECK(!service.name.empty());
    L402_FUZZ_CHECK(names.insert(service.name).second);
    L402_FUZZ_CHECK(!config_detail::check_regex(service.host_regex));
    L402_FUZZ_CHECK(!config_detail::check_regex(service.path_regex));
    for (const std::string& free : service.free_paths) {
      L402_FUZZ_CHECK(!config_detail::check_regex(free));
    }
    L402_FUZZ_CHECK(service.upstream.scheme == "http" || service.upstream.scheme == "https");
    L402_FUZZ_CHECK(service.auth != AuthMode::kFreebie || service.freebies > 0);
    for (const InjectedHeader& header : service.headers) {
      L402_FUZZ_CHECK(!header.secret);  // the environment has nothing to give
      L402_FUZZ_CHECK(header.value.find_first_of("\r\n") == std::string::npos);
    }
  }
  L402_FUZZ_CHECK(!config.admin.enabled || config_detail::is_loopback_host(config.admin.host));
  L402_FUZZ_CHECK(!config.admin.credential_file.empty());
  L402_FUZZ_CHECK(!config.store.sqlite_path.empty());
  L402_FUZZ_CHECK(!config.lightning.devnet_dir.empty());
}

}  // namespace

// libFuzzer entry point; the name is fixed by libFuzzer.
extern "C" int LLVMFuzzerTestOneInput(  // NOLINT(readability-identifier-naming)
    const std::uint8_t* data, std::size_t size) {
  const std::string text(l402::fuzz::as_text(data, size));
  const ConfigLoad load = parse_config(text, empty_environment());
  L402_FUZZ_CHECK(load.config.has_value() == load.errors.empty());
  L402_FUZZ_CHECK(load.errors.size() + load.warnings.size() <= 101);
  const int line_count = static_cast<int>(std::count(text.begin(), text.end(), '\n')) +
                         static_cast<int>(std::count(text.begin(), text.end(), '\r')) + 1;
  check_lines(load.errors, line_count);
  check_lines(load.warnings, line_count);
  if (load.config) check_config(*load.config);
  const std::string rendered = format_diagnostics("f.yaml", load);
  L402_FUZZ_CHECK(rendered.empty() == (load.errors.empty() && load.warnings.empty()));
  return 0;
}
