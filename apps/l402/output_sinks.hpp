// Where `l402 get/request` puts a response: the body's destination, optionally preceded by
// the response head (-i), or nowhere (--json without -o).
#pragma once

#include <memory>

#include "l402/client.hpp"

namespace l402::cli {

// Drops the body (counting is PerformResult::body_bytes' job).
std::unique_ptr<BodySink> make_discard_sink();

// Writes the head ("HTTP/1.1 200 OK", the fields, an empty line; CRLF endings, as curl -i)
// to `inner` before the body.
std::unique_ptr<BodySink> make_head_sink(std::unique_ptr<BodySink> inner);

}  // namespace l402::cli
