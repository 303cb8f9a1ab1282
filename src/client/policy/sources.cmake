# Sources of l402_client (policy), relative to this folder.
set(l402_client_policy_sources
)
