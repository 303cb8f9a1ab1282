#Sources of l402_grpc_client, relative to this folder.
set(l402_client_grpc_sources hijacked_call.cpp paying_interceptor.cpp payment_desk.cpp)
