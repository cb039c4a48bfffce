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

// Text from outside (a client's file name, an SSH user name or client version, an archive
// entry, an operator's YAML) made safe to show on one line of a log or terminal: every control
// character (C0, DEL and the C1 controls U+0080 to U+009F) and every byte that is not part of
// well-formed UTF-8 becomes \xNN per byte, so that the text can neither forge a log line nor
// move the cursor (a lone 0x9B is CSI to an 8-bit terminal) nor make the journal store the line
// as binary. Everything else is copied as it is.
void append_printable(std::string& out, std::string_view text);
std::string printable(std::string_view text);
// `text` between two `quote` characters, for a log line or an error message: printable(), and
// the quote character itself shown as \xNN, so that a client's text can neither close the
// quotes and forge the rest of the line nor break it.
std::string quoted(std::string_view text, char quote = '"');

// Decimal digits (nothing else: no sign, no space) as a number in [0, limit]; nullopt when
// `digits` is empty, holds another character or exceeds `limit`.
std::optional<std::int64_t> parse_digits(std::string_view digits, std::int64_t limit);

}  // namespace popgate::base

#endif  // POPGATE_BASE_STRINGS_H_
