// The independent L402 server (tests/interop/node/l402_server.js) does what the client's tests
// rely on: read with our own parser and decoders, its challenges carry what each mode
// promises, devnet pays its invoices, and the credentials built from them are accepted (or
// refused) as documented. A client test that fails against this server can then blame the
// client.
#include "node_l402_server.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "l402/bolt11.hpp"
#include "l402/crypto.hpp"
#include "l402/encoding.hpp"
#include "l402/macaroon.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/token.hpp"
#include "l402/token_header.hpp"
#include "lightning_test_helpers.hpp"
#include "result_matchers.hpp"
#include "temp_dir.hpp"
#include "test_bytes.hpp"

namespace l402::test {
namespace {

// A 402's L402 challenge as a client reads it, each step with our own code.
struct ReadChallenge {
  std::vector<std::string> values;  // the WWW-Authenticate values
  std::vector<Challenge> challenges;
  std::string macaroon_base64;  // of the L402 line
  std::vector<std::string> caveats;
  Identifier identifier;
  Invoice invoice;
};

Result<ReadChallenge> read_challenge(const HttpResponse& response) {
  ReadChallenge read;
  read.values = response.values("WWW-Authenticate");
  const std::vector<std::string_view> views(read.values.begin(), read.values.end());
  L402_ASSIGN_OR_RETURN(read.challenges, parse_challenges(views));
  const Challenge* l402 = nullptr;
  for (const Challenge& challenge : read.challenges) {
    if (lower_case(challenge.scheme) == "l402") l402 = &challenge;
  }
  if (l402 == nullptr) return Error(ErrorCode::kNotFound, "no L402 challenge");
  read.macaroon_base64 = l402->macaroon_base64;
  L402_ASSIGN_OR_RETURN(const std::string binary, base64::decode(l402->macaroon_base64));
  L402_ASSIGN_OR_RETURN(const Macaroon macaroon, parse_binary(binary));
  for (const Caveat& caveat : macaroon.caveats()) read.caveats.push_back(caveat.id);
  L402_ASSIGN_OR_RETURN(read.identifier, decode_identifier(macaroon.identifier()));
  L402_ASSIGN_OR_RETURN(read.invoice, decode_invoice(l402->invoice));
  return read;
}

std::string credential(std::string_view scheme, const std::string& macaroon_base64,
                       const Hash256& preimage) {
  return "Authorization: " + std::string(scheme) + " " + macaroon_base64 + ":" +
         hex::encode(preimage);
}

NodeServerOptions in_mode(const std::string& mode) {
  NodeServerOptions options;
  options.mode = mode;
  return options;
}

std::uint64_t now_seconds() { return static_cast<std::uint64_t>(std::time(nullptr)); }

class NodeL402ServerTest : public ::testing::Test {
 protected:
  // Starts devnet and the server: ASSERT_TRUE(start(...)).
  [[nodiscard]] bool start(const NodeServerOptions& options = {}) {
    Result<NodeL402Setup> started = start_node_l402_setup(dir_.path(), options);
    EXPECT_OK(started);
    if (!started.ok()) return false;
    setup_ = std::move(*started);
    Result<std::unique_ptr<Backend>> payer = setup_.devnet->open_account();
    EXPECT_OK(payer);
    if (!payer.ok()) return false;
    payer_ = std::move(*payer);
    return true;
  }

  NodeL402Server& server() { return *setup_.server; }

  HttpResponse get(const std::string& path, std::vector<std::string> headers = {}) {
    return http_get(server().url() + path, std::move(headers));
  }

  // A 402 for `path`, read; a failure names the step and shows the server's log.
  ReadChallenge challenge(const std::string& path) {
    const HttpResponse response = get(path);
    EXPECT_EQ(response.status, 402) << response.body << server().log_tail();
    Result<ReadChallenge> read = read_challenge(response);
    EXPECT_OK(read);
    return read.ok() ? *read : ReadChallenge{};
  }

