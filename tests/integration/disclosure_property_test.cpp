// A property test of the disclosure rules over a real synthesized register: for random permits
// (groups, use, population restriction, safety right) and random requests within them, no
// result row ever holds a value in a column of a group the permit does not grant, an address
// or home municipality of a safety-protected person without the right, or an address of a
// deceased person; and a person whose ban covers the permit's use has no row at all. The same
// holds for the update service's result.csv rows and its child selection's children.csv rows
// (where, on top, a protected member's child shows no location and no household), and for the
// extraction service's rows in a data package's columns (a search of the register: the person
// is never one the client holds).
//
// The register's own rates give few protected persons in a small register, so a share of the
// persons read is given a safety ban, a death date or other bans before disclosure: the rules
// must hold for every combination, not only the common ones.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "adapters/store/sqlite_register_store.h"
#include "registry/child_selection.h"
#include "registry/data_package.h"
#include "registry/disclosure.h"
#include "registry/disclosure_row.h"
#include "registry/permit.h"
#include "registry/random.h"
#include "registry/synth/synthetic_population.h"
#include "registry/update_row.h"

namespace popgate::registry {
namespace {

namespace fs = std::filesystem;

std::vector<Person> synthesized_persons(const fs::path& file, std::int64_t count) {
  auto store =
      store::SqliteRegisterStore::open(file.string(), store::SqliteRegisterStore::Mode::bulk_load);
  SynthOptions options;
  options.persons = count;
  options.seed = 77;
  options.batch_size = 5000;
  store::SqliteRegisterStore* raw = store.get();
  options.base_written = [raw] { raw->finish_bulk_load(); };
  synthesize_population(options, *store);
  std::vector<Person> persons;
  store->for_each_person([&](const Person& p) {
    persons.push_back(p);
    return true;
  });
  return persons;
}

Permit random_permit(Random& random) {
  Permit p;
  p.id = "P/" + std::to_string(random.below(1'000'000));
  p.services = {Service::update};
  for (const DataGroup g : person_data_groups())
    if (random.chance(0.5)) p.data_groups.push_back(g);
  const std::vector<std::string_view> uses = permit_use_names();
  p.use = *parse_permit_use(uses[random.below(uses.size())]);
  p.safety_non_disclosure_right = random.chance(0.3);
  if (random.chance(0.3)) p.population.municipalities = {"091", "049", "837"};
  if (random.chance(0.3)) {
    p.population.min_age = static_cast<int>(random.between(0, 40));
    p.population.max_age = static_cast<int>(random.between(40, 100));
  }
  p.population.only_held_persons = random.chance(0.2);
  p.valid_from = Date{2020, 1, 1};
  return p;
}

std::vector<DataGroup> random_request(Random& random, const Permit& permit) {
  std::vector<DataGroup> groups;
  for (const DataGroup g : permit.data_groups)
    if (random.chance(0.7)) groups.push_back(g);
  return groups;
}

Person perturbed(Random& random, Person person) {
  if (random.chance(0.15)) person.bans |= kBanSafety;
  if (random.chance(0.10)) person.death_date = Date{2025, 6, 1};
  if (random.chance(0.10)) person.bans |= static_cast<std::uint32_t>(1u << random.between(1, 6));
  return person;
}

bool is_location(DataGroup g) {
  const auto groups = location_groups();
  return std::find(groups.begin(), groups.end(), g) != groups.end();
}

bool is_address(DataGroup g) {
  return is_location(g) && g != DataGroup::home_municipality;
}

TEST(DisclosureProperty, NoRowEverHoldsWhatThePermitOrThePersonForbids) {
  char pattern[] = "/tmp/popgate-disclosure-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const fs::path dir = pattern;
  const std::vector<Person> persons = synthesized_persons(dir / "register.db", 5000);
  fs::remove_all(dir);
  ASSERT_EQ(persons.size(), 5000u);

  Random random(2026);
  const Date today{2026, 1, 1};
  std::int64_t rows = 0, withheld = 0, excluded = 0, values_checked = 0;
  for (int round = 0; round < 300; ++round) {
    const Permit permit = random_permit(random);
    const std::vector<DataGroup> requested = random_request(random, permit);
    const std::vector<std::string> columns = disclosure_columns(requested);
    const std::set<DataGroup> granted(permit.data_groups.begin(), permit.data_groups.end());
    for (const std::string& column : columns) {
      if (column == "note") continue;
      ASSERT_TRUE(granted.contains(*column_group(column))) << column << " not granted";
    }
    for (int i = 0; i < 400; ++i) {
      const Person person = perturbed(random, persons[random.below(persons.size())]);
      const bool held = random.chance(0.5);
      const PersonDisclosure d = disclose(person, requested, {&permit, today, held});
      const std::vector<std::string> row = disclosure_row(person, requested, d);
      if ((person.bans & bans_excluding(permit.use)) != 0 ||
          (permit.population.only_held_persons && !held)) {
        ASSERT_TRUE(row.empty()) << person.hetu << " must not be disclosed under " << permit.id;
      }
      if (!d.disclosed) {
        ASSERT_TRUE(row.empty());
        ++excluded;
        continue;
      }
      ASSERT_EQ(row.size(), columns.size());
      ++rows;
      const bool hidden = person.has_ban(kBanSafety) && !permit.safety_non_disclosure_right;
      if (hidden && !permit.population.municipalities.empty()) {
        FAIL() << "a safety-protected person was selected by municipality";
      }
      if (!permit.population.municipalities.empty()) {
        const auto& m = permit.population.municipalities;
        ASSERT_NE(std::find(m.begin(), m.end(), person.home_municipality), m.end());
      }
      if (!d.note.empty()) ++withheld;
      for (std::size_t c = 0; c + 1 < columns.size(); ++c) {
        const DataGroup group = *column_group(columns[c]);
        ++values_checked;
        if (hidden && is_location(group)) {
          ASSERT_EQ(row[c], "") << columns[c] << " of a safety-protected person";
        }
        if (person.deceased() && is_address(group)) {
          ASSERT_EQ(row[c], "") << columns[c] << " of a deceased person";
        }
      }
      if (hidden && std::any_of(requested.begin(), requested.end(), is_location)) {
        ASSERT_EQ(row.back(), kWithheldNote);
      }
    }
  }
  // The rules were exercised, not skipped.
  EXPECT_GT(rows, 10'000);
  EXPECT_GT(withheld, 1'000);
  EXPECT_GT(excluded, 1'000);
  RecordProperty("rows", static_cast<int>(rows));
  RecordProperty("values_checked", static_cast<int>(values_checked));
}

// The extraction service's rows, as the extract step writes them: random packages of the
// columns a random permit grants (derived ages too), for persons found by a search.
TEST(DisclosureProperty, TheExtractionsPackageRowsKeepTheRulesToo) {
  char pattern[] = "/tmp/popgate-disclosure-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const fs::path dir = pattern;
  const std::vector<Person> persons = synthesized_persons(dir / "register.db", 3000);
  fs::remove_all(dir);

  Random random(4242);
  const Date today{2026, 1, 1};
  const std::vector<std::string> all_columns = package_columns(PackageUnit::persons);
  std::int64_t rows = 0, withheld = 0, excluded = 0;
  for (int round = 0; round < 200; ++round) {
    Permit permit = random_permit(random);
    permit.services = {Service::extraction};
    std::vector<std::string> columns;
    for (const std::string& column : all_columns) {
      const std::optional<DataGroup> group =
          column.find('.') == std::string::npos ? DataGroup::identity : column_group(column);
      if (group && permit.grants(*group) && random.chance(0.5)) columns.push_back(column);
    }
    if (columns.empty()) continue;
    std::string problem;
    const std::optional<DataPackage> package =
        DataPackage::make("random", PackageUnit::persons, columns, &problem);
    ASSERT_TRUE(package) << problem;
    const std::vector<DataGroup> groups = package->groups();
    for (const DataGroup g : groups)
      ASSERT_TRUE(permit.grants(g));
    for (int i = 0; i < 300; ++i) {
      const Person person = perturbed(random, persons[random.below(persons.size())]);
      const PersonDisclosure d = disclose(person, groups, {&permit, today, false});
      const std::vector<std::string> row = package->row(person, d, today);
      if ((person.bans & bans_excluding(permit.use)) != 0 || permit.population.only_held_persons) {
        ASSERT_TRUE(row.empty()) << person.hetu << " must not be extracted under " << permit.id;
      }
      if (!d.disclosed) {
        ASSERT_TRUE(row.empty());
        ++excluded;
        continue;
      }
      ASSERT_EQ(row.size(), package->columns().size());
      ++rows;
      const bool hidden = person.has_ban(kBanSafety) && !permit.safety_non_disclosure_right;
      if (!d.note.empty()) ++withheld;
      for (std::size_t c = 0; c < row.size(); ++c) {
        const DataGroup group = package->columns()[c].group;
        if (hidden && is_location(group)) {
          ASSERT_EQ(row[c], "") << package->columns()[c].name << " of a safety-protected person";
        }
        if (person.deceased() && is_address(group)) {
          ASSERT_EQ(row[c], "") << package->columns()[c].name << " of a deceased person";
        }
      }
    }
  }
  EXPECT_GT(rows, 5'000);
  EXPECT_GT(withheld, 200);
  EXPECT_GT(excluded, 1'000);
}

// The update service's rows, as match_persons writes them: the same rules hold for the whole
// row, and its `changed` column and reason never speak of a location the row may not show.
TEST(DisclosureProperty, TheUpdateServicesRowsKeepTheRulesToo) {
  char pattern[] = "/tmp/popgate-disclosure-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const fs::path dir = pattern;
  const std::vector<Person> persons = synthesized_persons(dir / "register.db", 3000);
  fs::remove_all(dir);

  Random random(7);
  const Date today{2026, 1, 1};
  std::int64_t rows = 0, hidden_rows = 0;
  for (int round = 0; round < 200; ++round) {
    const Permit permit = random_permit(random);
    const std::vector<DataGroup> requested = random_request(random, permit);
    const std::vector<std::string> columns = update_columns(requested);
    for (int i = 0; i < 200; ++i) {
      const Person person = perturbed(random, persons[random.below(persons.size())]);
      ClientRow client;
      client.client_ref = std::to_string(i);
      client.hetu = person.hetu;
      client.last_name = random.chance(0.5) ? person.last_name : "Muutettu";
      client.first_names = person.first_names;
      client.municipality = random.chance(0.5) ? "091" : "837";
      client.street = random.chance(0.5) ? "Koivukatu 1" : "Rantatie 2";
      client.postal_code = random.chance(0.5) ? "00100" : "33100";
      MatchResult match;
      match.outcome = MatchOutcome::matched_hetu;
      match.score = 1.0;
      match.reason = "HETU";
      match.person = person;
      const UpdateRowResult out =
          update_result_row(client, match, requested, {&permit, today, true});
      ASSERT_EQ(out.fields.size(), columns.size());
      ++rows;
      const std::string& changed = out.fields.back();
      const PersonDisclosure d = disclose(person, requested, {&permit, today, true});
      if (!d.disclosed) {
        ASSERT_EQ(out.disclosed_hetu, "");
        for (std::size_t c = 4; c < columns.size(); ++c)
          ASSERT_EQ(out.fields[c], "") << columns[c];
        continue;
      }
      ASSERT_EQ(out.disclosed_hetu, person.hetu);
      const bool hidden = person.has_ban(kBanSafety) && !permit.safety_non_disclosure_right;
      const bool location_granted = std::any_of(requested.begin(), requested.end(), is_location);
      if (hidden || !location_granted) {
        if (hidden) ++hidden_rows;
        ASSERT_EQ(changed.find("municipality"), std::string::npos) << changed;
        ASSERT_EQ(changed.find("street"), std::string::npos) << changed;
        ASSERT_EQ(changed.find("postal_code"), std::string::npos) << changed;
      }
      if (person.deceased()) {
        ASSERT_EQ(changed.find("street"), std::string::npos) << "a deceased person's address";
        ASSERT_EQ(changed.find("postal_code"), std::string::npos) << "a deceased person's address";
      }
      for (std::size_t c = 4; c + 2 < columns.size(); ++c) {
        const DataGroup group = *column_group(columns[c]);
        if (hidden && is_location(group)) {
          ASSERT_EQ(out.fields[c], "") << columns[c];
        }
        if (person.deceased() && is_address(group)) {
          ASSERT_EQ(out.fields[c], "") << columns[c];
        }
      }
      MatchRow by_name;
      by_name.last_name = person.last_name;
      by_name.first_names = person.first_names;
      by_name.municipality = client.municipality;
      by_name.street = client.street;
      by_name.postal_code = client.postal_code;
      const CandidateScore score = score_candidate(by_name, person);
      ASSERT_EQ(score.why.find("agree"), std::string::npos) << score.why;
      ASSERT_EQ(score.why.find("differ"), std::string::npos) << score.why;
      if (person.has_ban(kBanSafety)) {
        ASSERT_DOUBLE_EQ(score.total, (score.surname + score.given_names) / 2.0)
            << "a protected person is scored by location";
      }
    }
  }
  EXPECT_GT(rows, 30'000);
  EXPECT_GT(hidden_rows, 500);
}

// The child selection's rows (children.csv), as match_persons writes them beside result.csv:
// every rule above for the child, and the child's location and the household withheld when the
// child or the member is protected; no row for a child outside the request (deceased, born
// after the reference date, at or over the age), under a ban covering the use, outside the
// permit's population, or under a permit covering only persons the client identifies itself.
TEST(DisclosureProperty, TheChildSelectionsRowsKeepTheRulesToo) {
  char pattern[] = "/tmp/popgate-disclosure-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const fs::path dir = pattern;
  const std::vector<Person> persons = synthesized_persons(dir / "register.db", 5000);
  fs::remove_all(dir);
  std::map<std::string, const Person*> by_hetu;
  std::vector<const Person*> parents;
  for (const Person& p : persons) {
    by_hetu[p.hetu] = &p;
    if (std::any_of(p.family.begin(), p.family.end(),
                    [](const FamilyLink& l) { return l.relation == Relation::child; })) {
      parents.push_back(&p);
    }
  }
  ASSERT_GT(parents.size(), 300u) << "the register has families";

  Random random(17);
  const Date today{2026, 1, 1};
  std::int64_t rows = 0, hidden_rows = 0, beside_hidden_rows = 0, households = 0, left_out = 0;
  for (int round = 0; round < 200; ++round) {
    Permit permit = random_permit(random);
    // The child selection needs the family group: the job is refused without it.
    if (!permit.grants(DataGroup::family)) permit.data_groups.push_back(DataGroup::family);
    std::vector<DataGroup> requested = random_request(random, permit);
    if (std::find(requested.begin(), requested.end(), DataGroup::family) == requested.end()) {
      requested.push_back(DataGroup::family);
    }
    const std::vector<std::string> columns = children_columns(requested);
    const std::set<DataGroup> granted(permit.data_groups.begin(), permit.data_groups.end());
    constexpr std::size_t kFirstGroupColumn = 4;  // after the link and same_household
    for (std::size_t c = kFirstGroupColumn; c + 1 < columns.size(); ++c) {
      ASSERT_TRUE(granted.contains(*column_group(columns[c]))) << columns[c] << " not granted";
    }
    const DisclosureContext context{&permit, today, true};
    for (int i = 0; i < 100; ++i) {
      const Person member = perturbed(random, *parents[random.below(parents.size())]);
      ChildRequest request;
      request.under_age = static_cast<int>(random.between(1, 18));
      request.on = today.plus_days(static_cast<std::int64_t>(random.between(0, 2000)) - 1000);
      const ChildSelectionMember m =
          child_selection_member("ref" + std::to_string(i), member, request, permit);
      const bool member_hidden = location_withheld(member, permit);
      for (const std::string& hetu : m.children) {
        const auto found = by_hetu.find(hetu);
        if (found == by_hetu.end()) continue;
        const Person child = perturbed(random, *found->second);
        const ChildRowResult row = child_row(m, child, requested, context);
        const bool selected = !child.deceased() && child.birth_date <= request.on &&
                              child.birth_date.age_on(request.on) < request.under_age;
        if (!selected || (child.bans & bans_excluding(permit.use)) != 0 ||
            permit.population.only_held_persons) {
          ASSERT_TRUE(row.fields.empty()) << child.hetu << " must not be listed";
        }
        if (row.fields.empty()) {
          ASSERT_EQ(row.disclosed_hetu, "");
          ++left_out;
          continue;
        }
        ASSERT_EQ(row.fields.size(), columns.size());
        ASSERT_EQ(row.disclosed_hetu, child.hetu);
        ASSERT_EQ(row.fields[1], member.hetu);
        ASSERT_EQ(row.fields[2], child.hetu);
        ++rows;
        const bool child_hidden = location_withheld(child, permit);
        const bool hidden = child_hidden || member_hidden;
        if (child_hidden && !permit.population.municipalities.empty()) {
          FAIL() << "a safety-protected child was selected by municipality";
        }
        if (!permit.population.municipalities.empty()) {
          const auto& mu = permit.population.municipalities;
          ASSERT_NE(std::find(mu.begin(), mu.end(), child.home_municipality), mu.end());
        }
        const std::string& household = row.fields[3];
        ASSERT_TRUE(household == "" || household == "yes" || household == "no") << household;
        if (hidden) {
          ASSERT_EQ(household, "") << "a household beside a protected person";
          ++hidden_rows;
          if (!child_hidden) ++beside_hidden_rows;
        }
        if (!household.empty()) ++households;
        for (std::size_t c = kFirstGroupColumn; c + 1 < columns.size(); ++c) {
          const DataGroup group = *column_group(columns[c]);
          if (hidden && is_location(group)) {
            ASSERT_EQ(row.fields[c], "") << columns[c] << " of a protected child or member's";
          }
        }
        if (hidden && std::any_of(requested.begin(), requested.end(), is_location)) {
          ASSERT_EQ(row.fields.back(), kWithheldNote);
        }
      }
    }
  }
  EXPECT_GT(rows, 3'000);
  EXPECT_GT(hidden_rows, 300);
  EXPECT_GT(beside_hidden_rows, 100);
  EXPECT_GT(households, 1'000);
  EXPECT_GT(left_out, 1'000);
  RecordProperty("rows", static_cast<int>(rows));
}

}  // namespace
}  // namespace popgate::registry
