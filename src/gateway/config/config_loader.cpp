// parse_config / load_config_file: the YAML boundary (yaml-cpp throws; nothing escapes
// here), the choice between l402d's format and Aperture's, the defaults that depend on the
// data directory, and the "FILE:LINE:COL: error: ..." rendering.
#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>

#include "gateway/config/config.hpp"
#include "gateway/config/config_reader.hpp"
#include "gateway/config/formats.hpp"

namespace l402::gateway {
namespace {

using config_detail::ConfigReader;

// A configuration is a few hundred lines; anything near this is not one.
constexpr std::size_t kMaxConfigBytes = 1 << 20;

ConfigDiagnostic diagnostic_at(const YAML::Mark& mark, std::string message) {
  ConfigDiagnostic out;
  if (!mark.is_null()) {
    out.line = mark.line + 1;
    out.column = mark.column + 1;
  }
  out.message = std::move(message);
  return out;
}

// In file order; diagnostics without a line (whole-file problems) last.
void sort_by_position(std::vector<ConfigDiagnostic>& list) {
  std::stable_sort(list.begin(), list.end(),
                   [](const ConfigDiagnostic& a, const ConfigDiagnostic& b) {
                     const auto key = [](const ConfigDiagnostic& d) {
                       return std::pair(d.line == 0 ? INT_MAX : d.line, d.column);
                     };
                     return key(a) < key(b);
                   });
}

void fill_data_dir_defaults(GatewayConfig& config) {
  if (config.admin.credential_file.empty()) {
    config.admin.credential_file = config.data_dir / "admin.token";
  }
  if (config.lightning.devnet_dir.empty()) config.lightning.devnet_dir = config.data_dir / "devnet";
  if (config.store.sqlite_path.empty()) config.store.sqlite_path = config.data_dir / "l402d.sqlite";
}

// Two sockets cannot listen on the same fixed port of the same host.
void check_ports_distinct(ConfigReader& reader, const GatewayConfig& config) {
  std::set<std::pair<std::string, std::uint16_t>> taken;
  const auto claim = [&](const std::string& host, std::uint16_t port, int line,
                         const std::string& what) {
    if (port == 0) return;  // ephemeral: the kernel picks distinct ports
    if (!taken.emplace(host, port).second) {
      YAML::Mark mark = YAML::Mark::null_mark();
      if (line > 0) {
        mark = YAML::Mark();
        mark.line = line - 1;
      }
      reader.error(mark, what + " uses " + host + ":" + std::to_string(port) +
                             ", which another listener already uses");
    }
  };
  for (const ListenerConfig& listener : config.listeners) {
    claim(listener.host, listener.port, listener.line, "a listener");
  }
  if (config.admin.enabled) claim(config.admin.host, config.admin.port, 0, "admin.address");
  if (config.lightning.kind == LightningKind::kDevnet && config.lightning.devnet_serve) {
    claim(config.lightning.devnet_host, config.lightning.devnet_port, 0, "lightning.devnet.listen");
  }
}

// Lines of `text`, 1-based, with the line number passed along.
template <typename Visit>
void for_each_line(const std::string& text, Visit visit) {
  std::size_t start = 0;
  int number = 1;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (!visit(std::string_view(text).substr(start, end - start), number)) return;
    start = end + 1;
    ++number;
  }
}

bool is_document_marker(std::string_view line) {
  return line.rfind("---", 0) == 0 &&
         (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
}

// The first line holding something other than blanks, comments and document markers; 0 when
// there is none.
int first_content_line(const std::string& text) {
  int found = 0;
  for_each_line(text, [&](std::string_view line, int number) {
    const std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#' || is_document_marker(line) ||
        line.rfind("...", 0) == 0 || line.rfind('%', 0) == 0) {
      return true;
    }
    found = number;
    return false;
  });
  return found;
}

// The line of a "---" that starts a second document (one after content), or 0. A "---" at
// the start of a line is always a document marker: block scalars are indented.
int second_document_line(const std::string& text) {
  int found = 0;
  bool content = false;
  bool ended = false;  // a "..." closed the document that had content
  for_each_line(text, [&](std::string_view line, int number) {
    if (is_document_marker(line)) {
      if (content) {
        found = number;
        return false;
      }
      // "--- value" on the marker line is content of the document it starts.
      const std::size_t rest = line.find_first_not_of(" \t\r", 3);
      content = rest != std::string_view::npos && line[rest] != '#';
      return true;
    }
    if (line.rfind("...", 0) == 0) {
      ended = ended || content;
      return true;
    }
    const std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#' || line.rfind('%', 0) == 0) {
      return true;
    }
    if (ended) {
      found = number;
      return false;
    }
    content = true;
    return true;
  });
  return found;
}

