#include "tokens_command.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <ctime>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "delegate.hpp"
#include "exit_codes.hpp"
#include "input.hpp"
#include "l402/encoding.hpp"
#include "l402/macaroon.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/token.hpp"
#include "store_options.hpp"
#include "units.hpp"

namespace l402::cli {
namespace {

int fail(int code, const std::string& message) {
  std::cerr << "l402: " << message << '\n';
  return code;
}

// A store error's exit code: a missing or ambiguous token is the user's input.
int store_failure(const Error& error) {
  const bool input = error.code() == ErrorCode::kNotFound ||
                     error.code() == ErrorCode::kInvalidArgument ||
                     error.code() == ErrorCode::kLimitExceeded;
  return fail(input ? kExitBadInput : kExitStore, error.message());
}

std::string when(std::optional<std::int64_t> unix_seconds) {
  return unix_seconds && *unix_seconds >= 0 ? iso8601_utc(*unix_seconds) : std::string("-");
}

// Every field but the preimage: a token and its preimage together are spendable.
nlohmann::ordered_json token_json(const StoredToken& token) {
  nlohmann::ordered_json json;
  json["token_id"] = token.token_id;
  json["origin"] = token.origin;
  json["service"] = token.service;
  json["path_scope"] = token.path_scope;
  json["payment_hash"] = hex::encode(as_view(token.payment_hash));
  json["amount_msat"] = token.amount.value();
  json["fee_msat"] = token.fee.value();
  json["bought_at"] = token.bought_at;
  json["expires_at"] = token.expires_at ? nlohmann::ordered_json(*token.expires_at) : nullptr;
  json["stale"] = token.stale;
  return json;
}

// The macaroon's caveats, for `show`.
nlohmann::ordered_json caveats_json(const StoredToken& token) {
  nlohmann::ordered_json caveats = nlohmann::ordered_json::array();
  Result<std::string> binary = base64::decode(token.macaroon_base64);
  if (!binary.ok()) return caveats;
  Result<Macaroon> macaroon = parse_binary(*binary);
  if (!macaroon.ok()) return caveats;
  for (const Caveat& caveat : macaroon->caveats()) {
    if (caveat.is_first_party()) caveats.push_back(caveat.id);
  }
  return caveats;
}

Result<std::unique_ptr<ClientStore>> store_for(const StoreArguments& arguments) {
  L402_ASSIGN_OR_RETURN(const ClientConfig config, load_config_for(arguments));
  return open_store(config);
}

int run_list(const StoreArguments& arguments, bool json) {
  Result<std::unique_ptr<ClientStore>> store = store_for(arguments);
  if (!store.ok()) return fail(kExitStore, store.error().message());
  Result<std::vector<StoredToken>> tokens = (*store)->list_tokens();
  if (!tokens.ok()) return fail(kExitStore, tokens.error().message());
  if (json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const StoredToken& token : *tokens) list.push_back(token_json(token));
    std::cout << nlohmann::ordered_json{{"tokens", list}}.dump() << '\n';
    return kExitOk;
  }
  for (const StoredToken& token : *tokens) {
    std::cout << token.token_id.substr(0, 16) << "  " << token.origin << "  "
              << (token.service.empty() ? "-" : token.service) << "  " << sat_text(token.amount)
              << "  bought " << when(token.bought_at) << "  expires " << when(token.expires_at)
              << (token.stale ? "  stale" : "") << '\n';
  }
  return kExitOk;
}

int run_show(const StoreArguments& arguments, const std::string& id, bool authorization) {
  Result<std::unique_ptr<ClientStore>> store = store_for(arguments);
  if (!store.ok()) return fail(kExitStore, store.error().message());
  Result<StoredToken> token = (*store)->find_token(id);
  if (!token.ok()) return store_failure(token.error());
  if (authorization) {
    std::cout << "L402 " << token->macaroon_base64 << ":" << hex::encode(as_view(token->preimage))
              << '\n';
    return kExitOk;
  }
  nlohmann::ordered_json json = token_json(*token);
  json["caveats"] = caveats_json(*token);
  std::cout << json.dump(2) << '\n';
  return kExitOk;
}

int run_rm(const StoreArguments& arguments, const std::string& id) {
  Result<std::unique_ptr<ClientStore>> store = store_for(arguments);
  if (!store.ok()) return fail(kExitStore, store.error().message());
  Result<StoredToken> token = (*store)->find_token(id);
  if (!token.ok()) return store_failure(token.error());
  Result<void> removed = (*store)->remove_token(token->token_id);
  if (!removed.ok()) return store_failure(removed.error());
  std::cerr << "l402: removed token " << token->token_id << " (its receipt stays in the ledger)\n";
  return kExitOk;
}

// The export holds preimages: the file is the owner's alone, even if it existed before.
Result<void> write_private_file(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Error(ErrorCode::kUnavailable, path + ": cannot create");
  bool ok = ::fchmod(fd, 0600) == 0;
  std::size_t written = 0;
  while (ok && written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    ok = n > 0;
    if (ok) written += static_cast<std::size_t>(n);
  }
  ok = ::close(fd) == 0 && ok;
  if (!ok) return Error(ErrorCode::kUnavailable, path + ": cannot write");
  return ok_result();
}

int run_export(const StoreArguments& arguments, const std::optional<std::string>& file) {
  Result<std::unique_ptr<ClientStore>> store = store_for(arguments);
  if (!store.ok()) return fail(kExitStore, store.error().message());
  Result<std::string> document = (*store)->export_tokens();
  if (!document.ok()) return fail(kExitStore, document.error().message());
  if (!file || *file == "-") {
    std::cout << *document << '\n';
    return kExitOk;
  }
  Result<void> written = write_private_file(*file, *document + "\n");
  if (!written.ok()) return fail(kExitBadInput, written.error().message());
  return kExitOk;
}

int run_import(const StoreArguments& arguments, const std::string& file) {
  const std::size_t limit = ClientStoreLimits{}.max_import_size;
  Result<std::string> document = read_argument(file == "-" ? file : "@" + file, limit);
  if (!document.ok()) return fail(kExitBadInput, document.error().message());
  Result<std::unique_ptr<ClientStore>> store = store_for(arguments);
  if (!store.ok()) return fail(kExitStore, store.error().message());
  Result<ImportReport> report = (*store)->import_tokens(*document);
  if (!report.ok()) return store_failure(report.error());
  std::cout
      << nlohmann::ordered_json{{"imported", report->imported}, {"skipped", report->skipped}}.dump()
      << '\n';
  return kExitOk;
}

struct DelegateArguments {
  std::string id;
  std::optional<std::string> valid_for;
  Delegation delegation;
};

int run_delegate(const StoreArguments& arguments, DelegateArguments delegate) {
  if (delegate.valid_for) {
    Result<std::chrono::seconds> seconds = parse_duration(*delegate.valid_for);
    if (!seconds.ok()) return fail(kExitBadInput, "--valid-for: " + seconds.error().message());
    delegate.delegation.valid_for_seconds = seconds->count();
  }
  Result<std::unique_ptr<ClientStore>> store = store_for(arguments);
  if (!store.ok()) return fail(kExitStore, store.error().message());
  Result<StoredToken> token = (*store)->find_token(delegate.id);
  if (!token.ok()) return store_failure(token.error());
  Result<DelegatedCredential> credential =
      delegate_token(*token, delegate.delegation, static_cast<std::int64_t>(std::time(nullptr)));
  if (!credential.ok()) {
    const bool widens = credential.error().code() == ErrorCode::kPermissionDenied;
    return fail(widens ? kExitInvalid : kExitBadInput, credential.error().message());
  }
  for (const std::string& caveat : credential->added)
    std::cerr << "l402: caveat " << caveat << '\n';
  std::cout << credential->authorization << '\n';
  return kExitOk;
}

void add_delegate(CLI::App& tokens, const std::shared_ptr<StoreArguments>& store, int& exit_code) {
  auto arguments = std::make_shared<DelegateArguments>();
  CLI::App* command = tokens.add_subcommand(
      "delegate", "Print a narrowed Authorization value of a token, to hand to someone else");
  command->add_option("id", arguments->id, "Token ID or a unique prefix of it")->required();
  command->add_option("--valid-for", arguments->valid_for, "Lifetime from now: 90s, 15m, 1h, 2d");
  command->add_option("--services", arguments->delegation.services,
                      "Only these of the token's services: a or a:0,b");
  command->add_option("--capabilities", arguments->delegation.capabilities,
                      "Only these capabilities: read or read,write");
  command
      ->add_option("--caveat", arguments->delegation.caveats,
                   "A further condition=value (repeatable)")
      ->allow_extra_args(false);
  add_store_options(*command, *store);
  command->callback(
      [store, arguments, &exit_code] { exit_code = run_delegate(*store, *arguments); });
}

}  // namespace

