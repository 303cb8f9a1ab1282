// open_lnd_backend(), and the Backend calls other than paying.
#include "lnd/lnd_backend.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

#include "l402/encoding.hpp"
#include "lnd/lnd_errors.hpp"
#include "lnd/lnd_rpc.hpp"
#include "lnd/lnd_subscription.hpp"

namespace l402 {
namespace lnd {
namespace {

// LND's files are small (a macaroon is a few hundred bytes, tls.cert under 1 KiB); anything
// bigger is the wrong file.
constexpr std::uintmax_t kMaxCredentialFileBytes = 64 * 1024;
// BOLT 11: a `d` field holds at most 639 bytes.
constexpr std::size_t kMaxMemoBytes = 639;
// How long lookup_payment waits for TrackPaymentV2's first message. LND answers at once for
// a finished or unknown payment and stays silent for one in flight (no_inflight_updates).
constexpr std::chrono::milliseconds kTrackAnswerWait{2'000};

// Reads a whole file of at most kMaxCredentialFileBytes. Errors name the file and what is
// wrong with it, never its contents.
Result<std::string> read_credential_file(const std::string& path, std::string_view what) {
  const std::string name = "lnd: " + std::string(what) + " \"" + path + "\"";
  if (path.empty()) return Error(ErrorCode::kInvalidArgument, "lnd: no " + std::string(what));
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    return Error(ErrorCode::kNotFound, name + " does not exist");
  }
  if (!std::filesystem::is_regular_file(status)) {
    return Error(ErrorCode::kInvalidArgument, name + " is not a regular file");
  }
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return Error(ErrorCode::kInvalidArgument, name + " cannot be read");
  if (size == 0) return Error(ErrorCode::kInvalidArgument, name + " is empty");
  if (size > kMaxCredentialFileBytes) {
    return Error(ErrorCode::kInvalidArgument, name + " is larger than 64 KiB");
  }
  std::ifstream in(path, std::ios::binary);
  std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return Error(ErrorCode::kInvalidArgument, name + " cannot be read");
  if (contents.empty()) return Error(ErrorCode::kInvalidArgument, name + " is empty");
  return contents;
}

Result<std::string> base_url_of(const LndOptions& options, bool* tls) {
  std::string url = options.url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.rfind("https://", 0) == 0 && url.size() > 8) {
    *tls = true;
    return url;
  }
  if (url.rfind("http://", 0) == 0 && url.size() > 7) {
    if (!options.allow_plain_http) {
      return Error(ErrorCode::kInvalidArgument,
                   "lnd: url \"" + url + "\" is plain http; set allow_plain_http to allow it");
    }
    *tls = false;
    return url;
  }
  return Error(ErrorCode::kInvalidArgument,
               "lnd: url \"" + url + "\" must start with https:// (or http://)");
}

}  // namespace

// ---- Info and invoices ----------------------------------------------------------------

Result<NodeInfo> LndBackend::get_info() {
  L402_ASSIGN_OR_RETURN(const std::string body,
                        unary_call(*transport_, "GET", "/v1/getinfo", "", options_.call_timeout));
  L402_ASSIGN_OR_RETURN(NodeInfo info, parse_get_info(body));
  if (auto version = parse_version(info.version); version.ok()) {
    const std::lock_guard<std::mutex> lock(version_mutex_);
    if (!version_) version_ = *version;
  }
  return info;
}

Result<IssuedInvoice> LndBackend::create_invoice(const InvoiceRequest& request) {
  if (request.amount.value() == 0) {
    return Error(ErrorCode::kInvalidArgument, "lnd: invoice amount must not be zero");
  }
  if (request.expiry_seconds == 0) {
    return Error(ErrorCode::kInvalidArgument, "lnd: invoice expiry must not be zero");
  }
  if (request.memo.size() > kMaxMemoBytes) {
    return Error(ErrorCode::kInvalidArgument, "lnd: memo longer than 639 bytes");
  }
  if (!utf8::is_valid(request.memo)) {
    return Error(ErrorCode::kInvalidArgument, "lnd: memo is not valid UTF-8");
  }
  L402_ASSIGN_OR_RETURN(const std::string body,
                        unary_call(*transport_, "POST", "/v1/invoices",
                                   build_add_invoice_body(request), options_.call_timeout));
  L402_ASSIGN_OR_RETURN(AddInvoiceResponse added, parse_add_invoice_response(body));
  // The macaroon the gateway mints commits to r_hash; the payer pays the invoice's `p`.
  // They must be the same hash.
  auto decoded = decode_invoice(added.payment_request);
  if (!decoded.ok()) {
    return Error(ErrorCode::kInternal,
                 "lnd: returned an invoice we cannot decode: " + decoded.error().message());
  }
  if (decoded->payment_hash != added.payment_hash) {
    return Error(ErrorCode::kInternal,
                 "lnd: r_hash differs from the payment hash of the returned invoice");
  }
  return IssuedInvoice{std::move(added.payment_request), added.payment_hash};
}

Result<InvoiceStatus> LndBackend::lookup_invoice(const Hash256& payment_hash) {
  const std::string path = "/v1/invoice/" + hex::encode(as_view(payment_hash));
  L402_ASSIGN_OR_RETURN(const std::string body,
                        unary_call(*transport_, "GET", path, "", options_.call_timeout));
  L402_ASSIGN_OR_RETURN(LndInvoice invoice, parse_invoice(body));
  if (invoice.status.payment_hash != payment_hash) {
    return Error(ErrorCode::kInternal, "lnd: looked up one invoice, got another");
  }
  return std::move(invoice.status);
}

Result<std::unique_ptr<SettlementSubscription>> LndBackend::subscribe_settlements(
    std::uint64_t after_settle_index, SettlementHandler handler) {
  SubscriptionOptions options;
  options.call_timeout = options_.call_timeout;
  options.reconnect_delay = options_.reconnect_delay;
  return LndSubscription::start(transport_, options, after_settle_index, std::move(handler));
}

// ---- Looking up a payment ------------------------------------------------------------

Result<PaymentStatus> LndBackend::lookup_payment(const Hash256& payment_hash) {
  const std::string path =
      "/v2/router/track/" + payment_hash_path_segment(payment_hash) + "?no_inflight_updates=true";
  L402_ASSIGN_OR_RETURN(std::unique_ptr<HttpStream> stream,
                        transport_->open_stream("GET", path, ""));
  const Clock::time_point deadline =
      Clock::now() + std::min(options_.call_timeout, kTrackAnswerWait);
  L402_ASSIGN_OR_RETURN(const long status,
                        stream->wait_for_status(deadline, /*accept_no_answer=*/true));
  // Silence from a node that took the request: the payment is in flight.
  if (status == 0) return PaymentStatus{PaymentState::kInFlight, std::nullopt, std::nullopt};
  const auto unknown_or_error = [](const LndError& error) -> Result<PaymentStatus> {
    // "payment isn't initiated": this node never tried to pay the hash.
    if (error.code == 5 || error.message.find("isn't initiated") != std::string::npos) {
      return PaymentStatus{};
    }
    return error_from_lnd(error);
  };
  if (status != 200) {
    L402_ASSIGN_OR_RETURN(const std::string body, stream->read_error_body(deadline));
    if (const std::optional<LndError> error = parse_error_body(body)) {
      return unknown_or_error(*error);
    }
    if (status == 404) return PaymentStatus{};
    return error_from_http(status, body);
  }
  while (true) {
    auto line = stream->next_line(deadline);
    if (!line.ok()) {
      if (line.error().code() == ErrorCode::kDeadlineExceeded) {
        return PaymentStatus{PaymentState::kInFlight, std::nullopt, std::nullopt};
      }
      return std::move(line).error();
    }
    if (!line->has_value()) {
      return Error(ErrorCode::kUnavailable, "lnd: payment tracking ended without a status");
    }
    L402_ASSIGN_OR_RETURN(auto item, parse_payment_stream_line(**line));
    if (const auto* error = std::get_if<LndError>(&item)) return unknown_or_error(*error);
    const LndPayment& payment = std::get<LndPayment>(item);
    if (payment.payment_hash != payment_hash) {
      return Error(ErrorCode::kInternal, "lnd: tracked one payment, got another");
    }
    switch (payment.status) {
      case LndPaymentStatus::kSucceeded:
        if (!preimage_matches(payment.preimage, payment_hash)) {
          return Error(ErrorCode::kInternal, "lnd: payment preimage does not match its hash");
        }
        return PaymentStatus{PaymentState::kSucceeded,
                             Payment{payment_hash, payment.preimage, payment.value, payment.fee},
                             std::nullopt};
      case LndPaymentStatus::kFailed:
        return PaymentStatus{PaymentState::kFailed, std::nullopt,
                             pay_failure_from_reason(payment.failure_reason)};
      case LndPaymentStatus::kInFlight:
      case LndPaymentStatus::kInitiated:
        return PaymentStatus{PaymentState::kInFlight, std::nullopt, std::nullopt};
      case LndPaymentStatus::kUnknown:
        break;  // deprecated placeholder; wait for more
    }
  }
}

}  // namespace lnd

