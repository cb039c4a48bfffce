#include "registry/prt.h"

#include <cassert>

#include "registry/code_characters.h"

namespace popgate::registry {
namespace {

constexpr size_t kLength = 10;
// The bounds below are checked by assertions only (the parser's own checks keep them), which a
// release build compiles out.
[[maybe_unused]] constexpr std::int64_t kFirstNumber = 100000000;
[[maybe_unused]] constexpr std::int64_t kLastNumber = 199999999;
[[maybe_unused]] constexpr int kMaxApartmentNumber = 999;

char to_upper(char c) {
  return is_ascii_lower(c) ? static_cast<char>(c - 'a' + 'A') : c;
}
char to_lower(char c) {
  return is_ascii_upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
}

// Skips the spaces at text[*pos] only when another part follows them: spaces separate the
// parts of an apartment, they never lead or trail.
void skip_separator(std::string_view text, size_t* pos) {
  size_t i = *pos;
  while (i < text.size() && text[i] == ' ')
    ++i;
  if (i < text.size()) *pos = i;
}

}  // namespace

std::string prt_error(std::string_view text) {
  if (text.size() != kLength) {
    return "bad length: " + std::to_string(text.size()) + " characters, expected " +
           std::to_string(kLength);
  }
  std::int64_t number = 0;
  for (size_t i = 0; i < 9; ++i) {
    if (!is_ascii_digit(text[i])) {
      return "bad character " + describe_character(text[i]) + " at position " +
             std::to_string(i + 1);
    }
    number = number * 10 + (text[i] - '0');
  }
  const char check = text[9];
  if (!is_ascii_digit(check) && !is_ascii_upper(check) && !is_ascii_lower(check)) {
    return "bad character " + describe_character(check) + " at position 10";
  }
  if (text[0] != '1') return std::string("first digit ") + text[0] + ", expected 1";
  if (is_ascii_lower(check))
    return "check character " + describe_character(check) + " must be upper case";
  const char expected = mod31_check_character(number);
  if (check != expected) {
    return std::string("check character ") + check + ", expected " + expected;
  }
  return {};
}

std::string make_prt(std::int64_t number) {
  assert(number >= kFirstNumber && number <= kLastNumber);
  std::string prt = std::to_string(number);
  prt += mod31_check_character(number);
  return prt;
}

std::string Apartment::to_string() const {
  std::string out;
  if (stair != 0) out += stair;
  if (number != 0) {
    if (!out.empty()) out += ' ';
    out += std::to_string(number);
  }
  if (division != 0) {
    if (!out.empty()) out += ' ';
    out += division;
  }
  return out;
}

std::optional<Apartment> parse_apartment(std::string_view text) {
  Apartment apartment;
  size_t pos = 0;
  if (pos < text.size() && (is_ascii_upper(text[pos]) || is_ascii_lower(text[pos]))) {
    apartment.stair = to_upper(text[pos++]);
    skip_separator(text, &pos);
  }
  if (pos < text.size() && is_ascii_digit(text[pos])) {
    const size_t start = pos;
    while (pos < text.size() && is_ascii_digit(text[pos]) && pos - start < 3) {
      apartment.number = apartment.number * 10 + (text[pos++] - '0');
    }
    if (apartment.number == 0) return std::nullopt;  // 0 means "no apartment", never written
    skip_separator(text, &pos);
    // A division letter only ever divides a numbered apartment ("12 b").
    if (pos < text.size() && (is_ascii_upper(text[pos]) || is_ascii_lower(text[pos]))) {
      apartment.division = to_lower(text[pos++]);
    }
  }
  if (pos != text.size()) return std::nullopt;
  return apartment;
}

std::string residence_code(std::string_view prt, const Apartment& apartment) {
  assert(valid_prt(prt));
  assert(apartment.number >= 0 && apartment.number <= kMaxApartmentNumber);
  std::string code(prt);
  code += apartment.stair != 0 ? apartment.stair : ' ';
  const int n = apartment.number;
  code += static_cast<char>('0' + n / 100);
  code += static_cast<char>('0' + n / 10 % 10);
  code += static_cast<char>('0' + n % 10);
  code += apartment.division != 0 ? apartment.division : ' ';
  return code;
}

}  // namespace popgate::registry