void read_document(ConfigReader& reader, const YAML::Node& root, ConfigLoad& load,
                   GatewayConfig& config) {
  if (root.IsNull()) return;  // an empty file: every default
  if (!root.IsMap()) {
    reader.error(root, "the configuration must be a mapping of keys to values");
    return;
  }
  load.aperture_format = config_detail::looks_like_aperture(root);
  if (load.aperture_format) {
    config_detail::read_aperture_config(reader, root, config);
  } else {
    config_detail::read_l402d_config(reader, root, config);
  }
}

ConfigLoad parse_with_base(const std::string& yaml_text, const ConfigEnvironment& env,
                           const std::filesystem::path& base_dir) {
  ConfigLoad load;
  if (yaml_text.size() > kMaxConfigBytes) {
    load.errors.push_back({0, 0, "the configuration is larger than 1 MiB"});
    return load;
  }
  // YAML::Load, not LoadAll: yaml-cpp 0.7's LoadAll loops forever on some invalid input
  // (e.g. a lone ","), adding empty documents until memory runs out.
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& error) {
    // DeepRecursion (nesting beyond yaml-cpp's bound) is a ParserException too.
    load.errors.push_back(diagnostic_at(error.mark, "invalid YAML: " + error.msg));
    return load;
  } catch (const std::exception& error) {
    load.errors.push_back({0, 0, std::string("invalid YAML: ") + error.what()});
    return load;
  }
  if (const int line = second_document_line(yaml_text); line > 0) {
    load.errors.push_back({line, 1, "the file holds more than one YAML document"});
    return load;
  }
  if (root.IsNull() && first_content_line(yaml_text) > 0) {
    // Text that yaml-cpp reads as nothing (e.g. a lone ",") is not an empty configuration.
    load.errors.push_back({first_content_line(yaml_text), 1,
                           "the configuration must be a mapping of keys to values"});
    return load;
  }

  ConfigReader reader(env, base_dir);
  GatewayConfig config;
  try {
    read_document(reader, root, load, config);
  } catch (const YAML::Exception& error) {
    // A shape the readers did not expect; they check types first, so this is a safety net.
    reader.error(error.mark, "invalid configuration: " + error.msg);
  } catch (const std::exception& error) {
    reader.error(YAML::Mark::null_mark(), std::string("invalid configuration: ") + error.what());
  }

  if (config.data_dir.empty()) config.data_dir = env.default_data_dir;
  if (config.data_dir.empty()) {
    reader.error(YAML::Mark::null_mark(),
                 "data_dir is not set and there is no default ($HOME is not set)");
  }
  fill_data_dir_defaults(config);
  check_ports_distinct(reader, config);
  if (config.services.empty() && !reader.has_errors()) {
    reader.warning(root, "no services are configured: every request will be answered 404");
  }

  load.warnings = reader.take_warnings();
  load.errors = reader.take_errors();
  sort_by_position(load.warnings);
  sort_by_position(load.errors);
  if (load.errors.empty()) load.config = std::move(config);
  return load;
}

std::string render(const std::filesystem::path& path, const ConfigDiagnostic& diagnostic,
                   const char* severity) {
  std::string out = path.string();
  if (diagnostic.line > 0) {
    out += ":" + std::to_string(diagnostic.line);
    if (diagnostic.column > 0) out += ":" + std::to_string(diagnostic.column);
  }
  out += ": ";
  out += severity;
  out += ": ";
  out += diagnostic.message;
  out += '\n';
  return out;
}

}  // namespace

ConfigLoad parse_config(const std::string& yaml_text, const ConfigEnvironment& env) {
  std::error_code ec;
  std::filesystem::path cwd = std::filesystem::current_path(ec);
  return parse_with_base(yaml_text, env, ec ? std::filesystem::path() : cwd);
}

ConfigLoad load_config_file(const std::filesystem::path& path, const ConfigEnvironment& env) {
  ConfigLoad load;
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) {
    load.errors.push_back({0, 0, "cannot read the configuration: " + ec.message()});
    return load;
  }
  if (size > kMaxConfigBytes) {
    load.errors.push_back({0, 0, "the configuration is larger than 1 MiB"});
    return load;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    load.errors.push_back(
        {0, 0, std::string("cannot read the configuration: ") + std::strerror(errno)});
    return load;
  }
  std::ostringstream text;
  text << in.rdbuf();
  const std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  return parse_with_base(std::move(text).str(), env,
                         ec ? path.parent_path() : absolute.parent_path());
}

std::string format_diagnostics(const std::filesystem::path& path, const ConfigLoad& load) {
  std::string out;
  for (const ConfigDiagnostic& error : load.errors) out += render(path, error, "error");
  for (const ConfigDiagnostic& warning : load.warnings) out += render(path, warning, "warning");
  return out;
}

}  // namespace l402::gateway
