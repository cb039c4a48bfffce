#include "adapters/store/sqlite_register_store.h"

#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "adapters/store/register_schema.h"
#include "adapters/store/sqlite.h"
#include "registry/name_forms.h"
#include "tests/unit/test_support/register_samples.h"

namespace popgate::store {
namespace {

using registry::Building;
using registry::ChangeEvent;
using registry::Person;
using registry::StoreError;
using testing::TempDir;
using Mode = SqliteRegisterStore::Mode;

class SqliteRegisterStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteRegisterStore> open(Mode mode = Mode::read_write) {
    return SqliteRegisterStore::open(path_, mode);
  }

  TempDir dir_;
  std::string path_ = dir_.file("register.db");
};

std::vector<Person> all_persons(registry::RegisterStore& store) {
  std::vector<Person> persons;
  store.for_each_person([&](const Person& p) {
    persons.push_back(p);
    return true;
  });
  return persons;
}

std::set<std::string> index_names(const std::string& path) {
  Database db(path, OpenMode::read_only);
  std::set<std::string> names;
  Statement s = db.prepare(
      "SELECT name FROM sqlite_schema WHERE type = 'index' AND name NOT LIKE 'sqlite_%'", "list");
  while (s.step())
    names.insert(s.column_string(0));
  return names;
}

TEST_F(SqliteRegisterStoreTest, RoundTripsAFullyPopulatedPerson) {
  auto store = open();
  Person person = testing::full_person();
  {
    auto tx = store->begin();
    tx->put_person(person);
    tx->commit();
  }
  EXPECT_GT(person.id, 0);

  auto read = store->person_by_hetu(person.hetu);
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, person);
  EXPECT_FALSE(store->person_by_hetu(testing::hetu(1, 1, 1990, 2)));

  // And again from a fresh read-only connection.
  store.reset();
  auto reader = open(Mode::read_only);
  EXPECT_EQ(reader->person_by_hetu(person.hetu), person);
  EXPECT_TRUE(reader->has_person(person.hetu));
}

TEST_F(SqliteRegisterStoreTest, RoundTripsAFullyPopulatedBuilding) {
  auto store = open();
  Building building = testing::full_building();
  Building minimal;
  minimal.prt = testing::prt(100000001);
  minimal.municipality = "005";
  auto tx = store->begin();
  tx->put_building(building);
  tx->put_building(minimal);
  tx->commit();
  EXPECT_EQ(store->building_by_prt(building.prt), building);
  EXPECT_EQ(store->building_by_prt(minimal.prt), minimal);
  EXPECT_FALSE(store->building_by_prt(testing::prt(100000002)));
}

TEST_F(SqliteRegisterStoreTest, PutPersonReplacesEveryGroupOfTheSameHetu) {
  auto store = open();
  Person first = testing::full_person();
  Person other = testing::full_person(1, 2, 1980, 124);
  {
    auto tx = store->begin();
    tx->put_person(first);
    tx->put_person(other);
    tx->commit();
  }
  Person second;
  second.hetu = first.hetu;
  second.first_names = "Aino";
  second.last_name = "Uusi";
  second.birth_date = first.birth_date;
  second.addresses = {first.addresses[2]};
  second.family = {{registry::Relation::parent, testing::hetu(3, 3, 1950, 2)}};
  {
    auto tx = store->begin();
    tx->put_person(second);
    tx->commit();
  }
  EXPECT_EQ(second.id, first.id) << "a replaced person keeps its id";
  EXPECT_EQ(store->person_by_hetu(first.hetu), second);
  EXPECT_EQ(store->person_by_hetu(other.hetu), other);
  const auto persons = all_persons(*store);
  ASSERT_EQ(persons.size(), 2u);
  EXPECT_EQ(persons[0], second);
  EXPECT_EQ(persons[1], other);
  EXPECT_EQ(store->counts().persons, 2);
}

TEST_F(SqliteRegisterStoreTest, TransactionRollsBackWhenDestroyedWithoutCommit) {
  auto store = open();
  Person person = testing::full_person();
  {
    auto tx = store->begin();
    tx->put_person(person);
    tx->put_meta("seed", "1");
    ChangeEvent change = testing::sample_change(person.hetu);
    tx->append_change(change);
    EXPECT_TRUE(store->has_person(person.hetu)) << "visible inside the transaction";
  }
  EXPECT_FALSE(store->person_by_hetu(person.hetu));
  EXPECT_FALSE(store->meta("seed"));
  const auto counts = store->counts();
  EXPECT_EQ(counts.persons, 0);
  EXPECT_EQ(counts.changes, 0);
  // The store is usable again.
  auto tx = store->begin();
  tx->put_person(person);
  tx->commit();
  EXPECT_TRUE(store->has_person(person.hetu));
}

