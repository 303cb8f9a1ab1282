# Test sources of l402_gateway_config, relative to this folder.
set(l402_gateway_config_tests
  aperture_format_test.cpp
  config_loader_test.cpp
  value_parsers_test.cpp
)
