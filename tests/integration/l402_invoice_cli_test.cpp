// Runs `l402 invoice decode` as a user would: the JSON it prints for the BOLT 11 spec vectors
// (tests/data/bolt11_vectors.jsonl), exit code 1 and one line on stderr for an invalid
// invoice, exit code 2 for bad usage and oversized input, and stdin and @file input.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_runner.hpp"

namespace {

using Json = nlohmann::json;

using l402::test::CliRun;

CliRun run(const std::string& args, const std::string& stdin_path = "/dev/null") {
  return l402::test::run_program(L402_CLI_PATH, args, stdin_path);
}

std::vector<Json> vectors(const std::string& kind) {
  std::ifstream in(std::string(L402_TEST_DATA_DIR) + "/bolt11_vectors.jsonl");
  std::vector<Json> out;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    Json vector = Json::parse(line);
    if (vector["kind"] == kind) out.push_back(std::move(vector));
  }
  return out;
}

Json vector_named(const std::string& name) {
  for (const std::string kind : {"valid", "invalid"}) {
    for (Json& vector : vectors(kind)) {
      if (vector["name"] == name) return vector;
    }
  }
  ADD_FAILURE() << "no vector " << name;
  return {};
}

// One line on stderr, "l402: <message>", and nothing on stdout.
void expect_one_line_error(const CliRun& r) {
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_TRUE(r.err.starts_with("l402: ")) << r.err;
  EXPECT_GT(r.err.size(), std::string("l402: \n").size());
  EXPECT_TRUE(r.err.ends_with("\n")) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
}

std::string write_temp(const std::string& name, const std::string& content) {
  std::string path = ::testing::TempDir() + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

// The keys of `invoice decode`, in order.
constexpr std::array<const char*, 18> kKeys = {
    "network",      "amount_msat",           "timestamp",      "expiry",           "expires_at",
    "payment_hash", "payment_secret",        "description",    "description_hash", "payee",
    "payee_from",   "min_final_cltv_expiry", "features",       "route_hints",      "fallbacks",
    "metadata",     "unknown_fields",        "signature_valid"};

TEST(L402InvoiceCli, DecodesTheCoffeeVector) {
  const Json vector = vector_named("coffee_2500u_expiry60");
  const CliRun r = run("invoice decode " + vector["invoice"].get<std::string>());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  const Json json = Json::parse(r.out);
  // Keys in the documented order (the output is an ordered object).
  std::vector<std::string> keys;
  const nlohmann::ordered_json ordered = nlohmann::ordered_json::parse(r.out);
  for (const auto& item : ordered.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, std::vector<std::string>(kKeys.begin(), kKeys.end()));
  EXPECT_EQ(json["network"], "bitcoin");
  EXPECT_EQ(json["amount_msat"], 250000000u);
  EXPECT_EQ(json["timestamp"], 1496314658u);
  EXPECT_EQ(json["expiry"], 60u);
  EXPECT_EQ(json["expires_at"], 1496314718u);
  EXPECT_EQ(json["payment_hash"],
            "0001020304050607080900010203040506070809000102030405060708090102");
  EXPECT_EQ(json["payment_secret"],
            "1111111111111111111111111111111111111111111111111111111111111111");
  EXPECT_EQ(json["description"], "1 cup coffee");
  EXPECT_TRUE(json["description_hash"].is_null());
  EXPECT_EQ(json["payee"], "03e7156ae33b0a208d0744199163177e909e80176e55d97a2f221ede0f934dd9ad");
  EXPECT_EQ(json["payee_from"], "recovery");
  EXPECT_EQ(json["min_final_cltv_expiry"], 18u);
  EXPECT_EQ(json["features"]["bits"], Json::parse("[8, 14]"));
  EXPECT_EQ(json["features"]["named"],
            Json::parse(R"([{"bit": 8, "name": "var_onion_optin", "required": true},
                            {"bit": 14, "name": "payment_secret", "required": true}])"));
  EXPECT_EQ(json["route_hints"], Json::array());
  EXPECT_EQ(json["fallbacks"], Json::array());
  EXPECT_TRUE(json["metadata"].is_null());
  EXPECT_EQ(json["unknown_fields"], Json::array());
  EXPECT_EQ(json["signature_valid"], true);
}

TEST(L402InvoiceCli, DecodesRouteHintsFallbacksAndADescriptionHash) {
  const Json vector = vector_named("mainnet_fallback_p2pkh_with_route_hints");
  const CliRun r = run("invoice decode " + vector["invoice"].get<std::string>());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json json = Json::parse(r.out);
  EXPECT_EQ(json["amount_msat"], 2000000000u);
  EXPECT_TRUE(json["description"].is_null());
  EXPECT_EQ(json["description_hash"],
            "3925b6f67e2c340036ed12093dd44e0368df1b6ea26c53dbe4811f58fd5db8c1");
  EXPECT_EQ(json["fallbacks"], Json::parse(R"([{"version": 17,
                             "program": "04b61f7dc1ea0dc99424464cc4064dc564d91e89"}])"));
  EXPECT_EQ(json["route_hints"], Json::parse(R"([[
    {"pubkey": "029e03a901b85534ff1e92c43c74431f7ce72046060fcf7a95c37e148f78c77255",
     "short_channel_id": "66051x263430x1800", "fee_base_msat": 1,
     "fee_proportional_millionths": 20, "cltv_expiry_delta": 3},
    {"pubkey": "039e03a901b85534ff1e92c43c74431f7ce72046060fcf7a95c37e148f78c77255",
     "short_channel_id": "197637x395016x2314", "fee_base_msat": 2,
     "fee_proportional_millionths": 30, "cltv_expiry_delta": 4}]])"));
}

