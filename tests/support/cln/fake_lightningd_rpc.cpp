// FakeLightningd's JSON-RPC methods, answering in the shapes of CLN's doc/schemas/*.json.
#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>
#include <string_view>
#include <utility>

#include "cln/fake_lightningd.hpp"
#include "cln/fake_lightningd_internal.hpp"
#include "l402/encoding.hpp"

namespace l402::test {

using fake_lightningd_internal::kDefaultCltv;
using fake_lightningd_internal::kTick;
using nlohmann::json;

namespace {

// Error codes of common/jsonrpc_errors.h the node answers with.
constexpr std::int64_t kInvalidRequest = -32600;
constexpr std::int64_t kMethodNotFound = -32601;
constexpr std::int64_t kInvalidParams = -32602;
constexpr std::int64_t kGenericError = -1;
constexpr std::int64_t kPayDestinationPermFail = 203;
constexpr std::int64_t kPayRouteNotFound = 205;
constexpr std::int64_t kPayRouteTooExpensive = 206;
constexpr std::int64_t kPayInvoiceExpired = 207;
constexpr std::int64_t kPayInsufficientFunds = 215;
constexpr std::int64_t kPayAlreadyPaid = 219;
constexpr std::int64_t kInvoiceLabelExists = 900;
constexpr std::int64_t kInvoicePreimageExists = 901;
constexpr std::int64_t kInvoiceExpiredDuringWait = 903;
constexpr std::int64_t kInvoiceWaitTimedOut = 904;

constexpr std::uint64_t kDefaultInvoiceExpiry = 604'800;  // lightningd's default: one week

std::string hex_of(const Hash256& bytes) { return hex::encode(as_view(bytes)); }

std::string hex_of(const PublicKey& key) {
  return hex::encode(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
}

std::optional<Hash256> hash_from_hex(const json& value) {
  if (!value.is_string()) return std::nullopt;
  Result<std::string> bytes = hex::decode(value.get<std::string>());
  if (!bytes.ok() || bytes->size() != 32) return std::nullopt;
  Hash256 hash{};
  std::copy(bytes->begin(), bytes->end(), hash.begin());
  return hash;
}

std::optional<std::uint64_t> u64_param(const json& value) {
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  if (value.is_number_integer() && value.get<std::int64_t>() >= 0) {
    return static_cast<std::uint64_t>(value.get<std::int64_t>());
  }
  // lightningd also takes numbers as strings ("3600").
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    std::uint64_t out = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (error == std::errc() && end == text.data() + text.size() && !text.empty()) return out;
  }
  return std::nullopt;
}

// An msat input as lightningd accepts it: an integer, "<n>msat" or "<n>sat".
std::optional<Msat> msat_param(const json& value) {
  if (value.is_number_integer()) {
    const std::optional<std::uint64_t> msat = u64_param(value);
    if (!msat) return std::nullopt;
    return Msat(*msat);
  }
  if (!value.is_string()) return std::nullopt;
  std::string_view text = value.get_ref<const std::string&>();
  std::uint64_t multiplier = 1;
  if (text.ends_with("msat")) {
    text.remove_suffix(4);
  } else if (text.ends_with("sat")) {
    text.remove_suffix(3);
    multiplier = 1000;
  } else {
    return std::nullopt;
  }
  std::uint64_t number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  if (number > UINT64_MAX / multiplier) return std::nullopt;
  return Msat(number * multiplier);
}

using ParamNames = std::vector<std::string_view>;

// Named params as an object: positional ones are mapped onto `names` in order, and unknown
// names are refused, as lightningd's param() does.
std::optional<std::string> normalize_params(const json& params, const ParamNames& names,
                                            json& out) {
  out = json::object();
  if (params.is_null()) return std::nullopt;
  if (params.is_array()) {
    if (params.size() > names.size()) return "too many parameters";
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (!params[i].is_null()) out[std::string(names[i])] = params[i];
    }
    return std::nullopt;
  }
  if (!params.is_object()) return "params must be an object or an array";
  for (const auto& [key, value] : params.items()) {
    if (std::find(names.begin(), names.end(), key) == names.end()) {
      return "unknown parameter: '" + key + "'";
    }
    if (!value.is_null()) out[key] = value;
  }
  return std::nullopt;
}

}  // namespace

