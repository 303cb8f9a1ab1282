// Shared by the transport tests: the simplest way to receive a response body.
#pragma once

#include "client/http/transport.hpp"

namespace l402::client_test {

// A chooser that sends every response body to `sink`.
inline client::ChooseSink always(BodySink& sink) {
  return [&sink](const ResponseHead&) -> Result<BodySink*> { return &sink; };
}

}  // namespace l402::client_test
