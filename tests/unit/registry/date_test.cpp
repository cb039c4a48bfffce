#include "registry/date.h"

#include <gtest/gtest.h>

namespace popgate::registry {
namespace {

TEST(Date, RejectsImpossibleDays) {
  EXPECT_FALSE((Date{1990, 2, 30}.valid()));
  EXPECT_FALSE((Date{1900, 2, 29}.valid()));
  EXPECT_TRUE((Date{2000, 2, 29}.valid()));
  EXPECT_FALSE((Date{2023, 4, 31}.valid()));
  EXPECT_FALSE((Date{2023, 13, 1}.valid()));
  EXPECT_FALSE((Date{2023, 0, 1}.valid()));
}

TEST(Date, DayNumbersRoundTrip) {
  EXPECT_EQ((Date{1970, 1, 1}.to_days()), 0);
  EXPECT_EQ((Date{2000, 3, 1}.to_days()), 11017);
  for (std::int64_t d = -80000; d < 80000; d += 7) {
    Date date = Date::from_days(d);
    ASSERT_TRUE(date.valid()) << d;
    ASSERT_EQ(date.to_days(), d);
  }
}

TEST(Date, ParsesIsoAndFinnishForms) {
  EXPECT_EQ(Date::parse("1990-01-31"), (Date{1990, 1, 31}));
  EXPECT_EQ(Date::parse("31.01.1990"), (Date{1990, 1, 31}));
  EXPECT_EQ(Date::parse("1.2.1990"), (Date{1990, 2, 1}));
  EXPECT_FALSE(Date::parse("30.02.1990"));
  EXPECT_FALSE(Date::parse("1990-1-31"));
  EXPECT_FALSE(Date::parse("31.01.90"));
  EXPECT_FALSE(Date::parse(""));
  EXPECT_FALSE(Date::parse("x1.01.1990"));
  EXPECT_EQ((Date{1990, 1, 5}.finnish()), "05.01.1990");
  EXPECT_EQ((Date{1990, 1, 5}.iso()), "1990-01-05");
}

TEST(Date, AgeCountsCompletedYears) {
  const Date birth{2000, 2, 29};
  EXPECT_EQ(birth.age_on(Date{2001, 2, 28}), 0);
  EXPECT_EQ(birth.age_on(Date{2001, 3, 1}), 1);
  EXPECT_EQ(birth.age_on(Date{2020, 2, 29}), 20);
}

}  // namespace
}  // namespace popgate::registry
