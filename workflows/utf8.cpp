#include "workflows/utf8.h"

namespace popgate::workflows {
namespace {

unsigned char byte_at(std::string_view text, std::size_t pos) {
  return static_cast<unsigned char>(text[pos]);
}

bool is_continuation(std::string_view text, std::size_t pos) {
  return pos < text.size() && (byte_at(text, pos) & 0xC0) == 0x80;
}

}  // namespace

long decode_utf8(std::string_view text, std::size_t& pos) {
  const unsigned char lead = byte_at(text, pos);
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
  for (std::size_t i = 1; i < length; ++i) {
    if (!is_continuation(text, pos + i)) {
      ++pos;
      return -1;
    }
    value = (value << 6) | (byte_at(text, pos + i) & 0x3F);
  }
  if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    ++pos;
    return -1;
  }
  pos += length;
  return value;
}

std::size_t find_invalid_utf8(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    if (decode_utf8(text, pos) < 0) return start;
  }
  return text.size();
}

std::size_t count_code_points(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t pos = 0; pos < text.size(); ++count)
    decode_utf8(text, pos);
  return count;
}

}  // namespace popgate::workflows
