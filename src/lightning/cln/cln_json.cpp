#include "cln/cln_json.hpp"

#include <algorithm>
#include <charconv>
#include <string>
#include <utility>

#include "cln/json_rpc.hpp"
#include "l402/bolt11.hpp"
#include "l402/encoding.hpp"

namespace l402::cln {
namespace {

using nlohmann::json;

Error malformed(std::string_view what) {
  return Error(ErrorCode::kInternal, "cln: malformed response: " + std::string(what));
}

// The member `name` of `object`, or nullptr when absent or null.
const json* find(const json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<const json*> require(const json& object, std::string_view name) {
  const json* value = find(object, name);
  if (value == nullptr) return malformed("missing " + std::string(name));
  return value;
}

Result<std::string> string_field(const json& object, std::string_view name) {
  L402_ASSIGN_OR_RETURN(const json* value, require(object, name));
  if (!value->is_string()) return malformed(std::string(name) + " is not a string");
  return value->get<std::string>();
}

Result<std::uint64_t> u64_value(const json& value, std::string_view name) {
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  if (value.is_number_integer() && value.get<std::int64_t>() >= 0) {
    return static_cast<std::uint64_t>(value.get<std::int64_t>());
  }
  return malformed(std::string(name) + " is not a non-negative integer");
}

Result<std::uint64_t> u64_field(const json& object, std::string_view name) {
  L402_ASSIGN_OR_RETURN(const json* value, require(object, name));
  return u64_value(*value, name);
}

Result<InvoiceState> invoice_state(std::string_view status) {
  if (status == "unpaid") return InvoiceState::kOpen;
  if (status == "paid") return InvoiceState::kSettled;
  if (status == "expired") return InvoiceState::kExpired;
  return malformed("unknown invoice status '" + std::string(status) + "'");
}

// The payment from a listpays entry whose status is "complete".
Result<Payment> completed_payment(const json& pay, const Hash256& payment_hash) {
  Payment payment;
  payment.payment_hash = payment_hash;
  L402_ASSIGN_OR_RETURN(payment.preimage, parse_hash(pay.value("preimage", json()), "preimage"));
  if (sha256(as_view(payment.preimage)) != payment_hash) {
    return malformed("preimage does not hash to the payment hash");
  }
  L402_ASSIGN_OR_RETURN(const json* sent_field, require(pay, "amount_sent_msat"));
  L402_ASSIGN_OR_RETURN(const Msat sent, parse_msat(*sent_field, "amount_sent_msat"));
  // amount_msat is optional in listpays (unknown for some old payments): then the fee is
  // unknown too, and we report all that was sent as the amount.
  Msat amount = sent;
  if (const json* amount_field = find(pay, "amount_msat")) {
    L402_ASSIGN_OR_RETURN(amount, parse_msat(*amount_field, "amount_msat"));
  }
  const std::optional<Msat> fee = sent.checked_sub(amount);
  if (!fee) return malformed("amount_sent_msat below amount_msat");
  payment.amount = amount;
  payment.fee = *fee;
  return payment;
}

}  // namespace

Result<Hash256> parse_hash(const json& value, std::string_view field) {
  if (!value.is_string()) return malformed(std::string(field) + " is not a hex string");
  const std::string& text = value.get_ref<const std::string&>();
  Result<std::string> bytes = hex::decode(text);
  if (!bytes.ok() || bytes->size() != 32) {
    return malformed(std::string(field) + " is not 32 bytes of hex");
  }
  Hash256 hash{};
  std::copy(bytes->begin(), bytes->end(), hash.begin());
  return hash;
}

Result<Msat> parse_msat(const json& value, std::string_view field) {
  if (value.is_number_integer()) {
    L402_ASSIGN_OR_RETURN(const std::uint64_t msat, u64_value(value, field));
    return Msat(msat);
  }
  if (value.is_string()) {
    // Before about v23, lightningd printed msat fields as strings: "100000msat".
    std::string_view text = value.get_ref<const std::string&>();
    constexpr std::string_view kSuffix = "msat";
    if (text.size() > kSuffix.size() && text.substr(text.size() - kSuffix.size()) == kSuffix) {
      text.remove_suffix(kSuffix.size());
      std::uint64_t msat = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), msat);
      if (error == std::errc() && end == text.data() + text.size()) return Msat(msat);
    }
  }
  return malformed(std::string(field) + " is not an msat amount");
}

