// Data packages: columns checked against what the register holds, the groups a permit must
// grant, derived ages, and rows that leave a withheld group's columns empty.
#include "registry/data_package.h"

#include <gtest/gtest.h>

namespace popgate::registry {
namespace {

Person sample_person() {
  Person p;
  p.hetu = "150600A905P";
  p.birth_date = Date{2000, 6, 15};
  p.sex = Sex::female;
  p.first_names = "Aino Maria";
  p.last_name = "Virtanen";
  p.mother_tongue = "sv";
  p.home_municipality = "091";
  Address home;
  home.street = "Koivukatu 12";
  home.postal_code = "00100";
  home.post_office = "Helsinki";
  home.country = "FI";
  p.addresses.push_back(home);
  return p;
}

TEST(DataPackage, AResearchPackageCarriesAgesWithoutNamesOrHetu) {
  std::string problem;
  const std::optional<DataPackage> research = DataPackage::make(
      "research", PackageUnit::persons,
      {"age", "identity.sex", "home_municipality.home_municipality", "mother_tongue.mother_tongue"},
      &problem);
  ASSERT_TRUE(research) << problem;
  EXPECT_EQ(research->groups(),
            (std::vector<DataGroup>{DataGroup::identity, DataGroup::mother_tongue,
                                    DataGroup::home_municipality}));
  PersonDisclosure all{true, "", research->groups(), ""};
  EXPECT_EQ(research->row(sample_person(), all, Date{2026, 6, 14}),
            (std::vector<std::string>{"25", "female", "091", "sv"}));
  EXPECT_EQ(research->row(sample_person(), all, Date{2026, 6, 15})[0], "26") << "the birthday";
}

TEST(DataPackage, AWithheldGroupLeavesItsColumnsEmptyAndAnUndisclosedPersonNoRow) {
  std::string problem;
  const std::optional<DataPackage> contact =
      DataPackage::make("contact", PackageUnit::persons,
                        {"names.first_names", "names.last_name", "permanent_address.street",
                         "permanent_address.postal_code", "permanent_address.post_office"},
                        &problem);
  ASSERT_TRUE(contact) << problem;
  const PersonDisclosure safety{true, "", {DataGroup::names}, std::string(kWithheldNote)};
  EXPECT_EQ(contact->row(sample_person(), safety, Date{2026, 1, 1}),
            (std::vector<std::string>{"Aino Maria", "Virtanen", "", "", ""}));
  EXPECT_TRUE(contact->row(sample_person(), PersonDisclosure{}, Date{2026, 1, 1}).empty());
}

TEST(DataPackage, ColumnsAreCheckedWhenThePackageIsMade) {
  std::string problem;
  EXPECT_FALSE(DataPackage::make("x", PackageUnit::persons, {"names.surname"}, &problem));
  EXPECT_EQ(problem, "no column \"names.surname\" for persons");
  EXPECT_FALSE(DataPackage::make("x", PackageUnit::persons, {"age", "age"}, &problem));
  EXPECT_EQ(problem, "column \"age\" is named twice");
  EXPECT_FALSE(DataPackage::make("x", PackageUnit::buildings, {"age"}, &problem));
  EXPECT_EQ(problem, "no column \"age\" for buildings");
  EXPECT_FALSE(DataPackage::make("x", PackageUnit::persons, {}, &problem));
}

TEST(DataPackage, ABuildingPackage) {
  std::string problem;
  const std::optional<DataPackage> basic = DataPackage::make(
      "buildings_basic", PackageUnit::buildings,
      {"building.prt", "building.use_class", "building.completion_year", "building.equipment"},
      &problem);
  ASSERT_TRUE(basic) << problem;
  EXPECT_EQ(basic->groups(), (std::vector<DataGroup>{DataGroup::building}));
  Building b;
  b.prt = "100000000A";
  b.use_class = "0110";
  b.completion_year = 1955;
  b.equipment = kEquipSauna | kEquipElevator;
  EXPECT_EQ(basic->row(b),
            (std::vector<std::string>{"100000000A", "0110", "1955", "elevator|sauna"}));
}

}  // namespace
}  // namespace popgate::registry
