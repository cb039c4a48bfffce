#include "registry/hetu.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace popgate::registry {
namespace {

// The reason `text` is not a valid code; empty when it is one.
std::string error_of(std::string_view text) {
  return parse_hetu(text).error;
}

Hetu parsed(std::string_view text) {
  HetuParse result = parse_hetu(text);
  EXPECT_TRUE(result.ok()) << text << ": " << result.error;
  return result.ok() ? *result.hetu : Hetu{};
}

TEST(Hetu, ParsesTheClassicExample) {
  const Hetu hetu = parsed("131052-308T");
  EXPECT_EQ(hetu.code, "131052-308T");
  EXPECT_EQ(hetu.birth_date, (Date{1952, 10, 13}));
  EXPECT_EQ(hetu.century_sign, '-');
  EXPECT_EQ(hetu.individual_number, 308);
  EXPECT_EQ(hetu.check_character, 'T');
  EXPECT_EQ(hetu.sex, Sex::female);
  EXPECT_FALSE(hetu.temporary);
  EXPECT_TRUE(parse_hetu("131052-308T").error.empty());
}

// Codes in the form the Digital and Population Data Services Agency publishes for the century
// signs introduced in 2023.
TEST(Hetu, AcceptsPublishedNewSignExamples) {
  for (const char* code :
       {"010594Y9032", "010594Y9021", "020594X903P", "020594X902N", "030594W903B",
        "030694W9024", "040594V9030", "050594U903M", "050594U902L", "010516B903X",
        "010516B902W", "020516C903K", "020516C902J", "030516D9037", "030516D9026",
        "010501E9032", "020502E902X", "020503F9037", "020504A902E", "020504B904H"}) {
    EXPECT_EQ(error_of(code), "") << code;
  }
}

TEST(Hetu, EveryCenturySignGivesItsCentury) {
  struct Case {
    char sign;
    int year;
  };
  const Case cases[] = {{'+', 1890}, {'-', 1990}, {'Y', 1990}, {'X', 1990}, {'W', 1990},
                        {'V', 1990}, {'U', 1990}, {'A', 2090}, {'B', 2090}, {'C', 2090},
                        {'D', 2090}, {'E', 2090}, {'F', 2090}};
  for (const Case& c : cases) {
    const Date date{c.year, 6, 15};
    const std::string code = make_hetu(date, c.sign, 123);
    const Hetu hetu = parsed(code);
    EXPECT_EQ(hetu.birth_date, date) << code;
    EXPECT_EQ(hetu.century_sign, c.sign) << code;
    EXPECT_EQ(hetu_century(c.sign), c.year / 100 * 100) << c.sign;
  }
  EXPECT_EQ(hetu_century('G'), 0);
  EXPECT_EQ(hetu_century('a'), 0);
}

TEST(Hetu, CenturySignIsPartOfTheIdentity) {
  const Hetu traditional = parsed("010190-999W");
  const Hetu new_sign = parsed("010190Y999W");
  EXPECT_NE(traditional.code, new_sign.code);
  EXPECT_EQ(traditional.century_sign, '-');
  EXPECT_EQ(new_sign.century_sign, 'Y');
  // Same date and number, so the same check character: only the sign tells them apart.
  EXPECT_EQ(traditional.birth_date, new_sign.birth_date);
  EXPECT_EQ(traditional.individual_number, new_sign.individual_number);
  EXPECT_TRUE(traditional.temporary);
  EXPECT_TRUE(new_sign.temporary);
  // The example in the shared data README ends in K, which fails the check.
  EXPECT_EQ(error_of("010190-999K"), "check character K, expected W");
}

TEST(Hetu, CenturySignsForYears) {
  EXPECT_EQ(hetu_century_signs(1799), "");
  EXPECT_EQ(hetu_century_signs(1800), "+");
  EXPECT_EQ(hetu_century_signs(1899), "+");
  EXPECT_EQ(hetu_century_signs(1900), "-YXWVU");
  EXPECT_EQ(hetu_century_signs(1999), "-YXWVU");
  EXPECT_EQ(hetu_century_signs(2000), "ABCDEF");
  EXPECT_EQ(hetu_century_signs(2099), "ABCDEF");
  EXPECT_EQ(hetu_century_signs(2100), "");
}

TEST(Hetu, IndividualNumberRange) {
  const Date date{1985, 3, 7};
  EXPECT_EQ(error_of(make_hetu(date, '-', 2)), "");
  EXPECT_EQ(error_of(make_hetu(date, '-', 899)), "");
  // make_hetu's precondition keeps 0 and 1 out, so build them by hand.
  std::string zero = "070385-000";
  zero += hetu_check_character(date, 0);
  std::string one = "070385-001";
  one += hetu_check_character(date, 1);
  EXPECT_EQ(error_of(zero), "bad individual number 000");
  EXPECT_EQ(error_of(one), "bad individual number 001");
}

TEST(Hetu, TemporaryNumbersAreValidAndMarked) {
  const Date date{1985, 3, 7};
  EXPECT_FALSE(parsed(make_hetu(date, '-', 899)).temporary);
  EXPECT_TRUE(parsed(make_hetu(date, '-', 900)).temporary);
  EXPECT_TRUE(parsed(make_hetu(date, '-', 999)).temporary);
  EXPECT_TRUE(parsed(make_hetu(Date{2010, 3, 7}, 'A', 999)).temporary);
}

TEST(Hetu, SexFollowsParity) {
  const Date date{1985, 3, 7};
  EXPECT_EQ(parsed(make_hetu(date, '-', 2)).sex, Sex::female);
  EXPECT_EQ(parsed(make_hetu(date, '-', 3)).sex, Sex::male);
  EXPECT_EQ(parsed(make_hetu(date, '-', 898)).sex, Sex::female);
  EXPECT_EQ(parsed(make_hetu(date, '-', 899)).sex, Sex::male);
  EXPECT_EQ(parsed(make_hetu(date, '-', 901)).sex, Sex::male);
  EXPECT_EQ(parsed(make_hetu(date, '-', 900)).sex, Sex::female);
}

TEST(Hetu, RejectsImpossibleDates) {
  EXPECT_EQ(error_of("300290-123A"), "bad date: 30.02.1990 does not exist");
  EXPECT_EQ(error_of("310490-123A"), "bad date: 31.04.1990 does not exist");
  EXPECT_EQ(error_of("000190-123A"), "bad date: 00.01.1990 does not exist");
  EXPECT_EQ(error_of("011390-123A"), "bad date: 01.13.1990 does not exist");
  EXPECT_EQ(error_of("010090-123A"), "bad date: 01.00.1990 does not exist");
  EXPECT_EQ(error_of("320190-123A"), "bad date: 32.01.1990 does not exist");
}

TEST(Hetu, LeapDayDependsOnTheCentury) {
  // 2000 is a leap year, 1900 is not, 1904 is: the same six digits differ by the sign.
  const std::string leap_2000 = make_hetu(Date{2000, 2, 29}, 'A', 246);
  EXPECT_EQ(leap_2000.substr(0, 7), "290200A");
  EXPECT_EQ(error_of(leap_2000), "");
  std::string in_1900 = leap_2000;
  in_1900[6] = '-';  // the check character does not depend on the century
  EXPECT_EQ(error_of(in_1900), "bad date: 29.02.1900 does not exist");
  in_1900[6] = 'Y';
  EXPECT_EQ(error_of(in_1900), "bad date: 29.02.1900 does not exist");
  std::string in_1800 = leap_2000;
  in_1800[6] = '+';
  EXPECT_EQ(error_of(in_1800), "bad date: 29.02.1800 does not exist");
  EXPECT_EQ(error_of(make_hetu(Date{1904, 2, 29}, '-', 246)), "");
  EXPECT_EQ(error_of("290201A246" + std::string(1, hetu_check_character(Date{2001, 2, 28}, 246))),
            "bad date: 29.02.2001 does not exist");
}

TEST(Hetu, LengthErrors) {
  EXPECT_EQ(error_of(""), "bad length: 0 characters, expected 11");
  EXPECT_EQ(error_of("131052-308"), "bad length: 10 characters, expected 11");
  EXPECT_EQ(error_of("131052-308TT"), "bad length: 12 characters, expected 11");
  EXPECT_EQ(error_of(" 131052-308T"), "bad length: 12 characters, expected 11");
  EXPECT_EQ(error_of("131052-308T\r"), "bad length: 12 characters, expected 11");
  // Counted in characters, not bytes; a non-ASCII character in 11 is named.
  EXPECT_EQ(error_of("131052-308Tä"), "bad length: 12 characters, expected 11");
  EXPECT_EQ(error_of("131052-308ä"), "bad character 'ä' at position 11");
  EXPECT_EQ(error_of("13105ä-308T"), "bad character 'ä' at position 6");
  // Latin-1 'ä' is one byte: 11 bytes, shown in hex.
  EXPECT_EQ(error_of("131052-308\xE4"), "bad character 0xE4 at position 11");
}

TEST(Hetu, CharacterErrors) {
  EXPECT_EQ(error_of("13x052-308T"), "bad character 'x' at position 3");
  EXPECT_EQ(error_of("131052-3O8T"), "bad character 'O' at position 9");
  EXPECT_EQ(error_of("131052 308T"), "bad century sign ' '");
  EXPECT_EQ(error_of("131052\t308T"), "bad character 0x09 at position 7");
  EXPECT_EQ(error_of("131052-308#"), "bad character '#' at position 11");
  EXPECT_EQ(error_of("131052-308\n"), "bad character 0x0A at position 11");
  // The first problem found is named: a bad character comes before a bad date.
  EXPECT_EQ(error_of("300290-12x3"), "bad character 'x' at position 10");
}

TEST(Hetu, CenturySignErrors) {
  EXPECT_EQ(error_of("131052G308T"), "bad century sign 'G'");
  EXPECT_EQ(error_of("131052Z308T"), "bad century sign 'Z'");
  EXPECT_EQ(error_of("131052*308T"), "bad century sign '*'");
  EXPECT_EQ(error_of("131052a308T"), "bad century sign 'a' (century signs are upper case)");
  EXPECT_EQ(error_of("131052y308T"), "bad century sign 'y' (century signs are upper case)");
}

TEST(Hetu, CheckCharacterErrors) {
  EXPECT_EQ(error_of("131052-308A"), "check character A, expected T");
  EXPECT_EQ(error_of("131052-308t"), "check character 't' must be upper case");
  // Letters that are never check characters (G I O Q Z) fail the same way.
  EXPECT_EQ(error_of("131052-308G"), "check character G, expected T");
  EXPECT_EQ(error_of("131052-309T"), "check character T, expected U");
}

TEST(Hetu, CheckCharacterTable) {
  // 131052308 mod 31 = 25 -> 'T'; each remainder 0..30 maps into the 31-character alphabet.
  EXPECT_EQ(hetu_check_character(Date{1952, 10, 13}, 308), 'T');
  EXPECT_EQ(hetu_check_character(Date{1990, 1, 1}, 999), 'W');
  std::string seen;
  const Date date{1970, 1, 1};
  for (int n = 2; n < 2 + 31; ++n)
    seen += hetu_check_character(date, n);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, "0123456789ABCDEFHJKLMNPRSTUVWXY");
}

