#include "base/units.h"

#include <array>
#include <limits>
#include <utility>

#include "base/strings.h"

namespace popgate::base {
namespace {

using std::chrono::milliseconds;

constexpr std::string_view kUnitList = "d, h, m, s, ms";

struct Unit {
  std::string_view name;
  std::int64_t millis;
};

// Largest first: a duration's units must appear in this order.
constexpr std::array<Unit, 5> kUnits = {{
    {"d", 86'400'000},
    {"h", 3'600'000},
    {"m", 60'000},
    {"s", 1'000},
    {"ms", 1},
}};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// The index in kUnits of `name`, or kUnits.size().
std::size_t unit_index(std::string_view name) {
  for (std::size_t i = 0; i < kUnits.size(); ++i) {
    if (kUnits[i].name == name) return i;
  }
  return kUnits.size();
}

DurationParse duration_error(std::string message) {
  return {std::nullopt, std::move(message)};
}

}  // namespace

SizeParse parse_size(std::string_view text) {
  struct SizeUnit {
    std::string_view name;
    std::uint64_t bytes;
  };
  static constexpr std::array<SizeUnit, 9> kSizeUnits = {{
      {"B", 1},
      {"kB", 1'000},
      {"MB", 1'000'000},
      {"GB", 1'000'000'000},
      {"TB", 1'000'000'000'000},
      {"KiB", 1ULL << 10},
      {"MiB", 1ULL << 20},
      {"GiB", 1ULL << 30},
      {"TiB", 1ULL << 40},
  }};
  constexpr std::string_view kSizeUnitList = "B, kB, MB, GB, TB, KiB, MiB, GiB, TiB";
  std::size_t pos = 0;
  while (pos < text.size() && is_digit(text[pos]))
    ++pos;
  const std::string_view digits = text.substr(0, pos);
  std::string_view unit = text.substr(pos);
  if (unit.starts_with(' ')) unit.remove_prefix(1);
  if (digits.empty()) {
    return {std::nullopt, quoted(text, '\'') +
                              " is not a size; write a whole number with a unit, e.g. '500MB' "
                              "or '2GiB'"};
  }
  if (unit.empty()) {
    return {std::nullopt, quoted(text, '\'') + " needs a unit, e.g. '" + std::string(digits) +
                              "MB' (units: " + std::string(kSizeUnitList) + ")"};
  }
  for (const SizeUnit& u : kSizeUnits) {
    if (u.name != unit) continue;
    const std::int64_t limit =
        std::numeric_limits<std::int64_t>::max() / static_cast<std::int64_t>(u.bytes);
    const std::optional<std::int64_t> count = parse_digits(digits, limit);
    if (!count) return {std::nullopt, quoted(text, '\'') + " is too large a size"};
    return {static_cast<std::uint64_t>(*count) * u.bytes, ""};
  }
  return {std::nullopt, "unknown unit " + quoted(unit, '\'') + " in " + quoted(text, '\'') +
                            " (units: " + std::string(kSizeUnitList) + ")"};
}

DurationParse parse_duration(std::string_view text) {
  if (text.empty()) return duration_error("empty duration (write e.g. '30s')");
  const std::string shape_error = quoted(text, '\'') +
                                  " is not a duration; write whole numbers with units, e.g. "
                                  "'250ms', '30s' or '1h30m'";
  std::int64_t total = 0;
  std::size_t previous_unit = 0;  // index into kUnits of the last unit, plus one
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t digits_start = pos;
    while (pos < text.size() && is_digit(text[pos]))
      ++pos;
    const std::size_t unit_start = pos;
    while (pos < text.size() && is_letter(text[pos]))
      ++pos;
    const std::string_view digits = text.substr(digits_start, unit_start - digits_start);
    const std::string_view unit_name = text.substr(unit_start, pos - unit_start);
    if (digits.empty()) return duration_error(shape_error);
    if (unit_name.empty()) {
      if (pos < text.size()) return duration_error(shape_error);
      return duration_error(quoted(text, '\'') + " needs a unit, e.g. '" + std::string(digits) +
                            "s' (units: " + std::string(kUnitList) + ")");
    }
    const std::size_t unit = unit_index(unit_name);
    if (unit == kUnits.size()) {
      return duration_error("unknown unit " + quoted(unit_name, '\'') + " in " +
                            quoted(text, '\'') + " (units: " + std::string(kUnitList) + ")");
    }
    if (unit + 1 <= previous_unit) {
      return duration_error("in " + quoted(text, '\'') + ", " + quoted(unit_name, '\'') +
                            " follows a smaller or equal unit; write larger units first, e.g. "
                            "'1h30m'");
    }
    previous_unit = unit + 1;
    const std::int64_t limit = std::numeric_limits<std::int64_t>::max() - total;
    const std::optional<std::int64_t> count = parse_digits(digits, limit / kUnits[unit].millis);
    if (!count) return duration_error(quoted(text, '\'') + " is too long a duration");
    total += *count * kUnits[unit].millis;
  }
  return {milliseconds(total), ""};
}

}  // namespace popgate::base