TEST(L402InvoiceCli, DecodesMetadataAndNamesItsFeature) {
  const CliRun r =
      run("invoice decode " + vector_named("payment_metadata")["invoice"].get<std::string>());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json json = Json::parse(r.out);
  EXPECT_EQ(json["metadata"], "01fafaf0");
  EXPECT_EQ(json["features"]["bits"], Json::parse("[8, 14, 48]"));
  EXPECT_EQ(json["features"]["named"][2],
            Json::parse(R"({"bit": 48, "name": "option_payment_metadata", "required": true})"));
}

TEST(L402InvoiceCli, ListsSkippedFieldsAndUnknownOddFeatures) {
  const CliRun r =
      run("invoice decode " +
          vector_named("features_8_14_99_with_ignorable_fields")["invoice"].get<std::string>());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json json = Json::parse(r.out);
  EXPECT_EQ(json["features"]["named"][2],
            Json::parse(R"({"bit": 99, "name": "unknown", "required": false})"));
  const Json& unknown = json["unknown_fields"];
  ASSERT_EQ(unknown.size(), 10u) << unknown;
  const std::vector<std::pair<int, int>> expected = {{10, 3},  {9, 33},  {1, 51},  {1, 53},
                                                     {23, 51}, {23, 53}, {16, 51}, {16, 53},
                                                     {19, 52}, {19, 54}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(unknown[i]["type"], expected[i].first) << i;
    EXPECT_EQ(unknown[i]["data_length"], expected[i].second) << i;
    EXPECT_TRUE(unknown[i]["reason"].is_string() && !unknown[i]["reason"].empty()) << i;
  }
}

// Every valid spec vector: the values the vector file states.
TEST(L402InvoiceCli, DecodesEveryValidSpecVector) {
  const std::vector<Json> valid = vectors("valid");
  ASSERT_EQ(valid.size(), 16u);
  for (const Json& vector : valid) {
    SCOPED_TRACE(vector["name"].get<std::string>());
    const Json& want = vector["expected"];
    const CliRun r = run("invoice decode " + vector["invoice"].get<std::string>());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const Json json = Json::parse(r.out);
    EXPECT_EQ(json["network"], want["network"]);
    EXPECT_EQ(json["amount_msat"], want["amount_msat"]);
    EXPECT_EQ(json["timestamp"], want["timestamp"]);
    EXPECT_EQ(json["expiry"], want["expiry"]);
    EXPECT_EQ(json["expires_at"],
              want["timestamp"].get<std::uint64_t>() + want["expiry"].get<std::uint64_t>());
    EXPECT_EQ(json["payment_hash"], want["payment_hash"]);
    EXPECT_EQ(json["payment_secret"], want["payment_secret"]);
    EXPECT_EQ(json["description"], want.value("description", Json()));
    EXPECT_EQ(json["description_hash"], want.value("description_hash", Json()));
    EXPECT_EQ(json["payee"], want["payee_pubkey"]);
    EXPECT_EQ(json["payee_from"], want["payee_from"]);
    EXPECT_EQ(json["min_final_cltv_expiry"], want["min_final_cltv_expiry_delta"]);
    EXPECT_EQ(json["features"]["bits"], want["features"]);
    EXPECT_EQ(json["metadata"], want.value("metadata_hex", Json()));
    Json fallbacks = Json::array();
    for (const Json& f : want.value("fallbacks", Json::array())) {
      fallbacks.push_back({{"version", f["version"]}, {"program", f["program_hex"]}});
    }
    EXPECT_EQ(json["fallbacks"], fallbacks);
    Json hints = Json::array();
    for (const Json& route : want.value("route_hints", Json::array())) {
      Json hops = Json::array();
      for (Json hop : route) {
        hop.erase("short_channel_id_u64");
        hops.push_back(std::move(hop));
      }
      hints.push_back(std::move(hops));
    }
    EXPECT_EQ(json["route_hints"], hints);
    EXPECT_EQ(json["unknown_fields"].size(), want.value("fields_skipped", Json::array()).size());
    EXPECT_EQ(json["signature_valid"], true);
  }
}