std::optional<Network> network_from_name(std::string_view name) {
  if (name == "bitcoin") return Network::kBitcoin;
  // testnet4 invoices use testnet's "tb" prefix.
  if (name == "testnet" || name == "testnet4") return Network::kTestnet;
  if (name == "signet") return Network::kSignet;
  if (name == "regtest") return Network::kRegtest;
  return std::nullopt;
}

Result<NodeInfo> parse_getinfo(const json& result) {
  NodeInfo info;
  info.implementation = "cln";
  L402_ASSIGN_OR_RETURN(const std::string id, string_field(result, "id"));
  Result<std::string> id_bytes = hex::decode(id);
  if (!id_bytes.ok() || id_bytes->size() != info.node_id.size()) {
    return malformed("id is not a 33-byte public key");
  }
  std::copy(id_bytes->begin(), id_bytes->end(), info.node_id.begin());
  L402_ASSIGN_OR_RETURN(info.alias, string_field(result, "alias"));
  L402_ASSIGN_OR_RETURN(info.version, string_field(result, "version"));
  L402_ASSIGN_OR_RETURN(const std::uint64_t height, u64_field(result, "blockheight"));
  if (height > UINT32_MAX) return malformed("blockheight out of range");
  info.block_height = static_cast<std::uint32_t>(height);
  L402_ASSIGN_OR_RETURN(const std::string network, string_field(result, "network"));
  const std::optional<Network> parsed = network_from_name(network);
  if (!parsed) return malformed("unsupported network '" + network + "'");
  info.network = *parsed;
  // lightningd adds these warnings while it or bitcoind is still catching up with the chain.
  info.synced_to_chain = find(result, "warning_bitcoind_sync") == nullptr &&
                         find(result, "warning_lightningd_sync") == nullptr;
  return info;
}

Result<InvoiceStatus> parse_invoice(const json& invoice) {
  if (!invoice.is_object()) return malformed("invoice is not an object");
  InvoiceStatus status;
  L402_ASSIGN_OR_RETURN(const json* hash, require(invoice, "payment_hash"));
  L402_ASSIGN_OR_RETURN(status.payment_hash, parse_hash(*hash, "payment_hash"));
  L402_ASSIGN_OR_RETURN(const std::string state, string_field(invoice, "status"));
  L402_ASSIGN_OR_RETURN(status.state, invoice_state(state));
  if (const json* bolt11 = find(invoice, "bolt11")) {
    if (!bolt11->is_string()) return malformed("bolt11 is not a string");
    status.bolt11 = bolt11->get<std::string>();
    // CLN's invoice objects have no creation time; the invoice's own timestamp is it. An
    // undecodable bolt11 leaves it 0 rather than hiding the invoice's state.
    if (Result<Invoice> decoded = decode_invoice(status.bolt11); decoded.ok()) {
      status.created_at = decoded->timestamp;
    }
  }
  if (const json* amount = find(invoice, "amount_msat")) {  // absent: an "any" invoice
    L402_ASSIGN_OR_RETURN(status.amount, parse_msat(*amount, "amount_msat"));
  }
  if (status.state == InvoiceState::kSettled) {
    L402_ASSIGN_OR_RETURN(const json* received, require(invoice, "amount_received_msat"));
    L402_ASSIGN_OR_RETURN(status.amount_paid, parse_msat(*received, "amount_received_msat"));
    L402_ASSIGN_OR_RETURN(status.settled_at, u64_field(invoice, "paid_at"));
    L402_ASSIGN_OR_RETURN(status.settle_index, u64_field(invoice, "pay_index"));
    if (status.settle_index == 0) return malformed("pay_index is 0");
  }
  return status;
}

