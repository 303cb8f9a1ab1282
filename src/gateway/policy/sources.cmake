# Sources of l402_gateway_policy, relative to this folder.
set(l402_gateway_policy_sources
)