TEST(Hetu, MakeHetuPadsEveryField) {
  EXPECT_EQ(make_hetu(Date{2005, 1, 2}, 'A', 7).substr(0, 10), "020105A007");
  EXPECT_EQ(make_hetu(Date{1800, 1, 1}, '+', 2).substr(0, 10), "010100+002");
  EXPECT_EQ(make_hetu(Date{1952, 10, 13}, '-', 308), "131052-308T");
}

TEST(Hetu, EveryDateAndSignRoundTrips) {
  // All 110,000 days of 1800..2099 and every sign each allows, with a spread of numbers.
  const std::int64_t first = Date{1800, 1, 1}.to_days();
  const std::int64_t last = Date{2099, 12, 31}.to_days();
  size_t checked = 0;
  for (std::int64_t day = first; day <= last; ++day) {
    const Date date = Date::from_days(day);
    for (char sign : hetu_century_signs(date.year)) {
      const int number = 2 + static_cast<int>(((day - first) * 7 + sign) % 998);
      const std::string code = make_hetu(date, sign, number);
      const HetuParse result = parse_hetu(code);
      ASSERT_TRUE(result.ok()) << code << ": " << result.error;
      ASSERT_EQ(result.hetu->birth_date, date) << code;
      ASSERT_EQ(result.hetu->century_sign, sign) << code;
      ASSERT_EQ(result.hetu->individual_number, number) << code;
      ++checked;
    }
  }
  // 36,524 days of the 1800s with one sign, 73,049 of 1900..2099 with six.
  EXPECT_EQ(checked, 36'524u + 6 * 73'049u);
}

