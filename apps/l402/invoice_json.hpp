// The JSON description of a decoded BOLT 11 invoice, shared by `l402 invoice decode` and
// `l402 token inspect` (keys and meanings in docs/cli.md).
#pragma once

#include <nlohmann/json.hpp>

#include "l402/bolt11.hpp"

namespace l402::cli {

// Every key always present, in the documented order. A description that is not UTF-8 is
// kept as bytes: dump with nlohmann::ordered_json::error_handler_t::replace.
nlohmann::ordered_json invoice_json(const Invoice& invoice);

}  // namespace l402::cli
