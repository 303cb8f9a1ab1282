// Serialised forms of macaroons: V2 binary (the L402 wire form), V2 JSON, V1 (legacy), stacks.
//
// V2 binary (libmacaroons doc/format.txt, go-macaroon marshal-v2.go):
//   macaroon := 0x02 [LOCATION] IDENTIFIER EOS { [LOCATION] IDENTIFIER [VID] EOS } EOS SIGNATURE
//   field    := type:uvarint length:uvarint data     (1 location, 2 id, 4 vid, 6 signature)
// A stack (a root macaroon followed by its discharges) is V2 binaries concatenated.
//
// Parsers take bytes and MacaroonLimits and never read past their input; they fail with
// kInvalidArgument (malformed, naming the field) or kLimitExceeded (naming the limit).
//
// Thread safety: stateless; safe from any thread.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "l402/macaroon.hpp"
#include "l402/result.hpp"

namespace l402 {

// V2 binary.
std::string to_binary_v2(const Macaroon& macaroon);

// V1 binary packets (not base64-encoded). Fails with kInvalidArgument when V1 cannot hold the
// macaroon: an identifier, caveat id or location that is not UTF-8 (go-macaroon refuses
// those), or a packet longer than 0xffff bytes.
Result<std::string> to_binary_v1(const Macaroon& macaroon);

// V2 JSON as go-macaroon writes it: "l", "i"/"i64", "c" [{"i"/"i64", "v64", "l"}], "s64";
// a field goes out as x64 (unpadded URL-safe base64) when it is not UTF-8 or when that is
// shorter than the escaped string.
std::string to_json_v2(const Macaroon& macaroon);

// V1 JSON: {"caveats":[{"cid","vid","cl"}],"location","identifier","signature"(hex)}.
// Same restrictions as to_binary_v1.
Result<std::string> to_json_v1(const Macaroon& macaroon);

// One macaroon parsed from the front of a byte string, and how many bytes it used.
struct ParsedMacaroon {
  Macaroon macaroon;
  std::size_t consumed;
};

// Parses one V1 or V2 binary macaroon at the front of `bytes` (V2 when the first byte is
// 0x02, V1 when it is a lower-case hex digit); the bytes after it are left for the caller.
Result<ParsedMacaroon> parse_binary_prefix(std::string_view bytes,
                                           const MacaroonLimits& limits = {});

// Parses exactly one V1 or V2 binary macaroon; trailing bytes are an error.
Result<Macaroon> parse_binary(std::string_view bytes, const MacaroonLimits& limits = {});

// Parses a V1 or V2 JSON object. Binary fields may use either form (x or x64, not both);
// x64 accepts any base64 variant. A JSON string holding base64 binary is accepted too.
Result<Macaroon> parse_json(std::string_view json, const MacaroonLimits& limits = {});

// Parses a JSON array of macaroon objects (a root and its discharges), or a single object.
Result<std::vector<Macaroon>> parse_json_stack(std::string_view json,
                                               const MacaroonLimits& limits = {});

// Concatenated V2 binaries.
std::string to_binary_stack(std::span<const Macaroon> stack);

// Parses concatenated binary macaroons (at least one).
Result<std::vector<Macaroon>> parse_binary_stack(std::string_view bytes,
                                                 const MacaroonLimits& limits = {});

// Parses a macaroon or stack as people and programs pass it around: JSON (an object, or an
// array of objects), base64 in any variant of a binary stack, or hex of a binary stack (the
// gRPC `macaroon` metadata form). Surrounding ASCII whitespace is ignored.
Result<std::vector<Macaroon>> parse_text(std::string_view text, const MacaroonLimits& limits = {});

}  // namespace l402
