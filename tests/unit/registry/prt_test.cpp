#include "registry/prt.h"

#include <gtest/gtest.h>

namespace popgate::registry {
namespace {

TEST(Prt, AcceptsValidIdentifiers) {
  // 100012345 mod 31 = 21 -> 'N' (the example other systems test against).
  EXPECT_EQ(prt_error("100012345N"), "");
  EXPECT_TRUE(valid_prt("1234567892"));
  EXPECT_TRUE(valid_prt("100000000E"));
  EXPECT_TRUE(valid_prt("199999999V"));
}

TEST(Prt, MakePrtComputesTheCheckCharacter) {
  EXPECT_EQ(make_prt(100012345), "100012345N");
  EXPECT_EQ(make_prt(123456789), "1234567892");
  for (std::int64_t n = 100000000; n <= 199999999; n += 9'999'991) {
    EXPECT_TRUE(valid_prt(make_prt(n))) << n;
  }
}

TEST(Prt, ErrorsSayWhy) {
  EXPECT_EQ(prt_error(""), "bad length: 0 characters, expected 10");
  EXPECT_EQ(prt_error("100012345"), "bad length: 9 characters, expected 10");
  EXPECT_EQ(prt_error("100012345N "), "bad length: 11 characters, expected 10");
  EXPECT_EQ(prt_error("10001x345N"), "bad character 'x' at position 6");
  EXPECT_EQ(prt_error("100012345-"), "bad character '-' at position 10");
  EXPECT_EQ(prt_error("100012345\t"), "bad character 0x09 at position 10");
  EXPECT_EQ(prt_error("200012345N"), "first digit 2, expected 1");
  EXPECT_EQ(prt_error("100012345F"), "check character F, expected N");
  EXPECT_EQ(prt_error("100012345n"), "check character 'n' must be upper case");
}

TEST(Prt, AnyWrongCheckCharacterIsCaught) {
  const std::string prt = make_prt(154321987);
  for (char c : std::string_view("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")) {
    std::string other = prt;
    other[9] = c;
    EXPECT_EQ(valid_prt(other), c == prt[9]) << other;
  }
}

TEST(Apartment, ParsesTheUsualForms) {
  EXPECT_EQ(parse_apartment("A 12"), (Apartment{'A', 12, 0}));
  EXPECT_EQ(parse_apartment("A12"), (Apartment{'A', 12, 0}));
  EXPECT_EQ(parse_apartment("a 12 b"), (Apartment{'A', 12, 'b'}));
  EXPECT_EQ(parse_apartment("B 3 A"), (Apartment{'B', 3, 'a'}));
  EXPECT_EQ(parse_apartment("B3a"), (Apartment{'B', 3, 'a'}));
  EXPECT_EQ(parse_apartment("12"), (Apartment{0, 12, 0}));
  EXPECT_EQ(parse_apartment("12 b"), (Apartment{0, 12, 'b'}));
  EXPECT_EQ(parse_apartment("C"), (Apartment{'C', 0, 0}));  // a row house dwelling
  EXPECT_EQ(parse_apartment("A 999"), (Apartment{'A', 999, 0}));
  EXPECT_EQ(parse_apartment("A 012"), (Apartment{'A', 12, 0}));
  EXPECT_EQ(parse_apartment("A  12"), (Apartment{'A', 12, 0}));
  const auto none = parse_apartment("");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(Apartment, RejectsEverythingElse) {
  for (const char* text : {" A 12", "A 12 ", " ", "A 1000", "A 0", "0", "AB 12", "A 12 bc", "A-12",
                           "A\t12", "A b", "12 b c", "Ä 12", "A 12 ä"}) {
    EXPECT_FALSE(parse_apartment(text)) << "'" << text << "'";
  }
}

TEST(Apartment, FormatsAndRoundTrips) {
  EXPECT_EQ((Apartment{'A', 12, 0}.to_string()), "A 12");
  EXPECT_EQ((Apartment{'A', 12, 'b'}.to_string()), "A 12 b");
  EXPECT_EQ((Apartment{0, 12, 0}.to_string()), "12");
  EXPECT_EQ((Apartment{0, 12, 'b'}.to_string()), "12 b");
  EXPECT_EQ((Apartment{'C', 0, 0}.to_string()), "C");
  EXPECT_EQ(Apartment{}.to_string(), "");
  for (const char* text : {"A 12", "A 12 b", "12", "12 b", "C", "", "Z 999 z"}) {
    const auto apartment = parse_apartment(text);
    ASSERT_TRUE(apartment) << text;
    EXPECT_EQ(apartment->to_string(), text);
  }
}

TEST(Prt, ResidenceCode) {
  EXPECT_EQ(residence_code("100012345N", Apartment{'A', 12, 0}), "100012345NA012 ");
  EXPECT_EQ(residence_code("100012345N", Apartment{'B', 3, 'a'}), "100012345NB003a");
  EXPECT_EQ(residence_code("100012345N", Apartment{0, 999, 0}), "100012345N 999 ");
  EXPECT_EQ(residence_code("100012345N", Apartment{}), "100012345N 000 ");
  EXPECT_EQ(residence_code("100012345N", Apartment{'C', 0, 0}), "100012345NC000 ");
  EXPECT_EQ(residence_code("100012345N", Apartment{}).size(), 15u);
  // Sorting residence codes sorts by building, then stair, then number.
  EXPECT_LT(residence_code("100012345N", Apartment{'A', 99, 0}),
            residence_code("100012345N", Apartment{'A', 100, 0}));
  EXPECT_LT(residence_code("100012345N", Apartment{}),
            residence_code("100012345N", Apartment{'A', 1, 0}));
}

}  // namespace
}  // namespace popgate::registry
