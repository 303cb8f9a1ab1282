// Core Lightning's results, read into our types. Pure functions over nlohmann::json; every
// shape follows CLN's schemas (doc/schemas/*.json): getinfo, invoice, listinvoices,
// waitanyinvoice, xpay, pay, listpays.
//
// Any missing or ill-typed field is kInternal "cln: malformed response: <what>". msat
// fields are read both as JSON integers (current CLN) and as "<n>msat" strings (releases
// before about v23).
//
// Thread safety: stateless.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "l402/amount.hpp"
#include "l402/crypto.hpp"
#include "l402/lightning.hpp"
#include "l402/result.hpp"

namespace l402::cln {

// An msat value: a non-negative integer, or a string "<digits>msat". `field` names it in
// errors.
Result<Msat> parse_msat(const nlohmann::json& value, std::string_view field);

// The `id`, `alias`, `version`, `blockheight` and `network` of getinfo; synced unless a
// warning_bitcoind_sync or warning_lightningd_sync is present.
Result<NodeInfo> parse_getinfo(const nlohmann::json& result);

// One invoice as listinvoices lists it (and as waitanyinvoice returns it). created_at comes
// from the bolt11 timestamp: CLN's invoice objects carry no creation time.
Result<InvoiceStatus> parse_invoice(const nlohmann::json& invoice);

// The `invoices` of a listinvoices result that match `payment_hash`: kNotFound when none.
Result<InvoiceStatus> parse_listinvoices(const nlohmann::json& result, const Hash256& payment_hash);

// What xpay and pay return on success.
struct PayResult {
  Hash256 preimage{};
  Msat amount;       // delivered to the payee
  Msat amount_sent;  // including fees
  // pay's `status`: "complete", or "pending" for a payment still in flight. xpay has no
  // status and returns only when complete.
  std::string status = "complete";
};
Result<PayResult> parse_pay_result(const nlohmann::json& result);

// listpays {payment_hash}: kSucceeded when any attempt completed (its preimage checked
// against `payment_hash`), else kInFlight when one is pending, else kFailed when all failed,
// else kUnknown.
Result<PaymentStatus> parse_listpays(const nlohmann::json& result, const Hash256& payment_hash);

// The PayFailure for an RPC error code of xpay or pay (common/jsonrpc_errors.h).
PayFailure pay_failure_from_code(std::int64_t code);

// Network names of getinfo ("bitcoin", "testnet", "testnet4", "signet", "regtest").
std::optional<Network> network_from_name(std::string_view name);

// 32 bytes from 64 hex digits; `field` names it in errors.
Result<Hash256> parse_hash(const nlohmann::json& value, std::string_view field);

}  // namespace l402::cln
