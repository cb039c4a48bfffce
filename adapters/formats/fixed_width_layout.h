// A fixed-width layout as workflows write it: one "NAME:START:LENGTH" item per field, START and
// LENGTH in characters, START from 1 ("hetu:1:11"). Reading clients' files (match_persons) and
// writing results for them (write_table) use the same notation.
#ifndef POPGATE_ADAPTERS_FORMATS_FIXED_WIDTH_LAYOUT_H_
#define POPGATE_ADAPTERS_FORMATS_FIXED_WIDTH_LAYOUT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace popgate::formats {

struct FixedWidthField {
  std::string name;
  std::size_t start = 1;  // the first character, from 1
  std::size_t length = 0;

  std::size_t end() const { return start + length; }  // one past the last character
};

// "NAME:START:LENGTH" with START and LENGTH positive whole numbers (NAME may not be empty, and
// splits at the last two colons); nullopt for anything else.
std::optional<FixedWidthField> parse_fixed_width_field(std::string_view item);

// Why a layout cannot be written as lines (two fields overlap), or "" when it can.
std::string fixed_width_layout_problem(const std::vector<FixedWidthField>& fields);

}  // namespace popgate::formats

#endif  // POPGATE_ADAPTERS_FORMATS_FIXED_WIDTH_LAYOUT_H_
