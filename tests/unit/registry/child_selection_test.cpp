// The update service's child selection: which children a member's row gets (the age on the
// reference date, deceased children, children not yet born), and what their rows may show
// (safety non-disclosure of the child or of the member, the household).
#include "registry/child_selection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "registry/disclosure_row.h"

namespace popgate::registry {
namespace {

const Date kToday{2026, 5, 20};

Person person(const std::string& hetu, Date born, const std::string& building = "100000001A",
              const std::string& apartment = "A 5") {
  Person p;
  p.hetu = hetu;
  p.first_names = "Aino";
  p.last_name = "Virtanen";
  p.birth_date = born;
  p.home_municipality = "091";
  p.addresses = {{AddressKind::permanent, "Koivukatu 12", apartment, "00100", "Helsinki", "FI",
                  Date{2020, 1, 1}, std::nullopt}};
  p.residence_building = building;
  p.residence_apartment = apartment;
  return p;
}

Person parent_of(const std::vector<const Person*>& children) {
  Person p = person("010185-123X", Date{1985, 1, 1});
  for (const Person* child : children)
    p.family.push_back({Relation::child, child->hetu});
  return p;
}

Permit fund_permit() {
  Permit p;
  p.id = "DVV/17/2026";
  p.use = PermitUse::public_task;
  p.services = {Service::update};
  p.data_groups = {DataGroup::identity, DataGroup::names, DataGroup::permanent_address,
                   DataGroup::family};
  p.valid_from = Date{2026, 1, 1};
  return p;
}

const std::vector<DataGroup> kGroups = {DataGroup::identity, DataGroup::names,
                                        DataGroup::permanent_address, DataGroup::family};

ChildRequest under_18_on(Date on) {
  ChildRequest r;
  r.under_age = 18;
  r.on = on;
  return r;
}

// The value of `column` in a children.csv row.
std::string value(const ChildRowResult& row, const std::string& column) {
  const std::vector<std::string> columns = children_columns(kGroups);
  const auto it = std::find(columns.begin(), columns.end(), column);
  EXPECT_NE(it, columns.end()) << column;
  EXPECT_EQ(row.fields.size(), columns.size());
  return row.fields.at(static_cast<std::size_t>(it - columns.begin()));
}

TEST(ChildSelection, TheEighteenthBirthdayIsNotUnderEighteen) {
  const Person turns_18_today = person("200508A1234", Date{2008, 5, 20});
  const Person turns_18_tomorrow = person("210508A1234", Date{2008, 5, 21});
  const Person born_today = person("200526A1234", kToday);
  EXPECT_FALSE(child_selected(turns_18_today, under_18_on(kToday)));
  EXPECT_TRUE(child_selected(turns_18_tomorrow, under_18_on(kToday)));
  EXPECT_TRUE(child_selected(born_today, under_18_on(kToday)));
  // On the day before, the first is still 17.
  EXPECT_TRUE(child_selected(turns_18_today, under_18_on(Date{2026, 5, 19})));
  ChildRequest under_7 = under_18_on(kToday);
  under_7.under_age = 7;
  EXPECT_FALSE(child_selected(person("200519A1234", Date{2019, 5, 20}), under_7));
  EXPECT_TRUE(child_selected(person("210519A1234", Date{2019, 5, 21}), under_7));
}

TEST(ChildSelection, DeceasedChildrenAndChildrenBornAfterTheReferenceDateAreLeftOut) {
  Person deceased = person("010115A1234", Date{2015, 1, 1});
  deceased.death_date = Date{2020, 3, 1};
  EXPECT_FALSE(child_selected(deceased, under_18_on(kToday)));
  // Even on a reference date before the death: a deceased child is left out.
  EXPECT_FALSE(child_selected(deceased, under_18_on(Date{2019, 1, 1})));
  const Person born_later = person("010126A1234", Date{2026, 1, 1});
  EXPECT_FALSE(child_selected(born_later, under_18_on(Date{2025, 12, 31})));
  EXPECT_TRUE(child_selected(born_later, under_18_on(Date{2026, 1, 1})));

  const Permit permit = fund_permit();
  const Person member = parent_of({&deceased, &born_later});
  const ChildSelectionMember m =
      child_selection_member("M1", member, under_18_on(Date{2025, 12, 31}), permit);
  EXPECT_TRUE(child_row(m, deceased, kGroups, {&permit, kToday, true}).fields.empty());
  EXPECT_TRUE(child_row(m, born_later, kGroups, {&permit, kToday, true}).fields.empty());
}

TEST(ChildSelection, AChildsRowIsShapedByTheDisclosureRulesAndSaysTheHousehold) {
  const Permit permit = fund_permit();
  const Person at_home = person("010115A1234", Date{2015, 1, 1});
  const Person elsewhere = person("020216A1234", Date{2016, 2, 2}, "100000002B", "");
  const Person member = parent_of({&at_home, &elsewhere});
  const ChildSelectionMember m = child_selection_member("M1", member, under_18_on(kToday), permit);
  EXPECT_EQ(m.children, (std::vector<std::string>{at_home.hetu, elsewhere.hetu}));

  const ChildRowResult row = child_row(m, at_home, kGroups, {&permit, kToday, true});
  EXPECT_EQ(row.disclosed_hetu, at_home.hetu);
  EXPECT_EQ(value(row, "member_client_ref"), "M1");
  EXPECT_EQ(value(row, "member_hetu"), member.hetu);
  EXPECT_EQ(value(row, "child_hetu"), at_home.hetu);
  EXPECT_EQ(value(row, "same_household"), "yes");
  EXPECT_EQ(value(row, "identity.birth_date"), "2015-01-01");
  EXPECT_EQ(value(row, "names.last_name"), "Virtanen");
  EXPECT_EQ(value(row, "permanent_address.street"), "Koivukatu 12");
  EXPECT_EQ(value(row, "note"), "");
  EXPECT_EQ(value(child_row(m, elsewhere, kGroups, {&permit, kToday, true}), "same_household"),
            "no");

  // Without a dwelling in the register nobody can say.
  Person no_dwelling = at_home;
  no_dwelling.residence_building.clear();
  EXPECT_EQ(value(child_row(m, no_dwelling, kGroups, {&permit, kToday, true}), "same_household"),
            "");
}

TEST(ChildSelection, AProtectedChildGetsNoAddressAndNoHousehold) {
  const Permit permit = fund_permit();
  Person protected_child = person("010115A1234", Date{2015, 1, 1});
  protected_child.bans = kBanSafety;
  const Person member = parent_of({&protected_child});
  const ChildSelectionMember m = child_selection_member("M1", member, under_18_on(kToday), permit);
  const ChildRowResult row = child_row(m, protected_child, kGroups, {&permit, kToday, true});
  ASSERT_FALSE(row.fields.empty());
  EXPECT_EQ(value(row, "same_household"), "");
  EXPECT_EQ(value(row, "permanent_address.street"), "");
  EXPECT_EQ(value(row, "permanent_address.postal_code"), "");
  EXPECT_EQ(value(row, "note"), kWithheldNote);
  EXPECT_EQ(value(row, "names.first_names"), "Aino") << "names are not withheld";

  // With the right to protected persons' addresses, as in every other result.
  Permit with_right = permit;
  with_right.safety_non_disclosure_right = true;
  const ChildSelectionMember m2 =
      child_selection_member("M1", member, under_18_on(kToday), with_right);
  const ChildRowResult shown = child_row(m2, protected_child, kGroups, {&with_right, kToday, true});
  EXPECT_EQ(value(shown, "permanent_address.street"), "Koivukatu 12");
  EXPECT_EQ(value(shown, "same_household"), "yes");
}

TEST(ChildSelection, AProtectedMembersChildGetsNoAddressAndNoHousehold) {
  const Permit permit = fund_permit();
  const Person child = person("010115A1234", Date{2015, 1, 1});
  Person member = parent_of({&child});
  member.bans = kBanSafety;
  const ChildSelectionMember m = child_selection_member("M1", member, under_18_on(kToday), permit);
  EXPECT_TRUE(m.location_withheld);
  const ChildRowResult row = child_row(m, child, kGroups, {&permit, kToday, true});
  ASSERT_FALSE(row.fields.empty());
  EXPECT_EQ(value(row, "same_household"), "");
  EXPECT_EQ(value(row, "permanent_address.street"), "");
  EXPECT_EQ(value(row, "note"), kWithheldNote) << "the same note, whoever is protected";
  EXPECT_EQ(value(row, "identity.birth_date"), "2015-01-01");
}

TEST(ChildSelection, AChildOfTwoMembersHasARowBesideEach) {
  const Permit permit = fund_permit();
  const Person child = person("010115A1234", Date{2015, 1, 1});
  Person mother = parent_of({&child});
  Person father = parent_of({&child});
  father.hetu = "020284-123X";
  father.residence_building = "100000009C";  // lives elsewhere
  const ChildSelectionMember m = child_selection_member("M", mother, under_18_on(kToday), permit);
  const ChildSelectionMember f = child_selection_member("F", father, under_18_on(kToday), permit);
  const ChildRowResult with_mother = child_row(m, child, kGroups, {&permit, kToday, true});
  const ChildRowResult with_father = child_row(f, child, kGroups, {&permit, kToday, true});
  EXPECT_EQ(value(with_mother, "member_client_ref"), "M");
  EXPECT_EQ(value(with_mother, "same_household"), "yes");
  EXPECT_EQ(value(with_father, "member_client_ref"), "F");
  EXPECT_EQ(value(with_father, "member_hetu"), "020284-123X");
  EXPECT_EQ(value(with_father, "same_household"), "no");
  EXPECT_EQ(with_mother.disclosed_hetu, with_father.disclosed_hetu);
}

TEST(ChildSelection, AChildThePermitDoesNotCoverHasNoRowAtAll) {
  Permit permit = fund_permit();
  permit.use = PermitUse::customer_register_update;
  Person banned = person("010115A1234", Date{2015, 1, 1});
  banned.bans = kBanCustomerRegisterUpdate;
  Person elsewhere = person("020216A1234", Date{2016, 2, 2});
  elsewhere.home_municipality = "837";
  permit.population.municipalities = {"091"};
  const Person member = parent_of({&banned, &elsewhere});
  const ChildSelectionMember m = child_selection_member("M1", member, under_18_on(kToday), permit);
  EXPECT_TRUE(child_row(m, banned, kGroups, {&permit, kToday, true}).fields.empty());
  const ChildRowResult outside = child_row(m, elsewhere, kGroups, {&permit, kToday, true});
  EXPECT_TRUE(outside.fields.empty());
  EXPECT_EQ(outside.disclosed_hetu, "");
}

TEST(ChildSelection, TheColumnsAreTheLinkThenTheGroupsColumns) {
  std::vector<std::string> expected = {"member_client_ref", "member_hetu", "child_hetu",
                                       "same_household"};
  for (const std::string& column : disclosure_columns(kGroups))
    expected.push_back(column);
  EXPECT_EQ(children_columns(kGroups), expected);
}

TEST(ChildSelection, ARowsRequestIsReadOrRefusedWithAReason) {
  const ChildRequest fallback = under_18_on(kToday);
  ChildRequest r;
  EXPECT_EQ(parse_child_request("", "", fallback, 18, r), "");
  EXPECT_EQ(r.under_age, 18);
  EXPECT_EQ(r.on, kToday);
  EXPECT_EQ(parse_child_request("7", "31.12.2025", fallback, 18, r), "");
  EXPECT_EQ(r.under_age, 7);
  EXPECT_EQ(r.on, (Date{2025, 12, 31}));
  EXPECT_EQ(parse_child_request("", "2025-06-01", fallback, 18, r), "");
  EXPECT_EQ(r.under_age, 18);
  EXPECT_EQ(r.on, (Date{2025, 6, 1}));
  EXPECT_EQ(parse_child_request("x7", "", fallback, 18, r),
            "children_under 'x7' is not a whole number of years");
  EXPECT_EQ(parse_child_request("17.5", "", fallback, 18, r),
            "children_under '17.5' is not a whole number of years");
  EXPECT_EQ(parse_child_request("25", "", fallback, 18, r),
            "children_under '25' is not from 1 to 18 years")
      << "no more than the workflow selects";
  EXPECT_EQ(parse_child_request("0", "", fallback, 18, r),
            "children_under '0' is not from 1 to 18 years");
  EXPECT_EQ(parse_child_request("", "30.02.2025", fallback, 18, r),
            "children_on '30.02.2025' is not DD.MM.YYYY or YYYY-MM-DD");
  EXPECT_EQ(parse_child_request("", std::string(100, '1'), fallback, 18, r),
            "children_on (100 bytes) is not DD.MM.YYYY or YYYY-MM-DD");
}

}  // namespace
}  // namespace popgate::registry
