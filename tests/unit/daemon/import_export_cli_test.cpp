// Runs the real `popgate import`, `export` and `register` through the shell on real SQLite
// files, as an operator would.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "adapters/formats/record_io.h"
#include "adapters/formats/record_json.h"
#include "adapters/store/sqlite.h"
#include "tests/unit/test_support/cli_runner.h"
#include "tests/unit/test_support/register_samples.h"

namespace popgate::cli {
namespace {

using registry::Person;
using testing::read_file;
using testing::write_file;

using Result = testing::CliResult;

class ImportExportCli : public ::testing::Test {
 protected:
  Result run(const std::vector<std::string>& args) {
    return testing::run_popgate(args, dir_.path().string());
  }

  std::string file(const std::string& name) const { return dir_.file(name); }

  // Persons whose family links point at each other, some forward in the file.
  static std::vector<Person> family() {
    Person mother = testing::full_person(15, 3, 1975, 246);
    Person child = testing::full_person(2, 2, 2005, 24);
    Person father = testing::full_person(1, 1, 1970, 123);
    father.sex = registry::Sex::male;
    mother.death_date.reset();
    mother.family = {{registry::Relation::spouse, father.hetu},
                     {registry::Relation::child, child.hetu}};
    child.family = {{registry::Relation::parent, mother.hetu}};
    father.family = {{registry::Relation::spouse, mother.hetu}};
    child.death_date.reset();
    father.death_date.reset();
    return {mother, child, father};
  }

  template <typename Record>
  std::string encoded(formats::Format format, const std::vector<Record>& records) {
    std::ostringstream out;
    auto writer = formats::make_record_writer<Record>(format, out);
    for (const Record& r : records)
      writer->write(r);
    return out.str();
  }

