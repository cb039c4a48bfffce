// The Finnish personal identity code (henkilötunnus, HETU): DDMMYYCNNNX.
//
//   DDMMYY  birth date; C the century sign: '+' 1800s; '-' 'Y' 'X' 'W' 'V' 'U' 1900s;
//           'A' 'B' 'C' 'D' 'E' 'F' 2000s.
//   NNN     individual number: 002-899 ordinary codes (odd for men, even for women),
//           900-999 temporary codes (valid syntax, never held by the register).
//   X       check character: DDMMYYNNN mod 31 indexed into "0123456789ABCDEFHJKLMNPRSTUVWXY".
//
// Since 2023 the century sign is part of the identity: 010190-999K and 010190Y999K are two
// different codes, never folded into one.
#ifndef POPGATE_REGISTRY_HETU_H_
#define POPGATE_REGISTRY_HETU_H_

#include <optional>
#include <string>
#include <string_view>

#include "registry/date.h"
#include "registry/person.h"

namespace popgate::registry {

struct Hetu {
  std::string code;  // the 11 characters as given (canonical: upper case)
  Date birth_date;
  char century_sign = '-';
  int individual_number = 0;  // 2..999
  char check_character = '0';
  Sex sex = Sex::female;  // odd individual number: male
  bool temporary = false;  // individual number 900..999
};

// The outcome of parsing: either a Hetu or the reason it is not one.
struct HetuParse {
  std::optional<Hetu> hetu;
  std::string error;  // empty when valid; else e.g. "check character X, expected Y"
  bool ok() const { return hetu.has_value(); }
};

// Parses and validates `text` exactly (no trimming, no case folding). Errors name the
// first problem found: length, characters, date, century sign, individual number, check.
HetuParse parse_hetu(std::string_view text);

// The check character for a birth date (day, month, two-digit year) and individual number.
char hetu_check_character(const Date& birth_date, int individual_number);

// The century signs valid for a birth year: "+", "-YXWVU", "ABCDEF", or "" for years outside
// 1800..2099. The first one is the traditional sign.
std::string_view hetu_century_signs(int year);

// Builds a code. Preconditions: birth_date valid, sign in hetu_century_signs(year),
// individual_number in 2..999.
std::string make_hetu(const Date& birth_date, char century_sign, int individual_number);

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_HETU_H_