Result<InvoiceStatus> parse_listinvoices(const json& result, const Hash256& payment_hash) {
  L402_ASSIGN_OR_RETURN(const json* invoices, require(result, "invoices"));
  if (!invoices->is_array()) return malformed("invoices is not an array");
  for (const json& entry : *invoices) {
    L402_ASSIGN_OR_RETURN(InvoiceStatus status, parse_invoice(entry));
    if (status.payment_hash == payment_hash) return status;
  }
  return Error(ErrorCode::kNotFound,
               "cln: no invoice with payment hash " + hex::encode(as_view(payment_hash)));
}

Result<PayResult> parse_pay_result(const json& result) {
  PayResult out;
  L402_ASSIGN_OR_RETURN(const json* preimage, require(result, "payment_preimage"));
  L402_ASSIGN_OR_RETURN(out.preimage, parse_hash(*preimage, "payment_preimage"));
  L402_ASSIGN_OR_RETURN(const json* amount, require(result, "amount_msat"));
  L402_ASSIGN_OR_RETURN(out.amount, parse_msat(*amount, "amount_msat"));
  L402_ASSIGN_OR_RETURN(const json* sent, require(result, "amount_sent_msat"));
  L402_ASSIGN_OR_RETURN(out.amount_sent, parse_msat(*sent, "amount_sent_msat"));
  if (out.amount_sent < out.amount) return malformed("amount_sent_msat below amount_msat");
  if (find(result, "status") != nullptr) {
    L402_ASSIGN_OR_RETURN(out.status, string_field(result, "status"));
  }
  return out;
}

Result<PaymentStatus> parse_listpays(const json& result, const Hash256& payment_hash) {
  L402_ASSIGN_OR_RETURN(const json* pays, require(result, "pays"));
  if (!pays->is_array()) return malformed("pays is not an array");
  bool pending = false;
  bool failed = false;
  for (const json& pay : *pays) {
    L402_ASSIGN_OR_RETURN(const json* hash_field, require(pay, "payment_hash"));
    L402_ASSIGN_OR_RETURN(const Hash256 hash, parse_hash(*hash_field, "payment_hash"));
    if (hash != payment_hash) continue;
    L402_ASSIGN_OR_RETURN(const std::string status, string_field(pay, "status"));
    if (status == "complete") {
      L402_ASSIGN_OR_RETURN(Payment payment, completed_payment(pay, payment_hash));
      PaymentStatus out;
      out.state = PaymentState::kSucceeded;
      out.payment = payment;
      return out;
    }
    if (status == "pending") {
      pending = true;
    } else if (status == "failed") {
      failed = true;
    } else {
      return malformed("unknown payment status '" + status + "'");
    }
  }
  PaymentStatus out;
  if (pending) {
    out.state = PaymentState::kInFlight;
  } else if (failed) {
    out.state = PaymentState::kFailed;
    // listpays keeps no reason for a failure; kRejected is the "any other refusal" bucket.
    out.failure = PayFailure::kRejected;
  }
  return out;
}

PayFailure pay_failure_from_code(std::int64_t code) {
  switch (code) {
    case rpc_code::kPayInProgress:
    case rpc_code::kPayRhashAlreadyUsed:
    case rpc_code::kPayAlreadyPaid:
      return PayFailure::kAlreadyPaid;
    case rpc_code::kPayRouteNotFound:
    case rpc_code::kPayRouteTooExpensive:
    case rpc_code::kPayStoppedRetrying:
    case rpc_code::kPayUnreachable:
    case rpc_code::kPayDestinationInsufficientCapacity:
      return PayFailure::kNoRoute;
    case rpc_code::kPayInvoiceExpired:
      return PayFailure::kInvoiceExpired;
    case rpc_code::kPayInsufficientFunds:
      return PayFailure::kInsufficientBalance;
    case rpc_code::kInvalidParams:
      return PayFailure::kInvalidInvoice;
    case rpc_code::kShuttingDown:
    case rpc_code::kPluginTerminated:
      return PayFailure::kUnavailable;
    default:
      return PayFailure::kRejected;  // 203, 204, 209, -1 and any other refusal
  }
}

}  // namespace l402::cln
