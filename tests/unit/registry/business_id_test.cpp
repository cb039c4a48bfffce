#include "registry/business_id.h"

#include <gtest/gtest.h>

namespace popgate::registry {
namespace {

TEST(BusinessId, AcceptsRealIds) {
  EXPECT_TRUE(valid_business_id("0737546-2"));  // the header's example
  EXPECT_TRUE(valid_business_id("0201256-6"));  // City of Helsinki
  EXPECT_TRUE(valid_business_id("0112038-9"));  // Nokia Oyj
  EXPECT_TRUE(valid_business_id("1572860-0"));  // remainder 0 gives check digit 0
}

TEST(BusinessId, CheckDigit) {
  EXPECT_EQ(business_id_check_digit("0737546"), 2);
  EXPECT_EQ(business_id_check_digit("1572860"), 0);
  EXPECT_EQ(business_id_check_digit("0000006"), -1);  // remainder 1: never issued
  EXPECT_EQ(business_id_check_digit("073754"), -1);
  EXPECT_EQ(business_id_check_digit("07375x6"), -1);
}

TEST(BusinessId, ErrorsSayWhy) {
  EXPECT_EQ(business_id_error("0737546-3"), "check digit 3, expected 2");
  EXPECT_EQ(business_id_error("737546-2"), "bad length: 8 characters, expected 9 (NNNNNNN-C)");
  EXPECT_EQ(business_id_error(""), "bad length: 0 characters, expected 9 (NNNNNNN-C)");
  EXPECT_EQ(business_id_error("0737546 2"), "bad character ' ' at position 8, expected '-'");
  EXPECT_EQ(business_id_error("07375462-"), "bad character '2' at position 8, expected '-'");
  EXPECT_EQ(business_id_error("07x7546-2"), "bad character 'x' at position 3");
  EXPECT_EQ(business_id_error("0737546-x"), "bad character 'x' at position 9");
  EXPECT_EQ(business_id_error("0000006-5"), "no business ID has the digits 0000006 (remainder 1)");
  EXPECT_FALSE(valid_business_id(" 0737546-2"));
}

TEST(BusinessId, EverySevenDigitsHaveOneCheckDigitOrNone) {
  int never_issued = 0;
  for (int n = 0; n < 10'000'000; n += 997) {
    std::string digits = std::to_string(n);
    digits.insert(0, 7 - digits.size(), '0');
    const int check = business_id_check_digit(digits);
    if (check < 0) {
      ++never_issued;
      continue;
    }
    for (int d = 0; d <= 9; ++d) {
      const std::string id = digits + "-" + std::to_string(d);
      ASSERT_EQ(valid_business_id(id), d == check) << id;
    }
  }
  EXPECT_GT(never_issued, 0);
}

}  // namespace
}  // namespace popgate::registry
