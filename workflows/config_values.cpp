#include "workflows/config_values.h"

#include <array>
#include <limits>
#include <utility>

namespace popgate::workflows {
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

// Digits in [0, limit] as a number; nullopt on overflow past `limit`.
std::optional<std::int64_t> parse_digits(std::string_view digits, std::int64_t limit) {
  std::int64_t value = 0;
  for (const char c : digits) {
    const int digit = c - '0';
    if (value > (limit - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

DurationParse duration_error(std::string message) {
  return {std::nullopt, std::move(message)};
}

std::string quoted(std::string_view text) {
  return "'" + std::string(text) + "'";
}

void report(const ConfigNode& node, Diagnostics& out, std::string_view file, std::string message) {
  out.error(file, node.mark(), std::move(message));
}

// "expected WHAT, got DESCRIPTION" for a node of the wrong kind.
void report_kind(const ConfigNode& node, std::string_view what, Diagnostics& out,
                 std::string_view file) {
  report(node, out, file, "expected " + std::string(what) + ", got " + node.describe());
}

bool is_yaml11_boolean(std::string_view text) {
  for (const std::string_view word : {"yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON",
                                      "off", "Off", "OFF", "y", "Y", "n", "N"}) {
    if (text == word) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> as_string(const ConfigNode& node, Diagnostics& out,
                                     std::string_view file) {
  if (!node.is_scalar()) {
    report_kind(node, "a string", out, file);
    return std::nullopt;
  }
  return node.text();
}

std::optional<std::int64_t> as_int(const ConfigNode& node, std::int64_t min, std::int64_t max,
                                   Diagnostics& out, std::string_view file) {
  if (!node.is_scalar()) {
    report_kind(node, "an integer", out, file);
    return std::nullopt;
  }
  std::string_view digits = node.text();
  const bool negative = digits.starts_with('-');
  if (negative || digits.starts_with('+')) digits.remove_prefix(1);
  bool all_digits = !digits.empty();
  for (const char c : digits)
    all_digits = all_digits && is_digit(c);
  if (node.quoted() || !all_digits) {
    const bool hint = node.quoted() && all_digits;
    report(node, out, file,
           "expected an integer, got " + node.describe() + (hint ? " (remove the quotes)" : ""));
    return std::nullopt;
  }
  const std::int64_t limit = std::numeric_limits<std::int64_t>::max();
  const std::optional<std::int64_t> magnitude = parse_digits(digits, limit);
  const std::string range = std::to_string(min) + "-" + std::to_string(max);
  if (!magnitude) {
    report(node, out, file, node.text() + " is out of range " + range);
    return std::nullopt;
  }
  const std::int64_t value = negative ? -*magnitude : *magnitude;
  if (value < min || value > max) {
    report(node, out, file, node.text() + " is out of range " + range);
    return std::nullopt;
  }
  return value;
}

std::optional<bool> as_bool(const ConfigNode& node, Diagnostics& out, std::string_view file) {
  const std::string_view expected = "expected true or false, got ";
  if (!node.is_scalar()) {
    report_kind(node, "true or false", out, file);
    return std::nullopt;
  }
  const std::string& text = node.text();
  if (node.quoted()) {
    const bool looks_boolean = text == "true" || text == "false";
    report(node, out, file,
           std::string(expected) + node.describe() + (looks_boolean ? " (remove the quotes)" : ""));
    return std::nullopt;
  }
  if (text == "true") return true;
  if (text == "false") return false;
  if (text == "True" || text == "TRUE" || text == "False" || text == "FALSE") {
    report(node, out, file, std::string(expected) + node.describe() + " (write it in lower case)");
  } else if (is_yaml11_boolean(text)) {
    report(node, out, file,
           std::string(expected) + node.describe() +
               " (yes/no/on/off are not booleans here; write true or false)");
  } else {
    report(node, out, file, std::string(expected) + node.describe());
  }
  return std::nullopt;
}

std::optional<milliseconds> as_duration(const ConfigNode& node, Diagnostics& out,
                                        std::string_view file) {
  if (!node.is_scalar()) {
    report_kind(node, "a duration such as '30s'", out, file);
    return std::nullopt;
  }
  DurationParse parsed = parse_duration(node.text());
  if (!parsed.ok()) report(node, out, file, std::move(parsed.error));
  return parsed.value;
}

std::optional<std::vector<std::string>> as_string_list(const ConfigNode& node, Diagnostics& out,
                                                       std::string_view file) {
  if (!node.is_sequence()) {
    report_kind(node, "a sequence of strings", out, file);
    return std::nullopt;
  }
  std::vector<std::string> result;
  bool ok = true;
  for (const ConfigNode& item : node.items()) {
    if (item.is_scalar()) {
      result.push_back(item.text());
    } else {
      report_kind(item, "a string", out, file);
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return result;
}

bool expect_mapping(const ConfigNode& node, Diagnostics& out, std::string_view file) {
  if (node.is_mapping()) return true;
  report_kind(node, "a mapping", out, file);
  return false;
}

bool expect_sequence(const ConfigNode& node, Diagnostics& out, std::string_view file) {
  if (node.is_sequence()) return true;
  report_kind(node, "a sequence", out, file);
  return false;
}

std::optional<std::uint64_t> as_size(const ConfigNode& node, Diagnostics& out,
                                     std::string_view file) {
  if (!node.is_scalar()) {
    report_kind(node, "a size such as '500MB' or '2GiB'", out, file);
    return std::nullopt;
  }
  SizeParse parsed = parse_size(node.text());
  if (!parsed.ok()) report(node, out, file, std::move(parsed.error));
  return parsed.value;
}

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
    return {std::nullopt, quoted(text) +
                              " is not a size; write a whole number with a unit, e.g. '500MB' "
                              "or '2GiB'"};
  }
  if (unit.empty()) {
    return {std::nullopt, quoted(text) + " needs a unit, e.g. '" + std::string(digits) +
                              "MB' (units: " + std::string(kSizeUnitList) + ")"};
  }
  for (const SizeUnit& u : kSizeUnits) {
    if (u.name != unit) continue;
    const std::int64_t limit =
        std::numeric_limits<std::int64_t>::max() / static_cast<std::int64_t>(u.bytes);
    const std::optional<std::int64_t> count = parse_digits(digits, limit);
    if (!count) return {std::nullopt, quoted(text) + " is too large a size"};
    return {static_cast<std::uint64_t>(*count) * u.bytes, ""};
  }
  return {std::nullopt, "unknown unit " + quoted(unit) + " in " + quoted(text) +
                            " (units: " + std::string(kSizeUnitList) + ")"};
}

DurationParse parse_duration(std::string_view text) {
  if (text.empty()) return duration_error("empty duration (write e.g. '30s')");
  const std::string shape_error = quoted(text) +
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
      return duration_error(quoted(text) + " needs a unit, e.g. '" + std::string(digits) +
                            "s' (units: " + std::string(kUnitList) + ")");
    }
    const std::size_t unit = unit_index(unit_name);
    if (unit == kUnits.size()) {
      return duration_error("unknown unit " + quoted(unit_name) + " in " + quoted(text) +
                            " (units: " + std::string(kUnitList) + ")");
    }
    if (unit + 1 <= previous_unit) {
      return duration_error("in " + quoted(text) + ", " + quoted(unit_name) +
                            " follows a smaller or equal unit; write larger units first, e.g. "
                            "'1h30m'");
    }
    previous_unit = unit + 1;
    const std::int64_t limit = std::numeric_limits<std::int64_t>::max() - total;
    const std::optional<std::int64_t> count = parse_digits(digits, limit / kUnits[unit].millis);
    if (!count) return duration_error(quoted(text) + " is too long a duration");
    total += *count * kUnits[unit].millis;
  }
  return {milliseconds(total), ""};
}

}  // namespace popgate::workflows
