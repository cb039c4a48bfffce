// Synthesis into a real SQLite register, read back through the store: the population must
// look like Finland's, be internally consistent, and be reproducible from its seed.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "adapters/store/sqlite_register_store.h"
#include "registry/hetu.h"
#include "registry/prt.h"
#include "registry/reference.h"
#include "registry/synth/population_profile.h"
#include "registry/synth/synthetic_population.h"

namespace popgate {
namespace {

namespace fs = std::filesystem;
using registry::Date;
using registry::Person;
using store::SqliteRegisterStore;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("popgate-synth-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  static inline int counter = 0;
  fs::path path_;
};

constexpr Date kAsOf{2026, 1, 1};

std::unique_ptr<SqliteRegisterStore> synthesize(const fs::path& file, std::int64_t persons,
                                                std::uint64_t seed, int history_days,
                                                registry::SynthSummary* summary = nullptr) {
  auto store = SqliteRegisterStore::open(file.string(), SqliteRegisterStore::Mode::bulk_load);
  registry::SynthOptions options;
  options.persons = persons;
  options.seed = seed;
  options.as_of = kAsOf;
  options.history_days = history_days;
  options.batch_size = 5000;
  SqliteRegisterStore* raw = store.get();
  options.base_written = [raw] { raw->finish_bulk_load(); };
  registry::SynthSummary s = registry::synthesize_population(options, *store);
  if (summary) *summary = s;
  return store;
}

std::vector<Person> all_persons(registry::RegisterStore& store) {
  std::vector<Person> persons;
  store.for_each_person([&](const Person& p) {
    persons.push_back(p);
    return true;
  });
  return persons;
}

class SynthPopulation : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir = new TempDir();
    store = synthesize(*dir / "register.db", kPersons, 7, 0, &summary).release();
    persons = new std::vector<Person>(all_persons(*store));
  }
  static void TearDownTestSuite() {
    delete persons;
    delete store;
    delete dir;
  }

  static std::vector<const Person*> residents() {
    std::vector<const Person*> out;
    for (const Person& p : *persons) {
      if (!p.deceased() && !p.home_municipality.empty()) out.push_back(&p);
    }
    return out;
  }

  static constexpr std::int64_t kPersons = 60'000;
  static inline TempDir* dir = nullptr;
  static inline SqliteRegisterStore* store = nullptr;
  static inline std::vector<Person>* persons = nullptr;
  static inline registry::SynthSummary summary;
};

TEST_F(SynthPopulation, HasTheRequestedNumberOfPersonsAndRealisticStatuses) {
  ASSERT_EQ(static_cast<std::int64_t>(persons->size()), kPersons);
  std::int64_t deceased = 0, abroad = 0;
  for (const Person& p : *persons) {
    deceased += p.deceased();
    abroad += !p.deceased() && p.address(registry::AddressKind::foreign) != nullptr;
  }
  EXPECT_NEAR(static_cast<double>(deceased) / kPersons, registry::profile::kDeceasedShare, 0.005);
  EXPECT_NEAR(static_cast<double>(abroad) / kPersons, registry::profile::kAbroadShare, 0.005);
  EXPECT_EQ(summary.deceased, deceased);
  EXPECT_EQ(summary.abroad, abroad);
}

TEST_F(SynthPopulation, EveryHetuIsValidUniqueAndAgreesWithTheRecord) {
  std::set<std::string> seen;
  for (const Person& p : *persons) {
    const registry::HetuParse parsed = registry::parse_hetu(p.hetu);
    ASSERT_TRUE(parsed.ok()) << p.hetu << ": " << parsed.error;
    EXPECT_FALSE(parsed.hetu->temporary) << p.hetu;
    EXPECT_EQ(parsed.hetu->birth_date, p.birth_date) << p.hetu;
    EXPECT_EQ(parsed.hetu->sex, p.sex) << p.hetu;
    EXPECT_TRUE(seen.insert(p.hetu).second) << "duplicate " << p.hetu;
  }
}