TEST(Hetu, AnyWrongCheckCharacterIsCaught) {
  const std::string code = make_hetu(Date{1977, 7, 7}, '-', 456);
  for (char c : std::string_view("0123456789ABCDEFHJKLMNPRSTUVWXY")) {
    std::string other = code;
    other[10] = c;
    EXPECT_EQ(parse_hetu(other).ok(), c == code[10]) << other;
  }
}

HetuGeneratorOptions options_1920_to_2024() {
  HetuGeneratorOptions options;
  options.born_from = Date{1920, 1, 1};
  options.born_to = Date{2024, 12, 31};
  return options;
}

TEST(HetuGenerator, SameSeedSameCodes) {
  HetuGenerator a(options_1920_to_2024(), 42);
  HetuGenerator b(options_1920_to_2024(), 42);
  HetuGenerator c(options_1920_to_2024(), 43);
  int differ = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::string code = a.next();
    ASSERT_EQ(code, b.next());
    differ += code != c.next() ? 1 : 0;
  }
  EXPECT_GT(differ, 990);
}

// Pins the sequence: a change here changes every seeded data set users have made.
TEST(HetuGenerator, SequenceIsStable) {
  HetuGenerator generator(options_1920_to_2024(), 20250101);
  std::vector<std::string> codes;
  for (int i = 0; i < 5; ++i)
    codes.push_back(generator.next());
  EXPECT_EQ(codes, (std::vector<std::string>{"071015C283K", "120836-3880", "290887U3242",
                                             "230355-776F", "030830-015L"}));
}

