# Sources of l402_client (http), relative to this folder.
set(l402_client_http_sources
)