void add_tokens_command(CLI::App& app, int& exit_code) {
  CLI::App* tokens = app.add_subcommand("tokens", "The L402 tokens bought by get/request");
  tokens->require_subcommand(1);
  auto store = std::make_shared<StoreArguments>();

  auto list_json = std::make_shared<bool>(false);
  CLI::App* list = tokens->add_subcommand("list", "One line per token, newest first");
  list->add_flag("--json", *list_json, "One JSON object {\"tokens\": [...]}");
  add_store_options(*list, *store);
  list->callback([store, list_json, &exit_code] { exit_code = run_list(*store, *list_json); });

  auto show_id = std::make_shared<std::string>();
  auto show_authorization = std::make_shared<bool>(false);
  CLI::App* show = tokens->add_subcommand("show", "One token as JSON (no preimage)");
  show->add_option("id", *show_id, "Token ID or a unique prefix of it")->required();
  show->add_flag("--authorization", *show_authorization,
                 "Print its Authorization value instead (holds the preimage: a spendable secret)");
  add_store_options(*show, *store);
  show->callback([store, show_id, show_authorization, &exit_code] {
    exit_code = run_show(*store, *show_id, *show_authorization);
  });

  auto rm_id = std::make_shared<std::string>();
  CLI::App* rm = tokens->add_subcommand("rm", "Delete a token (its receipt stays)");
  rm->add_option("id", *rm_id, "Token ID or a unique prefix of it")->required();
  add_store_options(*rm, *store);
  rm->callback([store, rm_id, &exit_code] { exit_code = run_rm(*store, *rm_id); });

  auto export_file = std::make_shared<std::optional<std::string>>();
  CLI::App* exporter = tokens->add_subcommand(
      "export", "Every token as JSON, preimages included (the file is created 0600)");
  exporter->add_option("file", *export_file, "File to write (default: stdout)");
  add_store_options(*exporter, *store);
  exporter->callback(
      [store, export_file, &exit_code] { exit_code = run_export(*store, *export_file); });

  auto import_file = std::make_shared<std::string>();
  CLI::App* importer = tokens->add_subcommand("import", "Add the tokens of an export");
  importer->add_option("file", *import_file, "The exported file, - for stdin")->required();
  add_store_options(*importer, *store);
  importer->callback(
      [store, import_file, &exit_code] { exit_code = run_import(*store, *import_file); });

  add_delegate(*tokens, store, exit_code);
}

}  // namespace l402::cli
