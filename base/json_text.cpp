#include "base/json_text.h"

#include "base/utf8.h"

namespace popgate::base {
namespace {

bool copied_as_is(unsigned char c) {
  return c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
}

void append_escape(std::string& out, long code_point) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (code_point) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    default:
      out += "\\u00";
      out += kHex[(code_point >> 4) & 0xf];
      out += kHex[code_point & 0xf];
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  std::size_t pos = 0;
  while (pos < text.size()) {
    // Most text is printable ASCII: copy it in runs.
    const std::size_t run_start = pos;
    while (pos < text.size() && copied_as_is(static_cast<unsigned char>(text[pos])))
      ++pos;
    out.append(text.data() + run_start, pos - run_start);
    if (pos == text.size()) break;
    const std::size_t start = pos;
    const long code_point = decode_utf8(text, pos);
    if (code_point < 0)
      out += "\\ufffd";
    else if (code_point < 0x80)
      append_escape(out, code_point);
    else
      out.append(text.data() + start, pos - start);
  }
  out += '"';
}

std::string json_string(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  append_json_string(out, text);
  return out;
}

}  // namespace popgate::base
