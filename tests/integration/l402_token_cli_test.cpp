// Runs `l402 token inspect` as a user would on the L402 vectors (tests/data/l402_vectors.json):
// challenges (two header lines, one folded line), credentials (Authorization and the
// Macaroon-header form), bare macaroons, and input that is none of these (exit 2, one line on
// stderr).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_runner.hpp"
#include "test_bytes.hpp"

namespace {

using Json = nlohmann::json;
using l402::test::CliRun;

CliRun run(const std::string& args, const std::string& stdin_path = "/dev/null") {
  return l402::test::run_program(L402_CLI_PATH, args, stdin_path);
}

// Single-quoted for the shell (the values never contain a single quote).
std::string quote(const std::string& text) { return "'" + text + "'"; }

const Json& vectors() {
  static const Json data = [] {
    std::ifstream in(std::string(L402_TEST_DATA_DIR) + "/l402_vectors.json");
    return Json::parse(in);
  }();
  return data;
}

const Json& token() { return vectors()["synthetic_token"]; }

std::string str(const Json& value) { return value.get<std::string>(); }

std::string write_temp(const std::string& name, const std::string& content) {
  std::string path = ::testing::TempDir() + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

// Runs `token inspect` and parses its output; fails the test unless it exits 0.
Json inspect(const std::string& args, const std::string& stdin_path = "/dev/null") {
  const CliRun r = run("token inspect " + args, stdin_path);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  if (r.exit_code != 0) return Json::object();
  return Json::parse(r.out);
}

// Exit code 2, one line "l402: <message>" on stderr containing `word`, nothing on stdout.
void expect_bad_input(const CliRun& r, const std::string& word) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_TRUE(r.err.starts_with("l402: ")) << r.err;
  EXPECT_TRUE(r.err.ends_with("\n")) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  EXPECT_NE(r.err.find(word), std::string::npos) << "\"" << word << "\" not in " << r.err;
}

// What every description of the 7.3 macaroon says.
void expect_synthetic_macaroon(const Json& macaroon) {
  EXPECT_EQ(macaroon["location"], "lsat");
  EXPECT_EQ(macaroon["identifier_hex"], token()["identifier"]);
  const Json& id = macaroon["identifier"];
  EXPECT_EQ(id["version"], 0);
  EXPECT_EQ(id["payment_hash"], token()["payment_hash"]);
  EXPECT_EQ(id["token_id"], token()["token_id"]);
  EXPECT_EQ(id["key_id"], "fed74b3e");
  EXPECT_NE(str(id["key_id_note"]).find("l402d"), std::string::npos);
  EXPECT_FALSE(macaroon.contains("identifier_error"));
  ASSERT_EQ(macaroon["caveats"].size(), 3U);
  const Json& services = macaroon["caveats"][0];
  EXPECT_EQ(services["raw"], "services=myservice:0");
  EXPECT_EQ(services["condition"], "services");
  EXPECT_EQ(services["value"], "myservice:0");
  EXPECT_EQ(services["interpretation"], Json::parse(R"([{"name":"myservice","tier":0}])"));
  const Json& capabilities = macaroon["caveats"][1];
  EXPECT_EQ(capabilities["condition"], "myservice_capabilities");
  EXPECT_EQ(capabilities["interpretation"], Json::parse(R"(["add","subtract"])"));
  const Json& valid_until = macaroon["caveats"][2];
  EXPECT_EQ(valid_until["condition"], "myservice_valid_until");
  EXPECT_EQ(valid_until["interpretation"]["unix"], 4102444800);
  EXPECT_EQ(valid_until["interpretation"]["iso"], token()["valid_until_iso"]);
  EXPECT_EQ(macaroon["signature_hex"], token()["signature"]);
}

std::string challenge_lines() {
  return "WWW-Authenticate: " + str(token()["challenge_values"][0]) +
         "\nWWW-Authenticate: " + str(token()["challenge_values"][1]) + "\n";
}

TEST(L402TokenCli, InspectsTheSyntheticChallengeFromTwoHeaderLines) {
  const std::string path = write_temp("l402_token_challenge", challenge_lines());
  const Json json = inspect("@" + path);
  EXPECT_EQ(json["kind"], "challenge");
  EXPECT_EQ(json["schemes"], Json::parse(R"(["LSAT","L402"])"));
  ASSERT_EQ(json["challenges"].size(), 2U);
  // The invoice exactly as `l402 invoice decode` prints it.
  const CliRun decoded = run("invoice decode " + str(token()["challenge_invoice"]));
  ASSERT_EQ(decoded.exit_code, 0) << decoded.err;
  const Json invoice = Json::parse(decoded.out);
  for (const Json& challenge : json["challenges"]) {
    EXPECT_TRUE(challenge["version"].is_null());
    expect_synthetic_macaroon(challenge["macaroon"]);
    EXPECT_EQ(challenge["invoice"], invoice);
    EXPECT_EQ(challenge["invoice"]["payment_hash"], token()["payment_hash"]);
    EXPECT_EQ(challenge["payment_hash_matches_identifier"], true);
  }
  EXPECT_EQ(json["challenges"][0]["scheme"], "LSAT");
  EXPECT_EQ(json["challenges"][1]["scheme"], "L402");
}

TEST(L402TokenCli, PrintsKeysInADocumentedOrder) {
  const CliRun r = run("token inspect " + quote(str(token()["challenge_values"][1])));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto ordered = nlohmann::ordered_json::parse(r.out);
  std::vector<std::string> keys;
  for (const auto& item : ordered.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"kind", "schemes", "challenges"}));
  keys.clear();
  for (const auto& item : ordered["challenges"][0].items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"scheme", "version", "macaroon", "invoice",
                                            "payment_hash_matches_identifier"}));
  keys.clear();
  for (const auto& item : ordered["challenges"][0]["macaroon"].items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"location", "identifier_hex", "identifier", "caveats",
                                            "signature_hex"}));
}

