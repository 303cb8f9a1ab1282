// The two configuration formats the loader reads into a GatewayConfig: l402d's own
// (docs/configuration.md) and Aperture's (its sample-conf.yaml keys, mapped where l402d has
// the feature and warned about where it does not).
//
// Thread safety: functions of one load.
#pragma once

#include <yaml-cpp/yaml.h>

#include "gateway/config/config.hpp"
#include "gateway/config/config_reader.hpp"

namespace l402::gateway::config_detail {

// More services than this are refused.
inline constexpr std::size_t kMaxServices = 1000;

// Whether `root` is an Aperture configuration: it has Aperture's top-level keys (or services
// written with Aperture's keys) and none of l402d's own.
bool looks_like_aperture(const YAML::Node& root);

// Reads an l402d configuration into `config` (which holds the defaults). `data_dir` is set
// to the file's data_dir when it has one.
void read_l402d_config(ConfigReader& reader, const YAML::Node& root, GatewayConfig& config);

// The `services` list of an l402d configuration.
void read_l402d_services(ConfigReader& reader, const YAML::Node& list,
                         std::vector<ServiceConfig>& services);

// Reads an Aperture configuration into `config`.
void read_aperture_config(ConfigReader& reader, const YAML::Node& root, GatewayConfig& config);

// Checks that hold for both formats once everything is read: unique service names, and the
// settings the chosen backends require.
void check_services_unique(ConfigReader& reader, const YAML::Node& list,
                           const std::vector<ServiceConfig>& services);

// A service name: letters, digits, '-', '_' and '.' (it prefixes caveat conditions).
bool is_service_name(const std::string& name);

}  // namespace l402::gateway::config_detail
