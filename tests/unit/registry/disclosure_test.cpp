// The per-person disclosure rules: safety non-disclosure, deceased persons, disclosure bans
// against the permit's use, and the permit's population restriction.
#include "registry/disclosure.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace popgate::registry {
namespace {

const Date kToday{2026, 11, 22};

Person adult() {
  Person p;
  p.hetu = "010190-999W";
  p.first_names = "Aino";
  p.last_name = "Virtanen";
  p.birth_date = Date{1990, 1, 1};
  p.home_municipality = "091";
  return p;
}

Permit permit_with(std::vector<DataGroup> groups) {
  Permit p;
  p.id = "DVV/1/2026";
  p.services = {Service::update};
  p.data_groups = std::move(groups);
  p.valid_from = Date{2026, 1, 1};
  return p;
}

const std::vector<DataGroup> kIdentityAndLocation = {
    DataGroup::identity,          DataGroup::names,           DataGroup::home_municipality,
    DataGroup::permanent_address, DataGroup::postal_address,  DataGroup::residence_building,
    DataGroup::temporary_address, DataGroup::foreign_address, DataGroup::death,
};

bool has(const PersonDisclosure& d, DataGroup g) {
  return std::find(d.groups.begin(), d.groups.end(), g) != d.groups.end();
}

TEST(Disclosure, OrdinaryPersonGetsEveryRequestedGroup) {
  const Permit permit = permit_with(kIdentityAndLocation);
  const PersonDisclosure d = disclose(adult(), kIdentityAndLocation, {&permit, kToday, true});
  ASSERT_TRUE(d.disclosed);
  EXPECT_EQ(d.groups, kIdentityAndLocation);
  EXPECT_TRUE(d.note.empty());
}

TEST(Disclosure, SafetyNonDisclosureWithholdsEveryLocationGroupWithoutSayingWhich) {
  Person person = adult();
  person.bans = kBanSafety;
  const Permit permit = permit_with(kIdentityAndLocation);
  const PersonDisclosure d = disclose(person, kIdentityAndLocation, {&permit, kToday, true});
  ASSERT_TRUE(d.disclosed);
  for (const DataGroup g : location_groups())
    EXPECT_FALSE(has(d, g)) << to_string(g);
  EXPECT_TRUE(has(d, DataGroup::identity));
  EXPECT_TRUE(has(d, DataGroup::names));
  EXPECT_EQ(d.note, kWithheldNote);

  // The same note whichever location group was asked for.
  const std::vector<DataGroup> only_postal = {DataGroup::names, DataGroup::postal_address};
  EXPECT_EQ(disclose(person, only_postal, {&permit, kToday, true}).note, kWithheldNote);
}

TEST(Disclosure, TheSafetyRightDisclosesAddresses) {
  Person person = adult();
  person.bans = kBanSafety;
  Permit permit = permit_with(kIdentityAndLocation);
  permit.safety_non_disclosure_right = true;
  const PersonDisclosure d = disclose(person, kIdentityAndLocation, {&permit, kToday, true});
  EXPECT_EQ(d.groups, kIdentityAndLocation);
  EXPECT_TRUE(d.note.empty());
}

TEST(Disclosure, SafetyProtectedPersonsAreNeverSelectedByMunicipality) {
  Permit permit = permit_with(kIdentityAndLocation);
  permit.population.municipalities = {"091"};
  Person inside = adult();
  inside.bans = kBanSafety;
  Person outside = inside;
  outside.home_municipality = "049";
  const PersonDisclosure a = disclose(inside, kIdentityAndLocation, {&permit, kToday, true});
  const PersonDisclosure b = disclose(outside, kIdentityAndLocation, {&permit, kToday, true});
  EXPECT_FALSE(a.disclosed);
  EXPECT_FALSE(b.disclosed);
  EXPECT_EQ(a.reason, b.reason) << "the reason must not depend on where they live";

  Person ordinary_outside = adult();
  ordinary_outside.home_municipality = "049";
  EXPECT_EQ(disclose(ordinary_outside, kIdentityAndLocation, {&permit, kToday, true}).reason,
            "outside the permit's municipalities");
  EXPECT_TRUE(disclose(adult(), kIdentityAndLocation, {&permit, kToday, true}).disclosed);
}

TEST(Disclosure, DeceasedPersonsGetTheirDeathDateButNoAddresses) {
  Person person = adult();
  person.death_date = Date{2026, 3, 1};
  const Permit permit = permit_with(kIdentityAndLocation);
  const PersonDisclosure d = disclose(person, kIdentityAndLocation, {&permit, kToday, true});
  ASSERT_TRUE(d.disclosed);
  EXPECT_TRUE(has(d, DataGroup::death));
  EXPECT_TRUE(has(d, DataGroup::home_municipality));
  EXPECT_FALSE(has(d, DataGroup::permanent_address));
  EXPECT_FALSE(has(d, DataGroup::postal_address));
  EXPECT_EQ(d.note, kDeceasedNote);
}

TEST(Disclosure, BansExcludeThePersonOnlyForTheUsesTheyName) {
  Person person = adult();
  person.bans = kBanCustomerRegisterUpdate;
  Permit permit = permit_with({DataGroup::names});
  const std::vector<DataGroup> names = {DataGroup::names};
  permit.use = PermitUse::customer_register_update;
  EXPECT_FALSE(disclose(person, names, {&permit, kToday, true}).disclosed);
  permit.use = PermitUse::public_task;
  EXPECT_TRUE(disclose(person, names, {&permit, kToday, true}).disclosed);
  permit.use = PermitUse::direct_marketing;
  EXPECT_TRUE(disclose(person, names, {&permit, kToday, true}).disclosed);
  person.bans |= kBanDirectMarketing;
  EXPECT_FALSE(disclose(person, names, {&permit, kToday, true}).disclosed);
}

TEST(Disclosure, AgeRangeAndHeldPersonsRestrictThePopulation) {
  Permit permit = permit_with({DataGroup::names});
  const std::vector<DataGroup> names = {DataGroup::names};
  permit.population.min_age = 18;
  permit.population.max_age = 36;
  Person person = adult();  // 36 on 2026-11-22
  EXPECT_TRUE(disclose(person, names, {&permit, kToday, false}).disclosed);
  person.birth_date = Date{1990, 1, 1}.plus_days(-365);
  EXPECT_EQ(disclose(person, names, {&permit, kToday, false}).reason,
            "outside the permit's age range");
  permit.population = {};
  permit.population.only_held_persons = true;
  EXPECT_FALSE(disclose(adult(), names, {&permit, kToday, false}).disclosed);
  EXPECT_TRUE(disclose(adult(), names, {&permit, kToday, true}).disclosed);
}

TEST(Disclosure, AGroupThePermitLacksIsAProgrammingError) {
  const Permit permit = permit_with({DataGroup::names});
  const std::vector<DataGroup> asked = {DataGroup::names, DataGroup::family};
  EXPECT_THROW(disclose(adult(), asked, {&permit, kToday, true}), std::logic_error);
  EXPECT_THROW(disclose(adult(), asked, {nullptr, kToday, true}), std::logic_error);
}

}  // namespace
}  // namespace popgate::registry