TEST(L402TokenCli, InspectsAFoldedTwoChallengeLine) {
  const std::string folded =
      str(token()["challenge_values"][0]) + ", " + str(token()["challenge_values"][1]);
  const Json json = inspect(quote(folded));
  EXPECT_EQ(json["kind"], "challenge");
  EXPECT_EQ(json["schemes"], Json::parse(R"(["LSAT","L402"])"));
  ASSERT_EQ(json["challenges"].size(), 2U);
  for (const Json& challenge : json["challenges"]) {
    expect_synthetic_macaroon(challenge["macaroon"]);
    EXPECT_EQ(challenge["payment_hash_matches_identifier"], true);
  }
}

TEST(L402TokenCli, AcceptsTheHeaderNameInAnyCase) {
  const Json json = inspect(quote("www-authenticate: " + str(token()["challenge_values"][1])));
  EXPECT_EQ(json["kind"], "challenge");
  EXPECT_EQ(json["schemes"], Json::parse(R"(["L402"])"));
}

TEST(L402TokenCli, InspectsTheLsatJsChallenge) {
  const Json& v = vectors()["lsat_js_challenge"];
  const Json json = inspect(quote(str(v["header_value"])));
  ASSERT_EQ(json["challenges"].size(), 1U);
  const Json& challenge = json["challenges"][0];
  EXPECT_EQ(challenge["macaroon"]["location"], v["location"]);
  EXPECT_EQ(challenge["macaroon"]["identifier"]["payment_hash"], v["payment_hash"]);
  EXPECT_EQ(challenge["macaroon"]["caveats"], Json::array());
  EXPECT_EQ(challenge["invoice"]["network"], "testnet");
  EXPECT_EQ(challenge["payment_hash_matches_identifier"], true);
}

TEST(L402TokenCli, FlagsAnInvoiceForAnotherPaymentHash) {
  const std::string value = "L402 macaroon=\"" + str(token()["v2_b64_std"]) + "\", invoice=\"" +
                            str(vectors()["lsat_js_challenge"]["invoice"]) + "\"";
  const Json json = inspect(quote(value));
  ASSERT_EQ(json["challenges"].size(), 1U);
  EXPECT_EQ(json["challenges"][0]["payment_hash_matches_identifier"], false);
}

