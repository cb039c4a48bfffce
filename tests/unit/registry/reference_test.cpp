// The reference data compiled into popgate: every municipality in a region (through its
// wellbeing services county), the regions' municipality counts as Statistics Finland lists them
// for 2025, and clear errors for a table that does not fit together.
#include "registry/reference.h"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>

namespace popgate::registry {
namespace {

TEST(ReferenceData, EveryMunicipalityIsInARegionThroughItsCounty) {
  const ReferenceData& data = ReferenceData::embedded();
  ASSERT_EQ(data.municipalities().size(), 308u);
  EXPECT_EQ(data.regions().size(), 19u);
  EXPECT_EQ(data.wellbeing_counties().size(), 22u);  // 21 counties and Helsinki
  std::map<std::string, int> per_region;
  for (const Municipality& m : data.municipalities()) {
    ASSERT_NE(data.region(m.region), nullptr) << m.code << " " << m.name_fi;
    ++per_region[data.region(m.region)->name_fi];
    if (m.wellbeing_county == "AHV") {
      EXPECT_EQ(m.region, "21") << m.name_fi;
    } else {
      ASSERT_NE(data.wellbeing_county(m.wellbeing_county), nullptr) << m.name_fi;
      EXPECT_EQ(data.wellbeing_county(m.wellbeing_county)->region, m.region);
    }
  }
  // The number of municipalities of each region in 2025 (Statistics Finland's classification).
  const std::map<std::string, int> expected = {
      {"Uusimaa", 26},           {"Varsinais-Suomi", 27}, {"Satakunta", 16},
      {"Kanta-Häme", 11},        {"Pirkanmaa", 23},       {"Päijät-Häme", 10},
      {"Kymenlaakso", 6},        {"Etelä-Karjala", 9},    {"Etelä-Savo", 11},
      {"Pohjois-Savo", 19},      {"Pohjois-Karjala", 13}, {"Keski-Suomi", 22},
      {"Etelä-Pohjanmaa", 18},   {"Pohjanmaa", 14},       {"Keski-Pohjanmaa", 8},
      {"Pohjois-Pohjanmaa", 30}, {"Kainuu", 8},           {"Lappi", 21},
      {"Ahvenanmaa", 16}};
  EXPECT_EQ(per_region, expected);
}

TEST(ReferenceData, KnownMunicipalitiesHaveTheirRegionAndCounty) {
  const ReferenceData& data = ReferenceData::embedded();
  const auto where = [&](const char* code) {
    const Municipality* m = data.municipality(code);
    return m == nullptr ? std::string("?") : m->region + "/" + m->wellbeing_county;
  };
  EXPECT_EQ(where("091"), "01/HKI");  // Helsinki arranges the services itself
  EXPECT_EQ(where("092"), "01/VK");   // Vantaa
  EXPECT_EQ(where("837"), "06/PI");   // Tampere
  EXPECT_EQ(where("478"), "21/AHV");  // Maarianhamina: Åland has no county
  EXPECT_EQ(where("171"), "11/PS");   // Joroinen, in Pohjois-Savo since 2021
  EXPECT_EQ(where("090"), "12/PK");   // Heinävesi, in Pohjois-Karjala since 2021
  EXPECT_EQ(data.wellbeing_county("HKI")->name_sv, "Helsingfors stad");
  EXPECT_EQ(data.region("19")->name_en, "Lapland");
  EXPECT_EQ(data.region("03"), nullptr);
}

// Tables that do not fit together are refused with FILE:LINE and why.
std::string_view bad_county_region(std::string_view file) {
  if (file == "wellbeing_counties.csv")
    return "code;name_fi;name_sv;region\nPI;P;B;06\nXX;X;X;99\n";
  return embedded_reference(file);
}
std::string_view unknown_county(std::string_view file) {
  if (file == "municipalities.csv")
    return "code;name_fi;name_sv;population_2020;wellbeing_county\n837;Tampere;Tammerfors;1;ZZ\n";
  return embedded_reference(file);
}

TEST(ReferenceData, TablesThatDoNotFitTogetherAreRefusedWithFileAndLine) {
  const auto error_of = [](std::string_view (*read)(std::string_view)) {
    try {
      ReferenceData::parse(read);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of(&bad_county_region), "wellbeing_counties.csv:3: no region 99");
  EXPECT_EQ(error_of(&unknown_county),
            "municipalities.csv:2: no wellbeing services county ZZ in wellbeing_counties.csv");
}

}  // namespace
}  // namespace popgate::registry
