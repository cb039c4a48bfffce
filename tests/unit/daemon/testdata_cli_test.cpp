// Runs the real `popgate testdata update-rows` on a synthesized register and checks the file it
// writes against the register itself: every row is what its truth says it is.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "adapters/store/sqlite_register_store.h"
#include "registry/hetu.h"
#include "registry/update_row.h"
#include "tests/unit/test_support/cli_runner.h"
#include "tests/unit/test_support/csv_table.h"
#include "tests/unit/test_support/register_samples.h"

namespace popgate::cli {
namespace {

using Result = testing::CliResult;
using Table = testing::CsvTable;
using testing::read_csv_table;

class TestdataCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir = new testing::TempDir();
    const Result synth = testing::run_popgate(
        {"synth", "--persons", "2500", "--seed", "3", "--quiet", "--out", db()},
        dir->path().string());
    ASSERT_EQ(synth.exit_code, 0) << synth.err;
  }
  static void TearDownTestSuite() {
    delete dir;
    dir = nullptr;
  }
  static std::string db() { return dir->file("register.db"); }

  Result run(std::vector<std::string> args) {
    args.insert(args.begin(), {"testdata", "update-rows"});
    return testing::run_popgate(args, dir->path().string());
  }

  static testing::TempDir* dir;
};
testing::TempDir* TestdataCli::dir = nullptr;

TEST_F(TestdataCli, EveryRowIsWhatItsTruthSays) {
  const std::string out = dir->file("customers.csv"), truth = dir->file("truth.csv");
  const Result r = run({"--db", db(), "--rows", "300", "--seed", "5", "--municipalities", "091,049",
                        "--outside-rows", "12", "--unknown-rows", "5", "--bad-rows", "7", "--out",
                        out, "--truth", truth});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("wrote 300 rows to " + out), std::string::npos) << r.out;

  const Table rows = read_csv_table(out);
  const Table truths = read_csv_table(truth);
  ASSERT_EQ(rows.size(), 300u);
  ASSERT_EQ(truths.size(), 300u);
  auto store = store::SqliteRegisterStore::open(db(), store::SqliteRegisterStore::Mode::read_only);
  std::map<std::string, int> kinds;
  std::set<std::string> refs;
  int without_hetu = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    const auto& t = truths[i];
    const std::string& ref = row.at("asiakasnumero");
    SCOPED_TRACE(ref + " " + t.at("kind") + " " + t.at("damage"));
    ASSERT_EQ(t.at("client_ref"), ref) << "the truth is in the file's order";
    EXPECT_TRUE(refs.insert(ref).second) << "client refs are unique";
    ++kinds[t.at("kind")];
    registry::ClientRow client;
    client.hetu = row.at("henkilotunnus");
    client.last_name = row.at("sukunimi");
    client.first_names = row.at("etunimet");
    client.birth_date = row.at("syntymaaika");
    client.municipality = row.at("kotikunta");
    const registry::ParsedClientRow parsed = registry::parse_client_row(client);
    const bool hetu_valid = client.hetu.empty() || registry::parse_hetu(client.hetu).ok();
    if (t.at("kind") == "bad") {
      EXPECT_EQ(t.at("expected_outcome"), "INVALID_ROW");
      EXPECT_TRUE(!parsed.error.empty() || !hetu_valid) << "a bad row cannot be read";
      continue;
    }
    EXPECT_TRUE(parsed.error.empty() && hetu_valid) << parsed.error;
    if (t.at("kind") == "unknown") {
      EXPECT_EQ(t.at("expected_outcome"), "NOT_FOUND");
      EXPECT_EQ(t.at("true_hetu"), "");
      if (!client.hetu.empty()) {
        EXPECT_FALSE(store->person_by_hetu(client.hetu));
      }
      continue;
    }
    const auto person = store->person_by_hetu(t.at("true_hetu"));
    ASSERT_TRUE(person) << "drawn from the register";
    EXPECT_FALSE(person->deceased());
    const bool covered = person->home_municipality == "091" || person->home_municipality == "049";
    EXPECT_EQ(covered, t.at("kind") == "register") << person->home_municipality;
    if (client.hetu.empty()) {
      ++without_hetu;
      EXPECT_EQ(t.at("expected_outcome"), "MATCHED_NAME_BIRTHDATE");
      EXPECT_EQ(parsed.match.birth_date, person->birth_date);
    } else {
      EXPECT_EQ(client.hetu, person->hetu) << "a HETU is never damaged";
      EXPECT_EQ(t.at("expected_outcome"), "MATCHED_HETU");
    }
  }
  EXPECT_EQ(kinds, (std::map<std::string, int>{
                       {"bad", 7}, {"outside_permit", 12}, {"register", 276}, {"unknown", 5}}));
  EXPECT_GT(without_hetu, 288 * 3 / 10) << "--without-hetu defaults to 50%";
  EXPECT_LT(without_hetu, 288 * 7 / 10);
}

TEST_F(TestdataCli, TheSameSeedGivesTheSameFileAndAnotherSeedAnother) {
  const auto make = [&](const std::string& seed, const std::string& name) {
    const Result r = run({"--db", db(), "--rows", "50", "--seed", seed, "--without-hetu", "100",
                          "--out", dir->file(name)});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return testing::slurp(dir->file(name));
  };
  const std::string first = make("1", "a.csv");
  EXPECT_EQ(make("1", "b.csv"), first);
  EXPECT_NE(make("2", "c.csv"), first);
  for (const auto& row : read_csv_table(dir->file("a.csv")))
    EXPECT_EQ(row.at("henkilotunnus"), "") << "--without-hetu 100";
}

TEST_F(TestdataCli, BadOptionsSayWhatIsWrong) {
  const std::string out = dir->file("x.csv");
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--db", db(), "--out", out, "--rows", "5", "--bad-rows", "4", "--unknown-rows", "2"},
       2,
       "add up to 6, more than --rows 5"},
      {{"--db", db(), "--out", out, "--municipalities", "091,999"},
       2,
       "--municipalities: '999' is not a municipality code"},
      {{"--db", db(), "--out", out, "--outside-rows", "3"}, 2, "--outside-rows needs"},
      {{"--db", db(), "--out", out, "--without-hetu", "101"}, 2, "--without-hetu: 101 is out"},
      {{"--out", out}, 2, "--db FILE is required"},
      {{"--db", dir->file("nothing.db"), "--out", out}, 1, "nothing.db: no such file"},
      {{"--db", db(), "--out", out, "--rows", "3000"},
       1,
       "living persons in the register, but the sample needs 3000"},
      {{"--db", db(), "--out", dir->file("no/such/dir/x.csv")}, 1, "cannot write"},
  };
  for (const Case& c : cases) {
    const Result r = run(c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.message << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
  }
  const Result help = testing::run_popgate({"testdata", "--help"}, dir->path().string());
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("update-rows"), std::string::npos);
}

}  // namespace
}  // namespace popgate::cli
