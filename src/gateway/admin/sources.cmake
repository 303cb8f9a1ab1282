# Sources of l402_gateway_admin, relative to this folder.
set(l402_gateway_admin_sources
  admin_api.cpp admin_client.cpp admin_credential.cpp admin_server.cpp admin_target.cpp
  admin_views.cpp
)
