// Unary calls to LND in one place: status and error body to Result, and the paging of
// ListInvoices. Private to src/lightning/.
//
// Thread safety: as HttpTransport (any thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "l402/result.hpp"
#include "lnd/http_transport.hpp"
#include "lnd/lnd_json.hpp"

namespace l402::lnd {

// The body of a 200 answer. Errors: the transport's, and LND's refusal (error_from_http).
Result<std::string> unary_call(HttpTransport& transport, std::string_view method,
                               std::string_view path, std::string_view body,
                               std::chrono::milliseconds timeout);

// GET /v1/invoices: up to `max_invoices` invoices with add_index > `index_offset`, oldest
// first; nullopt when the server does not offer ListInvoices (HTTP 404, 405 or 501).
Result<std::optional<InvoicePage>> list_invoices(HttpTransport& transport,
                                                 std::uint64_t index_offset,
                                                 std::uint64_t max_invoices,
                                                 std::chrono::milliseconds timeout);

// A payment hash as URL path segment: base64url with '=' padding (grpc-gateway decodes
// `bytes` path parameters with Go's padded decoders).
std::string payment_hash_path_segment(const Hash256& hash);

// sha256(preimage) == hash, compared in constant time: what every payment result must show.
bool preimage_matches(const Hash256& preimage, const Hash256& hash);

}  // namespace l402::lnd