TEST_F(SqliteRegisterStoreTest, OneTransactionAtATime) {
  auto store = open();
  auto tx = store->begin();
  EXPECT_THROW(store->begin(), StoreError);
  tx->commit();
  EXPECT_THROW(tx->commit(), StoreError);
  // Once committed, the next may begin.
  auto next = store->begin();
  next.reset();
  tx.reset();
  EXPECT_NO_THROW(store->begin());
}

TEST_F(SqliteRegisterStoreTest, AFailedPutLeavesOnlyRollback) {
  auto store = open();
  Person good = testing::full_person();
  Person bad = testing::full_person(1, 2, 1980, 124);
  bad.nationalities = {"FI|SE"};  // would not read back as one item
  auto tx = store->begin();
  tx->put_person(good);
  try {
    tx->put_person(bad);
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("nationalities"), std::string::npos) << e.what();
  }
  EXPECT_THROW(tx->commit(), StoreError);
  tx.reset();
  EXPECT_EQ(store->counts().persons, 0);
}

TEST_F(SqliteRegisterStoreTest, SeqIncreasesStrictlyAcrossTransactions) {
  auto store = open();
  const std::string subject = testing::hetu(1, 1, 1990, 2);
  std::vector<std::int64_t> seqs;
  auto append = [&](bool commit) {
    auto tx = store->begin();
    for (int i = 0; i < 3; ++i) {
      ChangeEvent e = testing::sample_change(subject);
      tx->append_change(e);
      if (commit) seqs.push_back(e.seq);
    }
    if (commit) tx->commit();
  };
  append(true);
  append(false);  // rolled back: its numbers were never visible
  append(true);
  store.reset();
  store = open();
  append(true);
  ASSERT_EQ(seqs.size(), 9u);
  for (size_t i = 1; i < seqs.size(); ++i)
    EXPECT_GT(seqs[i], seqs[i - 1]);
  EXPECT_EQ(store->counts().last_change_seq, seqs.back());
  EXPECT_EQ(store->counts().changes, 9);

  std::vector<std::int64_t> after;
  store->for_each_change(seqs[4], [&](const ChangeEvent& e) {
    after.push_back(e.seq);
    return true;
  });
  EXPECT_EQ(after, std::vector<std::int64_t>(seqs.begin() + 5, seqs.end()));
}

TEST_F(SqliteRegisterStoreTest, ChangeValuesRoundTripExactly) {
  auto store = open();
  ChangeEvent event = testing::sample_change(testing::hetu(1, 1, 1990, 2));
  event.values.push_back({"street", "a second value of the same name"});
  {
    auto tx = store->begin();
    tx->append_change(event);
    tx->commit();
  }
  std::vector<ChangeEvent> read;
  store->for_each_change(0, [&](const ChangeEvent& e) {
    read.push_back(e);
    return true;
  });
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0], event);
}

TEST_F(SqliteRegisterStoreTest, MetaIsKeptWithTheData) {
  auto store = open();
  {
    auto tx = store->begin();
    tx->put_meta("synth.seed", "7");
    tx->put_meta("register.as_of", "2026-01-01");
    tx->put_meta("synth.seed", "8");
    tx->commit();
  }
  EXPECT_EQ(store->meta("synth.seed"), "8");
  EXPECT_FALSE(store->meta("missing"));
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"register.as_of", "2026-01-01"}, {"synth.seed", "8"}};
  EXPECT_EQ(store->all_meta(), expected);
}

TEST_F(SqliteRegisterStoreTest, ScansStopWhenTheVisitorSaysSo) {
  auto store = open();
  {
    auto tx = store->begin();
    for (int i = 0; i < 5; ++i) {
      Person p = testing::full_person(1 + i, 1, 1980, 2 + 2 * i);
      p.addresses.resize(static_cast<size_t>(i % 3));  // some with none
      p.family.resize(static_cast<size_t>(i % 2));
      tx->put_person(p);
      Building b = testing::full_building(100000010 + i);
      tx->put_building(b);
    }
    tx->commit();
  }
  int visited = 0;
  store->for_each_person([&](const Person&) { return ++visited < 2; });
  EXPECT_EQ(visited, 2);
  const auto persons = all_persons(*store);
  ASSERT_EQ(persons.size(), 5u);
  for (const Person& p : persons)
    EXPECT_EQ(store->person_by_hetu(p.hetu), p);
  std::vector<Building> buildings;
  store->for_each_building([&](const Building& b) {
    buildings.push_back(b);
    return true;
  });
  ASSERT_EQ(buildings.size(), 5u);
  EXPECT_EQ(buildings[3], store->building_by_prt(buildings[3].prt));
}