Result<std::unique_ptr<Backend>> open_lnd_backend(const LndOptions& options) {
  bool tls = true;
  L402_ASSIGN_OR_RETURN(std::string base_url, lnd::base_url_of(options, &tls));
  if (tls) {
    L402_ASSIGN_OR_RETURN(const std::string cert,
                          lnd::read_credential_file(options.tls_cert_path, "tls certificate"));
    if (cert.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      return Error(ErrorCode::kInvalidArgument, "lnd: tls certificate \"" + options.tls_cert_path +
                                                    "\" is not a PEM certificate");
    }
  }
  L402_ASSIGN_OR_RETURN(std::string macaroon,
                        lnd::read_credential_file(options.macaroon_path, "macaroon"));
  lnd::TransportOptions transport_options;
  transport_options.base_url = std::move(base_url);
  if (tls) transport_options.ca_file = options.tls_cert_path;
  transport_options.macaroon_hex = hex::encode(macaroon);
  transport_options.connect_timeout = options.connect_timeout;
  transport_options.max_idle_connections = options.max_idle_connections;
  L402_ASSIGN_OR_RETURN(std::unique_ptr<lnd::HttpTransport> transport,
                        lnd::HttpTransport::create(std::move(transport_options)));
  return std::unique_ptr<Backend>(std::make_unique<lnd::LndBackend>(
      options, std::shared_ptr<lnd::HttpTransport>(std::move(transport))));
}

}  // namespace l402
