// Core Lightning's JSON-RPC replies as they come off lightningd's socket: the ReplyFramer
// ("\n\n" framing, fed in chunks), parse_reply (src/lightning/cln/json_rpc.hpp) and the result
// readers of cln_json.hpp. The first input byte chooses what the rest is:
//   0: a byte stream for the framer (the second byte chooses the reply limit and the chunk
//      sizes); every frame goes on to parse_reply and its result to the readers;
//   1: one reply for parse_reply;
//   2: a JSON value for the readers directly.
//
// Properties: the framer, fed in any chunks, returns no frame longer than its limit and none
// with surrounding whitespace or a "\n\n" inside; when it accepts the whole stream it returns
// the frames of splitting the stream at once, and empty() tells whether only whitespace is
// left. parse_reply returns either an error or an object result. Every reader error is
// kInternal "cln: malformed response: ..." (listinvoices: also kNotFound); successes hold what
// the readers promise (a settled invoice has a pay_index, a payment's preimage hashes to its
// payment hash, no amount sent is below the amount, msat amounts print and parse back).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cln/cln_json.hpp"
#include "cln/json_rpc.hpp"
#include "fuzz_common.hpp"
#include "l402/crypto.hpp"
#include "l402/encoding.hpp"

namespace {

using namespace l402;
using nlohmann::json;

void report(const char* what, const Error& error) {
  std::fprintf(stderr, "%s failed: %s: %s\n", what,
               std::string(error_code_name(error.code())).c_str(), error.message().c_str());
}

bool is_malformed(const Error& error) {
  return error.code() == ErrorCode::kInternal &&
         error.message().rfind("cln: malformed response: ", 0) == 0;
}

void check_malformed(const char* what, const Error& error) {
  if (!is_malformed(error)) report(what, error);
  L402_FUZZ_CHECK(is_malformed(error));
}

// parse_msat and the two forms CLN writes an amount in.
void check_msat(const json& value) {
  auto msat = cln::parse_msat(value, "amount_msat");
  if (!msat.ok()) {
    check_malformed("parse_msat", msat.error());
    return;
  }
  auto as_number = cln::parse_msat(json(msat->value()), "amount_msat");
  auto as_string = cln::parse_msat(json(std::to_string(msat->value()) + "msat"), "amount_msat");
  L402_FUZZ_CHECK(as_number.ok() && *as_number == *msat);
  L402_FUZZ_CHECK(as_string.ok() && *as_string == *msat);
}

// The payment_hash of the first entry of `list` in `result`, when there is a readable one.
std::optional<Hash256> first_hash(const json& result, const char* list) {
  if (!result.is_object()) return std::nullopt;
  const auto entries = result.find(list);
  if (entries == result.end() || !entries->is_array() || entries->empty()) return std::nullopt;
  const json& first = entries->front();
  if (!first.is_object() || !first.contains("payment_hash")) return std::nullopt;
  auto hash = cln::parse_hash(first["payment_hash"], "payment_hash");
  if (!hash.ok()) return std::nullopt;
  return *hash;
}

void check_listinvoices(const json& result, const Hash256& hash) {
  auto status = cln::parse_listinvoices(result, hash);
  if (status.ok()) {
    L402_FUZZ_CHECK(status->payment_hash == hash);
  } else if (status.error().code() != ErrorCode::kNotFound) {
    check_malformed("parse_listinvoices", status.error());
  }
}

void check_listpays(const json& result, const Hash256& hash) {
  auto status = cln::parse_listpays(result, hash);
  if (!status.ok()) {
    check_malformed("parse_listpays", status.error());
    return;
  }
  L402_FUZZ_CHECK(status->payment.has_value() == (status->state == PaymentState::kSucceeded));
  L402_FUZZ_CHECK(status->failure.has_value() == (status->state == PaymentState::kFailed));
  if (status->payment) {
    L402_FUZZ_CHECK(status->payment->payment_hash == hash);
    L402_FUZZ_CHECK(sha256(as_view(status->payment->preimage)) == hash);
  }
}

// Every reader of cln_json.hpp on one JSON value.
void read_result(const json& result) {
  auto info = cln::parse_getinfo(result);
  if (info.ok()) {
    L402_FUZZ_CHECK(info->implementation == "cln");
  } else {
    check_malformed("parse_getinfo", info.error());
  }

  auto invoice = cln::parse_invoice(result);
  if (invoice.ok()) {
    const bool settled = invoice->state == InvoiceState::kSettled;
    L402_FUZZ_CHECK(settled == (invoice->settle_index != 0));
    if (!settled) L402_FUZZ_CHECK(invoice->settled_at == 0 && invoice->amount_paid.value() == 0);
  } else {
    check_malformed("parse_invoice", invoice.error());
  }

  auto pay = cln::parse_pay_result(result);
  if (pay.ok()) {
    L402_FUZZ_CHECK(pay->amount_sent >= pay->amount);
  } else {
    check_malformed("parse_pay_result", pay.error());
  }

  // A fixed hash (the seeds' "hash A") and the hash of the first listed entry.
  static const Hash256 kHashA = [] {
    std::string preimage;
    for (int i = 1; i <= 32; ++i) preimage.push_back(static_cast<char>(i));
    return sha256(preimage);
  }();
  check_listinvoices(result, kHashA);
  if (const std::optional<Hash256> hash = first_hash(result, "invoices")) {
    check_listinvoices(result, *hash);
  }
  check_listpays(result, kHashA);
  if (const std::optional<Hash256> hash = first_hash(result, "pays")) {
    check_listpays(result, *hash);
  }

  check_msat(result);
  if (result.is_object()) {
    for (const auto& item : result.items()) check_msat(item.value());
  }
}

void check_reply(std::string_view text) {
  auto reply = cln::parse_reply(text);
  if (!reply.ok()) {
    check_malformed("parse_reply", reply.error());
    return;
  }
  if (reply->error) {
    L402_FUZZ_CHECK(reply->result.is_null());
    const Error error = cln::error_from_rpc("listinvoices", *reply->error);
    const ErrorCode code = error.code();
    L402_FUZZ_CHECK(code == ErrorCode::kInvalidArgument || code == ErrorCode::kUnavailable ||
                    code == ErrorCode::kAlreadyExists || code == ErrorCode::kNotFound ||
                    code == ErrorCode::kFailedPrecondition);
    (void)cln::pay_failure_from_code(reply->error->code);
    return;
  }
  L402_FUZZ_CHECK(reply->result.is_object());
  read_result(reply->result);
}

// A small deterministic generator for chunk sizes, seeded by the input.
class ChunkSizes {
 public:
  explicit ChunkSizes(std::uint8_t seed) : state_(0x9e3779b9U ^ (seed * 0x01000193U)) {}
  std::size_t next(std::size_t remaining) {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    // Mostly small pieces (a socket read splits replies anywhere), sometimes all the rest.
    if (state_ % 8 == 0) return remaining;
    return std::min<std::size_t>(remaining, 1 + state_ % 24);
  }