TEST(L402TokenCli, ReportsAnInvoiceThatDoesNotDecode) {
  const std::string value =
      "L402 macaroon=\"" + str(token()["v2_b64_std"]) + "\", invoice=\"lnbc1notaninvoice\"";
  const Json json = inspect(quote(value));
  ASSERT_EQ(json["challenges"].size(), 1U);
  EXPECT_FALSE(json["challenges"][0].contains("invoice"));
  EXPECT_TRUE(json["challenges"][0]["invoice_error"].is_string());
  EXPECT_EQ(json["challenges"][0]["payment_hash_matches_identifier"], false);
}

TEST(L402TokenCli, InspectsTheSyntheticCredential) {
  for (const std::string prefix : {"", "Authorization: ", "AUTHORIZATION: "}) {
    SCOPED_TRACE(prefix);
    const Json json = inspect(quote(prefix + str(token()["authorization"])));
    EXPECT_EQ(json["kind"], "credential");
    EXPECT_EQ(json["schemes"], Json::parse(R"(["L402"])"));
    EXPECT_EQ(json["form"], "authorization");
    expect_synthetic_macaroon(json["macaroon"]);
    EXPECT_EQ(json["discharges"], 0);
    EXPECT_EQ(json["preimage"], token()["preimage"]);
    EXPECT_EQ(json["preimage_matches_payment_hash"], true);
  }
}

TEST(L402TokenCli, InspectsApertureStyleTwoAuthorizationLines) {
  const std::string b64 = str(token()["v2_b64_std"]);
  const std::string preimage = str(token()["preimage"]);
  const std::string path = write_temp("l402_token_two_authorization",
                                      "Authorization: LSAT " + b64 + ":" + preimage +
                                          "\nAuthorization: L402 " + b64 + ":" + preimage + "\n");
  const Json json = inspect("@" + path);
  EXPECT_EQ(json["kind"], "credential");
  EXPECT_EQ(json["schemes"], Json::parse(R"(["LSAT","L402"])"));
  expect_synthetic_macaroon(json["macaroon"]);
  EXPECT_EQ(json["preimage_matches_payment_hash"], true);
}

TEST(L402TokenCli, ReportsAPreimageThatDoesNotMatch) {
  std::string preimage = str(token()["preimage"]);
  preimage.back() = preimage.back() == '0' ? '1' : '0';
  const Json json = inspect(quote("LSAT " + str(token()["v2_b64_std"]) + ":" + preimage));
  EXPECT_EQ(json["kind"], "credential");
  EXPECT_EQ(json["schemes"], Json::parse(R"(["LSAT"])"));
  EXPECT_EQ(json["preimage"], preimage);
  EXPECT_EQ(json["preimage_matches_payment_hash"], false);
}

TEST(L402TokenCli, InspectsABareMacaroonInEveryForm) {
  for (const char* form : {"v2_b64_std", "v2_hex", "v2_json"}) {
    SCOPED_TRACE(form);
    const Json json = inspect(quote(str(token()[form])));
    EXPECT_EQ(json["kind"], "macaroon");
    EXPECT_EQ(json["schemes"], Json::array());
    expect_synthetic_macaroon(json["macaroon"]);
    EXPECT_EQ(json["discharges"], 0);
  }
}

