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

std::optional<std::string> find_control_character(std::string_view text, std::string_view allowed) {
  std::size_t character = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const long c = decode_utf8(text, pos);
    ++character;
    const bool control = (c >= 0 && c < 0x20) || (c >= 0x7F && c <= 0x9F);
    if (!control || (c < 0x80 && allowed.find(static_cast<char>(c)) != std::string_view::npos)) {
      continue;
    }
    char code[8];
    std::snprintf(code, sizeof code, "U+%04lX", static_cast<unsigned long>(c));
    return "the control character " + std::string(code) + " at character " +
           std::to_string(character);
  }
  return std::nullopt;
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
