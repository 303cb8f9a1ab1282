#include "client/jar/records.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include "l402/encoding.hpp"

namespace l402::client_jar {

namespace {

Error invalid(std::string_view field, std::string_view what) {
  return Error(ErrorCode::kInvalidArgument, std::string(field) + ": " + std::string(what));
}

// Text as people and headers see it: bounded, UTF-8, no control characters.
Result<void> check_text(std::string_view field, std::string_view value, std::size_t max_size,
                        bool allow_empty) {
  if (value.size() > max_size) {
    return Error(ErrorCode::kLimitExceeded,
                 std::string(field) + ": longer than " + std::to_string(max_size) + " bytes");
  }
  if (!allow_empty && value.empty()) return invalid(field, "empty");
  if (!utf8::is_valid(value)) return invalid(field, "not valid UTF-8");
  const bool has_control = std::any_of(value.begin(), value.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
  if (has_control) return invalid(field, "holds a control character");
  return ok_result();
}

Result<void> check_origin(std::string_view origin, const ClientStoreLimits& limits) {
  L402_RETURN_IF_ERROR(check_text("origin", origin, limits.max_origin_size, false));
  const Result<std::string> canonical = canonical_origin(origin);
  if (!canonical.ok() || *canonical != origin) {
    return invalid("origin", "\"" + std::string(origin) +
                                 "\" is not a canonical origin (scheme://host:port, lower case)");
  }
  return ok_result();
}

Result<void> check_amount(std::string_view field, Msat amount) {
  if (amount.value() > kMaxStoredMsat) return invalid(field, "above INT64_MAX msat");
  return ok_result();
}

Result<void> check_macaroon(std::string_view macaroon, const ClientStoreLimits& limits) {
  L402_RETURN_IF_ERROR(check_text("macaroon", macaroon, limits.max_macaroon_size, false));
  if (!base64::decode(macaroon).ok()) return invalid("macaroon", "not base64");
  return ok_result();
}

std::span<const std::uint8_t> bytes_of(const Hash256& hash) { return hash; }

// ---- Reading ---------------------------------------------------------------------------

// Collects column problems of one row; the first one is reported.
class RowReader {
 public:
  RowReader(const Statement& row, const Connection& connection, std::string_view table)
      : row_(row), connection_(connection), table_(table) {}

  std::string text(int column, std::string_view name, std::size_t max_size) {
    if (row_.column_type(column) != SQLITE_TEXT) {
      fail(name, "is not text");
      return {};
    }
    std::string value = row_.column_text(column);
    if (value.size() > max_size) fail(name, "is longer than " + std::to_string(max_size));
    return value;
  }

  Hash256 hash(int column, std::string_view name) {
    Hash256 out{};
    const std::string_view blob = row_.column_blob(column);
    if (row_.column_type(column) != SQLITE_BLOB || blob.size() != out.size()) {
      fail(name, "is not 32 bytes");
      return out;
    }
    std::copy(blob.begin(), blob.end(), out.begin());
    return out;
  }

  std::int64_t integer(int column, std::string_view name) {
    if (row_.column_type(column) != SQLITE_INTEGER) fail(name, "is not an integer");
    return row_.column_int64(column);
  }

  Msat amount(int column, std::string_view name) {
    const std::int64_t value = integer(column, name);
    if (value < 0) fail(name, "is negative");
    return Msat(value < 0 ? 0 : static_cast<std::uint64_t>(value));
  }

  std::optional<std::int64_t> optional_integer(int column, std::string_view name) {
    if (row_.column_is_null(column)) return std::nullopt;
    return integer(column, name);
  }

  void fail(std::string_view name, std::string_view what) {
    if (problem_) return;
    problem_ = Error(ErrorCode::kFailedPrecondition,
                     "token store " + connection_.path() + ": a row of " + std::string(table_) +
                         " is damaged: " + std::string(name) + " " + std::string(what));
  }

  // The row's first problem, or the check of the whole record.
  Result<void> finish(Result<void> record_check) {
    if (problem_) return *problem_;
    if (!record_check.ok()) {
      fail("the record", "fails its check (" + record_check.error().message() + ")");
      return *problem_;
    }
    return ok_result();
  }

 private:
  const Statement& row_;
  const Connection& connection_;
  std::string_view table_;
  std::optional<Error> problem_;
};

}  // namespace

Result<void> check_token_id(std::string_view token_id) {
  const bool hex =
      token_id.size() == 64 && std::all_of(token_id.begin(), token_id.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      });
  if (!hex) return invalid("token_id", "not 64 lower-case hex digits");
  return ok_result();
}

Result<void> check_pending(const PendingPurchase& pending, const ClientStoreLimits& limits) {
  L402_RETURN_IF_ERROR(check_token_id(pending.token_id));
  L402_RETURN_IF_ERROR(check_text("invoice", pending.invoice, limits.max_invoice_size, false));
  L402_RETURN_IF_ERROR(check_macaroon(pending.macaroon_base64, limits));
  L402_RETURN_IF_ERROR(check_origin(pending.origin, limits));
  L402_RETURN_IF_ERROR(check_text("service", pending.service, limits.max_service_size, true));
  L402_RETURN_IF_ERROR(check_text("path", pending.path, limits.max_path_size, false));
  if (pending.amount.value() == 0) return invalid("amount", "zero");
  L402_RETURN_IF_ERROR(check_amount("amount", pending.amount));
  L402_RETURN_IF_ERROR(check_amount("max_fee", pending.max_fee));
  return ok_result();
}

Result<void> check_token(const StoredToken& token, const ClientStoreLimits& limits) {
  L402_RETURN_IF_ERROR(check_token_id(token.token_id));
  L402_RETURN_IF_ERROR(check_origin(token.origin, limits));
  L402_RETURN_IF_ERROR(check_text("service", token.service, limits.max_service_size, true));
  L402_RETURN_IF_ERROR(check_text("path_scope", token.path_scope, limits.max_path_size, false));
  L402_RETURN_IF_ERROR(check_macaroon(token.macaroon_base64, limits));
  L402_RETURN_IF_ERROR(check_amount("amount", token.amount));
  L402_RETURN_IF_ERROR(check_amount("fee", token.fee));
  if (sha256(as_view(token.preimage)) != token.payment_hash) {
    return Error(ErrorCode::kUnauthenticated,
                 "preimage: does not hash to the payment hash " + hex::encode(token.payment_hash));
  }
  return ok_result();
}

Result<StoredToken> read_token(const Statement& row, const Connection& connection,
                               const ClientStoreLimits& limits) {
  RowReader reader(row, connection, "tokens");
  StoredToken token;
  token.token_id = reader.text(0, "token_id", 64);
  token.origin = reader.text(1, "origin", limits.max_origin_size);
  token.service = reader.text(2, "service", limits.max_service_size);
  token.path_scope = reader.text(3, "path_scope", limits.max_path_size);
  token.macaroon_base64 = reader.text(4, "macaroon", limits.max_macaroon_size);
  token.payment_hash = reader.hash(5, "payment_hash");
  token.preimage = reader.hash(6, "preimage");
  token.amount = reader.amount(7, "amount_msat");
  token.fee = reader.amount(8, "fee_msat");
  token.bought_at = reader.integer(9, "bought_at");
  token.expires_at = reader.optional_integer(10, "expires_at");
  token.stale = reader.integer(11, "stale") != 0;
  L402_RETURN_IF_ERROR(reader.finish(check_token(token, limits)));
  return token;
}

Result<PendingPurchase> read_pending(const Statement& row, const Connection& connection,
                                     const ClientStoreLimits& limits) {
  RowReader reader(row, connection, "pending_purchases");
  PendingPurchase pending;
  pending.payment_hash = reader.hash(0, "payment_hash");
  pending.token_id = reader.text(1, "token_id", 64);
  pending.invoice = reader.text(2, "invoice", limits.max_invoice_size);
  pending.macaroon_base64 = reader.text(3, "macaroon", limits.max_macaroon_size);
  pending.origin = reader.text(4, "origin", limits.max_origin_size);
  pending.service = reader.text(5, "service", limits.max_service_size);
  pending.path = reader.text(6, "path", limits.max_path_size);
  pending.amount = reader.amount(7, "amount_msat");
  pending.max_fee = reader.amount(8, "max_fee_msat");
  pending.started_at = reader.integer(9, "started_at");
  pending.expires_at = reader.optional_integer(10, "expires_at");
  L402_RETURN_IF_ERROR(reader.finish(check_pending(pending, limits)));
  return pending;
}

Result<Receipt> read_receipt(const Statement& row, const Connection& connection,
                             const ClientStoreLimits& limits) {
  RowReader reader(row, connection, "receipts");
  Receipt receipt;
  receipt.at = reader.integer(0, "at");
  receipt.host = reader.text(1, "host", limits.max_origin_size);
  receipt.origin = reader.text(2, "origin", limits.max_origin_size);
  receipt.service = reader.text(3, "service", limits.max_service_size);
  receipt.amount = reader.amount(4, "amount_msat");
  receipt.fee = reader.amount(5, "fee_msat");
  receipt.payment_hash = reader.hash(6, "payment_hash");
  receipt.preimage = reader.hash(7, "preimage");
  receipt.token_id = reader.text(8, "token_id", 64);
  Result<void> check = check_token_id(receipt.token_id);
  if (check.ok() && sha256(as_view(receipt.preimage)) != receipt.payment_hash) {
    check = Error(ErrorCode::kUnauthenticated, "the preimage does not hash to the payment hash");
  }
  L402_RETURN_IF_ERROR(reader.finish(std::move(check)));
  return receipt;
}

void bind_token(Statement& statement, const StoredToken& token) {
  statement.bind_text(1, token.token_id)
      .bind_text(2, token.origin)
      .bind_text(3, token.service)
      .bind_text(4, token.path_scope)
      .bind_text(5, token.macaroon_base64)
      .bind_blob(6, bytes_of(token.payment_hash))
      .bind_blob(7, bytes_of(token.preimage))
      .bind(8, static_cast<std::int64_t>(token.amount.value()))
      .bind(9, static_cast<std::int64_t>(token.fee.value()))
      .bind(10, token.bought_at);
  if (token.expires_at) {
    statement.bind(11, *token.expires_at);
  } else {
    statement.bind_null(11);
  }
  statement.bind(12, token.stale ? 1 : 0);
}

}  // namespace l402::client_jar
