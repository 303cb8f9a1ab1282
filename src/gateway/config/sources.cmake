# Sources of l402_gateway_config, relative to this folder.
set(l402_gateway_config_sources
)
