# Sources of l402_gateway_config, relative to this folder.
set(l402_gateway_config_sources
  aperture_format.cpp
  config_defaults.cpp
  config_loader.cpp
  config_reader.cpp
  l402d_format.cpp
  l402d_services.cpp
  value_parsers.cpp
)
