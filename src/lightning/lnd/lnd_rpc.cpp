#include "lnd/lnd_rpc.hpp"

#include <utility>

#include "l402/crypto.hpp"
#include "l402/encoding.hpp"
#include "lnd/lnd_errors.hpp"

namespace l402::lnd {

Result<std::string> unary_call(HttpTransport& transport, std::string_view method,
                               std::string_view path, std::string_view body,
                               std::chrono::milliseconds timeout) {
  L402_ASSIGN_OR_RETURN(HttpResponse response, transport.request(method, path, body, timeout));
  if (response.status == 200) return std::move(response.body);
  return error_from_http(response.status, response.body);
}

Result<std::optional<InvoicePage>> list_invoices(HttpTransport& transport,
                                                 std::uint64_t index_offset,
                                                 std::uint64_t max_invoices,
                                                 std::chrono::milliseconds timeout) {
  const std::string path = "/v1/invoices?index_offset=" + std::to_string(index_offset) +
                           "&num_max_invoices=" + std::to_string(max_invoices);
  L402_ASSIGN_OR_RETURN(HttpResponse response, transport.request("GET", path, "", timeout));
  if (response.status == 404 || response.status == 405 || response.status == 501) {
    return std::optional<InvoicePage>();
  }
  if (response.status != 200) return error_from_http(response.status, response.body);
  L402_ASSIGN_OR_RETURN(InvoicePage page, parse_invoice_page(response.body));
  return std::optional<InvoicePage>(std::move(page));
}

std::string payment_hash_path_segment(const Hash256& hash) {
  std::string text = base64::encode_url(as_view(hash));
  while (text.size() % 4 != 0) text += '=';
  return text;
}

// sha256(preimage) == hash, compared in constant time.
bool preimage_matches(const Hash256& preimage, const Hash256& hash) {
  const Hash256 digest = sha256(as_view(preimage));
  return constant_time_equal(as_view(digest), as_view(hash));
}

}  // namespace l402::lnd
