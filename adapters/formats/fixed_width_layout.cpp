#include "adapters/formats/fixed_width_layout.h"

#include <algorithm>
#include <charconv>

namespace popgate::formats {
namespace {

std::optional<std::size_t> positive_number(std::string_view text) {
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0) return std::nullopt;
  return value;
}

}  // namespace

std::optional<FixedWidthField> parse_fixed_width_field(std::string_view item) {
  const std::size_t second = item.rfind(':');
  if (second == std::string_view::npos || second == 0) return std::nullopt;
  const std::size_t first = item.rfind(':', second - 1);
  if (first == std::string_view::npos || first == 0) return std::nullopt;
  const std::optional<std::size_t> start =
      positive_number(item.substr(first + 1, second - first - 1));
  const std::optional<std::size_t> length = positive_number(item.substr(second + 1));
  if (!start || !length) return std::nullopt;
  return FixedWidthField{std::string(item.substr(0, first)), *start, *length};
}

std::string fixed_width_layout_problem(const std::vector<FixedWidthField>& fields) {
  std::vector<const FixedWidthField*> by_start;
  for (const FixedWidthField& field : fields)
    by_start.push_back(&field);
  std::sort(by_start.begin(), by_start.end(),
            [](const auto* a, const auto* b) { return a->start < b->start; });
  for (std::size_t i = 1; i < by_start.size(); ++i) {
    const FixedWidthField& before = *by_start[i - 1];
    const FixedWidthField& here = *by_start[i];
    if (here.start < before.end()) {
      return "fields " + before.name + " (characters " + std::to_string(before.start) + "-" +
             std::to_string(before.end() - 1) + ") and " + here.name + " (from " +
             std::to_string(here.start) + ") overlap";
    }
  }
  return "";
}

}  // namespace popgate::formats
