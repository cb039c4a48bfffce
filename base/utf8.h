// UTF-8, once for all of popgate: the one decoder, the one validator and the one encoder.
// Well-formed means RFC 3629 (Table 3-7 of the Unicode standard): no overlong forms, no
// surrogates, nothing above U+10FFFF. Register files, client tables and configuration are
// checked with invalid_utf8_offset, so that a Windows-1252 file read as UTF-8 is refused with
// its position instead of putting mojibake into the register.
#ifndef POPGATE_BASE_UTF8_H_
#define POPGATE_BASE_UTF8_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace popgate::base {

// Decodes the code point at text[pos] and advances pos past it. A byte that does not start a
// well-formed sequence yields -1 and advances pos by one, so that a caller can report or
// replace it and carry on. Inline: it is the inner loop of every text conversion.
inline long decode_utf8(std::string_view text, std::size_t& pos) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  if (lead < 0x80) {
    ++pos;
    return lead;
  }
  std::size_t length = 0;
  long value = 0;
  long minimum = 0;  // the smallest value that needs this many bytes: rejects overlong forms
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    value = lead & 0x1F;
    minimum = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    value = lead & 0x0F;
    minimum = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    value = lead & 0x07;
    minimum = 0x10000;
  } else {
    ++pos;
    return -1;
  }
  if (text.size() - pos < length) {
    ++pos;
    return -1;
  }
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) {
      ++pos;
      return -1;
    }
    value = (value << 6) | (byte(pos + i) & 0x3F);
  }
  if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    ++pos;
    return -1;
  }
  pos += length;
  return value;
}

// The offset of the first byte that is not part of well-formed UTF-8, or npos when all of
// `text` is.
std::size_t invalid_utf8_offset(std::string_view text);

inline bool valid_utf8(std::string_view text) {
  return invalid_utf8_offset(text) == std::string_view::npos;
}

// Code points in `text`; an ill-formed byte counts as one.
std::size_t count_code_points(std::string_view text);

// Whether raw bytes start with a UTF-16 or UTF-32 byte order mark (FF FE, FE FF, 00 00 FE FF):
// a file saved as "Unicode" by Windows tools. Readers of UTF-8 refuse it with kWideTextAdvice
// rather than with the position of the first byte that is not UTF-8.
bool starts_with_wide_bom(std::string_view bytes);
inline constexpr std::string_view kWideTextAdvice =
    "the file is UTF-16 or UTF-32 (it starts with that byte order mark); save it as UTF-8";

// The first control character (C0, DEL or C1, U+0080-U+009F) in `text` that `allowed` does not
// list (ASCII controls, e.g. "\t\n\r"), described as "the control character U+0000 at
// character 5" (characters counted from 1); nullopt when there is none. Every reader of outside
// text refuses such a character with this description: a NUL inside a name once matched
// silently. Ill-formed bytes are skipped, so validate the UTF-8 first.
std::optional<std::string> find_control_character(std::string_view text,
                                                  std::string_view allowed = {});
// The same check, giving the byte offset of that character (for a file:line:column).
std::optional<std::size_t> control_character_offset(std::string_view text,
                                                    std::string_view allowed = {});
// The character at text[offset] as "U+0000".
std::string code_point_name(std::string_view text, std::size_t offset);

// The UTF-8 form of `c` appended to `out`.
void append_code_point(std::string& out, char32_t c);

}  // namespace popgate::base

#endif  // POPGATE_BASE_UTF8_H_