// ---- Requests ---------------------------------------------------------------------------

FakeLightningd::Reply FakeLightningd::handle(const json& request) {
  if (!request.is_object()) return Reply::error(kInvalidRequest, "Invalid JSON request");
  const auto jsonrpc = request.find("jsonrpc");
  if (jsonrpc == request.end() || *jsonrpc != "2.0") {
    return Reply::error(kInvalidRequest, "jsonrpc: \"2.0\" must be specified in the request");
  }
  if (!request.contains("id")) return Reply::error(kInvalidRequest, "No id");
  const auto method = request.find("method");
  if (method == request.end() || !method->is_string()) {
    return Reply::error(kInvalidRequest, "Expected string for method");
  }
  const std::string name = method->get<std::string>();
  {
    std::lock_guard lock(mutex_);
    const auto error = method_errors_.find(name);
    if (error != method_errors_.end()) {
      return Reply::error(error->second.first, error->second.second);
    }
  }
  return dispatch(name, request.value("params", json()));
}

FakeLightningd::Reply FakeLightningd::dispatch(const std::string& method, const json& params) {
  static const std::map<std::string, ParamNames, std::less<>> kParams = {
      {"getinfo", {}},
      {"invoice",
       {"amount_msat", "label", "description", "expiry", "fallbacks", "preimage",
        "exposeprivatechannels", "cltv", "deschashonly"}},
      {"listinvoices",
       {"label", "invstring", "payment_hash", "offer_id", "index", "start", "limit"}},
      {"waitinvoice", {"label"}},
      {"waitanyinvoice", {"lastpay_index", "timeout"}},
      {"xpay",
       {"invstring", "amount_msat", "maxfee", "layers", "retry_for", "partial_msat", "maxdelay",
        "payer_note", "label", "localinvreqid"}},
      {"pay",
       {"bolt11", "amount_msat", "label", "riskfactor", "maxfeepercent", "retry_for", "maxdelay",
        "exemptfee", "localinvreqid", "exclude", "maxfee", "description", "partial_msat"}},
      {"listpays", {"bolt11", "payment_hash", "status", "index", "start", "limit"}},
  };
  bool xpay_available = true;
  {
    std::lock_guard lock(mutex_);
    xpay_available = options_.xpay_available;
  }
  const auto names = kParams.find(method);
  if (names == kParams.end() || (method == "xpay" && !xpay_available)) {
    return Reply::error(kMethodNotFound, "Unknown command '" + method + "'");
  }
  json named;
  if (std::optional<std::string> problem = normalize_params(params, names->second, named)) {
    return Reply::error(kInvalidParams, *problem);
  }
  if (method == "getinfo") return do_getinfo(named);
  if (method == "invoice") return do_invoice(named);
  if (method == "listinvoices") return do_listinvoices(named);
  if (method == "waitinvoice") return do_waitinvoice(named);
  if (method == "waitanyinvoice") return do_waitanyinvoice(named);
  if (method == "xpay") return do_pay(named, /*xpay=*/true);
  if (method == "pay") return do_pay(named, /*xpay=*/false);
  return do_listpays(named);
}

FakeLightningd::Reply FakeLightningd::do_getinfo(const json&) {
  std::lock_guard lock(mutex_);
  json info = {
      {"id", hex_of(node_id_)},
      {"alias", options_.alias},
      {"color", hex_of(node_id_).substr(2, 6)},
      {"num_peers", 0},
      {"num_pending_channels", 0},
      {"num_active_channels", 0},
      {"num_inactive_channels", 0},
      {"address", json::array()},
      {"binding", json::array({{{"type", "local socket"}, {"socket", options_.socket_path}}})},
      {"version", options_.version},
      {"blockheight", options_.block_height},
      {"network", "regtest"},
      {"fees_collected_msat", msat_json(Msat(0))},
      {"lightning-dir", std::filesystem::path(options_.socket_path).parent_path().string()},
      {"our_features",
       {{"init", "08a0000a8a59a1"},
        {"node", "88a0000a8a59a1"},
        {"channel", ""},
        {"invoice", "02000002024100"}}},
  };
  if (!options_.synced) {
    info["warning_bitcoind_sync"] = "Bitcoind is not up-to-date with network.";
  }
  return Reply::ok(std::move(info));
}

