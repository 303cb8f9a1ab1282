// Caveat conventions of L402 (l402-protocol.md 4): "condition=value" split at the first '=',
// the services / capabilities / valid_until conditions, and the narrowing rule Aperture
// applies to repeated conditions (l402/satisfier.go):
//
//   services       every name in the later caveat appears in the earlier one (tiers ignored)
//   capabilities   every item of the later caveat appears in the earlier one
//   valid_until    the later time is not after the earlier one
//   limits         (ours) a later numeric limit is not above the earlier one
//
// The grammars are stricter than Aperture's where Aperture accepts what it never mints: tiers
// are 0-255 without sign or leading zeros, numbers have no sign or leading zeros, and an empty
// capability between commas is an error. What a holder cannot write here, Aperture never
// writes either.
#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "l402/token.hpp"
#include "token/caveat_rules.hpp"

namespace l402 {
namespace {

namespace ti = token_internal;

constexpr std::size_t kQuoteMax = 64;

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

// A decimal without sign or leading zeros ("0" itself is fine), at most `max`.
std::optional<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t max) {
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (max - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

// Calls visit(item) for each item of a comma-separated list; stops at the first error.
template <typename Visit>
Result<void> for_each_item(std::string_view list, Visit&& visit) {
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = list.find(',', start);
    const std::string_view item = list.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    L402_RETURN_IF_ERROR(visit(item));
    if (comma == std::string_view::npos) return ok_result();
    start = comma + 1;
  }
}

struct ServiceEntry {
  std::string_view name;
  std::uint8_t tier;
};

Result<ServiceEntry> parse_service_entry(std::string_view entry) {
  const std::size_t colon = entry.find(':');
  if (colon == std::string_view::npos) {
    return invalid("services entry " + ti::quote(entry) + " is not name:tier");
  }
  const std::string_view name = entry.substr(0, colon);
  const std::string_view tier = entry.substr(colon + 1);
  if (name.empty()) return invalid("services entry " + ti::quote(entry) + " has an empty name");
  if (name.find('=') != std::string_view::npos) {
    return invalid("services entry " + ti::quote(entry) + " has '=' in its name");
  }
  const std::optional<std::uint64_t> value = parse_decimal(tier, 255);
  if (!value) {
    return invalid("services entry " + ti::quote(entry) + ": tier must be a decimal 0-255");
  }
  return ServiceEntry{name, static_cast<std::uint8_t>(*value)};
}

template <typename Visit>
Result<void> for_each_service(std::string_view services, Visit&& visit) {
  if (services.empty()) return invalid("services caveat lists no service");
  return for_each_item(services, [&](std::string_view entry) -> Result<void> {
    L402_ASSIGN_OR_RETURN(const ServiceEntry parsed, parse_service_entry(entry));
    visit(parsed);
    return ok_result();
  });
}

template <typename Visit>
Result<void> for_each_capability(std::string_view capabilities, Visit&& visit) {
  if (capabilities.empty()) return ok_result();  // the empty list: no capability at all
  std::size_t index = 0;
  return for_each_item(capabilities, [&](std::string_view item) -> Result<void> {
    if (item.empty()) {
      return invalid("capabilities " + ti::quote(capabilities) + ": item " + std::to_string(index) +
                     " is empty");
    }
    ++index;
    visit(item);
    return ok_result();
  });
}

Error widens(std::string_view what, std::string_view detail) {
  std::string message(what);
  message += " caveat widens the one before it: ";
  message += detail;
  return Error(ErrorCode::kPermissionDenied, std::move(message));
}

// Every name `current` lists appears in `previous`. Sorting the earlier names keeps a pair of
// long lists (a holder may write up to a field's size) from costing a quadratic scan.
template <typename ForEach>
Result<void> check_subset(std::string_view what, std::string_view previous,
                          std::string_view current, ForEach for_each) {
  std::vector<std::string_view> allowed;
  L402_RETURN_IF_ERROR(for_each(previous, [&](std::string_view name) { allowed.push_back(name); }));
  std::sort(allowed.begin(), allowed.end());
  std::string_view added;
  bool found_all = true;
  L402_RETURN_IF_ERROR(for_each(current, [&](std::string_view name) {
    if (found_all && !std::binary_search(allowed.begin(), allowed.end(), name)) {
      found_all = false;
      added = name;
    }
  }));
  if (!found_all) return widens(what, "adds " + ti::quote(added));
  return ok_result();
}

}  // namespace

namespace token_internal {

std::string quote(std::string_view text) {
  std::string out = "\"";
  const std::size_t shown = std::min(text.size(), kQuoteMax);
  for (std::size_t i = 0; i < shown; ++i) {
    const char c = text[i];
    out += (c >= 0x20 && c <= 0x7e) ? c : '?';
  }
  out += '"';
  if (shown < text.size()) out += "...";
  return out;
}

Result<std::optional<std::uint8_t>> find_service_tier(std::string_view services,
                                                      std::string_view name) {
  std::optional<std::uint8_t> tier;
  L402_RETURN_IF_ERROR(for_each_service(services, [&](const ServiceEntry& entry) {
    if (!tier && entry.name == name) tier = entry.tier;
  }));
  return tier;
}

Result<bool> capabilities_contain(std::string_view capabilities, std::string_view capability) {
  bool found = false;
  L402_RETURN_IF_ERROR(for_each_capability(
      capabilities, [&](std::string_view item) { found = found || item == capability; }));
  return found;
}

}  // namespace token_internal

std::optional<CaveatParts> split_caveat(std::string_view caveat) {
  const std::size_t equals = caveat.find('=');
  if (equals == std::string_view::npos) return std::nullopt;
  return CaveatParts{caveat.substr(0, equals), caveat.substr(equals + 1)};
}

std::string capabilities_condition(std::string_view service) {
  std::string out(service);
  out += caveat::kCapabilitiesSuffix;
  return out;
}

std::string valid_until_condition(std::string_view service) {
  std::string out(service);
  out += caveat::kValidUntilSuffix;
  return out;
}

Result<std::vector<ServiceTier>> parse_services(std::string_view value) {
  std::vector<ServiceTier> services;
  L402_RETURN_IF_ERROR(for_each_service(value, [&](const ServiceEntry& entry) {
    services.push_back(ServiceTier{std::string(entry.name), entry.tier});
  }));
  return services;
}

std::string format_services(const std::vector<ServiceTier>& services) {
  std::string out;
  for (const ServiceTier& service : services) {
    if (!out.empty()) out += ',';
    out += service.name;
    out += ':';
    out += std::to_string(service.tier);
  }
  return out;
}

Result<std::vector<std::string>> parse_capabilities(std::string_view value) {
  std::vector<std::string> capabilities;
  L402_RETURN_IF_ERROR(
      for_each_capability(value, [&](std::string_view item) { capabilities.emplace_back(item); }));
  return capabilities;
}

Result<std::int64_t> parse_unix_seconds(std::string_view value) {
  const std::optional<std::uint64_t> seconds =
      parse_decimal(value, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
  if (!seconds) return invalid("not a Unix time in decimal seconds: " + ti::quote(value));
  return static_cast<std::int64_t>(*seconds);
}

Result<std::uint64_t> parse_limit(std::string_view value) {
  const std::optional<std::uint64_t> limit =
      parse_decimal(value, std::numeric_limits<std::uint64_t>::max());
  if (!limit) return invalid("not a non-negative decimal limit: " + ti::quote(value));
  return *limit;
}

CaveatKind classify_condition(std::string_view condition, std::string_view service,
                              std::span<const std::string> limit_conditions) {
  if (condition == caveat::kServices) return CaveatKind::kServices;
  if (condition.size() > service.size() && condition.starts_with(service)) {
    const std::string_view suffix = condition.substr(service.size());
    if (suffix == caveat::kCapabilitiesSuffix) return CaveatKind::kCapabilities;
    if (suffix == caveat::kValidUntilSuffix) return CaveatKind::kValidUntil;
  }
  for (const std::string& limit : limit_conditions) {
    if (condition == limit) return CaveatKind::kLimit;
  }
  return CaveatKind::kOther;
}

Result<void> caveat_narrows(CaveatKind kind, std::string_view previous, std::string_view current) {
  switch (kind) {
    case CaveatKind::kServices:
      return check_subset("services", previous, current, [](std::string_view list, auto visit) {
        return for_each_service(list, [&](const ServiceEntry& entry) { visit(entry.name); });
      });
    case CaveatKind::kCapabilities:
      return check_subset("capabilities", previous, current, [](std::string_view list, auto visit) {
        return for_each_capability(list, visit);
      });
    case CaveatKind::kValidUntil: {
      L402_ASSIGN_OR_RETURN(const std::int64_t before, parse_unix_seconds(previous));
      L402_ASSIGN_OR_RETURN(const std::int64_t after, parse_unix_seconds(current));
      if (after > before) {
        return widens("valid_until",
                      std::to_string(after) + " is later than " + std::to_string(before));
      }
      return ok_result();
    }
    case CaveatKind::kLimit: {
      L402_ASSIGN_OR_RETURN(const std::uint64_t before, parse_limit(previous));
      L402_ASSIGN_OR_RETURN(const std::uint64_t after, parse_limit(current));
      if (after > before) {
        return widens("limit", std::to_string(after) + " is above " + std::to_string(before));
      }
      return ok_result();
    }
    case CaveatKind::kOther:
      return ok_result();
  }
  return ok_result();
}

namespace {

// Howard Hinnant's civil_from_days: the proleptic Gregorian date of a day count since
// 1970-01-01, exact for every int64 Unix time in seconds.
struct CivilDate {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

CivilDate civil_from_days(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto day_of_era = static_cast<std::uint64_t>(days - era * 146097);
  const std::uint64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::uint64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::uint64_t mp = (5 * day_of_year + 2) / 153;
  const auto day = static_cast<unsigned>(day_of_year - (153 * mp + 2) / 5 + 1);
  const auto month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  const std::int64_t year = static_cast<std::int64_t>(year_of_era) + era * 400 + (month <= 2);
  return {year, month, day};
}

std::string two_digits(std::uint64_t value) {
  return std::string(1, static_cast<char>('0' + value / 10)) + static_cast<char>('0' + value % 10);
}

}  // namespace

std::string iso8601_utc(std::int64_t unix_seconds) {
  const std::int64_t days = unix_seconds / 86400;  // unix_seconds >= 0 (parse_unix_seconds)
  const auto seconds_of_day = static_cast<std::uint64_t>(unix_seconds % 86400);
  const CivilDate date = civil_from_days(days);
  std::string year = std::to_string(date.year);
  if (year.size() < 4) year.insert(0, 4 - year.size(), '0');
  if (date.year > 9999) year.insert(0, 1, '+');
  return year + "-" + two_digits(date.month) + "-" + two_digits(date.day) + "T" +
         two_digits(seconds_of_day / 3600) + ":" + two_digits(seconds_of_day / 60 % 60) + ":" +
         two_digits(seconds_of_day % 60) + "Z";
}

}  // namespace l402
