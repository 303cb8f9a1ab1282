// The gRPC gateway tests' fixture (see grpc_gateway_fixture.hpp).
#include "grpc_gateway_fixture.hpp"

#include <grpcpp/generic/generic_stub.h>

#include <algorithm>
#include <fstream>
#include <future>
#include <iostream>
#include <sstream>

#include "l402/bolt11.hpp"
#include "l402/encoding.hpp"
#include "l402/macaroon.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/token_header.hpp"
#include "lightning_test_helpers.hpp"
#include "raw_connection.hpp"

namespace l402::test {
namespace {

using l402::testing::EchoReply;
using l402::testing::EchoRequest;

std::string text_of(const grpc::string_ref& ref) { return std::string(ref.data(), ref.size()); }

grpc::ByteBuffer to_buffer(const EchoRequest& request) {
  const std::string bytes = request.SerializeAsString();
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

bool from_buffer(const grpc::ByteBuffer& buffer, EchoReply& reply) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return false;
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return reply.ParseFromString(bytes);
}

// Sends every request, half-closes, reads every reply; the result comes with OnDone.
class CallReactor final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  CallReactor(grpc::GenericStub& stub, const std::string& method,
              const std::vector<EchoRequest>& requests, const Metadata& metadata,
              std::chrono::milliseconds deadline) {
    for (const auto& [key, value] : metadata) context_.AddMetadata(key, value);
    if (deadline.count() > 0) {
      context_.set_deadline(std::chrono::system_clock::now() + deadline);
    }
    for (const EchoRequest& request : requests) outgoing_.push_back(to_buffer(request));
    stub.PrepareBidiStreamingCall(&context_, method, grpc::StubOptions(), this);
    StartRead(&incoming_);
    if (outgoing_.empty()) {
      StartWritesDone();
    } else {
      StartWrite(&outgoing_[0]);
    }
    StartCall();
  }

  CallResult wait() {
    CallResult result = done_.get_future().get();
    for (const auto& [key, value] : context_.GetServerInitialMetadata()) {
      result.initial_metadata.emplace(text_of(key), text_of(value));
    }
    for (const auto& [key, value] : context_.GetServerTrailingMetadata()) {
      result.trailing_metadata.emplace(text_of(key), text_of(value));
    }
    return result;
  }

  void OnWriteDone(bool ok) override {
    if (!ok) return;
    if (++sent_ < outgoing_.size()) {
      StartWrite(&outgoing_[sent_]);
    } else {
      StartWritesDone();
    }
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;
    EchoReply reply;
    if (from_buffer(incoming_, reply)) replies_.push_back(std::move(reply));
    StartRead(&incoming_);
  }

  void OnDone(const grpc::Status& status) override {
    CallResult result;
    result.status = status;
    result.replies = std::move(replies_);
    done_.set_value(std::move(result));
  }

