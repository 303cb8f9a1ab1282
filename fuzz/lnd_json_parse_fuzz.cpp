// The readers of LND's REST JSON (src/lightning/lnd/lnd_json.hpp) and the NDJSON line splitter
// (ndjson.hpp), all fed by the network. The first input byte chooses the function; the rest is
// its input. For the splitter the second byte chooses the line limit and the chunk sizes.
//
// Properties: every parse error is kInternal "lnd: malformed response: ..." (parse_version:
// kInvalidArgument); successes respect the documented shapes (an error code is a gRPC code,
// 0..16; only a settled invoice has a settle date and index; a send response has both route
// totals or neither; a parsed version prints and parses back to itself). The splitter, fed in
// any chunks, gives the same lines as splitting the whole input at once: non-empty, without
// '\n', never longer than its limit, and it overflows exactly when a line exceeds the limit.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fuzz_common.hpp"
#include "lnd/lnd_json.hpp"
#include "lnd/ndjson.hpp"

namespace {

using namespace l402;

void check_malformed(const char* what, const Error& error) {
  const bool documented = error.code() == ErrorCode::kInternal &&
                          error.message().rfind("lnd: malformed response: ", 0) == 0;
  if (!documented) {
    std::fprintf(stderr, "%s failed: %s: %s\n", what,
                 std::string(error_code_name(error.code())).c_str(), error.message().c_str());
  }
  L402_FUZZ_CHECK(documented);
}

void check_lnd_error(const lnd::LndError& error) {
  L402_FUZZ_CHECK(error.code >= 0 && error.code <= 16);
}

void check_invoice(const lnd::LndInvoice& invoice) {
  const InvoiceStatus& status = invoice.status;
  if (status.state != InvoiceState::kSettled) {
    L402_FUZZ_CHECK(status.settled_at == 0 && status.settle_index == 0);
  }
  // A zero value_msat is an any-amount invoice, never Msat(0).
  L402_FUZZ_CHECK(!status.amount || status.amount->value() != 0);
  L402_FUZZ_CHECK(status.state != InvoiceState::kExpired);  // LND has no such state
}

template <typename Message, typename CheckMessage>
void check_stream_line(const char* what, const Result<std::variant<Message, lnd::LndError>>& parsed,
                       CheckMessage check_message) {
  if (!parsed.ok()) {
    check_malformed(what, parsed.error());
    return;
  }
  if (const auto* error = std::get_if<lnd::LndError>(&*parsed)) {
    check_lnd_error(*error);
  } else {
    check_message(std::get<Message>(*parsed));
  }
}

// Every field of a parsed payment is representable as read, so there is nothing to check
// beyond "no crash, no sanitizer report".
void check_payment(const lnd::LndPayment& /*payment*/) {}

void parse_one_line(std::string_view line) {
  check_stream_line<lnd::LndInvoice>("parse_invoice_stream_line",
                                     lnd::parse_invoice_stream_line(line), check_invoice);
  check_stream_line<lnd::LndPayment>("parse_payment_stream_line",
                                     lnd::parse_payment_stream_line(line), check_payment);
}

void fuzz_version(std::string_view text) {
  auto version = lnd::parse_version(text);
  if (!version.ok()) {
    L402_FUZZ_CHECK(version.error().code() == ErrorCode::kInvalidArgument);
    return;
  }
  const std::string printed = std::to_string(version->major) + "." +
                              std::to_string(version->minor) + "." + std::to_string(version->patch);
  auto again = lnd::parse_version(printed);
  L402_FUZZ_CHECK(again.ok() && again->major == version->major && again->minor == version->minor &&
                  again->patch == version->patch);
  L402_FUZZ_CHECK(lnd::has_send_payment_v2(*version) ==
                  (version->major > 0 || version->minor >= 10));
}

// A small deterministic generator for chunk sizes, seeded by the input.
class ChunkSizes {
 public:
  explicit ChunkSizes(std::uint8_t seed) : state_(0x9e3779b9U ^ (seed * 0x01000193U)) {}
  std::size_t next(std::size_t remaining) {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    // Mostly small pieces (a stream read splits lines anywhere), sometimes all the rest.
    if (state_ % 8 == 0) return remaining;
    return std::min<std::size_t>(remaining, 1 + state_ % 24);
  }