 private:
  std::uint32_t state_;
};

constexpr std::string_view kWhitespace = " \t\r\n";

std::string_view trimmed(std::string_view text) {
  const std::size_t first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  const std::size_t last = text.find_last_not_of(kWhitespace);
  return text.substr(first, last - first + 1);
}

void fuzz_framer(std::string_view input) {
  if (input.empty()) return;
  static constexpr std::size_t kLimits[] = {1, 16, 256, cln::kMaxReplyBytes};
  const auto control = static_cast<std::uint8_t>(input[0]);
  const std::size_t limit = kLimits[control & 3U];
  const std::string_view data = input.substr(1);

  // The frames of splitting `data` at once, and what is left after the last terminator.
  std::vector<std::string> expected;
  std::size_t start = 0;
  for (std::size_t end = data.find("\n\n"); end != std::string_view::npos;
       end = data.find("\n\n", start)) {
    const std::string_view frame = trimmed(data.substr(start, end - start));
    if (!frame.empty()) expected.emplace_back(frame);
    start = end + 2;
  }
  const std::string_view left = data.substr(start);

  cln::ReplyFramer framer(limit);
  ChunkSizes sizes(control);
  std::vector<std::string> frames;
  std::string_view rest = data;
  bool accepted = true;
  while (!rest.empty()) {
    const std::size_t size = sizes.next(rest.size());
    const Result<void> fed = framer.feed(rest.substr(0, size));
    rest.remove_prefix(size);
    if (!fed.ok()) {
      check_malformed("ReplyFramer::feed", fed.error());
      accepted = false;
      break;
    }
    while (std::optional<std::string> frame = framer.next()) {
      if (frame->size() > limit) fuzz::dump("frame over the limit", *frame);
      L402_FUZZ_CHECK(frame->size() <= limit);
      L402_FUZZ_CHECK(!frame->empty() && trimmed(*frame).size() == frame->size());
      L402_FUZZ_CHECK(frame->find("\n\n") == std::string::npos);
      frames.push_back(std::move(*frame));
    }
  }

  // Whatever was accepted is the start of the frames of the whole stream.
  L402_FUZZ_CHECK(frames.size() <= expected.size() &&
                  std::equal(frames.begin(), frames.end(), expected.begin()));
  if (accepted) {
    L402_FUZZ_CHECK(frames.size() == expected.size());
    L402_FUZZ_CHECK(framer.empty() == trimmed(left).empty());
  }
  framer.clear();
  L402_FUZZ_CHECK(framer.empty() && !framer.next().has_value());

  for (const std::string& frame : frames) check_reply(frame);
}

}  // namespace

// libFuzzer entry point; the name is fixed by libFuzzer.
extern "C" int LLVMFuzzerTestOneInput(  // NOLINT(readability-identifier-naming)
    const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest = fuzz::as_text(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      fuzz_framer(rest);
      break;
    case 1:
      check_reply(rest);
      break;
    default: {
      const json value = json::parse(rest, nullptr, /*allow_exceptions=*/false);
      if (!value.is_discarded()) read_result(value);
      break;
    }
  }
  return 0;
}