// Regtest, with an `n` field (verified, not recovered), a segwit v0 fallback, a route hint,
// metadata and features 8, 14, 17, 25. Made with encode_invoice and the spec vectors' key; the
// spec has no valid vector with `n` (fuzz/corpus/bolt11_decode/synthetic_n_field_all_fields).
constexpr const char* kNFieldInvoice =
    "lnbcrt12345670p1pj48ugqpp5qqqsyqcyq5rqwzqfpg9scrgwpugpzysnzs23v9ccrydpk8qarc0sdqads6rqv3"
    "qwdjk2ep6yphzqenfv4kxgxqyz5vqcqzzsfppqgfpyysjzgfpyysjzgfpyysjzgfpyysjzrzjq0n326hr8v9zprg"
    "8gsvezcch06gfaqqhde2aj730yg0durunfhv66rp4qqqqqrqqqyqqqqlgqqqqqeqqjqmqyqypqnp4q0n326hr8v9"
    "zprg8gsvezcch06gfaqqhde2aj730yg0durunfhv66sp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg"
    "3zyg3zygs9qxpqysgqt2pymena5a5wkzxq2wdmyc8mtkx0j3ypzgdh9f3s9xlhy23h8swjy2dxqxrmnl0kd9eexw"
    "h2c2nfv6ztqnqvvzdseezatleahspwxrcph6hx8u";

TEST(L402InvoiceCli, DecodesAnInvoiceThatNamesItsPayee) {
  const CliRun r = run(std::string("invoice decode ") + kNFieldInvoice);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json json = Json::parse(r.out);
  EXPECT_EQ(json["network"], "regtest");
  EXPECT_EQ(json["amount_msat"], 1234567u);
  EXPECT_EQ(json["expiry"], 86400u);
  EXPECT_EQ(json["expires_at"], 1700086400u);
  EXPECT_EQ(json["description"], "l402 seed: n field");
  EXPECT_EQ(json["payee"], "03e7156ae33b0a208d0744199163177e909e80176e55d97a2f221ede0f934dd9ad");
  EXPECT_EQ(json["payee_from"], "n_field");
  EXPECT_EQ(json["min_final_cltv_expiry"], 80u);
  EXPECT_EQ(json["features"]["named"],
            Json::parse(R"([{"bit": 8, "name": "var_onion_optin", "required": true},
                            {"bit": 14, "name": "payment_secret", "required": true},
                            {"bit": 17, "name": "basic_mpp", "required": false},
                            {"bit": 25, "name": "option_route_blinding", "required": false}])"));
  EXPECT_EQ(json["fallbacks"], Json::parse(R"([{"version": 0,
                             "program": "4242424242424242424242424242424242424242"}])"));
  ASSERT_EQ(json["route_hints"].size(), 1u);
  EXPECT_EQ(json["route_hints"][0][0]["short_channel_id"], "800000x12x1");
  EXPECT_EQ(json["route_hints"][0][0]["cltv_expiry_delta"], 144);
  EXPECT_EQ(json["metadata"], "0102");
}

TEST(L402InvoiceCli, UpperCaseAndALightningPrefixDecodeAlike) {
  const std::string lower = vector_named("features_8_14_99")["invoice"];
  const std::string upper = vector_named("features_8_14_99_uppercase")["invoice"];
  const CliRun a = run("invoice decode " + lower);
  const CliRun b = run("invoice decode " + upper);
  const CliRun c = run("invoice decode lightning:" + lower);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(a.out, c.out);
}