FakeLightningd::Reply FakeLightningd::do_invoice(const json& params) {
  for (const char* required : {"amount_msat", "label", "description"}) {
    if (!params.contains(required)) {
      return Reply::error(kInvalidParams, std::string("missing required parameter: ") + required);
    }
  }
  std::optional<Msat> amount;
  if (params["amount_msat"] != "any") {
    amount = msat_param(params["amount_msat"]);
    if (!amount || *amount == Msat(0)) {
      return Reply::error(kInvalidParams,
                          "amount_msat: should be positive msat or 'any': invalid token " +
                              params["amount_msat"].dump());
    }
  }
  const json& label_param = params["label"];
  if (!label_param.is_string() && !label_param.is_number_integer()) {
    return Reply::error(kInvalidParams, "label: should be a string or number");
  }
  // A number label is its JSON text: 01 and 1 are different labels.
  const std::string label =
      label_param.is_string() ? label_param.get<std::string>() : label_param.dump();
  if (!params["description"].is_string()) {
    return Reply::error(kInvalidParams, "description: should be a string");
  }
  std::uint64_t expiry = kDefaultInvoiceExpiry;
  if (params.contains("expiry")) {
    const std::optional<std::uint64_t> parsed = u64_param(params["expiry"]);
    if (!parsed)
      return Reply::error(kInvalidParams, "expiry: should be an unsigned 64 bit integer");
    expiry = *parsed;
  }
  std::uint32_t cltv = kDefaultCltv;
  if (params.contains("cltv")) {
    const std::optional<std::uint64_t> parsed = u64_param(params["cltv"]);
    if (!parsed || *parsed > UINT32_MAX) {
      return Reply::error(kInvalidParams, "cltv: should be an integer");
    }
    cltv = static_cast<std::uint32_t>(*parsed);
  }
  std::optional<Hash256> preimage;
  if (params.contains("preimage")) {
    preimage = hash_from_hex(params["preimage"]);
    if (!preimage) return Reply::error(kInvalidParams, "preimage: should be 64 hex digits");
  }

  std::lock_guard lock(mutex_);
  for (const auto& invoice : invoices_) {
    if (invoice->label == label) {
      return Reply::error(kInvoiceLabelExists, "Duplicate label '" + label + "'");
    }
    if (preimage && invoice->preimage == *preimage) {
      return Reply::error(kInvoicePreimageExists, "preimage already used");
    }
  }
  Result<IssuedInvoice> issued = create_invoice_locked(
      amount, label, params["description"].get<std::string>(), expiry, preimage, cltv);
  if (!issued.ok()) return Reply::error(kInvalidParams, issued.error().message());
  const Invoice& invoice = *invoices_.back();
  return Reply::ok({{"bolt11", invoice.bolt11},
                    {"payment_hash", hex_of(invoice.payment_hash)},
                    {"payment_secret", hex_of(invoice.payment_secret)},
                    {"expires_at", invoice.expires_at},
                    {"created_index", invoice.created_index}});
}

Result<IssuedInvoice> FakeLightningd::create_invoice_locked(
    std::optional<Msat> amount, const std::string& label, const std::string& description,
    std::uint64_t expiry, std::optional<Hash256> preimage, std::uint32_t cltv) {
  auto invoice = std::make_unique<Invoice>();
  if (preimage) {
    invoice->preimage = *preimage;
  } else {
    L402_RETURN_IF_ERROR(system_random().fill(invoice->preimage));
  }
  L402_RETURN_IF_ERROR(system_random().fill(invoice->payment_secret));
  invoice->payment_hash = sha256(as_view(invoice->preimage));
  invoice->label = label;
  invoice->description = description;
  invoice->amount = amount;
  const std::uint64_t created = now();

  UnsignedInvoice unsigned_invoice;
  unsigned_invoice.network = Network::kRegtest;
  unsigned_invoice.amount = amount;
  unsigned_invoice.timestamp = created;
  // What lightningd writes: var_onion_optin and payment_secret required, basic_mpp optional.
  const std::array<std::uint32_t, 3> features{8, 14, 17};
  unsigned_invoice.fields = {
      bolt11_field::payment_hash(invoice->payment_hash),
      bolt11_field::payment_secret(invoice->payment_secret),
      bolt11_field::description(description),
      bolt11_field::expiry(expiry),
      bolt11_field::min_final_cltv_expiry(cltv),
      bolt11_field::features(features),
  };
  L402_ASSIGN_OR_RETURN(invoice->bolt11, encode_invoice(unsigned_invoice, node_key_));
  invoice->expires_at = created + expiry;
  invoice->created_index = invoices_.size() + 1;
  IssuedInvoice issued{invoice->bolt11, invoice->payment_hash};
  invoices_.push_back(std::move(invoice));
  return issued;
}

