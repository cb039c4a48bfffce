#include "workflows/config/config_values.h"

#include <array>
#include <limits>
#include <utility>

#include "base/strings.h"
#include "base/units.h"

namespace popgate::workflows {
namespace {

using std::chrono::milliseconds;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
// Digits in [0, limit] as a number; nullopt on overflow past `limit`.
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
  const std::optional<std::int64_t> magnitude = base::parse_digits(digits, limit);
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
  base::DurationParse parsed = base::parse_duration(node.text());
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
  base::SizeParse parsed = base::parse_size(node.text());
  if (!parsed.ok()) report(node, out, file, std::move(parsed.error));
  return parsed.value;
}

}  // namespace popgate::workflows