// A birth date's candidates for matching by names: what scoring compares, of either sex or of
// the one asked for, from the index person_birth_names alone.
TEST_F(SqliteRegisterStoreTest, NameCandidatesOfABirthDate) {
  Person anna = testing::full_person(15, 3, 1975, 246);
  Person brother = testing::full_person(15, 3, 1975, 247);  // odd: a man's number
  brother.sex = registry::Sex::male;
  brother.first_names = "Veli";
  brother.former_last_names.clear();
  Person other_day = testing::full_person(2, 2, 1950, 246);
  auto store = open();
  {
    auto tx = store->begin();
    for (Person* p : {&anna, &brother, &other_day})
      tx->put_person(*p);
    tx->commit();
  }
  std::vector<registry::NameCandidate> both =
      store->name_candidates_born(anna.birth_date, std::nullopt);
  ASSERT_EQ(both.size(), 2u);
  const registry::NameCandidate& a = both[0].hetu == anna.hetu ? both[0] : both[1];
  EXPECT_EQ(a.hetu, anna.hetu);
  EXPECT_EQ(a.sex, anna.sex);
  EXPECT_EQ(a.last_name, anna.last_name);
  EXPECT_EQ(a.former_last_names, anna.former_last_names);
  EXPECT_EQ(a.first_names, anna.first_names);
  EXPECT_EQ(a.home_municipality, anna.home_municipality);
  EXPECT_EQ(a.bans, anna.bans);
  const std::vector<registry::NameCandidate> men =
      store->name_candidates_born(anna.birth_date, registry::Sex::male);
  ASSERT_EQ(men.size(), 1u);
  EXPECT_EQ(men[0].hetu, brother.hetu);
  EXPECT_TRUE(store->name_candidates_born({1900, 1, 1}, std::nullopt).empty());
}

TEST_F(SqliteRegisterStoreTest, CountsLivingPersons) {
  auto store = open();
  auto tx = store->begin();
  Person dead = testing::full_person();
  Person alive = testing::full_person(1, 2, 1980, 124);
  alive.death_date.reset();
  tx->put_person(dead);
  tx->put_person(alive);
  tx->commit();
  const auto counts = store->counts();
  EXPECT_EQ(counts.persons, 2);
  EXPECT_EQ(counts.living_persons, 1);
  EXPECT_EQ(counts.last_change_seq, 0);
}

TEST_F(SqliteRegisterStoreTest, ReadOnlyRefusesWrites) {
  { open(); }  // create
  auto store = open(Mode::read_only);
  EXPECT_THROW(store->begin(), StoreError);
  EXPECT_EQ(store->counts().persons, 0);
}

TEST_F(SqliteRegisterStoreTest, ReadOnlyNeedsAnExistingFile) {
  EXPECT_THROW(open(Mode::read_only), StoreError);
  EXPECT_FALSE(std::filesystem::exists(path_));
}

void bulk_put(registry::RegisterStore& store) {
  auto tx = store.begin();
  for (int i = 0; i < 50; ++i) {
    Person p = testing::full_person(1 + i % 28, 1 + i / 28, 1980, 2 + 2 * i);
    tx->put_person(p);
  }
  Building b = testing::full_building();
  tx->put_building(b);
  tx->commit();
}

// Version 2 filed every person under its surname keys in a table of its own; version 3 drops it
// (matching finds those persons through the birth date index). A file at either older version
// is brought up to date with its persons intact; a read-only open cannot migrate.
TEST_F(SqliteRegisterStoreTest, MigrationsBringOlderRegistersUpToDate) {
  for (const int version : {1, 2}) {
    SCOPED_TRACE("version " + std::to_string(version));
    std::filesystem::remove(path_);
    {
      auto store = open();
      bulk_put(*store);
    }
    {  // back to what a popgate of that version made
      Database db(path_, OpenMode::read_write);
      if (version == 2) {
        db.exec(
            "CREATE TABLE person_surname (key TEXT NOT NULL, birth_date TEXT NOT NULL, "
            "person_id INTEGER NOT NULL, sex INTEGER NOT NULL, given_initials INTEGER NOT NULL, "
            "PRIMARY KEY (key, birth_date, person_id)) WITHOUT ROWID, STRICT; "
            "INSERT INTO person_surname SELECT 'virtanen', birth_date, id, sex, 0 FROM person",
            "making a version 2 file");
      }
      db.exec("PRAGMA user_version = " + std::to_string(version), "downgrading");
    }
    EXPECT_THROW(open(Mode::read_only), StoreError) << "a read-only open cannot migrate";
    EXPECT_EQ(register_file_version(path_), version);
    {
      auto store = open();
      EXPECT_EQ(store->schema_version(), 3);
      EXPECT_EQ(store->counts().persons, 50);
    }
    Database db(path_, OpenMode::read_only);
    EXPECT_EQ(db.query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'person_surname'",
                           "looking for the table"),
              0);
  }
}

