// The Finnish personal identity code (henkilötunnus, HETU): DDMMYYCNNNX.
//
//   DDMMYY  birth date; C the century sign: '+' 1800s; '-' 'Y' 'X' 'W' 'V' 'U' 1900s;
//           'A' 'B' 'C' 'D' 'E' 'F' 2000s.
//   NNN     individual number: 002-899 ordinary codes (odd for men, even for women),
//           900-999 temporary codes (valid syntax, never held by the register).
//   X       check character: DDMMYYNNN mod 31 indexed into "0123456789ABCDEFHJKLMNPRSTUVWXY".
//
// Since 2023 the century sign is part of the identity: 010190-999W and 010190Y999W are two
// different codes, never folded into one.
#ifndef POPGATE_REGISTRY_HETU_H_
#define POPGATE_REGISTRY_HETU_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "registry/date.h"
#include "registry/person.h"
#include "registry/random.h"

namespace popgate::registry {

struct Hetu {
  std::string code;  // the 11 characters as given (canonical: upper case)
  Date birth_date;
  char century_sign = '-';
  int individual_number = 0;  // 2..999
  char check_character = '0';
  Sex sex = Sex::female;   // odd individual number: male
  bool temporary = false;  // individual number 900..999
};

// The outcome of parsing: either a Hetu or the reason it is not one.
struct HetuParse {
  std::optional<Hetu> hetu;
  std::string error;  // empty when valid; else e.g. "check character X, expected Y"
  bool ok() const { return hetu.has_value(); }
};

// Parses and validates `text` exactly (no trimming, no case folding). Errors name the
// first problem found, in this order: length, characters, century sign, date (the sign gives
// the century, so it is checked first), individual number, check character. Positions in
// errors count from 1; a byte that is not printable ASCII is shown in hex ("0x09"), so that an
// error never carries a tab or a newline into a report.
//
// A birth date in the future is not an error here: validity must not depend on the clock.
HetuParse parse_hetu(std::string_view text);

// The check character for a birth date (day, month, two-digit year) and individual number.
char hetu_check_character(const Date& birth_date, int individual_number);

// The century signs valid for a birth year: "+", "-YXWVU", "ABCDEF", or "" for years outside
// 1800..2099. The first one is the traditional sign.
std::string_view hetu_century_signs(int year);

// The first year of the century `sign` stands for (1800, 1900 or 2000), or 0 when `sign` is
// not a century sign.
int hetu_century(char sign);

// Builds a code. Preconditions: birth_date valid, sign in hetu_century_signs(year),
// individual_number in 2..999.
std::string make_hetu(const Date& birth_date, char century_sign, int individual_number);

// What HetuGenerator draws from. Birth dates are uniform over [born_from, born_to]; the
// individual number is uniform over 002..899 (900..999 when `temporary`), restricted to odd
// or even numbers when `sex` is set.
struct HetuGeneratorOptions {
  // No defaults: a default "today" would make a seed's codes change from day to day, so the
  // caller decides.
  Date born_from;
  Date born_to;
  std::optional<Sex> sex;  // nullopt: either
  bool temporary = false;
  // 0: the traditional sign of the birth century ('+', '-', 'A') 9 times in 10, otherwise one
  // of that century's new signs (none exist for the 1800s). Else this sign for every code.
  char century_sign = 0;
};

// Empty when HetuGenerator can draw codes with `options`; otherwise why not.
std::string hetu_generator_error(const HetuGeneratorOptions& options);

// Random valid HETUs, reproducible: the same options and seed give the same codes with every
// compiler and standard library (registry::Random defines every draw itself).
class HetuGenerator {
 public:
  // Precondition: hetu_generator_error(options) is empty.
  HetuGenerator(const HetuGeneratorOptions& options, std::uint64_t seed);

  std::string next();

  // How many different codes the options allow (a bound for callers that want no repeats).
  std::uint64_t distinct_codes() const;

 private:
  Date birth_date();
  char century_sign(int year);
  int individual_number();

  HetuGeneratorOptions options_;
  std::int64_t first_day_;  // born_from as a day number
  std::uint64_t day_count_;
  int first_number_;  // the lowest individual number allowed
  int number_step_;   // 2 when the sex fixes the parity, else 1
  int number_count_;
  Random rng_;
};

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_HETU_H_