TEST_F(SynthPopulation, AgeAndSexStructureFollowsFinland) {
  double total = 0, young = 0, working = 0, old = 0, males_expected = 0;
  for (const auto& band : registry::profile::kAgePyramid) {
    const double n = band.males + band.females;
    total += n;
    males_expected += band.males;
    (band.from_age < 15 ? young : band.from_age < 65 ? working : old) += n;
  }
  const auto people = residents();
  double r_young = 0, r_working = 0, r_old = 0, males = 0;
  for (const Person* p : people) {
    const int age = p->birth_date.age_on(kAsOf);
    (age < 15 ? r_young : age < 65 ? r_working : r_old) += 1;
    males += p->sex == registry::Sex::male;
  }
  const auto n = static_cast<double>(people.size());
  EXPECT_NEAR(r_young / n, young / total, 0.015);
  EXPECT_NEAR(r_working / n, working / total, 0.015);
  EXPECT_NEAR(r_old / n, old / total, 0.015);
  EXPECT_NEAR(males / n, males_expected / total, 0.012);
}

TEST_F(SynthPopulation, MotherTonguesMatchTheNationalShares) {
  std::map<std::string, double> counts;
  const auto people = residents();
  for (const Person* p : people)
    counts[p->mother_tongue] += 1;
  const auto n = static_cast<double>(people.size());
  EXPECT_NEAR(counts["fi"] / n, registry::profile::kFinnishShare, 0.015);
  EXPECT_NEAR(counts["sv"] / n, registry::profile::kSwedishShare, 0.01);
  EXPECT_LT(counts["se"] / n, 0.003);
  EXPECT_GT(counts.size(), 20u) << "the rest of the world's languages are represented";
}

TEST_F(SynthPopulation, MunicipalitiesAreWeightedByPopulation) {
  const auto& ref = registry::ReferenceData::embedded();
  double total_population = 0;
  for (const auto& m : ref.municipalities())
    total_population += static_cast<double>(m.population);
  std::map<std::string, double> counts;
  const auto people = residents();
  for (const Person* p : people)
    counts[p->home_municipality] += 1;
  for (const char* code : {"091", "049", "837", "092", "564"}) {
    const double expected =
        static_cast<double>(ref.municipality(code)->population) / total_population;
    EXPECT_NEAR(counts[code] / static_cast<double>(people.size()), expected, expected * 0.12)
        << code;
  }
  for (const auto& [code, count] : counts)
    EXPECT_NE(ref.municipality(code), nullptr) << code;
}

// Everyone gets a surname drawn by the reference frequencies, the deceased and those abroad
// too (they were all "Korhonen", the first name of the list, until a default said so: 14% of
// a synthesized Finland, where the real Korhonen is 0.4%).
TEST_F(SynthPopulation, SurnamesFollowTheReferenceFrequencies) {
  const auto& surnames = registry::ReferenceData::embedded().surnames();
  double total = 0;
  for (const auto& name : surnames)
    total += static_cast<double>(name.count);
  const double most_common = static_cast<double>(surnames.front().count) / total;
  std::map<std::string, double> counts;
  for (const Person& p : *persons)
    counts[p.last_name] += 1;
  const auto n = static_cast<double>(persons->size());
  for (const bool dead : {false, true}) {
    double group = 0, named_first = 0;
    for (const Person& p : *persons) {
      if (p.deceased() != dead) continue;
      group += 1;
      named_first += p.last_name == surnames.front().name;
    }
    EXPECT_LT(named_first / group, most_common * 3) << (dead ? "deceased" : "living");
  }
  for (const auto& [name, count] : counts)
    EXPECT_LT(count / n, most_common * 3) << name;
}

