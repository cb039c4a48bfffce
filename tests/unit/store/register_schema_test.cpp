#include "adapters/store/register_schema.h"

#include <gtest/gtest.h>

#include <set>

#include "adapters/store/sqlite_register_store.h"
#include "tests/unit/test_support/register_samples.h"

namespace popgate::store {
namespace {

using testing::TempDir;

std::set<std::string> index_names(Database& db) {
  std::set<std::string> names;
  Statement s =
      db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name NOT LIKE 'sqlite_%'",
                 "listing indexes");
  while (s.step())
    names.insert(s.column_string(0));
  return names;
}

std::set<std::string> expected_indexes() {
  std::set<std::string> names;
  for (const IndexDefinition& index : register_indexes())
    names.insert(std::string(index.name));
  return names;
}

TEST(RegisterSchema, MigrationsEndAtTheCurrentVersion) {
  const auto migrations = register_migrations();
  ASSERT_FALSE(migrations.empty());
  for (size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i) + 1);
  }
  EXPECT_EQ(migrations.back().version, kRegisterSchemaVersion);
}

TEST(RegisterSchema, NewFileGetsTheCurrentVersionAndIndexes) {
  TempDir dir;
  Database db(dir.file("r.db"), OpenMode::create);
  EXPECT_EQ(register_schema_version(db), 0);
  migrate_register(db, /*defer_indexes=*/false);
  EXPECT_EQ(register_schema_version(db), kRegisterSchemaVersion);
  EXPECT_EQ(index_names(db), expected_indexes());
  // Migrating again is a no-op.
  migrate_register(db, false);
  EXPECT_EQ(register_schema_version(db), kRegisterSchemaVersion);
}

TEST(RegisterSchema, DeferredIndexesAreCreatedLater) {
  TempDir dir;
  Database db(dir.file("r.db"), OpenMode::create);
  migrate_register(db, /*defer_indexes=*/true);
  EXPECT_TRUE(index_names(db).empty());
  create_register_indexes(db);
  EXPECT_EQ(index_names(db), expected_indexes());
}

// An index a newer popgate supersedes is dropped where a read-write open finds it.
TEST(RegisterSchema, ARetiredIndexIsDropped) {
  TempDir dir;
  Database db(dir.file("r.db"), OpenMode::create);
  migrate_register(db, /*defer_indexes=*/true);
  db.exec("CREATE INDEX person_birth_sex ON person(birth_date, sex)", "an older popgate's index");
  create_register_indexes(db);
  EXPECT_EQ(index_names(db), expected_indexes());
  EXPECT_EQ(index_names(db).count("person_birth_names"), 1u);
}

TEST(RegisterSchema, RefusesAFileNewerThanThisBinary) {
  TempDir dir;
  const std::string path = dir.file("r.db");
  {
    Database db(path, OpenMode::create);
    migrate_register(db, false);
    db.exec("PRAGMA user_version = " + std::to_string(kRegisterSchemaVersion + 1), "faking");
  }
  for (auto mode : {SqliteRegisterStore::Mode::read_write, SqliteRegisterStore::Mode::read_only}) {
    try {
      SqliteRegisterStore::open(path, mode);
      FAIL() << "opened a newer file";
    } catch (const registry::StoreError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("newer than this popgate"), std::string::npos) << message;
      EXPECT_NE(message.find("upgrade popgate"), std::string::npos) << message;
    }
  }
}

TEST(RegisterSchema, ReadWriteOpenMigratesAnEmptyFile) {
  TempDir dir;
  const std::string path = dir.file("r.db");
  { Database db(path, OpenMode::create); }  // an empty SQLite file, version 0
  auto store = SqliteRegisterStore::open(path, SqliteRegisterStore::Mode::read_write);
  EXPECT_EQ(store->schema_version(), kRegisterSchemaVersion);
}

TEST(RegisterSchema, ReadOnlyOpenRefusesAFileThatNeedsMigrating) {
  TempDir dir;
  const std::string path = dir.file("r.db");
  { Database db(path, OpenMode::create); }
  EXPECT_THROW(SqliteRegisterStore::open(path, SqliteRegisterStore::Mode::read_only),
               registry::StoreError);
}

TEST(RegisterSchema, RefusesSomeoneElsesDatabase) {
  TempDir dir;
  const std::string path = dir.file("other.db");
  {
    Database db(path, OpenMode::create);
    db.exec("CREATE TABLE invoices (id INTEGER)", "creating");
  }
  try {
    SqliteRegisterStore::open(path, SqliteRegisterStore::Mode::read_write);
    FAIL();
  } catch (const registry::StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("not a popgate register"), std::string::npos) << e.what();
  }
  Database db(path, OpenMode::read_only);
  EXPECT_EQ(db.query_int("SELECT count(*) FROM sqlite_schema", "counting"), 1);
}

TEST(RegisterSchema, EnumCodesRoundTripAndUnknownCodesFail) {
  using namespace registry;
  for (auto kind : {AddressKind::permanent, AddressKind::temporary, AddressKind::postal,
                    AddressKind::foreign}) {
    EXPECT_EQ(from_code<AddressKind>(to_code(kind), "c"), kind);
  }
  for (int raw = 0; raw < 20; ++raw) {
    const auto kind = static_cast<ChangeKind>(raw);
    if (to_string(kind) == "unknown") continue;
    EXPECT_EQ(from_code<ChangeKind>(to_code(kind), "c"), kind);
  }
  for (DataGroup group : person_data_groups()) {
    EXPECT_EQ(from_code<DataGroup>(to_code(group), "c"), group);
  }
  // Codes are part of the file format.
  EXPECT_EQ(to_code(Sex::female), 2);
  EXPECT_EQ(to_code(MaritalStatus::widowed), 4);
  EXPECT_EQ(to_code(Relation::child), 3);
  EXPECT_EQ(to_code(DataGroup::building), 15);
  try {
    from_code<Relation>(42, "person_family.relation");
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("person_family.relation holds code 42"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace popgate::store