 private:
  std::uint32_t state_;
};

// What splitting the whole input at once gives.
struct SplitReference {
  std::vector<std::string> lines;
  bool overflow = false;
  std::size_t pending = 0;
};

SplitReference split_at_once(std::string_view data, std::size_t limit) {
  SplitReference out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t newline = data.find('\n', start);
    std::string_view segment = data.substr(
        start, newline == std::string_view::npos ? std::string_view::npos : newline - start);
    if (segment.size() > limit) {
      out.overflow = true;
      return out;
    }
    if (newline == std::string_view::npos) {
      out.pending = segment.size();
      return out;
    }
    if (!segment.empty() && segment.back() == '\r') segment.remove_suffix(1);
    if (!segment.empty()) out.lines.emplace_back(segment);
    start = newline + 1;
  }
}

void fuzz_splitter(std::string_view input) {
  if (input.empty()) return;
  static constexpr std::size_t kLimits[] = {1, 16, 200, 4096};
  const auto control = static_cast<std::uint8_t>(input[0]);
  const std::size_t limit = kLimits[control & 3U];
  const std::string_view data = input.substr(1);

  lnd::LineSplitter splitter(limit);
  ChunkSizes sizes(control);
  std::vector<std::string> lines;
  std::string_view rest = data;
  bool accepted = true;
  while (!rest.empty() && accepted) {
    const std::size_t size = sizes.next(rest.size());
    accepted = splitter.append(rest.substr(0, size));
    rest.remove_prefix(size);
    while (std::optional<std::string> line = splitter.next_line()) {
      L402_FUZZ_CHECK(!line->empty() && line->size() <= limit);
      L402_FUZZ_CHECK(line->find('\n') == std::string::npos);
      lines.push_back(std::move(*line));
    }
  }

  const SplitReference expected = split_at_once(data, limit);
  if (lines != expected.lines || splitter.overflowed() != expected.overflow) {
    std::fprintf(stderr, "limit %zu: %zu lines (overflowed %d), expected %zu (overflow %d)\n",
                 limit, lines.size(), splitter.overflowed() ? 1 : 0, expected.lines.size(),
                 expected.overflow ? 1 : 0);
  }
  L402_FUZZ_CHECK(lines == expected.lines);
  L402_FUZZ_CHECK(splitter.overflowed() == expected.overflow);
  L402_FUZZ_CHECK(accepted == !expected.overflow);
  if (expected.overflow) {
    // Once over the limit it takes nothing more.
    L402_FUZZ_CHECK(!splitter.append("{}\n"));
    L402_FUZZ_CHECK(!splitter.next_line().has_value());
  } else {
    L402_FUZZ_CHECK(splitter.pending_bytes() == expected.pending);
  }
  for (const std::string& line : lines) parse_one_line(line);
}

}  // namespace

// libFuzzer entry point; the name is fixed by libFuzzer.
extern "C" int LLVMFuzzerTestOneInput(  // NOLINT(readability-identifier-naming)
    const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view body = fuzz::as_text(data + 1, size - 1);
  switch (data[0] % 10) {
    case 0: {
      auto info = lnd::parse_get_info(body);
      if (!info.ok()) {
        check_malformed("parse_get_info", info.error());
      } else {
        L402_FUZZ_CHECK(info->implementation == "lnd");
      }
      break;
    }
    case 1: {
      auto response = lnd::parse_add_invoice_response(body);
      if (!response.ok()) {
        check_malformed("parse_add_invoice_response", response.error());
      } else {
        L402_FUZZ_CHECK(!response->payment_request.empty());
      }
      break;
    }
    case 2: {
      auto invoice = lnd::parse_invoice(body);
      if (!invoice.ok()) {
        check_malformed("parse_invoice", invoice.error());
      } else {
        check_invoice(*invoice);
      }
      break;
    }
    case 3: {
      auto page = lnd::parse_invoice_page(body);
      if (!page.ok()) {
        check_malformed("parse_invoice_page", page.error());
      } else {
        for (const lnd::LndInvoice& invoice : page->invoices) check_invoice(invoice);
      }
      break;
    }
    case 4: {
      auto response = lnd::parse_send_response(body);
      if (!response.ok()) {
        check_malformed("parse_send_response", response.error());
      } else {
        L402_FUZZ_CHECK(response->total_amount.has_value() == response->total_fees.has_value());
      }
      break;
    }
    case 5:
      check_stream_line<lnd::LndInvoice>("parse_invoice_stream_line",
                                         lnd::parse_invoice_stream_line(body), check_invoice);
      break;
    case 6:
      check_stream_line<lnd::LndPayment>("parse_payment_stream_line",
                                         lnd::parse_payment_stream_line(body), check_payment);
      break;
    case 7:
      if (const std::optional<lnd::LndError> error = lnd::parse_error_body(body)) {
        check_lnd_error(*error);
      }
      break;
    case 8:
      fuzz_splitter(body);
      break;
    default:
      fuzz_version(body);
      break;
  }
  return 0;
}