  testing::TempDir dir_;
  std::string db_ = dir_.file("register.db");
};

TEST_F(ImportExportCli, JsonLinesImportThenExportGivesTheSameFile) {
  const std::string input = file("persons.jsonl");
  const std::string original = encoded(formats::Format::jsonl, family());
  write_file(input, original);
  Result imported = run({"import", "--db", db_, "--kind", "persons", input});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_EQ(imported.out, "imported 3 persons from 1 file into " + db_ + "\n");

  const std::string output = file("out.jsonl");
  Result exported = run({"export", "--db", db_, "--kind", "persons", "--out", output});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(read_file(output), original);
  // To stdout as well.
  Result to_stdout = run({"export", "--db", db_, "--kind", "persons"});
  EXPECT_EQ(to_stdout.out, original);
}

TEST_F(ImportExportCli, CsvImportThenExportGivesTheSameFile) {
  const std::string input = file("persons.csv");
  const std::string original = encoded(formats::Format::csv, family());
  write_file(input, original);
  Result imported = run({"import", "--db", db_, "--kind", "persons", input});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  Result exported = run({"export", "--db", db_, "--kind", "persons", "--format", "csv"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(exported.out, original);
}

TEST_F(ImportExportCli, BuildingsAndChangesRoundTrip) {
  const std::vector<registry::Building> buildings = {testing::full_building(100000001),
                                                     testing::full_building(100000002)};
  write_file(file("b.jsonl"), encoded(formats::Format::jsonl, buildings));
  ASSERT_EQ(run({"import", "--db", db_, "--kind", "buildings", file("b.jsonl")}).exit_code, 0);
  EXPECT_EQ(run({"export", "--db", db_, "--kind", "buildings"}).out, read_file(file("b.jsonl")));

  std::vector<registry::ChangeEvent> changes;
  for (int i = 1; i <= 3; ++i) {
    changes.push_back(testing::sample_change(testing::hetu(i, 1, 1990, 2)));
    changes.back().seq = i;
  }
  write_file(file("c.csv"), encoded(formats::Format::csv, changes));
  Result imported = run({"import", "--db", db_, "--kind", "changes", file("c.csv")});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_EQ(run({"export", "--db", db_, "--kind", "changes", "--format", "csv"}).out,
            read_file(file("c.csv")));
  Result since = run({"export", "--db", db_, "--kind", "changes", "--since-seq", "2"});
  EXPECT_EQ(since.out,
            encoded(formats::Format::jsonl, std::vector<registry::ChangeEvent>{changes[2]}));
}

TEST_F(ImportExportCli, ABadLineImportsNothingAndNamesTheLine) {
  // A first, good import: the failed one below must leave it as it was.
  Person earlier = testing::full_person(9, 9, 1999, 898);
  earlier.family.clear();
  write_file(file("earlier.jsonl"), formats::to_json(earlier) + "\n");
  ASSERT_EQ(run({"import", "--db", db_, "--kind", "persons", file("earlier.jsonl")}).exit_code, 0);

  std::vector<Person> persons = family();
  persons.push_back(testing::full_person(4, 4, 1944, 4));
  persons.back().family.clear();
  std::string text;
  for (size_t i = 0; i < persons.size(); ++i) {
    std::string line = formats::to_json(persons[i]);
    if (i == 2) {  // line 3: a birth date that is not a date
      const size_t at = line.find("\"birth_date\":\"");
      line.replace(at + 14, 10, "1970-02-30");
    }
    text += line + "\n";
  }
  write_file(file("persons.jsonl"), text);
  Result result = run({"import", "--db", db_, "--kind", "persons", file("persons.jsonl")});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, file("persons.jsonl") +
                            ":3: birth_date: '1970-02-30' is not a date (YYYY-MM-DD)\n"
                            "popgate import: nothing imported\n");
  Result stats = run({"register", "stats", "--db", db_});
  EXPECT_NE(stats.out.find("persons:          1\n"), std::string::npos) << stats.out;
  EXPECT_EQ(run({"register", "person", persons[0].hetu, "--db", db_}).exit_code, 1);
}

TEST_F(ImportExportCli, ABadLineInTheSecondFileRollsBackTheFirst) {
  const std::vector<Person> persons = family();
  write_file(file("a.jsonl"), encoded(formats::Format::jsonl, persons));
  // Line 3 of the CSV file: a HETU whose check character is wrong.
  Person wrong = testing::full_person(5, 5, 1955, 6);
  wrong.family.clear();
  wrong.addresses[3].street = "12 Rue de la Paix";  // one physical line per record
  std::string csv = encoded(formats::Format::csv, std::vector<Person>{wrong, wrong});
  const size_t second_row = csv.find("\r\n", csv.find("\r\n") + 2) + 2;
  csv[second_row + 10] = csv[second_row + 10] == 'A' ? 'B' : 'A';
  write_file(file("b.csv"), csv);
  Result result = run({"import", "--db", db_, "--kind", "persons", file("a.jsonl"), file("b.csv")});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err.rfind(file("b.csv") + ":3: hetu: check character", 0), 0u) << result.err;
  EXPECT_EQ(run({"register", "person", persons[0].hetu, "--db", db_}).exit_code, 1);
}

TEST_F(ImportExportCli, FamilyLinksMustEndUpInTheRegister) {
  std::vector<Person> persons = family();
  persons[1].family.push_back({registry::Relation::guardian, testing::hetu(7, 7, 1977, 8)});
  write_file(file("p.jsonl"), encoded(formats::Format::jsonl, persons));
  Result result = run({"import", "--db", db_, "--kind", "persons", file("p.jsonl")});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, file("p.jsonl") + ":2: family[1].hetu: " + testing::hetu(7, 7, 1977, 8) +
                            " is not in the register (nor in this import)\n"
                            "popgate import: nothing imported\n");
}

TEST_F(ImportExportCli, ChecksRecordsAgainstTheirHetu) {
  Person p = testing::full_person();
  p.family.clear();
  p.sex = registry::Sex::male;
  write_file(file("p.csv"), encoded(formats::Format::csv, std::vector<Person>{p}));
  Result result = run({"import", "--db", db_, "--kind", "persons", file("p.csv")});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err.rfind(file("p.csv") + ":2: sex: male does not match the HETU's female", 0),
            0u)
      << result.err;
  p.sex = registry::Sex::female;
  p.addresses[3].country = "France";
  write_file(file("p.csv"), encoded(formats::Format::csv, std::vector<Person>{p}));
  result = run({"import", "--db", db_, "--kind", "persons", file("p.csv")});
  EXPECT_EQ(result.err.rfind(file("p.csv") + ":2: foreign_country: 'France' is not", 0), 0u)
      << result.err;
}

