// WWW-Authenticate: the L402 challenge out (format_challenge) and in (parse_challenges).
//
// RFC 7235 §2.1 / RFC 9110 §11.6.1:
//   WWW-Authenticate = #challenge
//   challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//   auth-param       = token BWS "=" BWS ( token / quoted-string )
// "#rule" lists may hold empty elements, which recipients must skip (RFC 9110 §5.6.1.2). A
// challenge list is ambiguous only at a comma: what follows is another auth-param of the same
// challenge when it is `token BWS "="`, otherwise a new challenge.
//
// Choices where the RFCs leave room or where deployed peers disagree:
// - When an L402 challenge carries both `token` (SPEC 2026) and `macaroon` (Aperture, bLIP
//   26), `token` wins: it is the current name and `macaroon` its legacy synonym.
// - A parameter name repeated within an L402 challenge is an error ("MUST only occur once",
//   RFC 7235 §2.2). Other schemes' parameters are checked for syntax and counted, never
//   interpreted.
// - A control character (other than HTAB) anywhere in a value is an error before anything
//   else is parsed: it cannot occur in a valid field value.
#include <string>
#include <string_view>
#include <vector>

#include "header_syntax.hpp"
#include "l402/encoding.hpp"
#include "l402/token_header.hpp"

namespace l402 {
namespace {
namespace hs = header_syntax;

constexpr std::string_view kField = "WWW-Authenticate";

// One auth-param as it appears in the value: `raw` is the token, or the contents of the
// quoted-string with its quoted-pairs still escaped.
struct Param {
  std::string_view name;
  std::string_view raw;
  bool escaped = false;
};

std::string param_value(const Param& param) {
  if (!param.escaped) return std::string(param.raw);
  std::string out;
  out.reserve(param.raw.size());
  for (std::size_t i = 0; i < param.raw.size(); ++i) {
    // A quoted-pair: the parser guaranteed that a backslash is followed by its character.
    if (param.raw[i] == '\\') ++i;
    out += param.raw[i];
  }
  return out;
}

// Appends `text` as the contents of a quoted-string: '"' and '\' become quoted-pairs and
// control characters, which no quoted-string can carry, are dropped (so that a bad invoice can
// never split or inject a header line).
void append_quoted_contents(std::string& out, std::string_view text) {
  for (const char c : text) {
    if (hs::is_forbidden_control(c)) continue;
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
}

// Parses the challenges of one field value, appending the L402 ones to `out`.
class ValueParser {
 public:
  ValueParser(std::string_view value, std::size_t value_number, const HeaderLimits& limits,
              std::size_t& challenge_count, std::vector<Challenge>& out)
      : value_(value),
        value_number_(value_number),
        limits_(limits),
        challenge_count_(challenge_count),
        out_(out) {}

  Result<void> run() {
    skip_list_separators();
    while (!at_end()) L402_RETURN_IF_ERROR(parse_challenge());
    return ok_result();
  }

 private:
  // The state of the challenge being read.
  struct Current {
    std::string_view scheme;
    bool is_l402 = false;
    bool has_token68 = false;
    std::size_t param_count = 0;
    std::vector<Param> params;  // only for L402 challenges
  };

  bool at_end() const { return pos_ >= value_.size(); }
  char peek() const { return value_[pos_]; }

  std::size_t skip_ows() {
    const std::size_t start = pos_;
    while (!at_end() && hs::is_ows(peek())) ++pos_;
    return pos_ - start;
  }

  // Skips OWS and empty list elements: *( OWS "," ) OWS.
  void skip_list_separators() {
    while (!at_end() && (hs::is_ows(peek()) || peek() == ',')) ++pos_;
  }

  std::string_view read_token() {
    const std::size_t start = pos_;
    while (!at_end() && hs::is_tchar(peek())) ++pos_;
    return value_.substr(start, pos_ - start);
  }

  Error syntax_error(std::string_view what) const {
    return Error(ErrorCode::kInvalidArgument, std::string(kField) + ": " + std::string(what) +
                                                  " at offset " + std::to_string(pos_) +
                                                  " of value " + std::to_string(value_number_));
  }

  Result<void> parse_challenge() {
    Current current;
    current.scheme = read_token();
    if (current.scheme.empty()) return syntax_error("expected an auth-scheme");
    ++challenge_count_;
    if (challenge_count_ > limits_.max_challenges) {
      return hs::limit_exceeded(kField, "challenge count", challenge_count_, "max_challenges",
                                limits_.max_challenges);
    }
    current.is_l402 = hs::is_l402_scheme(current.scheme);

    const std::size_t spaces = skip_ows();
    if (!at_end() && peek() != ',') {
      if (spaces == 0) return syntax_error("expected a space after the auth-scheme");
      if (!try_token68(current)) L402_RETURN_IF_ERROR(parse_auth_param(current));
    }
    // Further list elements: auth-params of this challenge, until one starts a new challenge.
    for (;;) {
      skip_ows();
      if (at_end()) break;
      if (peek() != ',') return syntax_error("expected ','");
      skip_list_separators();
      if (at_end() || !next_is_auth_param()) break;
      if (current.has_token68) return syntax_error("auth-param after a token68");
      L402_RETURN_IF_ERROR(parse_auth_param(current));
    }
    if (current.is_l402) return finish_l402(current);
    return ok_result();
  }

  // True when the input at pos_ is `token BWS "="`; does not move.
  bool next_is_auth_param() {
    const std::size_t start = pos_;
    const bool has_name = !read_token().empty();
    skip_ows();
    const bool result = has_name && !at_end() && peek() == '=';
    pos_ = start;
    return result;
  }

  // Reads a token68 when one stands at pos_ and ends the element; otherwise does not move.
  bool try_token68(Current& current) {
    const std::size_t start = pos_;
    while (!at_end() && hs::is_token68_char(peek())) ++pos_;
    if (pos_ > start) {
      while (!at_end() && peek() == '=') ++pos_;
      skip_ows();
      if (at_end() || peek() == ',') {
        current.has_token68 = true;
        return true;
      }
    }
    pos_ = start;
    return false;
  }

  Result<void> parse_auth_param(Current& current) {
    Param param;
    param.name = read_token();
    if (param.name.empty()) return syntax_error("expected a parameter name");
    skip_ows();
    if (at_end() || peek() != '=') return syntax_error("expected '=' after a parameter name");
    ++pos_;
    skip_ows();
    if (!at_end() && peek() == '"') {
      L402_RETURN_IF_ERROR(read_quoted_string(param));
    } else {
      param.raw = read_token();
      if (param.raw.empty()) return syntax_error("expected a token or quoted-string value");
    }
    ++current.param_count;
    if (current.param_count > limits_.max_params) {
      return hs::limit_exceeded(kField, "parameter count of one challenge", current.param_count,
                                "max_params", limits_.max_params);
    }
    if (current.is_l402) {
      for (const Param& seen : current.params) {
        if (hs::iequals(seen.name, param.name)) {
          return Error(ErrorCode::kInvalidArgument,
                       std::string(kField) + ": " + std::string(current.scheme) +
                           " challenge repeats parameter " + std::string(param.name));
        }
      }
      current.params.push_back(param);
    }
    return ok_result();
  }

  // Requires: peek() == '"'. Control characters were rejected for the whole value, so every
  // other byte is qdtext or may follow a backslash.
  Result<void> read_quoted_string(Param& param) {
    ++pos_;
    const std::size_t start = pos_;
    while (!at_end()) {
      const char c = peek();
      if (c == '"') {
        param.raw = value_.substr(start, pos_ - start);
        ++pos_;
        return ok_result();
      }
      if (c == '\\') {
        param.escaped = true;
        ++pos_;
        if (at_end()) break;
      }
      ++pos_;
    }
    return syntax_error("unterminated quoted-string");
  }

  Result<void> finish_l402(const Current& current) {
    const Param* token = nullptr;
    const Param* macaroon = nullptr;
    const Param* invoice = nullptr;
    const Param* version = nullptr;
    for (const Param& param : current.params) {
      if (hs::iequals(param.name, "token")) {
        token = &param;
      } else if (hs::iequals(param.name, "macaroon")) {
        macaroon = &param;
      } else if (hs::iequals(param.name, "invoice")) {
        invoice = &param;
      } else if (hs::iequals(param.name, "version")) {
        version = &param;
      }
    }
    const std::string prefix = std::string(kField) + ": " + std::string(current.scheme);
    const Param* chosen = token != nullptr ? token : macaroon;
    if (chosen == nullptr) {
      return Error(ErrorCode::kInvalidArgument,
                   prefix + " challenge lacks a token (or macaroon) parameter");
    }
    if (invoice == nullptr) {
      return Error(ErrorCode::kInvalidArgument, prefix + " challenge lacks an invoice parameter");
    }
    Challenge challenge;
    challenge.scheme = std::string(current.scheme);
    challenge.macaroon_base64 = param_value(*chosen);
    challenge.invoice = param_value(*invoice);
    if (version != nullptr) challenge.version = param_value(*version);
    if (challenge.macaroon_base64.empty()) {
      return Error(ErrorCode::kInvalidArgument,
                   prefix + " challenge has an empty " + std::string(chosen->name) + " parameter");
    }
    if (challenge.invoice.empty()) {
      return Error(ErrorCode::kInvalidArgument,
                   prefix + " challenge has an empty invoice parameter");
    }
    out_.push_back(std::move(challenge));
    return ok_result();
  }

  std::string_view value_;
  std::size_t value_number_;
  const HeaderLimits& limits_;
  std::size_t& challenge_count_;
  std::vector<Challenge>& out_;
  std::size_t pos_ = 0;
};

}  // namespace

std::vector<std::string> format_challenge(std::string_view macaroon_binary,
                                          std::string_view invoice, ChallengeStyle style) {
  // Aperture's Go client matches `(LSAT|L402) macaroon="(.*?)", invoice="(.*?)"`: macaroon
  // first, invoice second, one comma and one space; version may only come after them.
  std::string params = " macaroon=\"";
  params += base64::encode_std(macaroon_binary);
  params += "\", invoice=\"";
  append_quoted_contents(params, invoice);
  params += "\", version=\"0\"";
  switch (style) {
    case ChallengeStyle::kAperture:
      return {"LSAT" + params, "L402" + params};
    case ChallengeStyle::kSpec:
      return {"L402" + params};
  }
  return {"L402" + params};
}

Result<std::vector<Challenge>> parse_challenges(std::span<const std::string_view> values,
                                                const HeaderLimits& limits) {
  std::vector<Challenge> challenges;
  std::size_t challenge_count = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::string_view value = values[i];
    if (value.size() > limits.max_value_size) {
      return hs::limit_exceeded(kField, "value size", value.size(), "max_value_size",
                                limits.max_value_size);
    }
    if (const auto offset = hs::find_forbidden_control(value)) {
      return Error(ErrorCode::kInvalidArgument, std::string(kField) + ": control character " +
                                                    hs::byte_name(value[*offset]) + " at offset " +
                                                    std::to_string(*offset) + " of value " +
                                                    std::to_string(i + 1));
    }
    ValueParser parser(value, i + 1, limits, challenge_count, challenges);
    L402_RETURN_IF_ERROR(parser.run());
  }
  return challenges;
}

}  // namespace l402
