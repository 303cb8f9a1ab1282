# Sources of l402_gateway_observe, relative to this folder.
set(l402_gateway_observe_sources
  metrics.cpp log.cpp access_log.cpp
)
