// UTF-8 validation. Register files are UTF-8; a Windows-1252 file read as UTF-8 would put
// mojibake into the register, so readers check every line and say so.
#ifndef POPGATE_ADAPTERS_FORMATS_UTF8_H_
#define POPGATE_ADAPTERS_FORMATS_UTF8_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace popgate::formats {

// The offset of the first byte that is not part of well-formed UTF-8 (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF), or npos when all of `text` is.
std::size_t invalid_utf8_offset(std::string_view text);

inline bool valid_utf8(std::string_view text) {
  return invalid_utf8_offset(text) == std::string_view::npos;
}

// The code point starting at `offset` in well-formed UTF-8 (check it with valid_utf8 first),
// and `offset` moved past it.
char32_t next_code_point(std::string_view text, std::size_t& offset);

// The UTF-8 form of `c` appended to `out`.
void append_code_point(std::string& out, char32_t c);

}  // namespace popgate::formats

#endif  // POPGATE_ADAPTERS_FORMATS_UTF8_H_