// Every invalid spec vector: exit 1, one line naming the failure, nothing on stdout.
TEST(L402InvoiceCli, RefusesEveryInvalidSpecVectorWithExitCodeOne) {
  const std::vector<Json> invalid = vectors("invalid");
  ASSERT_EQ(invalid.size(), 10u);
  for (const Json& vector : invalid) {
    SCOPED_TRACE(vector["name"].get<std::string>());
    const CliRun r = run("invoice decode " + vector["invoice"].get<std::string>());
    EXPECT_EQ(r.exit_code, 1) << r.err;
    expect_one_line_error(r);
  }
}

TEST(L402InvoiceCli, TheMessageNamesTheRuleThatFailed) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"bad_bech32_checksum", "checksum"},
      {"unknown_even_feature_100", "100"},
      {"invalid_multiplier", "multiplier"},
      {"missing_payment_secret", "secret"},
  };
  for (const auto& [name, word] : cases) {
    const CliRun r = run("invoice decode " + vector_named(name)["invoice"].get<std::string>());
    EXPECT_EQ(r.exit_code, 1) << name;
    EXPECT_NE(r.err.find(word), std::string::npos) << name << ": " << r.err;
  }
}

TEST(L402InvoiceCli, AnAlteredCharacterFailsTheChecksum) {
  std::string invoice = vector_named("coffee_2500u_expiry60")["invoice"];
  invoice[40] = invoice[40] == 'q' ? 'p' : 'q';
  const CliRun r = run("invoice decode " + invoice);
  EXPECT_EQ(r.exit_code, 1);
  expect_one_line_error(r);
}

TEST(L402InvoiceCli, ReadsTheInvoiceFromStdinAndFromAFile) {
  const std::string invoice = vector_named("coffee_2500u_expiry60")["invoice"];
  const CliRun direct = run("invoice decode " + invoice);
  ASSERT_EQ(direct.exit_code, 0) << direct.err;
  // A trailing newline (as `echo` and most editors write) is ignored.
  const std::string path = write_temp("l402_invoice_cli_in", invoice + "\n");
  const CliRun from_stdin = run("invoice decode -", path);
  EXPECT_EQ(from_stdin.exit_code, 0) << from_stdin.err;
  EXPECT_EQ(from_stdin.out, direct.out);
  const CliRun from_file = run("invoice decode @" + path);
  EXPECT_EQ(from_file.exit_code, 0) << from_file.err;
  EXPECT_EQ(from_file.out, direct.out);
}

TEST(L402InvoiceCli, RefusesOversizedInputWithExitCodeTwo) {
  // Past the 16 KiB read cap, from stdin and from a file.
  const std::string path = write_temp("l402_invoice_cli_big", std::string(20000, 'q'));
  CliRun r = run("invoice decode -", path);
  EXPECT_EQ(r.exit_code, 2);
  expect_one_line_error(r);
  EXPECT_NE(r.err.find("more than"), std::string::npos) << r.err;
  r = run("invoice decode @" + path);
  EXPECT_EQ(r.exit_code, 2);
  expect_one_line_error(r);
  // Under the read cap but over the decoder's 8 KiB limit.
  const std::string long_invoice = "lnbc1" + std::string(9000, 'q');
  r = run("invoice decode " + long_invoice);
  EXPECT_EQ(r.exit_code, 2);
  expect_one_line_error(r);
}

TEST(L402InvoiceCli, UsageErrorsExitWithTwo) {
  EXPECT_EQ(run("invoice").exit_code, 2);
  EXPECT_EQ(run("invoice decode").exit_code, 2);
  EXPECT_EQ(run("invoice decode --bogus x").exit_code, 2);
  const CliRun r = run("invoice decode @/nonexistent/l402-invoice");
  EXPECT_EQ(r.exit_code, 2);
  expect_one_line_error(r);
}

TEST(L402InvoiceCli, GarbageIsAnInvalidInvoiceNotACrash) {
  for (const std::string text : {"''", "x", "lnbc1", "lightning:", "'lnbc1 qqqq'", "bc1qqqqqqq"}) {
    const CliRun r = run("invoice decode " + text);
    EXPECT_EQ(r.exit_code, 1) << text << ": " << r.err;
    expect_one_line_error(r);
  }
}

}  // namespace
