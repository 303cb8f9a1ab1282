// V2 binary codec (libmacaroons doc/format.txt; go-macaroon marshal-v2.go, packet-v2.go).
#include <optional>

#include "internal.hpp"
#include "l402/encoding.hpp"
#include "l402/macaroon_format.hpp"

namespace l402 {
namespace {
namespace mi = macaroon_internal;

std::size_t varint_size(std::uint64_t value) {
  std::size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

std::size_t field_size(std::string_view data) { return 1 + varint_size(data.size()) + data.size(); }

void append_field(std::string& out, std::uint64_t type, std::string_view data) {
  uvarint::append(out, type);
  uvarint::append(out, data.size());
  out += data;
}

struct Field {
  std::uint64_t type;
  std::string_view data;
};

// Reads fields of one section. go-macaroon rejects varints above 0x7fffffff.
class V2Reader {
 public:
  V2Reader(std::string_view input, const MacaroonLimits& limits)
      : input_(input), rest_(input), limits_(limits) {}

  std::size_t consumed() const { return input_.size() - rest_.size(); }

  Result<unsigned char> read_byte(std::string_view what) {
    if (rest_.empty()) return mi::malformed("truncated before " + std::string(what));
    const auto byte = static_cast<unsigned char>(rest_.front());
    rest_.remove_prefix(1);
    return byte;
  }

  // Reads a field or an end-of-section marker (type kFieldEos, empty data). Error messages
  // are built only on failure: this runs for every field of every credential.
  Result<Field> read_field(std::string_view section) {
    auto type = read_varint(section, "type");
    if (!type.ok()) return std::move(type).error();
    if (*type == mi::kFieldEos) return Field{mi::kFieldEos, {}};
    auto length = read_varint(section, "length");
    if (!length.ok()) return std::move(length).error();
    if (*length > limits_.max_field_size) {
      return mi::limit_exceeded("max_field_size", std::string(section) + " field size", *length,
                                limits_.max_field_size);
    }
    if (*length > rest_.size()) {
      return mi::malformed(std::string(section) + " field runs past the end");
    }
    const std::string_view data = rest_.substr(0, *length);
    rest_.remove_prefix(*length);
    if (consumed() > limits_.max_serialized_size) {
      return mi::limit_exceeded("max_serialized_size", "serialized size", consumed(),
                                limits_.max_serialized_size);
    }
    return Field{*type, data};
  }

 private:
  Result<std::uint64_t> read_varint(std::string_view section, std::string_view part) {
    auto value = uvarint::read(rest_);
    if (!value.ok()) {
      return mi::malformed(std::string(section) + " field " + std::string(part) + ": " +
                           value.error().message());
    }
    if (*value > 0x7fffffff) {
      return mi::malformed(std::string(section) + " field " + std::string(part) + " too large");
    }
    return value;
  }

  std::string_view input_;
  std::string_view rest_;
  const MacaroonLimits& limits_;
};

struct Section {
  std::optional<std::string_view> location;
  std::optional<std::string_view> identifier;
  std::optional<std::string_view> verification_id;
  bool empty = true;
};

// Reads one section up to its EOS; types must be strictly increasing and among `allowed`.
Result<Section> read_section(V2Reader& reader, std::string_view name, bool allow_vid) {
  Section section;
  std::uint64_t last_type = 0;
  for (;;) {
    L402_ASSIGN_OR_RETURN(const Field field, reader.read_field(name));
    if (field.type == mi::kFieldEos) return section;
    if (field.type <= last_type) {
      return mi::malformed(std::string(name) + " fields out of order or repeated");
    }
    last_type = field.type;
    section.empty = false;
    if (field.type == mi::kFieldLocation) {
      section.location = field.data;
    } else if (field.type == mi::kFieldIdentifier) {
      section.identifier = field.data;
    } else if (field.type == mi::kFieldVerificationId && allow_vid) {
      section.verification_id = field.data;
    } else {
      return mi::malformed("unexpected field type " + std::to_string(field.type) + " in " +
                           std::string(name));
    }
  }
}

Result<Caveat> caveat_from_section(const Section& section, std::size_t index) {
  auto where = [index] { return "caveat " + std::to_string(index); };
  if (!section.identifier) return mi::malformed(where() + " has no identifier");
  Caveat caveat{std::string(*section.identifier), {}, {}};
  if (section.verification_id) {
    if (section.verification_id->empty()) return mi::malformed(where() + " has an empty vid");
    caveat.verification_id = *section.verification_id;
    caveat.location = section.location.value_or(std::string_view{});
  } else if (section.location) {
    return mi::malformed(where() + ": a first-party caveat cannot have a location");
  }
  return caveat;
}

Result<ParsedMacaroon> parse_v2_prefix(std::string_view bytes, const MacaroonLimits& limits) {
  V2Reader reader(bytes, limits);
  L402_ASSIGN_OR_RETURN(const unsigned char version, reader.read_byte("version"));
  if (version != mi::kVersion2) return mi::malformed("not a V2 macaroon");

  L402_ASSIGN_OR_RETURN(const Section header, read_section(reader, "header", false));
  if (!header.identifier) return mi::malformed("header has no identifier");

  std::vector<Caveat> caveats;
  caveats.reserve(4);  // an L402 token has three or four; saves the regrowth moves
  for (;;) {
    L402_ASSIGN_OR_RETURN(const Section section, read_section(reader, "caveat", true));
    if (section.empty) break;
    if (caveats.size() >= limits.max_caveats) {
      return mi::limit_exceeded("max_caveats", "caveat count", caveats.size() + 1,
                                limits.max_caveats);
    }
    L402_ASSIGN_OR_RETURN(Caveat caveat, caveat_from_section(section, caveats.size()));
    caveats.push_back(std::move(caveat));
  }

  L402_ASSIGN_OR_RETURN(const Field signature, reader.read_field("signature"));
  if (signature.type != mi::kFieldSignature) return mi::malformed("missing signature");
  if (signature.data.size() != mi::kSignatureSize) {
    return mi::malformed("signature of " + std::to_string(signature.data.size()) +
                         " bytes, expected 32");
  }
  Hash256 sig;
  std::copy(signature.data.begin(), signature.data.end(), sig.begin());
  return ParsedMacaroon{
      Macaroon::from_parts(std::string(header.location.value_or(std::string_view{})),
                           std::string(*header.identifier), std::move(caveats), sig),
      reader.consumed()};
}

}  // namespace

namespace macaroon_internal {

std::size_t v2_size(const Macaroon& macaroon) {
  std::size_t size = 1;
  if (!macaroon.location().empty()) size += field_size(macaroon.location());
  size += field_size(macaroon.identifier()) + 1;
  for (const Caveat& caveat : macaroon.caveats()) {
    if (!caveat.location.empty()) size += field_size(caveat.location);
    size += field_size(caveat.id);
    if (!caveat.verification_id.empty()) size += field_size(caveat.verification_id);
    size += 1;
  }
  return size + 1 + field_size(as_view(macaroon.signature()));
}

}  // namespace macaroon_internal

std::string to_binary_v2(const Macaroon& macaroon) {
  std::string out;
  out.reserve(mi::v2_size(macaroon));
  out += static_cast<char>(mi::kVersion2);
  if (!macaroon.location().empty()) append_field(out, mi::kFieldLocation, macaroon.location());
  append_field(out, mi::kFieldIdentifier, macaroon.identifier());
  out += '\0';
  for (const Caveat& caveat : macaroon.caveats()) {
    if (!caveat.location.empty()) append_field(out, mi::kFieldLocation, caveat.location);
    append_field(out, mi::kFieldIdentifier, caveat.id);
    if (!caveat.verification_id.empty()) {
      append_field(out, mi::kFieldVerificationId, caveat.verification_id);
    }
    out += '\0';
  }
  out += '\0';
  append_field(out, mi::kFieldSignature, as_view(macaroon.signature()));
  return out;
}

Result<ParsedMacaroon> parse_binary_prefix(std::string_view bytes, const MacaroonLimits& limits) {
  if (bytes.empty()) return mi::malformed("empty input");
  const char first = bytes.front();
  if (first == static_cast<char>(mi::kVersion2)) return parse_v2_prefix(bytes, limits);
  if ((first >= '0' && first <= '9') || (first >= 'a' && first <= 'f')) {
    return mi::parse_v1_prefix(bytes, limits);
  }
  return mi::malformed("unknown format (first byte is neither 0x02 nor a hex digit)");
}

Result<Macaroon> parse_binary(std::string_view bytes, const MacaroonLimits& limits) {
  L402_ASSIGN_OR_RETURN(ParsedMacaroon parsed, parse_binary_prefix(bytes, limits));
  if (parsed.consumed != bytes.size()) {
    return mi::malformed(std::to_string(bytes.size() - parsed.consumed) +
                         " unexpected bytes after the signature");
  }
  return std::move(parsed.macaroon);
}

std::string to_binary_stack(std::span<const Macaroon> stack) {
  std::string out;
  for (const Macaroon& macaroon : stack) out += to_binary_v2(macaroon);
  return out;
}

Result<std::vector<Macaroon>> parse_binary_stack(std::string_view bytes,
                                                 const MacaroonLimits& limits) {
  if (bytes.size() > limits.max_serialized_size) {
    return mi::limit_exceeded("max_serialized_size", "serialized size", bytes.size(),
                              limits.max_serialized_size);
  }
  if (bytes.empty()) return mi::malformed("empty input");
  std::vector<Macaroon> stack;
  while (!bytes.empty()) {
    if (stack.size() >= limits.max_stack_size) {
      return mi::limit_exceeded("max_stack_size", "macaroons in stack", stack.size() + 1,
                                limits.max_stack_size);
    }
    auto parsed = parse_binary_prefix(bytes, limits);
    if (!parsed.ok()) {
      if (stack.empty()) return std::move(parsed).error();
      return parsed.error().with_context("stack entry " + std::to_string(stack.size()));
    }
    bytes.remove_prefix(parsed->consumed);
    stack.push_back(std::move(parsed->macaroon));
  }
  return stack;
}

}  // namespace l402
