#include "registry/business_id.h"

#include "registry/code_characters.h"

namespace popgate::registry {
namespace {

constexpr size_t kLength = 9;  // "NNNNNNN-C"
constexpr int kWeights[] = {7, 9, 10, 5, 8, 4, 2};

std::string bad_character(char c, size_t position) {
  return "bad character " + describe_character(c) + " at position " + std::to_string(position);
}

}  // namespace

int business_id_check_digit(std::string_view seven_digits) {
  if (seven_digits.size() != 7) return -1;
  int sum = 0;
  for (size_t i = 0; i < 7; ++i) {
    if (!is_ascii_digit(seven_digits[i])) return -1;
    sum += (seven_digits[i] - '0') * kWeights[i];
  }
  const int remainder = sum % 11;
  if (remainder == 0) return 0;
  if (remainder == 1) return -1;  // such IDs are never issued
  return 11 - remainder;
}

std::string business_id_error(std::string_view text) {
  if (text.size() != kLength) {
    return "bad length: " + std::to_string(text.size()) + " characters, expected " +
           std::to_string(kLength) + " (NNNNNNN-C)";
  }
  for (size_t i = 0; i < kLength; ++i) {
    if (i == 7) {
      if (text[i] != '-') return bad_character(text[i], i + 1) + ", expected '-'";
    } else if (!is_ascii_digit(text[i])) {
      return bad_character(text[i], i + 1);
    }
  }
  const std::string_view digits = text.substr(0, 7);
  const int expected = business_id_check_digit(digits);
  if (expected < 0) {
    return "no business ID has the digits " + std::string(digits) + " (remainder 1)";
  }
  const int check = text[8] - '0';
  if (check != expected) {
    return "check digit " + std::to_string(check) + ", expected " + std::to_string(expected);
  }
  return {};
}

}  // namespace popgate::registry
