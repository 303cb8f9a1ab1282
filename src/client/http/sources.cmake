# Sources of l402_client (http), relative to this folder.
set(l402_client_http_sources
  body_source.cpp
  head_parser.cpp
  header_text.cpp
  hop_plan.cpp
  request_body.cpp
  response_head.cpp
  sinks.cpp
  transfer_error.cpp
  transport.cpp
  url.cpp
)