  // Pays the challenge's invoice with the payer account; the preimage.
  Hash256 pay(const ReadChallenge& read) {
    if (read.challenges.empty()) {
      ADD_FAILURE() << "no challenge to pay";
      return Hash256{};
    }
    const PayOutcome paid = payer_->pay(pay_request(read.challenges.back().invoice, Msat(10'000)));
    EXPECT_TRUE(paid.ok()) << paid.message();
    return paid.ok() ? paid.payment().preimage : Hash256{};
  }

  nlohmann::json stats() {
    Result<nlohmann::json> stats = server().stats();
    EXPECT_OK(stats);
    return stats.ok() ? *stats : nlohmann::json::object();
  }

  TempDir dir_{"l402-node-server"};
  NodeL402Setup setup_;
  std::unique_ptr<Backend> payer_;
};

TEST_F(NodeL402ServerTest, NormalChallengeIsApertureShapedAndItsPaidCredentialIsAccepted) {
  NodeServerOptions options;
  options.price_sat = 21;
  ASSERT_TRUE(start(options));
  const ReadChallenge read = challenge("/paid/hello");
  ASSERT_EQ(read.values.size(), 2u);
  EXPECT_EQ(read.values[0].rfind("LSAT macaroon=\"", 0), 0u) << read.values[0];
  EXPECT_EQ(read.values[1].rfind("L402 macaroon=\"", 0), 0u) << read.values[1];
  ASSERT_EQ(read.challenges.size(), 2u);
  EXPECT_EQ(read.challenges[0].macaroon_base64, read.challenges[1].macaroon_base64);
  EXPECT_EQ(read.invoice.network, Network::kRegtest);
  ASSERT_TRUE(read.invoice.amount.has_value());
  EXPECT_EQ(read.invoice.amount->value(), 21'000u);
  EXPECT_EQ(hex::encode(read.identifier.payment_hash), hex::encode(read.invoice.payment_hash));
  EXPECT_EQ(hex::encode(read.invoice.payee), server().ready_line()["node_id"]);
  EXPECT_EQ(read.caveats, std::vector<std::string>{"services=interop:0"});

  const Hash256 preimage = pay(read);
  for (const std::string_view scheme : {"L402", "LSAT"}) {
    const HttpResponse paid =
        get("/paid/hello", {credential(scheme, read.macaroon_base64, preimage)});
    ASSERT_EQ(paid.status, 200) << scheme << " " << paid.body << server().log_tail();
    const nlohmann::json body = nlohmann::json::parse(paid.body, nullptr, false);
    EXPECT_EQ(body["token_id"], hex::encode(read.identifier.token_id)) << paid.body;
    EXPECT_EQ(body["path"], "/paid/hello");
  }
  const nlohmann::json counts = stats();
  EXPECT_EQ(counts["challenges"], 1);
  EXPECT_EQ(counts["paid"], 2);
  EXPECT_EQ(counts["invoices_issued"], 1);
  EXPECT_EQ(counts["invoices_settled"], 1);
}

TEST_F(NodeL402ServerTest, CredentialsThatDoNotHoldGet401) {
  ASSERT_TRUE(start());
  const ReadChallenge read = challenge("/paid/x");
  const Hash256 preimage = pay(read);
  Hash256 wrong = preimage;
  wrong[31] ^= 1;
  ASSERT_OK_AND_ASSIGN(const std::string binary, base64::decode(read.macaroon_base64));
  ASSERT_OK_AND_ASSIGN(Macaroon elsewhere, parse_binary(binary));
  ASSERT_OK(elsewhere.add_first_party_caveat("services=other:0"));
  const std::string pending = "Authorization: L402 " + read.macaroon_base64 + ":";

  for (const std::string& header :
       {credential("L402", read.macaroon_base64, wrong), pending,
        credential("L402", base64::encode_std(to_binary_v2(elsewhere)), preimage)}) {
    const HttpResponse refused = get("/paid/x", {header});
    EXPECT_EQ(refused.status, 401) << header << "\n" << refused.body;
    EXPECT_TRUE(refused.values("WWW-Authenticate").empty());
  }
  // A holder's narrowing that still covers the request is fine.
  ASSERT_OK_AND_ASSIGN(Macaroon narrowed, parse_binary(binary));
  ASSERT_OK(narrowed.add_first_party_caveat("interop_valid_until=" +
                                            std::to_string(now_seconds() + 3600)));
  const HttpResponse accepted =
      get("/paid/x", {credential("L402", base64::encode_std(to_binary_v2(narrowed)), preimage)});
  EXPECT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(stats()["unauthorized"], 3);
}

TEST_F(NodeL402ServerTest, PaidPostBodyComesBackIntact) {
  ASSERT_TRUE(start());
  std::string body(200 * 1024, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>((i * 7919) >> 3);
  HttpRequest request;
  request.method = "POST";
  request.url = server().url() + "/paid/echo";
  request.body = body;
  request.headers = {"Content-Type: application/x-test"};
  const HttpResponse unpaid = http(request);
  ASSERT_EQ(unpaid.status, 402) << unpaid.body;
  ASSERT_OK_AND_ASSIGN(const ReadChallenge read, read_challenge(unpaid));

  request.headers.push_back(credential("L402", read.macaroon_base64, pay(read)));
  const HttpResponse paid = http(request);
  ASSERT_EQ(paid.status, 200) << paid.body;
  EXPECT_TRUE(paid.body == body) << "the body came back altered (" << paid.body.size() << " bytes)";
  EXPECT_EQ(paid.header("Content-Type"), "application/x-test");
  EXPECT_EQ(paid.header("X-Body-Sha256"), hex::encode(sha256(body)));
}

TEST_F(NodeL402ServerTest, PaidBytesMatchTheirChecksum) {
  ASSERT_TRUE(start());
  const ReadChallenge read = challenge("/paid/bytes/1048577");
  const std::string authorization = credential("L402", read.macaroon_base64, pay(read));
  const HttpResponse first = get("/paid/bytes/1048577", {authorization});
  ASSERT_EQ(first.status, 200) << first.body.substr(0, 200);
  EXPECT_EQ(first.body.size(), 1048577u);
  EXPECT_EQ(first.header("X-Checksum"), hex::encode(sha256(first.body)));
  const HttpResponse again = get("/paid/bytes/1048577", {authorization});
  EXPECT_TRUE(again.body == first.body) << "the bytes are not deterministic";
  EXPECT_NE(first.body.substr(0, 65536), first.body.substr(65536, 65536));
}

TEST_F(NodeL402ServerTest, FreePathsNeedNoCredentialAndBodiesAreBounded) {
  NodeServerOptions options;
  options.extra_arguments = {"--max-body-bytes", "1024"};
  ASSERT_TRUE(start(options));
  const HttpResponse free = get("/free/hello");
  EXPECT_EQ(free.status, 200) << free.body;
  EXPECT_EQ(nlohmann::json::parse(free.body, nullptr, false)["free"], true) << free.body;
  HttpRequest request;
  request.method = "POST";
  request.url = server().url() + "/free/echo";
  request.body = std::string(2048, 'x');
  EXPECT_EQ(http(request).status, 413);
  EXPECT_EQ(get("/elsewhere").status, 404);
  const nlohmann::json counts = stats();
  EXPECT_EQ(counts["too_large"], 1);
  EXPECT_EQ(counts["challenges"], 0);
}

TEST_F(NodeL402ServerTest, ExpiredTokenGetsAFreshChallenge) {
  NodeServerOptions options;
  options.valid_for_seconds = 4;
  ASSERT_TRUE(start(options));
  const ReadChallenge read = challenge("/paid/x");
  ASSERT_EQ(read.caveats.size(), 2u);
  const std::string prefix = "interop_valid_until=";
  ASSERT_EQ(read.caveats[1].rfind(prefix, 0), 0u) << read.caveats[1];
  const std::uint64_t valid_until = std::stoull(read.caveats[1].substr(prefix.size()));
  EXPECT_LE(valid_until, now_seconds() + 4);
  const std::string authorization = credential("L402", read.macaroon_base64, pay(read));
  EXPECT_EQ(get("/paid/x", {authorization}).status, 200);

  while (now_seconds() < valid_until) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const HttpResponse expired = get("/paid/x", {authorization});
  ASSERT_EQ(expired.status, 402) << expired.body;
  ASSERT_OK_AND_ASSIGN(const ReadChallenge fresh, read_challenge(expired));
  EXPECT_NE(hex::encode(fresh.identifier.token_id), hex::encode(read.identifier.token_id));
  EXPECT_EQ(stats()["expired"], 1);
}

TEST_F(NodeL402ServerTest, HashMismatchModeBindsTheMacaroonToAnotherHash) {
  ASSERT_TRUE(start(in_mode("hash-mismatch")));
  const ReadChallenge read = challenge("/paid/x");
  EXPECT_EQ(read.invoice.network, Network::kRegtest);
  EXPECT_EQ(hex::encode(read.invoice.payee), server().ready_line()["node_id"]);
  EXPECT_NE(hex::encode(read.identifier.payment_hash), hex::encode(read.invoice.payment_hash));
  const nlohmann::json counts = stats();
  EXPECT_EQ(counts["invoices_issued"], 1);
  EXPECT_EQ(counts["invoices_settled"], 0);
}

TEST_F(NodeL402ServerTest, MainnetModeSendsABitcoinInvoiceDevnetCannotPay) {
  ASSERT_TRUE(start(in_mode("mainnet")));
  const ReadChallenge read = challenge("/paid/x");
  EXPECT_EQ(read.invoice.network, Network::kBitcoin);
  EXPECT_EQ(hex::encode(read.identifier.payment_hash), hex::encode(read.invoice.payment_hash));
  EXPECT_FALSE(read.invoice.is_expired(now_seconds()));
  EXPECT_NE(hex::encode(read.invoice.payee), server().ready_line()["node_id"]);
  EXPECT_FALSE(payer_->pay(pay_request(read.challenges.back().invoice, Msat(10'000))).ok());
  EXPECT_EQ(stats()["invoices_issued"], 0);
}

TEST_F(NodeL402ServerTest, ExpiredModeSendsARegtestInvoiceThatHasExpired) {
  ASSERT_TRUE(start(in_mode("expired")));
  const ReadChallenge read = challenge("/paid/x");
  EXPECT_EQ(read.invoice.network, Network::kRegtest);
  EXPECT_EQ(hex::encode(read.identifier.payment_hash), hex::encode(read.invoice.payment_hash));
  EXPECT_TRUE(read.invoice.is_expired(now_seconds()));
  EXPECT_LT(read.invoice.expires_at() + 3000, now_seconds());
}

TEST_F(NodeL402ServerTest, LoopModeAnswersAValidCredentialWithAnotherChallenge) {
  ASSERT_TRUE(start(in_mode("loop")));
  const ReadChallenge read = challenge("/paid/x");
  EXPECT_EQ(hex::encode(read.identifier.payment_hash), hex::encode(read.invoice.payment_hash));
  const HttpResponse again = get("/paid/x", {credential("L402", read.macaroon_base64, pay(read))});
  ASSERT_EQ(again.status, 402) << again.body;
  ASSERT_OK_AND_ASSIGN(const ReadChallenge next, read_challenge(again));
  EXPECT_NE(hex::encode(next.identifier.token_id), hex::encode(read.identifier.token_id));
  EXPECT_NE(hex::encode(next.invoice.payment_hash), hex::encode(read.invoice.payment_hash));
  const nlohmann::json counts = stats();
  EXPECT_EQ(counts["paid"], 0);
  EXPECT_EQ(counts["loop_refusals"], 1);
  EXPECT_EQ(counts["invoices_settled"], 1);
}

TEST_F(NodeL402ServerTest, GarbageModeGivesNoChallengeAClientCouldUse) {
  ASSERT_TRUE(start(in_mode("garbage")));
  const std::vector<std::string> variants = {"unterminated",      "bad-base64",  "not-a-macaroon",
                                             "not-an-identifier", "bad-invoice", "no-invoice",
                                             "no-macaroon",       "empty",       "other-scheme",
                                             "duplicate-invoice", "high-bytes",  "oversized"};
  EXPECT_EQ(stats()["garbage_variants"], nlohmann::json(variants));
  for (const std::string& variant : variants) {
    const HttpResponse response = get("/paid/x?garbage=" + variant);
    ASSERT_EQ(response.status, 402) << variant << ": " << response.error << response.body;
    EXPECT_FALSE(response.values("WWW-Authenticate").empty()) << variant;
    EXPECT_EQ(nlohmann::json::parse(response.body, nullptr, false)["garbage"], variant);
    const Result<ReadChallenge> read = read_challenge(response);
    EXPECT_FALSE(read.ok()) << variant << " gave a usable challenge";
  }
  EXPECT_EQ(get("/paid/x?garbage=nonsense").status, 400);
  EXPECT_EQ(stats()["invoices_settled"], 0);
}

TEST_F(NodeL402ServerTest, StopsOnSigterm) {
  ASSERT_TRUE(start());
  EXPECT_EQ(server().stop(SIGTERM, std::chrono::seconds(5)), 0) << server().log_tail();
}

}  // namespace
}  // namespace l402::test
