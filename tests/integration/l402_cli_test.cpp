// Runs build/bin/l402 as a user would and checks output and exit codes, including that bad
// input ends in a one-line message and exit code 2, never a crash.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_runner.hpp"
#include "l402/encoding.hpp"

namespace {

using l402::test::CliRun;

CliRun run(const std::string& args, const std::string& stdin_path = "/dev/null") {
  return l402::test::run_program(L402_CLI_PATH, args, stdin_path);
}

constexpr const char* kRootKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr const char* kIdentifier =
    "000072dbb7336c76780023f83da4c355f2eeea85733b13d3477697917790c1229084"
    "fed74b3ef24820f440601eff5bfb42bef4d615c4948cec8aca3cb15bd23f1013";
// l402-protocol.md §7.3: the complete synthetic L402 token.
constexpr const char* kToken =
    "AgEEbHNhdAJCAABy27czbHZ4ACP4PaTDVfLu6oVzOxPTR3aXkXeQwSKQhP7XSz7ySCD0QGAe/1v7Qr701hXElIzsiso8sV"
    "vSPxATAAIUc2VydmljZXM9bXlzZXJ2aWNlOjAAAiNteXNlcnZpY2VfY2FwYWJpbGl0aWVzPWFkZCxzdWJ0cmFjdAACIG1"
    "5c2VydmljZV92YWxpZF91bnRpbD00MTAyNDQ0ODAwAAAGIF11rcqICngUaETOks59ZZ53p3UftoVYCG2MAsKfO42J";

std::string mint_args() {
  return std::string("macaroon mint --root-key ") + kRootKey + " --id " + kIdentifier +
         " --location lsat --caveat services=myservice:0"
         " --caveat myservice_capabilities=add,subtract"
         " --caveat myservice_valid_until=4102444800";
}

void expect_bad_input(const CliRun& r) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(r.err.starts_with("l402: ") || r.err.find("--help") != std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST(L402Cli, MintReproducesTheSyntheticL402Token) {
  const CliRun r = run(mint_args());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, std::string(kToken) + "\n");
}

TEST(L402Cli, InspectDecodesTheL402Identifier) {
  const CliRun r = run(std::string("macaroon inspect ") + kToken);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["location"], "lsat");
  EXPECT_EQ(json["identifier_hex"], kIdentifier);
  EXPECT_EQ(json["signature_hex"],
            "5d75adca880a78146844ce92ce7d659e77a7751fb68558086d8c02c29f3b8d89");
  ASSERT_EQ(json["caveats"].size(), 3u);
  EXPECT_EQ(json["caveats"][1]["condition"], "myservice_capabilities=add,subtract");
  EXPECT_EQ(json["l402"]["version"], 0);
  EXPECT_EQ(json["l402"]["payment_hash"],
            "72dbb7336c76780023f83da4c355f2eeea85733b13d3477697917790c1229084");
  EXPECT_EQ(json["l402"]["token_id"],
            "fed74b3ef24820f440601eff5bfb42bef4d615c4948cec8aca3cb15bd23f1013");
}

TEST(L402Cli, InspectOmitsL402FieldsForOtherIdentifiers) {
  const CliRun minted =
      run(std::string("macaroon mint --root-key ") + kRootKey + " --id 6b65796964");
  ASSERT_EQ(minted.exit_code, 0) << minted.err;
  const CliRun r = run("macaroon inspect " + minted.out.substr(0, minted.out.size() - 1));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["identifier"], "keyid");
  EXPECT_FALSE(json.contains("l402"));
}

TEST(L402Cli, VerifyAcceptsTheRightKeyAndListsCaveats) {
  const CliRun r = run(std::string("macaroon verify ") + kToken + " --root-key " + kRootKey);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "valid\ncaveat services=myservice:0\ncaveat myservice_capabilities=add,subtract\n"
            "caveat myservice_valid_until=4102444800\n");
}

TEST(L402Cli, VerifyRefusesAWrongKeyWithExitCodeOne) {
  std::string wrong = kRootKey;
  wrong.back() = '0';
  const CliRun r = run(std::string("macaroon verify ") + kToken + " --root-key " + wrong);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("signature mismatch"), std::string::npos) << r.err;
}

TEST(L402Cli, AttenuateNarrowsAndStillVerifies) {
  const CliRun narrowed = run(std::string("macaroon attenuate ") + kToken +
                              " --caveat myservice_valid_until=4070908800 --format hex");
  ASSERT_EQ(narrowed.exit_code, 0) << narrowed.err;
  // l402-protocol.md §7.3: the client-attenuated form's final signature.
  EXPECT_TRUE(
      narrowed.out.ends_with("1a4020fda9abb658fa6aab3fe6872b1f0d4bcafb3e72cecec0c06b01e4cbd777\n"))
      << narrowed.out;
  const CliRun verified = run("macaroon verify " + narrowed.out.substr(0, narrowed.out.size() - 1) +
                              " --root-key " + kRootKey);
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
}

TEST(L402Cli, ReadsTheMacaroonFromStdinAndFromAFile) {
  const std::string path = ::testing::TempDir() + "l402_cli_token";
  std::ofstream(path) << kToken << "\n";
  EXPECT_EQ(run("macaroon inspect -", path).exit_code, 0);
  EXPECT_EQ(run("macaroon inspect @" + path).exit_code, 0);
}

TEST(L402Cli, RejectsInvalidBase64) { expect_bad_input(run("macaroon inspect 'AgEE!bHNh'")); }

TEST(L402Cli, RejectsEveryTruncationOfTheToken) {
  const std::string binary = *l402::base64::decode(kToken);
  for (std::size_t length = 1; length < binary.size(); length += 7) {
    const CliRun r = run("macaroon inspect " + l402::hex::encode(binary.substr(0, length)));
    expect_bad_input(r);
  }
}

TEST(L402Cli, RejectsOversizedInputFromStdin) {
  const std::string path = ::testing::TempDir() + "l402_cli_big";
  std::ofstream(path) << std::string(300000, 'A');
  const CliRun r = run("macaroon inspect -", path);
  expect_bad_input(r);
  EXPECT_NE(r.err.find("more than"), std::string::npos) << r.err;
}

TEST(L402Cli, RejectsARootKeyOfTheWrongLength) {
  const CliRun r = run(std::string("macaroon mint --root-key 0011 --id ") + kIdentifier);
  expect_bad_input(r);
  EXPECT_NE(r.err.find("32 bytes"), std::string::npos) << r.err;
}

TEST(L402Cli, RejectsBadHexIdentifier) {
  expect_bad_input(run(std::string("macaroon mint --root-key ") + kRootKey + " --id abc"));
}

TEST(L402Cli, RejectsAnEmptyCaveat) {
  expect_bad_input(run(std::string("macaroon attenuate ") + kToken + " --caveat ''"));
}

TEST(L402Cli, RejectsMissingSubcommandAndUnknownOptions) {
  EXPECT_EQ(run("").exit_code, 2);
  EXPECT_EQ(run("macaroon").exit_code, 2);
  EXPECT_EQ(run("macaroon inspect --bogus x").exit_code, 2);
}

TEST(L402Cli, RejectsAttenuatingAStack) {
  const std::string binary = *l402::base64::decode(kToken);
  expect_bad_input(
      run("macaroon attenuate " + l402::hex::encode(binary + binary) + " --caveat a=b"));
}

}  // namespace