TEST(L402TokenCli, InspectsTheMacaroonHexFormOfSection72) {
  const Json& v = vectors()["aperture_test_macaroon"];
  const Json bare = inspect(str(v["v2_hex"]));
  EXPECT_EQ(bare["kind"], "macaroon");
  const Json& macaroon = bare["macaroon"];
  EXPECT_EQ(macaroon["location"], "aperture");
  EXPECT_FALSE(macaroon.contains("identifier"));
  // "AA==" is no L402 identifier (4 bytes; read as a version, 0x4141).
  EXPECT_NE(str(macaroon["identifier_error"]).find("identifier"), std::string::npos)
      << macaroon["identifier_error"];
  ASSERT_EQ(macaroon["caveats"].size(), 1U);
  EXPECT_EQ(macaroon["caveats"][0]["condition"], "preimage");
  EXPECT_EQ(macaroon["caveats"][0]["interpretation"], v["preimage"]);

  for (const std::string name : {"Macaroon", "Grpc-Metadata-Macaroon"}) {
    SCOPED_TRACE(name);
    const Json credential = inspect(quote(name + ": " + str(v["v2_hex"])));
    EXPECT_EQ(credential["kind"], "credential");
    EXPECT_EQ(credential["schemes"], Json::array());
    EXPECT_EQ(credential["form"],
              name == "Macaroon" ? "macaroon_header" : "grpc_metadata_macaroon");
    EXPECT_EQ(credential["preimage"], v["preimage"]);
    // Not an L402 identifier, so there is no payment hash to match.
    EXPECT_EQ(credential["preimage_matches_payment_hash"], false);
  }
}

TEST(L402TokenCli, MarksCaveatsWithoutAnEqualsSignAndBadValues) {
  const CliRun attenuated =
      run("macaroon attenuate " + str(token()["v2_b64_std"]) +
          " --caveat note --caveat myservice_valid_until=soon --caveat services=");
  ASSERT_EQ(attenuated.exit_code, 0) << attenuated.err;
  const Json json = inspect(attenuated.out.substr(0, attenuated.out.size() - 1));
  const Json& caveats = json["macaroon"]["caveats"];
  ASSERT_EQ(caveats.size(), 6U);
  EXPECT_EQ(caveats[3]["raw"], "note");
  EXPECT_FALSE(caveats[3].contains("condition"));
  EXPECT_FALSE(caveats[3].contains("interpretation"));
  EXPECT_TRUE(caveats[4]["interpretation_error"].is_string());
  EXPECT_TRUE(caveats[5]["interpretation_error"].is_string());
}

TEST(L402TokenCli, ReadsStdinAndFiles) {
  const std::string path =
      write_temp("l402_token_credential", str(token()["authorization"]) + "\n");
  EXPECT_EQ(inspect("-", path)["kind"], "credential");
  EXPECT_EQ(inspect("@" + path)["kind"], "credential");
}

TEST(L402TokenCli, RejectsInputThatIsNoneOfTheForms) {
  expect_bad_input(run("token inspect 'hello world'"), "not an L402");
  expect_bad_input(run("token inspect ''"), "empty");
  expect_bad_input(run("token inspect 'X-Foo: bar'"), "X-Foo");
  expect_bad_input(run("token inspect 'WWW-Authenticate: Bearer realm=\"x\"'"), "no L402");
  expect_bad_input(run("token inspect 'Authorization: Bearer abc'"), "no L402");
  expect_bad_input(run("token inspect 'L402 macaroon=\"AgEE\"'"), "challenge");
  expect_bad_input(run("token inspect 'L402 AgEEbHNh:1234'"), "credential");
  expect_bad_input(run("token inspect @/nonexistent/l402"), "/nonexistent/l402");
}

TEST(L402TokenCli, RejectsAChallengeWhoseMacaroonDoesNotDecode) {
  const std::string value =
      "L402 macaroon=\"AgEEbHNh\", invoice=\"" + str(token()["challenge_invoice"]) + "\"";
  expect_bad_input(run("token inspect " + quote(value)), "macaroon");
}

TEST(L402TokenCli, RejectsMixedChallengeAndCredentialLines) {
  const std::string path =
      write_temp("l402_token_mixed",
                 challenge_lines() + "Authorization: " + str(token()["authorization"]) + "\n");
  expect_bad_input(run("token inspect @" + path), "mixes");
}

TEST(L402TokenCli, RejectsALineWithoutAHeaderNameAfterTheFirst) {
  const std::string path = write_temp(
      "l402_token_unnamed", challenge_lines() + str(token()["challenge_values"][1]) + "\n");
  expect_bad_input(run("token inspect @" + path), "line 3");
}

}  // namespace