TEST_F(SqliteRegisterStoreTest, BulkLoadCreatesTheIndexesOnlyWhenFinished) {
  // A bulk load holds its file exclusively; look into one left unfinished.
  const std::string unfinished = dir_.file("unfinished.db");
  {
    auto store = SqliteRegisterStore::open(unfinished, Mode::bulk_load);
    bulk_put(*store);
  }
  EXPECT_TRUE(index_names(unfinished).empty());

  auto store = open(Mode::bulk_load);
  bulk_put(*store);
  store->finish_bulk_load();
  std::set<std::string> expected;
  for (const IndexDefinition& index : register_indexes())
    expected.insert(std::string(index.name));
  EXPECT_EQ(index_names(path_), expected);
  EXPECT_EQ(store->mode(), Mode::read_write);
  EXPECT_FALSE(store->meta("bulk_load_unfinished"));

  // Usable as a normal read-write store afterwards: replacing works through the index.
  Person again = testing::full_person(1, 1, 1980, 2);
  again.last_name = "Toinen";
  {
    auto tx = store->begin();
    tx->put_person(again);
    tx->commit();
  }
  EXPECT_EQ(store->counts().persons, 50);
  store.reset();

  Database db(path_, OpenMode::read_only);
  Statement mode = db.prepare("PRAGMA journal_mode", "reading the journal mode");
  ASSERT_TRUE(mode.step());
  EXPECT_EQ(mode.column_text(0), "wal");
  Statement analyzed = db.prepare("SELECT count(*) FROM sqlite_stat1", "reading statistics");
  ASSERT_TRUE(analyzed.step());
  EXPECT_GT(analyzed.column_int(0), 0);
  auto reader = open(Mode::read_only);
  EXPECT_EQ(reader->person_by_hetu(again.hetu), again);
}

TEST_F(SqliteRegisterStoreTest, BulkLoadResolvesRepeatsLastPutWins) {
  auto store = open(Mode::bulk_load);
  Person first = testing::full_person();
  Person second = testing::full_person();
  second.last_name = "Myöhempi";
  second.addresses.resize(1);
  Person other = testing::full_person(1, 2, 1980, 124);
  Building b1 = testing::full_building();
  Building b2 = testing::full_building();
  b2.floors = 9;
  b2.addresses.resize(1);
  {
    auto tx = store->begin();
    tx->put_person(first);
    tx->put_person(other);
    tx->put_building(b1);
    tx->commit();
  }
  {
    auto tx = store->begin();
    tx->put_person(second);
    tx->put_building(b2);
    tx->commit();
  }
  store->finish_bulk_load();
  EXPECT_EQ(store->person_by_hetu(first.hetu), second);
  EXPECT_EQ(store->person_by_hetu(other.hetu), other);
  EXPECT_EQ(store->building_by_prt(b1.prt), b2);
  EXPECT_EQ(all_persons(*store).size(), 2u);
  EXPECT_EQ(store->counts().buildings, 1);
}

TEST_F(SqliteRegisterStoreTest, BulkLoadNeedsANewFile) {
  { open(); }
  EXPECT_THROW(open(Mode::bulk_load), StoreError);
}

TEST_F(SqliteRegisterStoreTest, AnUnfinishedBulkLoadIsRefused) {
  {
    auto store = open(Mode::bulk_load);
    auto tx = store->begin();
    Person p = testing::full_person();
    tx->put_person(p);
    tx->commit();
  }  // closed without finish_bulk_load()
  for (Mode mode : {Mode::read_write, Mode::read_only}) {
    try {
      open(mode);
      FAIL() << "opened an unfinished bulk load";
    } catch (const StoreError& e) {
      EXPECT_NE(std::string(e.what()).find("did not finish"), std::string::npos) << e.what();
    }
  }
}

TEST_F(SqliteRegisterStoreTest, FinishOnlyAfterABulkLoad) {
  auto store = open();
  EXPECT_THROW(store->finish_bulk_load(), StoreError);
}

TEST_F(SqliteRegisterStoreTest, BulkLoadRollsBackAnUncommittedBatch) {
  auto store = open(Mode::bulk_load);
  Person kept = testing::full_person();
  Person dropped = testing::full_person(1, 2, 1980, 124);
  {
    auto tx = store->begin();
    tx->put_person(kept);
    tx->commit();
  }
  {
    auto tx = store->begin();
    tx->put_person(dropped);
  }
  store->finish_bulk_load();
  EXPECT_TRUE(store->has_person(kept.hetu));
  EXPECT_FALSE(store->has_person(dropped.hetu));
}

TEST_F(SqliteRegisterStoreTest, RefusesInvalidDates) {
  auto store = open();
  Person p = testing::full_person();
  p.addresses[1].start = registry::Date{};
  auto tx = store->begin();
  EXPECT_THROW(tx->put_person(p), StoreError);
}

}  // namespace
}  // namespace popgate::store
