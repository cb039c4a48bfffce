#include "base/utf8.h"

#include <cstdint>
#include <cstdio>
#include <cstring>

namespace popgate::base {

std::size_t invalid_utf8_offset(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    // Register and client files are mostly ASCII: skip it eight bytes at a time.
    std::uint64_t word = 0;
    if (text.size() - pos >= sizeof word) {
      std::memcpy(&word, text.data() + pos, sizeof word);
      if ((word & 0x8080808080808080ULL) == 0) {
        pos += sizeof word;
        continue;
      }
    }
    const std::size_t start = pos;
    if (decode_utf8(text, pos) < 0) return start;
  }
  return std::string_view::npos;
}

std::size_t count_code_points(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t pos = 0; pos < text.size(); ++count)
    decode_utf8(text, pos);
  return count;
}

bool starts_with_wide_bom(std::string_view bytes) {
  return bytes.starts_with("\xFF\xFE") || bytes.starts_with("\xFE\xFF") ||
         bytes.starts_with(std::string_view("\0\0\xFE\xFF", 4));
}

std::optional<std::size_t> control_character_offset(std::string_view text,
                                                    std::string_view allowed) {
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t start = pos;
    const long c = decode_utf8(text, pos);
    const bool control = (c >= 0 && c < 0x20) || (c >= 0x7F && c <= 0x9F);
    if (control && !(c < 0x80 && allowed.find(static_cast<char>(c)) != std::string_view::npos))
      return start;
  }
  return std::nullopt;
}

std::string code_point_name(std::string_view text, std::size_t offset) {
  char code[16];
  std::snprintf(code, sizeof code, "U+%04lX",
                static_cast<unsigned long>(decode_utf8(text, offset)));
  return code;
}

std::optional<std::string> find_control_character(std::string_view text, std::string_view allowed) {
  const std::optional<std::size_t> offset = control_character_offset(text, allowed);
  if (!offset) return std::nullopt;
  return "the control character " + code_point_name(text, *offset) + " at character " +
         std::to_string(count_code_points(text.substr(0, *offset)) + 1);
}

void append_code_point(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xc0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xe0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  }
}

}  // namespace popgate::base
