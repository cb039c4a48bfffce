// The extraction service's criteria on a small hand-made register: the edge days of age ranges
// (and leap-day birthdays), region membership through the reference data, deceased persons,
// persons abroad, postal code ranges, the residence building's attributes, areas on the map,
// and all/any/not.
#include "registry/extraction_criteria.h"

#include <gtest/gtest.h>

#include "registry/reference.h"

namespace popgate::registry {
namespace {

Date day(int y, int m, int d) {
  return Date{y, m, d};
}

Person person(Date born, std::string municipality = "837") {
  Person p;
  p.hetu = "010101-0101";
  p.birth_date = born;
  p.home_municipality = std::move(municipality);
  p.mother_tongue = "fi";
  p.nationalities = {"FI"};
  Address home;
  home.postal_code = "33100";
  p.addresses.push_back(home);
  return p;
}

PersonCriteria condition(PersonCondition c) {
  PersonCriteria node;
  node.kind = PersonCriteria::Kind::condition;
  node.condition = std::move(c);
  return node;
}

PersonCriteria node(PersonCriteria::Kind kind, std::vector<PersonCriteria> children) {
  PersonCriteria n;
  n.kind = kind;
  n.children = std::move(children);
  return n;
}

PersonCondition age(std::int64_t min, std::int64_t max) {
  PersonCondition c;
  c.field = PersonCondition::Field::age;
  c.range = {min, max};
  return c;
}

bool selects(const PersonCriteria& criteria, const Person& p, Date on,
             const Building* residence = nullptr) {
  return matches(criteria, PersonFacts{p, residence, on});
}

TEST(ExtractionCriteria, AgeRangesIncludeTheBirthdayAndEndTheDayBeforeTheNextOne) {
  const Person p = person(day(2000, 6, 15));
  const PersonCriteria young_adults = condition(age(18, 29));
  EXPECT_FALSE(selects(young_adults, p, day(2018, 6, 14)));  // 17 still
  EXPECT_TRUE(selects(young_adults, p, day(2018, 6, 15)));   // 18 today
  EXPECT_TRUE(selects(young_adults, p, day(2030, 6, 14)));   // 29 for one more day
  EXPECT_FALSE(selects(young_adults, p, day(2030, 6, 15)));  // 30
  EXPECT_FALSE(selects(condition(age(0, 120)), p, day(1999, 1, 1))) << "not born yet";
}

TEST(ExtractionCriteria, ALeapDayBirthdayComesOnTheFirstOfMarchInCommonYears) {
  const Person leapling = person(day(2004, 2, 29));
  const PersonCriteria adults = condition(age(18, 200));
  EXPECT_FALSE(selects(adults, leapling, day(2022, 2, 28)));
  EXPECT_TRUE(selects(adults, leapling, day(2022, 3, 1)));
  EXPECT_TRUE(selects(adults, leapling, day(2024, 2, 29)));
  PersonCondition born;
  born.field = PersonCondition::Field::birth_date;
  born.dates = {day(2004, 2, 29), day(2004, 2, 29)};
  EXPECT_TRUE(selects(condition(born), leapling, day(2026, 1, 1)));
}

TEST(ExtractionCriteria, ARegionIsTheSetOfItsMunicipalities) {
  const ReferenceData& reference = ReferenceData::embedded();
  PersonCondition uusimaa;
  uusimaa.field = PersonCondition::Field::municipality;
  for (const Municipality& m : reference.municipalities())
    if (m.region == "01") uusimaa.municipalities.add(m.code);
  EXPECT_EQ(uusimaa.municipalities.size(), 26u);
  const PersonCriteria in_uusimaa = condition(uusimaa);
  EXPECT_TRUE(selects(in_uusimaa, person(day(1990, 1, 1), "091"), day(2026, 1, 1)));   // Helsinki
  EXPECT_TRUE(selects(in_uusimaa, person(day(1990, 1, 1), "092"), day(2026, 1, 1)));   // Vantaa
  EXPECT_FALSE(selects(in_uusimaa, person(day(1990, 1, 1), "837"), day(2026, 1, 1)));  // Tampere
  EXPECT_FALSE(selects(in_uusimaa, person(day(1990, 1, 1), ""), day(2026, 1, 1)));     // abroad
}

TEST(ExtractionCriteria, LifeAndResidenceAreConditionsOfTheirOwn) {
  Person dead = person(day(1930, 1, 1));
  dead.death_date = day(2020, 5, 5);
  const Person living = person(day(1930, 1, 1));
  Person abroad = person(day(1980, 1, 1), "");
  PersonCondition life;
  life.field = PersonCondition::Field::life;
  life.life = LifeStatus::deceased;
  EXPECT_TRUE(selects(condition(life), dead, day(2026, 1, 1)));
  EXPECT_FALSE(selects(condition(life), living, day(2026, 1, 1)));
  life.life = LifeStatus::any;
  EXPECT_TRUE(selects(condition(life), living, day(2026, 1, 1)));
  PersonCondition residence;
  residence.field = PersonCondition::Field::residence;
  residence.residence = Residence::abroad;
  EXPECT_TRUE(selects(condition(residence), abroad, day(2026, 1, 1)));
  EXPECT_FALSE(selects(condition(residence), living, day(2026, 1, 1)));
  EXPECT_TRUE(
      mentions_life(node(PersonCriteria::Kind::all, {condition(age(1, 2)), condition(life)})));
  EXPECT_FALSE(mentions_life(condition(age(1, 2))));
}

TEST(ExtractionCriteria, AllAnyAndNotCombine) {
  const Person p = person(day(1960, 3, 3));
  PersonCondition swedish;
  swedish.field = PersonCondition::Field::mother_tongue;
  swedish.codes.codes = {"sv"};
  PersonCondition finnish_citizen;
  finnish_citizen.field = PersonCondition::Field::nationality;
  finnish_citizen.codes.codes = {"FI", "SE"};
  const Date on = day(2026, 1, 1);
  using Kind = PersonCriteria::Kind;
  EXPECT_TRUE(selects(PersonCriteria{}, p, on)) << "no criteria: everyone";
  EXPECT_FALSE(selects(node(Kind::all, {condition(age(65, 200)), condition(swedish)}), p, on));
  EXPECT_TRUE(selects(node(Kind::any, {condition(age(65, 200)), condition(swedish)}), p, on));
  EXPECT_TRUE(selects(node(Kind::negation, {condition(swedish)}), p, on));
  EXPECT_TRUE(selects(condition(finnish_citizen), p, on));
  EXPECT_FALSE(selects(node(Kind::any, {}), p, on)) << "an empty any holds for no one";
}

TEST(ExtractionCriteria, PostalCodeRangesAndMaritalStatus) {
  Person p = person(day(1970, 1, 1));
  PersonCondition postal;
  postal.field = PersonCondition::Field::postal_code;
  postal.postal_codes = {{"00100", "00990"}, {"33100", "33100"}};
  EXPECT_TRUE(selects(condition(postal), p, day(2026, 1, 1)));
  p.addresses.front().postal_code = "33101";
  EXPECT_FALSE(selects(condition(postal), p, day(2026, 1, 1)));
  p.addresses.clear();
  EXPECT_FALSE(selects(condition(postal), p, day(2026, 1, 1))) << "no permanent address";
  PersonCondition married;
  married.field = PersonCondition::Field::marital_status;
  married.marital = {MaritalStatus::married, MaritalStatus::registered_partnership};
  p.marital_status = MaritalStatus::registered_partnership;
  EXPECT_TRUE(selects(condition(married), p, day(2026, 1, 1)));
}

Building building() {
  Building b;
  b.prt = "100000000A";
  b.municipality = "853";
  b.use_class = "0110";
  b.completion_year = 1955;
  b.floors = 2;
  b.floor_area_m2 = 140;
  b.apartments = 1;
  b.heating = Heating::oil;
  b.equipment = kEquipSauna | kEquipSewer;
  b.east = 240000;
  b.north = 6710000;
  return b;
}

BuildingCriteria building_condition(BuildingCondition c) {
  BuildingCriteria n;
  n.kind = BuildingCriteria::Kind::condition;
  n.condition = std::move(c);
  return n;
}

TEST(ExtractionCriteria, BuildingsByUseYearEquipmentAndDemolition) {
  Building b = building();
  BuildingCondition residential;
  residential.field = BuildingCondition::Field::use_class;
  residential.prefixes = {"01"};
  BuildingCondition before_1960;
  before_1960.field = BuildingCondition::Field::completion_year;
  before_1960.range = {std::nullopt, 1959};
  BuildingCondition sauna_and_sewer;
  sauna_and_sewer.field = BuildingCondition::Field::equipment;
  sauna_and_sewer.equipment = kEquipSauna | kEquipSewer;
  BuildingCondition standing;
  standing.field = BuildingCondition::Field::demolished;
  standing.flag = false;
  BuildingCriteria all;
  for (const BuildingCondition& c : {residential, before_1960, sauna_and_sewer, standing})
    all.children.push_back(building_condition(c));
  EXPECT_TRUE(matches(all, b));
  b.demolished_year = 2001;
  EXPECT_FALSE(matches(all, b));
  b = building();
  b.equipment = kEquipSauna;
  EXPECT_FALSE(matches(all, b)) << "every listed item, not any";
  b = building();
  b.completion_year = 0;
  EXPECT_FALSE(matches(building_condition(before_1960), b)) << "an unknown year is in no range";
  BuildingCondition exact;
  exact.field = BuildingCondition::Field::use_class;
  exact.codes.codes = {"0111"};
  EXPECT_FALSE(matches(building_condition(exact), building()));
}

TEST(ExtractionCriteria, APersonsResidenceBuildingAndItsPlaceOnTheMap) {
  const Person p = person(day(1950, 1, 1), "853");
  const Building home = building();
  PersonCondition old_house;
  old_house.field = PersonCondition::Field::building;
  old_house.building.field = BuildingCondition::Field::completion_year;
  old_house.building.range = {std::nullopt, 1959};
  const Date on = day(2026, 1, 1);
  EXPECT_TRUE(selects(condition(old_house), p, on, &home));
  EXPECT_FALSE(selects(condition(old_house), p, on, nullptr)) << "no known residence";
  EXPECT_TRUE(needs_residence(condition(old_house)));
  EXPECT_FALSE(needs_residence(condition(age(1, 2))));

  PersonCondition near;
  near.field = PersonCondition::Field::area;
  near.area.center = MapPoint{240300, 6710400};  // 500 m away exactly
  near.area.radius_m = 500;
  EXPECT_TRUE(selects(condition(near), p, on, &home));
  near.area.radius_m = 499.9;
  EXPECT_FALSE(selects(condition(near), p, on, &home));
}

TEST(ExtractionCriteria, PolygonsWithHolesAndTheirBoundary) {
  MapArea square;
  square.rings = {{{0, 0}, {1000, 0}, {1000, 1000}, {0, 1000}},
                  {{400, 400}, {600, 400}, {600, 600}, {400, 600}}};  // a hole
  EXPECT_TRUE(square.contains({100, 100}));
  EXPECT_FALSE(square.contains({500, 500})) << "in the hole";
  EXPECT_TRUE(square.contains({400, 500})) << "on the hole's edge: the boundary is inside";
  EXPECT_TRUE(square.contains({1000, 1000})) << "a corner";
  EXPECT_FALSE(square.contains({1000.01, 500}));
  EXPECT_FALSE(square.contains({-1, -1}));
  MapArea concave;  // a U shape
  concave.rings = {
      {{0, 0}, {300, 0}, {300, 300}, {200, 300}, {200, 100}, {100, 100}, {100, 300}, {0, 300}}};
  EXPECT_TRUE(concave.contains({50, 250}));
  EXPECT_FALSE(concave.contains({150, 250})) << "between the arms";
  EXPECT_TRUE(concave.contains({150, 50}));
}

}  // namespace
}  // namespace popgate::registry
