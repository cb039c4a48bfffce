// Small string helpers that every room needs.
#ifndef POPGATE_BASE_STRINGS_H_
#define POPGATE_BASE_STRINGS_H_

#include <string>
#include <string_view>

namespace popgate::base {

// The items of `parts` (anything that converts to std::string_view) with `separator` between
// each two: join({"a", "", "b"}, ",") is "a,,b"; an empty range gives "".
template <typename Range>
std::string join(const Range& parts, std::string_view separator) {
  std::string out;
  bool first = true;
  for (const auto& part : parts) {
    if (!first) out += separator;
    out += std::string_view(part);
    first = false;
  }
  return out;
}

}  // namespace popgate::base

#endif  // POPGATE_BASE_STRINGS_H_