TEST_F(SynthPopulation, ResidentsLiveInRegisteredBuildingsWithAddresses) {
  std::int64_t checked = 0, safety = 0;
  for (const Person& p : *persons) {
    safety += p.has_ban(registry::kBanSafety);
    if (p.deceased() || p.home_municipality.empty()) continue;
    const registry::Address* home = p.address(registry::AddressKind::permanent);
    ASSERT_NE(home, nullptr) << p.hetu;
    EXPECT_FALSE(home->street.empty());
    EXPECT_EQ(home->postal_code.size(), 5u) << home->postal_code;
    ASSERT_TRUE(registry::valid_prt(p.residence_building)) << p.residence_building;
    if (checked++ % 97 != 0) continue;  // a sample: lookups are the expensive part
    const auto building = store->building_by_prt(p.residence_building);
    ASSERT_TRUE(building.has_value()) << p.residence_building;
    EXPECT_EQ(building->municipality, p.home_municipality);
    EXPECT_TRUE(building->residential()) << building->use_class;
  }
  const double share = static_cast<double>(safety) / kPersons;
  EXPECT_GT(share, 0.0003);
  EXPECT_LT(share, 0.006);
}

TEST_F(SynthPopulation, FamilyLinksPointAtRegisteredPersonsBothWays) {
  std::map<std::string, const Person*> by_hetu;
  for (const Person& p : *persons)
    by_hetu[p.hetu] = &p;
  std::int64_t parents = 0, spouses = 0;
  for (const Person& p : *persons) {
    for (const registry::FamilyLink& link : p.family) {
      auto other = by_hetu.find(link.hetu);
      ASSERT_NE(other, by_hetu.end()) << p.hetu << " links to missing " << link.hetu;
      if (link.relation == registry::Relation::parent) {
        ++parents;
        EXPECT_LT(other->second->birth_date, p.birth_date);
        bool back = false;
        for (const auto& l : other->second->family)
          back |= l.relation == registry::Relation::child && l.hetu == p.hetu;
        EXPECT_TRUE(back) << p.hetu;
      }
      if (link.relation == registry::Relation::spouse) {
        ++spouses;
        EXPECT_EQ(p.marital_status, registry::MaritalStatus::married);
      }
    }
  }
  EXPECT_GT(parents, kPersons / 10);
  EXPECT_GT(spouses, kPersons / 10);
}

TEST(Synth, SameSeedGivesTheSameRegisterAndAnotherSeedAnother) {
  TempDir dir;
  auto a = synthesize(dir / "a.db", 4000, 42, 0);
  auto b = synthesize(dir / "b.db", 4000, 42, 0);
  auto c = synthesize(dir / "c.db", 4000, 43, 0);
  const auto pa = all_persons(*a), pb = all_persons(*b), pc = all_persons(*c);
  ASSERT_EQ(pa.size(), pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i) {
    Person x = pa[i], y = pb[i];
    x.id = y.id = 0;
    ASSERT_EQ(x, y) << i;
  }
  std::size_t same = 0;
  for (std::size_t i = 0; i < pa.size(); ++i)
    same += pa[i].hetu == pc[i].hetu;
  EXPECT_LT(same, pa.size() / 10);
}

TEST(Synth, HistoryLogsChangesInStrictSequenceForRegisteredSubjects) {
  TempDir dir;
  registry::SynthSummary summary;
  auto store = synthesize(dir / "h.db", 20'000, 5, 90, &summary);
  std::int64_t last = 0, events = 0;
  std::map<registry::ChangeKind, int> kinds;
  std::set<std::string> subjects;
  store->for_each_change(0, [&](const registry::ChangeEvent& e) {
    EXPECT_GT(e.seq, last);
    last = e.seq;
    ++events;
    ++kinds[e.kind];
    EXPECT_LE(e.effective_date, e.record_date);
    EXPECT_LE(e.record_date, kAsOf);
    if (e.subject == registry::SubjectKind::person) subjects.insert(e.subject_id);
    return true;
  });
  EXPECT_EQ(events, summary.change_events);
  // 20,000 persons for 90 days at Finland's rates: about 70 births and 85 deaths, ~800 moves.
  EXPECT_GT(kinds[registry::ChangeKind::move], 300);
  EXPECT_GT(kinds[registry::ChangeKind::birth], 20);
  EXPECT_GT(kinds[registry::ChangeKind::death], 20);
  EXPECT_GT(kinds[registry::ChangeKind::immigration], 5);
  for (const std::string& hetu : subjects) {
    ASSERT_TRUE(store->person_by_hetu(hetu).has_value()) << hetu;
  }
}

}  // namespace
}  // namespace popgate