FakeLightningd::Reply FakeLightningd::do_listinvoices(const json& params) {
  int selectors = 0;
  for (const char* key : {"label", "invstring", "payment_hash", "offer_id"}) {
    selectors += params.contains(key) ? 1 : 0;
  }
  if (selectors > 1) {
    return Reply::error(kInvalidParams,
                        "Can only specify one of {label}, {invstring}, {payment_hash} or "
                        "{offer_id}");
  }
  std::optional<Hash256> hash;
  if (params.contains("payment_hash")) {
    hash = hash_from_hex(params["payment_hash"]);
    if (!hash) return Reply::error(kInvalidParams, "payment_hash: should be a 32 byte hex value");
  }
  std::lock_guard lock(mutex_);
  json list = json::array();
  for (const auto& invoice : invoices_) {
    if (params.contains("label")) {
      const json& label = params["label"];
      if ((label.is_string() ? label.get<std::string>() : label.dump()) != invoice->label) {
        continue;
      }
    }
    if (params.contains("invstring") && params["invstring"] != invoice->bolt11) continue;
    if (hash && *hash != invoice->payment_hash) continue;
    if (params.contains("offer_id")) continue;  // no bolt12 here
    list.push_back(invoice_json(*invoice));
  }
  return Reply::ok({{"invoices", std::move(list)}});
}

FakeLightningd::Reply FakeLightningd::do_waitinvoice(const json& params) {
  if (!params.contains("label")) {
    return Reply::error(kInvalidParams, "missing required parameter: label");
  }
  const json& label_param = params["label"];
  const std::string label =
      label_param.is_string() ? label_param.get<std::string>() : label_param.dump();
  std::unique_lock lock(mutex_);
  for (;;) {
    const auto it = std::find_if(invoices_.begin(), invoices_.end(),
                                 [&](const auto& invoice) { return invoice->label == label; });
    if (it == invoices_.end()) return Reply::error(kGenericError, "Label not found");
    const std::string status = status_of(**it);
    if (status == "paid") return Reply::ok(invoice_json(**it));
    if (status == "expired") {
      return Reply::error(kInvoiceExpiredDuringWait, "invoice expired during wait");
    }
    if (!serving_) return Reply::nothing();
    // Ticks, so that an expiry caused by advance_clock() is noticed.
    changed_.wait_for(lock, kTick);
  }
}

FakeLightningd::Reply FakeLightningd::do_waitanyinvoice(const json& params) {
  std::uint64_t last = 0;
  if (params.contains("lastpay_index")) {
    const std::optional<std::uint64_t> parsed = u64_param(params["lastpay_index"]);
    if (!parsed) return Reply::error(kInvalidParams, "lastpay_index: should be an integer");
    last = *parsed;
  }
  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (params.contains("timeout")) {
    const std::optional<std::uint64_t> seconds = u64_param(params["timeout"]);
    if (!seconds) return Reply::error(kInvalidParams, "timeout: should be an integer");
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(*seconds);
  }
  std::unique_lock lock(mutex_);
  for (;;) {
    const Invoice* next = nullptr;
    for (const auto& invoice : invoices_) {
      if (invoice->paid && invoice->pay_index > last &&
          (next == nullptr || invoice->pay_index < next->pay_index)) {
        next = invoice.get();
      }
    }
    if (next != nullptr) return Reply::ok(invoice_json(*next));
    if (!serving_) return Reply::nothing();
    if (deadline && std::chrono::steady_clock::now() >= *deadline) {
      return Reply::error(kInvoiceWaitTimedOut, "Timed out");
    }
    if (deadline) {
      changed_.wait_until(lock, *deadline);
    } else {
      changed_.wait(lock);
    }
  }
}

