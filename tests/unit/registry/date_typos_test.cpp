// The mistakes of typed birth dates (issue 17.2): each kind recognised, the relation symmetric,
// and the candidates of a typed date exactly the dates it may mistype.
#include "registry/date_typos.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "registry/random.h"

namespace popgate::registry {
namespace {

TEST(DateTypo, EachKindIsRecognised) {
  const Date meant{1983, 9, 16};
  EXPECT_EQ(date_typo({1988, 9, 16}, meant), DateTypo::digit);
  EXPECT_EQ(date_typo({1983, 9, 26}, meant), DateTypo::digit);
  EXPECT_EQ(date_typo({1983, 8, 16}, meant), DateTypo::digit);
  EXPECT_EQ(date_typo({1938, 9, 16}, meant), DateTypo::transposed);  // the example
  EXPECT_EQ(date_typo(meant, meant), std::nullopt) << "the same date";
  EXPECT_EQ(date_typo({1983, 12, 5}, {1983, 5, 12}), DateTypo::day_month);
  EXPECT_EQ(date_typo({1983, 5, 21}, {1983, 5, 12}), DateTypo::transposed);
  EXPECT_EQ(date_typo({1883, 9, 16}, meant), DateTypo::century) << "also one digit wrong";
  EXPECT_EQ(date_typo({2083, 9, 16}, meant), DateTypo::century);
  EXPECT_EQ(date_typo({1993, 10, 16}, meant), std::nullopt) << "two digits wrong";
  EXPECT_EQ(date_typo({1984, 9, 17}, meant), std::nullopt);
  EXPECT_EQ(date_typo({1983, 9, 16}, {1983, 2, 30}), std::nullopt) << "no such date";
  EXPECT_EQ(date_typo({1983, 1, 9}, {1983, 9, 10}), std::nullopt)
      << "transposed across the day and month is not one of the kinds";
}

TEST(DateTypo, DescriptionsAreTheReasonsWords) {
  EXPECT_EQ(describe(DateTypo::digit), "one digit wrong");
  EXPECT_EQ(describe(DateTypo::transposed), "two digits transposed");
  EXPECT_EQ(describe(DateTypo::day_month), "day and month swapped");
  EXPECT_EQ(describe(DateTypo::century), "wrong century");
}

TEST(DateTypo, CandidatesAreExactlyTheDatesATypedOneMayMistype) {
  Random random(17);
  for (int n = 0; n < 300; ++n) {
    const Date typed = Date::from_days(static_cast<std::int64_t>(random.below(60000)) - 30000);
    const std::vector<Date> candidates = mistyping_candidates(typed);
    ASSERT_TRUE(std::is_sorted(candidates.begin(), candidates.end()));
    ASSERT_EQ(std::adjacent_find(candidates.begin(), candidates.end()), candidates.end());
    for (const Date& meant : candidates) {
      ASSERT_TRUE(date_typo(typed, meant).has_value()) << typed.iso() << " " << meant.iso();
      ASSERT_EQ(date_typo(meant, typed), date_typo(typed, meant)) << "symmetric";
    }
    // Every date within two years either side that is a mistyping is a candidate.
    for (std::int64_t d = typed.to_days() - 800; d <= typed.to_days() + 800; ++d) {
      const Date other = Date::from_days(d);
      const bool candidate = std::binary_search(candidates.begin(), candidates.end(), other);
      ASSERT_EQ(date_typo(typed, other).has_value(), candidate)
          << typed.iso() << " " << other.iso();
    }
  }
  const std::vector<Date> some = mistyping_candidates({1983, 9, 16});
  const auto has = [&some](const Date& date) {
    return std::binary_search(some.begin(), some.end(), date);
  };
  for (const Date& expected :
       {Date{1938, 9, 16}, Date{1883, 9, 16}, Date{2083, 9, 16}, Date{1983, 9, 19}})
    EXPECT_TRUE(has(expected)) << expected.iso();
  EXPECT_FALSE(has(Date{1983, 6, 19})) << "two digits wrong";
  EXPECT_LT(some.size(), 60u) << "a few dozen at most: each is a lookup";
  EXPECT_TRUE(mistyping_candidates(Date{1983, 2, 30}).empty());
}

}  // namespace
}  // namespace popgate::registry
