#include "registry/hetu.h"

#include <algorithm>
#include <cassert>

#include "registry/code_characters.h"

namespace popgate::registry {
namespace {

constexpr size_t kLength = 11;
constexpr int kFirstOrdinary = 2;
constexpr int kLastOrdinary = 899;
constexpr int kFirstTemporary = 900;
constexpr int kLastTemporary = 999;
// One code in this many gets a new century sign when the caller leaves the sign open.
constexpr std::uint64_t kNewSignOneIn = 10;

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// The hot paths below work on plain char arrays: in a debug build every std::string accessor
// is a call, and validating millions of codes under the sanitizers should still take seconds.
int digits_value(const char* digits, size_t count) {
  int value = 0;
  for (size_t i = 0; i < count; ++i) {
    value = value * 10 + (digits[i] - '0');
  }
  return value;
}

void put_digits(char* out, size_t count, int value) {
  for (size_t i = count; i > 0; --i) {
    out[i - 1] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

std::string bad_character(char c, size_t position) {
  return "bad character " + describe_character(c) + " at position " + std::to_string(position);
}

// The UTF-8 sequence starting at text[pos] when it is one well-formed character, else empty.
std::string_view utf8_character(std::string_view text, size_t pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  const size_t size = lead >= 0xC2 && lead <= 0xDF   ? 2
                      : lead >= 0xE0 && lead <= 0xEF ? 3
                      : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                     : 0;
  if (size == 0 || pos + size > text.size()) return {};
  for (size_t i = pos + 1; i < pos + size; ++i) {
    if (!is_continuation(text[i])) return {};
  }
  return text.substr(pos, size);
}

// Text of other than 11 bytes. Counting characters rather than bytes keeps the message true
// for UTF-8 input; 11 characters in more bytes means a non-ASCII character, named as such.
std::string length_error(std::string_view text) {
  const auto characters = static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return !is_continuation(c); }));
  if (characters != kLength) {
    return "bad length: " + std::to_string(characters) + " characters, expected " +
           std::to_string(kLength);
  }
  size_t at = 0;
  while (static_cast<unsigned char>(text[at]) < 0x80)
    ++at;  // exists: text is not 11 bytes
  const size_t position = 1 + static_cast<size_t>(std::count_if(
                                  text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at),
                                  [](char c) { return !is_continuation(c); }));
  const std::string_view wide = utf8_character(text, at);
  if (wide.empty()) return bad_character(text[at], position);
  return "bad character '" + std::string(wide) + "' at position " + std::to_string(position);
}

std::string century_sign_error(char sign) {
  std::string error = "bad century sign " + describe_character(sign);
  if (is_ascii_lower(sign) && hetu_century(static_cast<char>(sign - 'a' + 'A')) != 0) {
    error += " (century signs are upper case)";
  }
  return error;
}

std::string three_digits(int value) {
  char out[3];
  put_digits(out, 3, value);
  return std::string(out, 3);
}

// Checks `text` and fills `hetu` from it; returns why it is not a code, or "".
std::string parse_into(std::string_view text, Hetu& hetu) {
  if (text.size() != kLength) return length_error(text);
  const char* const p = text.data();
  for (size_t i = 0; i < kLength; ++i) {
    const char c = p[i];
    const bool ok = i == 6    ? is_printable_ascii(c)
                    : i == 10 ? is_ascii_digit(c) || is_ascii_upper(c) || is_ascii_lower(c)
                              : is_ascii_digit(c);
    if (!ok) return bad_character(c, i + 1);
  }

  const char sign = p[6];
  const int century = hetu_century(sign);
  if (century == 0) return century_sign_error(sign);

  const Date birth_date{century + digits_value(p + 4, 2), digits_value(p + 2, 2),
                        digits_value(p, 2)};
  if (!birth_date.valid()) {
    return "bad date: " + birth_date.finnish() + " does not exist";
  }

  const int number = digits_value(p + 7, 3);
  if (number < kFirstOrdinary) return "bad individual number " + three_digits(number);

  const char check = p[10];
  if (is_ascii_lower(check))
    return "check character " + describe_character(check) + " must be upper case";
  const char expected = hetu_check_character(birth_date, number);
  if (check != expected) {
    return std::string("check character ") + check + ", expected " + expected;
  }

  hetu.code.assign(text);
  hetu.birth_date = birth_date;
  hetu.century_sign = sign;
  hetu.individual_number = number;
  hetu.check_character = check;
  hetu.sex = number % 2 == 1 ? Sex::male : Sex::female;
  hetu.temporary = number >= kFirstTemporary;
  return {};
}

}  // namespace

HetuParse parse_hetu(std::string_view text) {
  // One return, so the result is built in place: validating millions of codes should not
  // also move millions of them.
  HetuParse result;
  result.error = parse_into(text, result.hetu.emplace());
  if (!result.error.empty()) result.hetu.reset();
  return result;
}