TEST(HetuGenerator, OptionsAreChecked) {
  HetuGeneratorOptions options = options_1920_to_2024();
  EXPECT_EQ(hetu_generator_error(options), "");
  options.born_from = Date{2025, 1, 1};
  EXPECT_EQ(hetu_generator_error(options), "empty birth date range 2025-01-01..2024-12-31");
  options.born_from = Date{1799, 12, 31};
  EXPECT_EQ(hetu_generator_error(options),
            "birth dates 1799-12-31..2024-12-31 reach outside 1800..2099, the years a HETU can "
            "encode");
  options.born_from = Date{1990, 2, 30};
  EXPECT_EQ(hetu_generator_error(options), "born_from is not a valid date");
  options = options_1920_to_2024();
  options.century_sign = 'A';
  EXPECT_EQ(hetu_generator_error(options),
            "century sign A is for birth years 2000..2099, not 1920-01-01..2024-12-31");
  options.century_sign = 'G';
  EXPECT_EQ(hetu_generator_error(options), "bad century sign 'G'");
  options.century_sign = '-';
  options.born_to = Date{1999, 12, 31};
  EXPECT_EQ(hetu_generator_error(options), "");
  EXPECT_EQ(hetu_generator_error(HetuGeneratorOptions{}), "born_from is not a valid date");
}

TEST(HetuGenerator, RespectsEveryOption) {
  HetuGeneratorOptions options;
  options.born_from = Date{2000, 2, 28};
  options.born_to = Date{2000, 3, 1};
  options.sex = Sex::male;
  options.temporary = true;
  options.century_sign = 'C';
  HetuGenerator generator(options, 7);
  // 3 days, 1 sign, the 50 odd numbers 901..999.
  EXPECT_EQ(generator.distinct_codes(), 150u);
  for (int i = 0; i < 2000; ++i) {
    const Hetu hetu = parsed(generator.next());
    ASSERT_GE(hetu.birth_date, options.born_from);
    ASSERT_LE(hetu.birth_date, options.born_to);
    ASSERT_EQ(hetu.sex, Sex::male);
    ASSERT_TRUE(hetu.temporary);
    ASSERT_EQ(hetu.century_sign, 'C');
  }
}

