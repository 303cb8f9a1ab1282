#include "invoice_command.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "exit_codes.hpp"
#include "input.hpp"
#include "invoice_json.hpp"
#include "l402/bolt11.hpp"

namespace l402::cli {
namespace {

// Text read from stdin or a file. The decoder's own limit (Bolt11Limits::max_length, 8 KiB)
// is lower; the cap here only bounds what is read before the decoder sees it.
constexpr std::size_t kMaxInvoiceInput = std::size_t{16} * 1024;

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const std::size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const std::size_t last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

int fail(const Error& error, int code) {
  std::cerr << "l402: " << error.message() << '\n';
  return code;
}

// Too much input is bad usage (2); anything else the decoder refuses is an invalid invoice (1).
int decode_failure_code(const Error& error) {
  return error.code() == ErrorCode::kLimitExceeded ? kExitBadInput : kExitInvalidInvoice;
}

void add_decode(CLI::App& parent, int& exit_code) {
  auto input = std::make_shared<std::string>();
  CLI::App* command = parent.add_subcommand(
      "decode", "Decode and check a BOLT 11 invoice, print it as JSON (exit 1: invalid)");
  command
      ->add_option("invoice", *input,
                   "BOLT 11 invoice (optionally lightning:-prefixed); - for stdin, @file")
      ->required();
  command->callback([input, &exit_code] {
    exit_code = [&]() -> int {
      auto text = read_argument(*input, kMaxInvoiceInput);
      if (!text.ok()) return fail(text.error(), kExitBadInput);
      auto invoice = decode_invoice(trim(*text));
      if (!invoice.ok()) return fail(invoice.error(), decode_failure_code(invoice.error()));
      // A description that is not UTF-8 is printed with U+FFFD in place of each bad byte
      // rather than failing the whole dump.
      std::cout << invoice_json(*invoice).dump(2, ' ', false,
                                               nlohmann::ordered_json::error_handler_t::replace)
                << '\n';
      return kExitOk;
    }();
  });
}

}  // namespace

void add_invoice_command(CLI::App& app, int& exit_code) {
  CLI::App* invoice = app.add_subcommand("invoice", "BOLT 11 invoices");
  invoice->require_subcommand(1);
  add_decode(*invoice, exit_code);
}

}  // namespace l402::cli