 private:
  grpc::ClientContext context_;
  std::vector<grpc::ByteBuffer> outgoing_;
  std::size_t sent_ = 0;
  grpc::ByteBuffer incoming_;
  std::vector<EchoReply> replies_;
  std::promise<CallResult> done_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::vector<std::string> CallResult::trailing(const std::string& key) const {
  std::vector<std::string> out;
  const auto [first, last] = trailing_metadata.equal_range(key);
  for (auto it = first; it != last; ++it) out.push_back(it->second);
  return out;
}

CallResult call(grpc::Channel& channel, const std::string& method,
                const std::vector<EchoRequest>& requests, const Metadata& metadata,
                std::chrono::milliseconds deadline) {
  grpc::GenericStub stub(std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  CallReactor reactor(stub, method, requests, metadata, deadline);
  return reactor.wait();
}

EchoRequest echo_request(const std::string& text, std::uint32_t repeat, std::uint32_t delay_ms) {
  EchoRequest request;
  request.set_text(text);
  request.set_repeat(repeat);
  request.set_delay_ms(delay_ms);
  return request;
}

Result<GrpcPurchase> pay_challenge(const CallResult& challenged, Backend& payer) {
  const std::vector<std::string> values = challenged.trailing("www-authenticate");
  const std::vector<std::string_view> views(values.begin(), values.end());
  L402_ASSIGN_OR_RETURN(const std::vector<Challenge> parsed, parse_challenges(views));
  const auto l402 = std::find_if(parsed.begin(), parsed.end(),
                                 [](const Challenge& c) { return c.scheme == "L402"; });
  if (l402 == parsed.end()) return Error(ErrorCode::kNotFound, "no L402 challenge");
  L402_ASSIGN_OR_RETURN(const Invoice invoice, decode_invoice(l402->invoice));
  const PayOutcome paid = payer.pay(pay_request(l402->invoice, Msat(100'000)));
  if (!paid.ok()) return paid.to_error();
  GrpcPurchase purchase;
  purchase.macaroon_base64 = l402->macaroon_base64;
  purchase.preimage_hex = hex::encode(paid.payment().preimage);
  purchase.authorization = "L402 " + l402->macaroon_base64 + ":" + purchase.preimage_hex;
  purchase.amount = invoice.amount.value_or(Msat());
  L402_ASSIGN_OR_RETURN(purchase.token_id_hex, token_id_of(l402->macaroon_base64));
  return purchase;
}

Result<std::string> aperture_macaroon_hex(const GrpcPurchase& purchase) {
  L402_ASSIGN_OR_RETURN(const std::string binary, base64::decode(purchase.macaroon_base64));
  L402_ASSIGN_OR_RETURN(Macaroon macaroon, parse_binary(binary));
  L402_RETURN_IF_ERROR(macaroon.add_first_party_caveat("preimage=" + purchase.preimage_hex));
  return hex::encode(to_binary_v2(macaroon));
}

void GrpcGatewayTest::SetUpTestSuite() {
  dir_ = new TempDir("l402d-grpc");
  std::string error;
  upstream_ = l402::testing::EchoServer::start({}, &error).release();
  if (upstream_ == nullptr) {
    std::cerr << "echo upstream did not start: " << error << "\n";
    return;
  }
  const std::string echo = "grpc://127.0.0.1:" + std::to_string(upstream_->port());
  const auto rewrite = [](const std::string& from) {
    return "rewrite: {from: " + from + ", to: /l402.testing.Echo/}";
  };
  GatewaySetup setup;
  setup.data_dir = dir_->file("data");
  setup.grpc_listener = true;
  setup.grpc_tls_listener = true;
  setup.services =
      service_yaml("say", "/l402\\\\.testing\\\\.Echo/Say", echo, {"price: 1"}) +
      service_yaml("echo", "/l402\\\\.testing\\\\.Echo/.*", echo, {"price: 2", "max_body: 64KiB"}) +
      service_yaml("open", "/open\\\\.Echo/.*", echo, {"auth: \"off\"", rewrite("/open.Echo/")}) +
      service_yaml("short", "/short\\\\.Echo/.*", echo,
                   {"price: 1", "timeout: 3s", rewrite("/short.Echo/")}) +
      service_yaml("down", "/down\\\\.Echo/.*", "grpc://127.0.0.1:" + std::to_string(unused_port()),
                   {"auth: \"off\"", rewrite("/down.Echo/")}) +
      service_yaml("web", "/api/.*", "http://127.0.0.1:9", {"price: 1"});
  gateway_ =
      Gateway::start(dir_->file("l402d.yaml"), gateway_yaml(setup), dir_->file("l402d.stderr"))
          .release();
}

void GrpcGatewayTest::TearDownTestSuite() {
  delete gateway_;
  gateway_ = nullptr;
  delete upstream_;
  upstream_ = nullptr;
  delete dir_;
  dir_ = nullptr;
}

void GrpcGatewayTest::SetUp() {
  ASSERT_NE(upstream_, nullptr);
  ASSERT_NE(gateway_, nullptr);
  ASSERT_TRUE(gateway_->ready()) << "l402d did not print its ready line\n" << gateway_->log_tail();
  ASSERT_FALSE(gateway_->url_with_scheme("grpc").empty()) << gateway_->ready_line().dump();
  ASSERT_OK_AND_ASSIGN(payer_, open_payer(*gateway_));
}

void GrpcGatewayTest::TearDown() {
  if (HasFailure() && gateway_ != nullptr) std::cerr << gateway_->log_tail() << "\n";
}

std::shared_ptr<grpc::Channel> GrpcGatewayTest::channel() {
  const std::string url = gateway_->url_with_scheme("grpc");
  return grpc::CreateChannel(url.substr(std::string("grpc://").size()),
                             grpc::InsecureChannelCredentials());
}

std::shared_ptr<grpc::Channel> GrpcGatewayTest::tls_channel() {
  const std::string url = gateway_->url_with_scheme("grpcs");
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = read_file(gateway_->ready_line().value("tls_cert", ""));
  grpc::ChannelArguments arguments;
  // The self-signed certificate names localhost; we connect by address.
  arguments.SetSslTargetNameOverride("localhost");
  return grpc::CreateCustomChannel(url.substr(std::string("grpcs://").size()),
                                   grpc::SslCredentials(options), arguments);
}

GrpcPurchase GrpcGatewayTest::buy(const std::string& method) {
  const CallResult challenged = call(*channel(), method, {echo_request("buy")});
  EXPECT_EQ(challenged.status.error_code(), grpc::StatusCode::INTERNAL)
      << challenged.status.error_message();
  Result<GrpcPurchase> purchase = pay_challenge(challenged, *payer_);
  EXPECT_TRUE(purchase.ok()) << (purchase.ok() ? "" : purchase.error().message());
  return purchase.ok() ? *purchase : GrpcPurchase{};
}

}  // namespace l402::test