TEST(HetuGenerator, DefaultsMixTraditionalAndNewSigns) {
  HetuGeneratorOptions options;
  options.born_from = Date{1850, 1, 1};
  options.born_to = Date{2049, 12, 31};
  HetuGenerator generator(options, 1);
  int traditional = 0;
  int new_signs = 0;
  int lowest = 1000;
  int highest = 0;
  for (int i = 0; i < 100'000; ++i) {
    const Hetu hetu = parsed(generator.next());
    const std::string_view signs = hetu_century_signs(hetu.birth_date.year);
    ASSERT_NE(signs.find(hetu.century_sign), std::string_view::npos);
    (hetu.century_sign == signs[0] ? traditional : new_signs) += 1;
    ASSERT_FALSE(hetu.temporary);
    lowest = std::min(lowest, hetu.individual_number);
    highest = std::max(highest, hetu.individual_number);
  }
  // A quarter of the days are in the 1800s, which have no new signs: about 7.5% new.
  EXPECT_GT(new_signs, 6'500);
  EXPECT_LT(new_signs, 8'500);
  EXPECT_EQ(lowest, 2);
  EXPECT_EQ(highest, 899);
  // 1850..1899: one sign per day; 1900..2049: six.
  const auto days_1800s =
      static_cast<std::uint64_t>(Date{1900, 1, 1}.to_days() - Date{1850, 1, 1}.to_days());
  const auto days_later =
      static_cast<std::uint64_t>(Date{2050, 1, 1}.to_days() - Date{1900, 1, 1}.to_days());
  EXPECT_EQ(generator.distinct_codes(), (days_1800s + 6 * days_later) * 898);
}

// Generates and validates two million codes over every option; must stay a few seconds even
// under AddressSanitizer.
TEST(HetuGenerator, TwoMillionCodesRoundTrip) {
  const auto start = std::chrono::steady_clock::now();
  struct Variant {
    int first_year;
    int last_year;
    std::optional<Sex> sex;
    bool temporary;
    char sign;
  };
  const Variant variants[] = {
      {1800, 2099, std::nullopt, false, 0},  {1920, 2025, Sex::male, false, 0},
      {1990, 2010, Sex::female, true, 0},    {2000, 2099, std::nullopt, true, 'E'},
      {1900, 1999, Sex::female, false, 'U'}, {1800, 1899, Sex::male, true, '+'}};
  constexpr int kPerVariant = 2'000'000 / 6 + 1;
  size_t total = 0;
  for (const Variant& v : variants) {
    HetuGeneratorOptions options;
    options.born_from = Date{v.first_year, 1, 1};
    options.born_to = Date{v.last_year, 12, 31};
    options.sex = v.sex;
    options.temporary = v.temporary;
    options.century_sign = v.sign;
    ASSERT_EQ(hetu_generator_error(options), "");
    HetuGenerator generator(options, 1000 + total);
    // Plain comparisons in the loop, gtest only on a failure: two million ASSERTs would
    // dominate the run time under the sanitizers.
    for (int i = 0; i < kPerVariant; ++i) {
      const std::string code = generator.next();
      const HetuParse result = parse_hetu(code);
      if (!result.ok()) FAIL() << code << ": " << result.error;
      const Hetu& hetu = *result.hetu;
      const bool as_asked = hetu.code == code && hetu.birth_date >= options.born_from &&
                            hetu.birth_date <= options.born_to && hetu.temporary == v.temporary &&
                            (!v.sex || hetu.sex == *v.sex) &&
                            (v.sign == 0 || hetu.century_sign == v.sign);
      if (!as_asked) FAIL() << code << " does not match the options";
      ++total;
    }
  }
  EXPECT_GE(total, 2'000'000u);
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  RecordProperty("elapsed_ms", static_cast<int>(elapsed.count()));
  std::printf("2M round trip: %lld ms\n", static_cast<long long>(elapsed.count()));
}

}  // namespace
}  // namespace popgate::registry
