# Sources of l402_client (session), relative to this folder.
set(l402_client_session_sources
)
