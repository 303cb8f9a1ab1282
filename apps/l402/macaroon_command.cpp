#include "macaroon_command.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "exit_codes.hpp"
#include "input.hpp"
#include "l402/encoding.hpp"
#include "l402/macaroon.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/token.hpp"

namespace l402::cli {
namespace {

using Json = nlohmann::ordered_json;

// L402 root keys are 32 random bytes (Aperture's SecretSize).
constexpr std::size_t kRootKeySize = 32;
// Text forms of a macaroon may be twice the binary limit (hex).
constexpr std::size_t kMaxInputSize = 2 * MacaroonLimits{}.max_serialized_size + 2;

int fail(const Error& error, int code = kExitBadInput) {
  std::cerr << "l402: " << error.message() << '\n';
  return code;
}

Result<std::string> read_root_key(const std::string& text) {
  L402_ASSIGN_OR_RETURN(std::string key, decode_hex_option("--root-key", text));
  if (key.size() != kRootKeySize) {
    return Error(
        ErrorCode::kInvalidArgument,
        "--root-key: expected 32 bytes (64 hex digits), got " + std::to_string(key.size()));
  }
  return key;
}

Result<std::vector<Macaroon>> read_macaroons(const std::string& argument) {
  L402_ASSIGN_OR_RETURN(const std::string text, read_argument(argument, kMaxInputSize));
  return parse_text(text);
}

enum class OutputFormat { kStd, kUrl, kHex, kJson };

std::string format_stack(const std::vector<Macaroon>& stack, OutputFormat format) {
  switch (format) {
    case OutputFormat::kStd:
      return base64::encode_std(to_binary_stack(stack));
    case OutputFormat::kUrl:
      return base64::encode_url(to_binary_stack(stack));
    case OutputFormat::kHex:
      return hex::encode(to_binary_stack(stack));
    case OutputFormat::kJson: {
      if (stack.size() == 1) return to_json_v2(stack.front());
      std::string out = "[";
      for (std::size_t i = 0; i < stack.size(); ++i) {
        if (i != 0) out += ',';
        out += to_json_v2(stack[i]);
      }
      return out + "]";
    }
  }
  return {};
}

void add_format_option(CLI::App& command, OutputFormat& format) {
  const std::map<std::string, OutputFormat> names{{"base64", OutputFormat::kStd},
                                                  {"base64url", OutputFormat::kUrl},
                                                  {"hex", OutputFormat::kHex},
                                                  {"json", OutputFormat::kJson}};
  command
      .add_option("--format", format,
                  "Output: base64 (standard, padded; default), base64url, hex, json")
      ->transform(CLI::CheckedTransformer(names, CLI::ignore_case));
}

// A byte field as text (when it is UTF-8) and always as hex.
Json bytes_json(std::string_view bytes, const char* text_key, const char* hex_key) {
  Json out;
  if (utf8::is_valid(bytes)) out[text_key] = std::string(bytes);
  out[hex_key] = hex::encode(bytes);
  return out;
}

Json describe(const Macaroon& macaroon) {
  Json out;
  out["location"] = macaroon.location();
  const Json id = bytes_json(macaroon.identifier(), "identifier", "identifier_hex");
  for (const auto& [key, value] : id.items()) out[key] = value;
  Json caveats = Json::array();
  for (const Caveat& caveat : macaroon.caveats()) {
    Json entry;
    entry["type"] = caveat.is_first_party() ? "first-party" : "third-party";
    const Json cid = bytes_json(caveat.id, caveat.is_first_party() ? "condition" : "caveat_id",
                                caveat.is_first_party() ? "condition_hex" : "caveat_id_hex");
    for (const auto& [key, value] : cid.items()) entry[key] = value;
    if (!caveat.is_first_party()) {
      entry["verification_id_hex"] = hex::encode(caveat.verification_id);
      entry["location"] = caveat.location;
    }
    caveats.push_back(std::move(entry));
  }
  out["caveats"] = std::move(caveats);
  out["signature_hex"] = hex::encode(as_view(macaroon.signature()));
  // Only an identifier that decodes as L402 (66 bytes, version 0) gets the l402 fields.
  if (auto l402_id = decode_identifier(macaroon.identifier()); l402_id.ok()) {
    out["l402"] = Json{{"version", l402_id->version},
                       {"payment_hash", hex::encode(as_view(l402_id->payment_hash))},
                       {"token_id", hex::encode(as_view(l402_id->token_id))}};
  }
  return out;
}

void add_mint(CLI::App& parent, int& exit_code) {
  struct Options {
    std::string root_key;
    std::string id;
    std::string location;
    std::vector<std::string> caveats;
    OutputFormat format = OutputFormat::kStd;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = parent.add_subcommand("mint", "Mint a macaroon from a root key");
  command->add_option("--root-key", options->root_key, "Root key, 32 bytes in hex")->required();
  command->add_option("--id", options->id, "Identifier in hex")->required();
  command->add_option("--location", options->location, "Location hint (not signed)");
  command->add_option("--caveat", options->caveats, "First-party caveat, e.g. services=api:0");
  add_format_option(*command, options->format);
  command->callback([options, &exit_code] {
    exit_code = [&]() -> int {
      auto key = read_root_key(options->root_key);
      if (!key.ok()) return fail(key.error());
      auto id = decode_hex_option("--id", options->id);
      if (!id.ok()) return fail(id.error());
      auto macaroon = Macaroon::mint(*key, *id, options->location);
      if (!macaroon.ok()) return fail(macaroon.error());
      for (const std::string& caveat : options->caveats) {
        auto added = macaroon->add_first_party_caveat(caveat);
        if (!added.ok()) return fail(added.error().with_context("--caveat"));
      }
      std::cout << format_stack({*macaroon}, options->format) << '\n';
      return kExitOk;
    }();
  });
}

void add_inspect(CLI::App& parent, int& exit_code) {
  auto input = std::make_shared<std::string>();
  CLI::App* command =
      parent.add_subcommand("inspect", "Print a macaroon (or a stack with discharges) as JSON");
  command->add_option("macaroon", *input, "Macaroon in base64, hex or JSON; - for stdin, @file")
      ->required();
  command->callback([input, &exit_code] {
    auto stack = read_macaroons(*input);
    if (!stack.ok()) {
      exit_code = fail(stack.error());
      return;
    }
    Json out = describe(stack->front());
    if (stack->size() > 1) {
      Json discharges = Json::array();
      for (std::size_t i = 1; i < stack->size(); ++i) discharges.push_back(describe((*stack)[i]));
      out["discharges"] = std::move(discharges);
    }
    std::cout << out.dump(2) << '\n';
    exit_code = kExitOk;
  });
}

void add_verify(CLI::App& parent, int& exit_code) {
  struct Options {
    std::string input;
    std::string root_key;
    std::vector<std::string> discharges;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = parent.add_subcommand(
      "verify", "Check a macaroon's signature chain (exit 0 valid, 1 invalid)");
  command->add_option("macaroon", options->input, "Macaroon (or stack); - for stdin, @file")
      ->required();
  command->add_option("--root-key", options->root_key, "Root key, 32 bytes in hex")->required();
  command->add_option("--discharge", options->discharges,
                      "A discharge macaroon, already bound to the root");
  command->callback([options, &exit_code] {
    exit_code = [&]() -> int {
      auto key = read_root_key(options->root_key);
      if (!key.ok()) return fail(key.error());
      auto stack = read_macaroons(options->input);
      if (!stack.ok()) return fail(stack.error());
      for (const std::string& text : options->discharges) {
        auto discharges = read_macaroons(text);
        if (!discharges.ok()) return fail(discharges.error().with_context("--discharge"));
        stack->insert(stack->end(), discharges->begin(), discharges->end());
      }
      const std::span<const Macaroon> discharges(stack->data() + 1, stack->size() - 1);
      auto verified = verify_macaroon(stack->front(), *key, discharges, nullptr);
      if (!verified.ok()) {
        std::cerr << "l402: invalid: " << verified.error().message() << '\n';
        return kExitInvalid;
      }
      std::cout << "valid\n";
      for (const std::string& condition : *verified) std::cout << "caveat " << condition << '\n';
      return kExitOk;
    }();
  });
}

void add_attenuate(CLI::App& parent, int& exit_code) {
  struct Options {
    std::string input;
    std::vector<std::string> caveats;
    OutputFormat format = OutputFormat::kStd;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command =
      parent.add_subcommand("attenuate", "Append first-party caveats (needs no key)");
  command->add_option("macaroon", options->input, "Macaroon; - for stdin, @file")->required();
  command->add_option("--caveat", options->caveats, "First-party caveat to append")->required();
  add_format_option(*command, options->format);
  command->callback([options, &exit_code] {
    exit_code = [&]() -> int {
      auto stack = read_macaroons(options->input);
      if (!stack.ok()) return fail(stack.error());
      if (stack->size() != 1) {
        return fail(Error(ErrorCode::kInvalidArgument,
                          "attenuate takes one macaroon, not a stack with discharges"));
      }
      Macaroon& macaroon = stack->front();
      for (const std::string& caveat : options->caveats) {
        auto added = macaroon.add_first_party_caveat(caveat);
        if (!added.ok()) return fail(added.error().with_context("--caveat"));
      }
      std::cout << format_stack(*stack, options->format) << '\n';
      return kExitOk;
    }();
  });
}

}  // namespace

void add_macaroon_command(CLI::App& app, int& exit_code) {
  CLI::App* macaroon = app.add_subcommand("macaroon", "Mint, inspect, verify and attenuate");
  macaroon->require_subcommand(1);
  add_mint(*macaroon, exit_code);
  add_inspect(*macaroon, exit_code);
  add_verify(*macaroon, exit_code);
  add_attenuate(*macaroon, exit_code);
}

}  // namespace l402::cli
