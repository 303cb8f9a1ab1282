#include "invoice_builder.hpp"

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "l402/bolt11.hpp"
#include "l402/encoding.hpp"

namespace l402::devnet {

namespace {

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

// What LND writes for an ordinary invoice (feature/default_sets.go): var_onion_optin and
// payment_secret required, basic_mpp optional.
constexpr std::array<std::uint32_t, 3> kInvoiceFeatures{8, 14, 17};

}  // namespace

Result<void> check_invoice_request(const DevnetInvoiceRequest& request,
                                   const InvoiceLimits& limits) {
  if (request.amount.has_value()) {
    // LND reads 0 as "any amount"; here nullopt says that, so an explicit 0 is a caller's
    // mistake rather than a wish.
    if (request.amount->value() == 0) {
      return invalid("amount of 0: omit the amount for an any-amount invoice");
    }
    if (request.amount->value() > kMaxStoredMsat) {
      return invalid("amount of " + std::to_string(request.amount->value()) + " msat is too large");
    }
  }
  if (request.memo.size() > limits.max_memo_bytes) {
    return invalid("memo too large: " + std::to_string(request.memo.size()) +
                   " bytes (maxsize=" + std::to_string(limits.max_memo_bytes) + ")");
  }
  if (!request.description_hash.has_value() && request.memo.size() > kMaxDescriptionBytes) {
    return invalid("memo of " + std::to_string(request.memo.size()) +
                   " bytes does not fit in an invoice's description (" +
                   std::to_string(kMaxDescriptionBytes) +
                   " bytes at most); give a description "
                   "hash instead");
  }
  if (!utf8::is_valid(request.memo)) return invalid("memo is not valid UTF-8");
  if (request.expiry_seconds == 0)
    return invalid(
        "expiry of 0 seconds: the invoice would be "
        "expired when created");
  if (request.expiry_seconds > limits.max_expiry_seconds) {
    return invalid("expiry of " + std::to_string(request.expiry_seconds) +
                   " seconds is greater than max " + std::to_string(limits.max_expiry_seconds));
  }
  if (request.cltv_expiry > kMaxCltvExpiry) {
    return invalid("CLTV delta of " + std::to_string(request.cltv_expiry) +
                   " is too high, max accepted is " + std::to_string(kMaxCltvExpiry));
  }
  return ok_result();
}

Result<DevnetInvoice> build_invoice(const DevnetInvoiceRequest& request, std::uint64_t now,
                                    const SecretBytes& node_key, RandomSource& random) {
  DevnetInvoice invoice;
  invoice.account = request.account;
  invoice.memo = request.memo;
  invoice.description_hash = request.description_hash;
  invoice.expiry_seconds = request.expiry_seconds;
  invoice.cltv_expiry = request.cltv_expiry == 0 ? kDefaultCltvExpiry : request.cltv_expiry;
  if (request.preimage.has_value()) {
    invoice.preimage = *request.preimage;
  } else {
    L402_RETURN_IF_ERROR(random.fill(invoice.preimage));
  }
  L402_RETURN_IF_ERROR(random.fill(invoice.payment_addr));

  InvoiceStatus& status = invoice.status;
  status.payment_hash = sha256(as_view(invoice.preimage));
  status.state = InvoiceState::kOpen;
  status.amount = request.amount;
  status.created_at = now;

  UnsignedInvoice unsigned_invoice;
  unsigned_invoice.network = Network::kRegtest;
  unsigned_invoice.amount = request.amount;
  unsigned_invoice.timestamp = now;
  std::vector<TaggedField>& fields = unsigned_invoice.fields;
  fields.reserve(6);
  fields.push_back(bolt11_field::payment_hash(status.payment_hash));
  fields.push_back(request.description_hash.has_value()
                       ? bolt11_field::description_hash(*request.description_hash)
                       : bolt11_field::description(request.memo));
  fields.push_back(bolt11_field::min_final_cltv_expiry(invoice.cltv_expiry));
  fields.push_back(bolt11_field::expiry(invoice.expiry_seconds));
  fields.push_back(bolt11_field::payment_secret(invoice.payment_addr));
  fields.push_back(bolt11_field::features(kInvoiceFeatures));
  L402_ASSIGN_OR_RETURN(status.bolt11, encode_invoice(unsigned_invoice, node_key));
  return invoice;
}

}  // namespace l402::devnet