char hetu_check_character(const Date& birth_date, int individual_number) {
  const std::int64_t date_part =
      birth_date.day * 10000 + birth_date.month * 100 + birth_date.year % 100;
  return mod31_check_character(date_part * 1000 + individual_number);
}

int hetu_century(char sign) {
  if (sign == '+') return 1800;
  if (sign == '-' || sign == 'Y' || sign == 'X' || sign == 'W' || sign == 'V' || sign == 'U') {
    return 1900;
  }
  if (sign >= 'A' && sign <= 'F') return 2000;
  return 0;
}

std::string_view hetu_century_signs(int year) {
  if (year >= 1800 && year <= 1899) return "+";
  if (year >= 1900 && year <= 1999) return "-YXWVU";
  if (year >= 2000 && year <= 2099) return "ABCDEF";
  return "";
}

std::string make_hetu(const Date& birth_date, char century_sign, int individual_number) {
  assert(birth_date.valid());
  assert(hetu_century_signs(birth_date.year).find(century_sign) != std::string_view::npos);
  assert(individual_number >= kFirstOrdinary && individual_number <= kLastTemporary);
  char code[kLength];
  put_digits(code, 2, birth_date.day);
  put_digits(code + 2, 2, birth_date.month);
  put_digits(code + 4, 2, birth_date.year % 100);
  code[6] = century_sign;
  put_digits(code + 7, 3, individual_number);
  code[10] = hetu_check_character(birth_date, individual_number);
  return std::string(code, kLength);
}

std::string hetu_generator_error(const HetuGeneratorOptions& options) {
  if (!options.born_from.valid()) return "born_from is not a valid date";
  if (!options.born_to.valid()) return "born_to is not a valid date";
  const std::string range = options.born_from.iso() + ".." + options.born_to.iso();
  if (options.born_to < options.born_from) return "empty birth date range " + range;
  if (options.century_sign == 0) {
    if (options.born_from.year < 1800 || options.born_to.year > 2099) {
      return "birth dates " + range + " reach outside 1800..2099, the years a HETU can encode";
    }
    return {};
  }
  const int century = hetu_century(options.century_sign);
  if (century == 0) return century_sign_error(options.century_sign);
  if (options.born_from.year < century || options.born_to.year > century + 99) {
    return std::string("century sign ") + options.century_sign + " is for birth years " +
           std::to_string(century) + ".." + std::to_string(century + 99) + ", not " + range;
  }
  return {};
}

HetuGenerator::HetuGenerator(const HetuGeneratorOptions& options, std::uint64_t seed)
    : options_(options), rng_(seed) {
  assert(hetu_generator_error(options).empty());
  first_day_ = options.born_from.to_days();
  day_count_ = static_cast<std::uint64_t>(options.born_to.to_days() - first_day_ + 1);
  const int low = options.temporary ? kFirstTemporary : kFirstOrdinary;
  const int high = options.temporary ? kLastTemporary : kLastOrdinary;
  if (options.sex) {
    const int parity = *options.sex == Sex::male ? 1 : 0;
    first_number_ = low % 2 == parity ? low : low + 1;
    number_step_ = 2;
    number_count_ = (high - first_number_) / 2 + 1;
  } else {
    first_number_ = low;
    number_step_ = 1;
    number_count_ = high - low + 1;
  }
}

std::string HetuGenerator::next() {
  const Date date = birth_date();
  const char sign = century_sign(date.year);
  return make_hetu(date, sign, individual_number());
}

std::uint64_t HetuGenerator::distinct_codes() const {
  std::uint64_t dates = day_count_;  // (birth date, sign) pairs
  if (options_.century_sign == 0) {
    // Every day from 1900 on has six signs, the 1800s' days one.
    const std::int64_t from = std::max(first_day_, Date{1900, 1, 1}.to_days());
    const std::int64_t to = options_.born_to.to_days();
    if (to >= from) dates += 5 * static_cast<std::uint64_t>(to - from + 1);
  }
  return dates * static_cast<std::uint64_t>(number_count_);
}

Date HetuGenerator::birth_date() {
  const auto offset = static_cast<std::int64_t>(rng_.below(day_count_));
  return Date::from_days(first_day_ + offset);
}

char HetuGenerator::century_sign(int year) {
  if (options_.century_sign != 0) return options_.century_sign;
  const std::string_view signs = hetu_century_signs(year);
  if (signs.size() == 1 || rng_.below(kNewSignOneIn) != 0) return signs[0];
  return signs[1 + rng_.below(signs.size() - 1)];
}

int HetuGenerator::individual_number() {
  const auto k = static_cast<int>(rng_.below(static_cast<std::uint64_t>(number_count_)));
  return first_number_ + k * number_step_;
}

}  // namespace popgate::registry
