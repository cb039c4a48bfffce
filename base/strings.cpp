#include "base/strings.h"

#include "base/utf8.h"

namespace popgate::base {

namespace {

void append_hex_escape(std::string& out, unsigned char byte) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out += kHex[byte >> 4];
  out += kHex[byte & 0xf];
}

bool is_control(long code_point) {
  return code_point < 0x20 || (code_point >= 0x7f && code_point <= 0x9f);
}

}  // namespace

void append_printable(std::string& out, std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    const long code_point = decode_utf8(text, pos);
    if (code_point >= 0 && !is_control(code_point)) {
      out.append(text, start, pos - start);
      continue;
    }
    for (std::size_t i = start; i < pos; ++i)
      append_hex_escape(out, static_cast<unsigned char>(text[i]));
  }
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_printable(out, text);
  return out;
}

std::string quoted(std::string_view text, char quote) {
  std::string out(1, quote);
  out.reserve(text.size() + 2);
  std::size_t start = 0;
  for (std::size_t end = text.find(quote); end != std::string_view::npos;
       end = text.find(quote, start)) {
    append_printable(out, text.substr(start, end - start));
    append_hex_escape(out, static_cast<unsigned char>(quote));
    start = end + 1;
  }
  append_printable(out, text.substr(start));
  out += quote;
  return out;
}

std::optional<std::int64_t> parse_digits(std::string_view digits, std::int64_t limit) {
  if (digits.empty()) return std::nullopt;
  std::int64_t value = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    const int digit = c - '0';
    if (value > (limit - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

}  // namespace popgate::base