TEST_F(ImportExportCli, UsageErrorsExitTwo) {
  write_file(file("p.txt"), "");
  EXPECT_EQ(run({"import", "--db", db_, "--kind", "persons", file("p.txt")}).exit_code, 2);
  EXPECT_EQ(run({"import", "--db", db_, file("p.txt")}).exit_code, 2);
  EXPECT_EQ(
      run({"import", "--db", db_, "--kind", "people", "--format", "csv", file("p.txt")}).exit_code,
      2);
  EXPECT_EQ(run({"import", "--kind", "persons"}).exit_code, 2);
  EXPECT_EQ(run({"export", "--db", db_, "--kind", "persons", "--since-seq", "3"}).exit_code, 2);
  EXPECT_EQ(run({"export", "--db", db_, "--kind", "changes", "--since-seq", "x"}).exit_code, 2);
  EXPECT_EQ(run({"register"}).exit_code, 2);
  EXPECT_EQ(run({"register", "stats"}).exit_code, 2);
  EXPECT_EQ(run({"import", "--help"}).exit_code, 0);
  EXPECT_EQ(run({"export", "--db", file("missing.db"), "--kind", "persons"}).exit_code, 1);
}

// An older register is refused by read-only commands with the command that migrates it, and
// `register migrate` brings it up to date (once: a second run has nothing to do).
TEST_F(ImportExportCli, RegisterMigrateBringsAnOlderRegisterUpToDate) {
  write_file(file("p.jsonl"), encoded(formats::Format::jsonl, family()));
  ASSERT_EQ(run({"import", "--db", db_, "--kind", "persons", file("p.jsonl")}).exit_code, 0);
  {
    store::Database db(db_, store::OpenMode::read_write);
    db.exec("PRAGMA user_version = 1", "making a version 1 file");
  }
  Result refused = run({"register", "stats", "--db", db_});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("schema version 1 needs migrating to 3: run 'popgate register "
                             "migrate --db " +
                             db_ + "'"),
            std::string::npos)
      << refused.err;
  Result migrated = run({"register", "migrate", "--db", db_});
  ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
  EXPECT_NE(migrated.out.find("schema version 1 -> 3"), std::string::npos) << migrated.out;
  Result again = run({"register", "migrate", "--db", db_});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("schema version 3, nothing to do"), std::string::npos) << again.out;
  EXPECT_EQ(run({"register", "stats", "--db", db_}).exit_code, 0);
  EXPECT_EQ(run({"register", "migrate", "--db", file("missing.db")}).exit_code, 1);
  EXPECT_EQ(run({"register", "migrate"}).exit_code, 2);
}

TEST_F(ImportExportCli, RegisterShowsStatsPersonsAndBuildings) {
  write_file(file("p.jsonl"), encoded(formats::Format::jsonl, family()));
  write_file(file("b.jsonl"), encoded(formats::Format::jsonl,
                                      std::vector<registry::Building>{testing::full_building()}));
  ASSERT_EQ(run({"import", "--db", db_, "--kind", "persons", file("p.jsonl")}).exit_code, 0);
  ASSERT_EQ(run({"import", "--db", db_, "--kind", "buildings", file("b.jsonl")}).exit_code, 0);

  Result stats = run({"register", "stats", "--db", db_});
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  for (const char* line :
       {"persons:          3\n", "living persons:   3\n", "buildings:        1\n",
        "change events:    0\n", "last change seq:  0\n", "schema version:   3\n"}) {
    EXPECT_NE(stats.out.find(line), std::string::npos) << line << stats.out;
  }

  const Person mother = family()[0];
  Result person = run({"register", "person", mother.hetu, "--db", db_});
  ASSERT_EQ(person.exit_code, 0) << person.err;
  EXPECT_EQ(person.out, formats::to_json(mother, 2) + "\n");
  Result missing = run({"register", "person", testing::hetu(6, 6, 1966, 6), "--db", db_});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("not found"), std::string::npos);

  const registry::Building building = testing::full_building();
  Result shown = run({"register", "building", building.prt, "--db", db_});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_EQ(shown.out, formats::to_json(building, 2) + "\n");
  EXPECT_EQ(run({"register", "building", testing::prt(100000009), "--db", db_}).exit_code, 1);
}

}  // namespace
}  // namespace popgate::cli
