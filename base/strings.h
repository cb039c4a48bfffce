// Small string helpers that every room needs.
#ifndef POPGATE_BASE_STRINGS_H_
#define POPGATE_BASE_STRINGS_H_

#include <cstdint>
#include <optional>
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

// Text from outside (a client's file name, an SSH user name, an archive entry, an operator's
// YAML) made safe to show on one line of a log or terminal: every control character (U+0000 to
// U+001F and U+007F) becomes \xNN, so that the text can neither forge a log line nor move the
// cursor. Everything else is copied as it is.
void append_printable(std::string& out, std::string_view text);
std::string printable(std::string_view text);

// Decimal digits (nothing else: no sign, no space) as a number in [0, limit]; nullopt when
// `digits` is empty, holds another character or exceeds `limit`.
std::optional<std::int64_t> parse_digits(std::string_view digits, std::int64_t limit);

}  // namespace popgate::base

#endif  // POPGATE_BASE_STRINGS_H_