FakeLightningd::Reply FakeLightningd::do_pay(const json& params, bool xpay) {
  const char* invoice_param = xpay ? "invstring" : "bolt11";
  if (!params.contains(invoice_param) || !params[invoice_param].is_string()) {
    return Reply::error(kInvalidParams,
                        std::string("missing required parameter: ") + invoice_param);
  }
  const std::string bolt11 = params[invoice_param].get<std::string>();
  Result<l402::Invoice> decoded = decode_invoice(bolt11);
  if (!decoded.ok()) {
    return Reply::error(kInvalidParams, "Invalid bolt11: " + decoded.error().message());
  }
  if (decoded->network != Network::kRegtest) {
    return Reply::error(kInvalidParams, "Invalid bolt11: wrong network");
  }
  std::optional<Msat> amount_param;
  if (params.contains("amount_msat")) {
    amount_param = msat_param(params["amount_msat"]);
    if (!amount_param)
      return Reply::error(kInvalidParams, "amount_msat: should be a millisatoshi amount");
  }
  if (decoded->amount && amount_param) {
    return Reply::error(kInvalidParams, "amount_msat parameter unnecessary");
  }
  if (!decoded->amount && !amount_param) {
    return Reply::error(kInvalidParams, "amount_msat parameter required");
  }
  const Msat amount = decoded->amount ? *decoded->amount : *amount_param;
  // Both default to 5000 msat or 1% of the amount, whichever is greater.
  Msat max_fee = std::max(Msat(5000), Msat(amount.value() / 100));
  if (params.contains("maxfee")) {
    const std::optional<Msat> parsed = msat_param(params["maxfee"]);
    if (!parsed) return Reply::error(kInvalidParams, "maxfee: should be a millisatoshi amount");
    max_fee = *parsed;
  }
  if (params.contains("retry_for") && !u64_param(params["retry_for"])) {
    return Reply::error(kInvalidParams, "retry_for: should be an integer");
  }

  std::lock_guard lock(mutex_);
  const std::uint64_t time = now();
  if (decoded->payee != node_id_) {
    return Reply::error(kPayRouteNotFound,
                        "Failed: could not find a route to " + hex_of(decoded->payee));
  }
  // A payment of ours that completed before: xpay refuses, pay replays its success.
  const auto earlier = std::find_if(payments_.begin(), payments_.end(), [&](const Payment& p) {
    return p.payment_hash == decoded->payment_hash && p.status == "complete";
  });
  if (earlier != payments_.end()) {
    if (xpay) return Reply::error(kPayAlreadyPaid, "Already paid this invoice successfully");
    return Reply::ok({{"payment_preimage", hex_of(earlier->preimage)},
                      {"destination", hex_of(node_id_)},
                      {"payment_hash", hex_of(earlier->payment_hash)},
                      {"created_at", earlier->created_at},
                      {"parts", 1},
                      {"amount_msat", msat_json(earlier->amount)},
                      {"amount_sent_msat", msat_json(earlier->sent)},
                      {"status", "complete"}});
  }
  if (decoded->is_expired(time)) {
    return Reply::error(kPayInvoiceExpired, "Invoice expired",
                        {{"now", time}, {"expiry", decoded->expires_at()}});
  }
  Invoice* invoice = find_invoice(decoded->payment_hash);
  if (invoice == nullptr || invoice->paid || status_of(*invoice) != "unpaid") {
    // The destination refuses the HTLC: incorrect_or_unknown_payment_details.
    Payment failed;
    failed.payment_hash = decoded->payment_hash;
    failed.bolt11 = bolt11;
    failed.status = "failed";
    failed.amount = amount;
    failed.sent = amount;
    failed.created_at = time;
    failed.created_index = payments_.size() + 1;
    payments_.push_back(failed);
    return Reply::error(kPayDestinationPermFail,
                        "Destination said it doesn't know invoice: "
                        "incorrect_or_unknown_payment_details");
  }
  const std::uint64_t ppm_fee =
      (amount.value() / 1'000'000) * options_.fee_ppm +
      ((amount.value() % 1'000'000) * options_.fee_ppm + 999'999) / 1'000'000;
  const Msat fee(options_.fee_base.value() + ppm_fee);
  if (fee > max_fee) {
    return Reply::error(kPayRouteTooExpensive,
                        "Fee exceeds our fee budget: " + std::to_string(fee.value()) + "msat > " +
                            std::to_string(max_fee.value()) + "msat",
                        {{"fee", msat_json(fee)}, {"delay", kDefaultCltv}});
  }
  const std::optional<Msat> sent = amount.checked_add(fee);
  if (!sent || *sent > options_.balance) {
    return Reply::error(
        kPayInsufficientFunds,
        "Insufficient funds: balance " + std::to_string(options_.balance.value()) + "msat");
  }
  options_.balance = *options_.balance.checked_sub(*sent);
  mark_paid(*invoice, amount);
  Payment payment;
  payment.payment_hash = invoice->payment_hash;
  payment.bolt11 = bolt11;
  payment.status = "complete";
  payment.preimage = invoice->preimage;
  payment.amount = amount;
  payment.sent = *sent;
  payment.created_at = time;
  payment.created_index = payments_.size() + 1;
  payments_.push_back(payment);
  if (xpay) {
    return Reply::ok({{"payment_preimage", hex_of(payment.preimage)},
                      {"failed_parts", 0},
                      {"successful_parts", 1},
                      {"amount_msat", msat_json(amount)},
                      {"amount_sent_msat", msat_json(*sent)}});
  }
  return Reply::ok({{"payment_preimage", hex_of(payment.preimage)},
                    {"destination", hex_of(node_id_)},
                    {"payment_hash", hex_of(payment.payment_hash)},
                    {"created_at", time},
                    {"parts", 1},
                    {"amount_msat", msat_json(amount)},
                    {"amount_sent_msat", msat_json(*sent)},
                    {"status", "complete"}});
}

FakeLightningd::Reply FakeLightningd::do_listpays(const json& params) {
  std::optional<Hash256> hash;
  if (params.contains("payment_hash")) {
    hash = hash_from_hex(params["payment_hash"]);
    if (!hash) return Reply::error(kInvalidParams, "payment_hash: should be a 32 byte hex value");
  }
  std::lock_guard lock(mutex_);
  json pays = json::array();
  for (const Payment& payment : payments_) {
    if (hash && payment.payment_hash != *hash) continue;
    if (params.contains("bolt11") && params["bolt11"] != payment.bolt11) continue;
    if (params.contains("status") && params["status"] != payment.status) continue;
    pays.push_back(payment_json(payment));
  }
  return Reply::ok({{"pays", std::move(pays)}});
}

// ---- Shapes -----------------------------------------------------------------------------

json FakeLightningd::msat_json(Msat amount) const {
  if (options_.legacy_msat_strings) return std::to_string(amount.value()) + "msat";
  return amount.value();
}

json FakeLightningd::invoice_json(const Invoice& invoice) const {
  json out = {{"label", invoice.label},
              {"bolt11", invoice.bolt11},
              {"payment_hash", hex_of(invoice.payment_hash)},
              {"status", status_of(invoice)},
              {"description", invoice.description},
              {"expires_at", invoice.expires_at},
              {"created_index", invoice.created_index}};
  if (invoice.amount) out["amount_msat"] = msat_json(*invoice.amount);
  if (invoice.paid) {
    out["updated_index"] = invoice.updated_index;
    out["pay_index"] = invoice.pay_index;
    out["amount_received_msat"] = msat_json(invoice.received);
    out["paid_at"] = invoice.paid_at;
    out["payment_preimage"] = hex_of(invoice.preimage);
  }
  return out;
}

json FakeLightningd::payment_json(const Payment& payment) const {
  json out = {{"created_index", payment.created_index},
              {"payment_hash", hex_of(payment.payment_hash)},
              {"status", payment.status},
              {"destination", hex_of(node_id_)},
              {"created_at", payment.created_at},
              {"bolt11", payment.bolt11},
              {"amount_sent_msat", msat_json(payment.sent)}};
  if (payment.status == "complete") {
    out["completed_at"] = payment.created_at;
    out["amount_msat"] = msat_json(payment.amount);
    out["preimage"] = hex_of(payment.preimage);
    out["number_of_parts"] = 1;
  }
  return out;
}

}  // namespace l402::test
