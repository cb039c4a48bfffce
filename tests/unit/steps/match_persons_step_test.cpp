// The update service's matching step on a real SQLite register and real files.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>

#include "adapters/store/sqlite_register_store.h"
#include "steps/builtin_steps.h"
#include "tests/unit/steps/match_step_setup.h"
#include "tests/unit/test_support/register_samples.h"

namespace popgate::workflows::steps {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

registry::Person person(const std::string& hetu, const std::string& first, const std::string& last,
                        registry::Date born, std::uint32_t bans = 0) {
  registry::Person p;
  p.hetu = hetu;
  p.first_names = first;
  p.last_name = last;
  p.birth_date = born;
  p.mother_tongue = "fi";
  p.home_municipality = "091";
  p.bans = bans;
  p.addresses = {{registry::AddressKind::permanent, "Koivukatu 12", "A 5", "00100", "Helsinki",
                  "FI", registry::Date{2001, 6, 1}, std::nullopt}};
  return p;
}

class MatchPersonsStepTest : public ::testing::Test {
 protected:
  MatchPersonsStepTest() {
    {
      auto store = store::SqliteRegisterStore::open(dir_.file("register.db"),
                                                    store::SqliteRegisterStore::Mode::read_write);
      auto tx = store->begin();
      std::vector<registry::Person> persons = {
          person(testing::hetu(1, 1, 1990, 2), "Anna Maria", "Mäkinen", {1990, 1, 1}),
          person(testing::hetu(2, 2, 1985, 3), "Matti", "Laine", {1985, 2, 2}),
          person(testing::hetu(3, 3, 1970, 4), "Aino Maria", "Heikkinen", {1970, 3, 3}),
          person(testing::hetu(3, 3, 1970, 6), "Aada Maria", "Heikkinen", {1970, 3, 3}),
          person(testing::hetu(4, 4, 1980, 8), "Liisa", "Salainen", {1980, 4, 4},
                 registry::kBanSafety)};
      for (registry::Person& p : persons)
        tx->put_person(p);
      tx->commit();
    }
    permit_.id = "P/1";
    permit_.use = registry::PermitUse::customer_register_update;
    permit_.services = {registry::Service::update};
    permit_.data_groups = {registry::DataGroup::identity, registry::DataGroup::names,
                           registry::DataGroup::permanent_address};
    context_.params = {{"permit", "P/1"}, {"batch_rows", "100000"}};
    context_.lists = {{"groups", {"identity", "names", "permanent_address"}},
                      {"columns", {"client_ref=AsNro"}}};
    set_up_match_step(dir_, &permit_, "acme", &cancelled_, env_, context_);
  }

  StepOutputs run(const std::string& input) {
    std::ofstream(context_.input_file, std::ios::binary) << input;
    return match_persons_step(env_).run(context_);
  }
  std::string read(const std::string& name) {
    return testing::read_file((context_.work_dir / name).string());
  }

  TempDir dir_;
  registry::Permit permit_;
  StepEnvironment env_;
  StepContext context_;
  std::atomic<bool> cancelled_{false};
};

TEST_F(MatchPersonsStepTest, EachRowGetsItsOutcomeAndOnlyWhatThePermitAllows) {
  const std::string input =
      "AsNro;Henkilötunnus;Sukunimi;Etunimet;Syntymäaika;Lähiosoite\r\n"
      "1;" +
      testing::hetu(1, 1, 1990, 2) +
      ";Virtanen;Anna;;Koivukatu 12\r\n"
      "2;;Laine;Matti;2.2.1985;\r\n"
      "3;;Heikkinen;Maria;3.3.1970;\r\n"
      "4;;Nobody;Nemo;1.1.1900;\r\n"
      "5;010190-123A;X;Y;;\r\n"
      "6;;Salainen;Liisa;4.4.1980;Koivukatu 12\r\n"
      "7;too;many;fields;here;x;y\r\n";
  const StepOutputs out = run(input);
  EXPECT_EQ(out.at("rows"), "7");
  EXPECT_EQ(out.at("matched_hetu"), "1");
  EXPECT_EQ(out.at("matched_name"), "2");
  EXPECT_EQ(out.at("ambiguous"), "1");
  EXPECT_EQ(out.at("not_found"), "1");
  EXPECT_EQ(out.at("invalid"), "2");

  const std::string result = read("result/result.csv");
  EXPECT_EQ(result.find("home_municipality"), std::string::npos) << "not a requested group";
  EXPECT_NE(result.find("1;MATCHED_HETU;1.000;HETU;" + testing::hetu(1, 1, 1990, 2)),
            std::string::npos)
      << result;
  EXPECT_NE(result.find("Koivukatu 12"), std::string::npos) << result;
  EXPECT_NE(result.find("3;AMBIGUOUS;"), std::string::npos) << result;
  EXPECT_NE(result.find("5;INVALID_ROW;0.000;line 6: invalid HETU"), std::string::npos) << result;
  EXPECT_NE(result.find(";INVALID_ROW;0.000;line 8: 7 fields where the header has 6"),
            std::string::npos)
      << result;
  EXPECT_NE(result.find("some data withheld"), std::string::npos) << result;
  EXPECT_NE(result.find("last_name,first_names\r\n"), std::string::npos) << "row 1's changes";
  EXPECT_EQ(result.find("agrees"), std::string::npos) << "no hint at where anyone lives";

  // Whose data left: the two HETU/name matches and the protected person (names only).
  const std::string persons = read("persons.txt");
  EXPECT_EQ(persons, testing::hetu(1, 1, 1990, 2) + "\n" + testing::hetu(2, 2, 1985, 3) + "\n" +
                         testing::hetu(4, 4, 1980, 8) + "\n");
  const std::string summary = read("result/summary.txt");
  EXPECT_NE(summary.find("AMBIGUOUS: 1"), std::string::npos) << summary;
  EXPECT_NE(summary.find("1  NOT_FOUND: no person born that day with these names"),
            std::string::npos)
      << summary;
  // Reasons count by kind: without line numbers, the client's values or the HETU's characters.
  EXPECT_NE(summary.find("1  AMBIGUOUS: N persons fit these names and birth date\n"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("1  INVALID_ROW: invalid HETU: check character\n"), std::string::npos)
      << summary;
  EXPECT_NE(summary.find("1  INVALID_ROW: N fields where the header has N\n"), std::string::npos)
      << summary;
}

// Issue 17.2: a row whose birth date is mistyped is matched, says so, and is counted.
TEST_F(MatchPersonsStepTest, AMistypedBirthDateIsMatchedAndCounted) {
  const std::string input =
      "AsNro;Sukunimi;Etunimet;Syntymäaika;Postinumero\n"
      "1;Laine;Matti;2.2.1958;00100\n"  // 1985 with its last two digits swapped
      "2;Laine;Matti;2.2.1985;\n"
      "3;Mäkinen;Anna;1.1.1890;\n";  // the wrong century
  StepOutputs out = run(input);
  EXPECT_EQ(out.at("matched_name"), "3");
  EXPECT_EQ(out.at("birth_date_differs"), "2");
  const std::string result = read("result/result.csv");
  EXPECT_NE(result.find("1;MATCHED_NAME_BIRTHDATE;1.000;\"birth date differs: two digits "
                        "transposed; surname, given names and postal code agree\";" +
                        testing::hetu(2, 2, 1985, 3)),
            std::string::npos)
      << result;
  EXPECT_NE(result.find(";birth_date\r\n2;MATCHED_NAME_BIRTHDATE;"), std::string::npos)
      << "row 1's changed fields\n"
      << result;
  const std::string summary = read("result/summary.txt");
  EXPECT_NE(summary.find("matched although the birth date differs (a mistyping): 2\n"),
            std::string::npos)
      << summary;
  EXPECT_NE(result.find("3;MATCHED_NAME_BIRTHDATE;0.980;\"birth date differs: wrong century;"),
            std::string::npos)
      << result;

  context_.params["mistyped_birth_dates"] = "false";
  out = run(input);
  EXPECT_EQ(out.at("matched_name"), "1");
  EXPECT_EQ(out.at("not_found"), "2");
  EXPECT_EQ(read("result/summary.txt").find("birth date differs"), std::string::npos);
}

// 1,000 bad rows of a few kinds make a few summary lines, not 1,000.
TEST_F(MatchPersonsStepTest, TheSummaryCountsReasonsByKind) {
  std::string input = "AsNro;Henkilötunnus;Sukunimi;Etunimet;Syntymäaika\n";
  for (int i = 0; i < 1000; ++i) {
    const std::string n = std::to_string(i);
    switch (i % 4) {
      case 0:
        input += n + ";0101" + std::to_string(10 + i % 90) + "-123A;;;\n";
        break;
      case 1:
        input += n + ";;Laine;Matti;" + n + ".13.1985\n";
        break;
      case 2:
        input += n + ";" + std::string(i % 9 + 1, '1') + ";;;\n";
        break;
      default:
        input += n + ";;;;;" + std::string(i % 5, ';') + "\n";
        break;
    }
  }
  run(input);
  const std::string summary = read("result/summary.txt");
  EXPECT_NE(summary.find("250  INVALID_ROW: N fields where the header has N\n"), std::string::npos)
      << summary;
  EXPECT_NE(summary.find("  INVALID_ROW: birth date '…' is not DD.MM.YYYY or YYYY-MM-DD\n"),
            std::string::npos)
      << summary;
  const std::size_t lines =
      static_cast<std::size_t>(std::count(summary.begin(), summary.end(), '\n'));
  EXPECT_LT(lines, 20u) << summary;
}

// Rows are matched in batches, the HETU rows of a batch in the register's key order: whatever
// the batch size, the result keeps the client's order and is the same file.
TEST_F(MatchPersonsStepTest, BatchesOfAnySizeGiveTheSameResultInTheClientsOrder) {
  std::string input = "AsNro;Henkilötunnus;Sukunimi;Etunimet;Syntymäaika\n";
  const std::vector<std::string> rows = {testing::hetu(4, 4, 1980, 8) + ";;;",
                                         testing::hetu(1, 1, 1990, 2) + ";;;",
                                         ";Laine;Matti;2.2.1985",
                                         testing::hetu(3, 3, 1970, 6) + ";;;",
                                         "010190-123A;;;",
                                         ";Heikkinen;Maria;3.3.1970",
                                         testing::hetu(2, 2, 1985, 3) + ";;;",
                                         testing::hetu(1, 1, 1990, 2) + ";;;",
                                         testing::hetu(9, 9, 1999, 2) + ";;;",
                                         testing::hetu(3, 3, 1970, 4) + ";;;"};
  for (std::size_t i = 0; i < rows.size(); ++i)
    input += std::to_string(i + 1) + ";" + rows[i] + "\n";
  std::string whole, summary, persons;
  for (const char* batch : {"100000", "3", "1"}) {
    context_.params["batch_rows"] = batch;
    const StepOutputs out = run(input);
    EXPECT_EQ(out.at("rows"), "10");
    EXPECT_EQ(out.at("matched_hetu"), "6") << "batch " << batch;
    if (whole.empty()) {
      whole = read("result/result.csv");
      summary = read("result/summary.txt");
      persons = read("persons.txt");
      continue;
    }
    EXPECT_EQ(read("result/result.csv"), whole) << "batch " << batch;
    EXPECT_EQ(read("result/summary.txt"), summary) << "batch " << batch;
    EXPECT_EQ(read("persons.txt"), persons) << "batch " << batch;
  }
  std::size_t at = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {  // client_ref 1..10, in order
    at = whole.find("\r\n" + std::to_string(i + 1) + ";", at);
    ASSERT_NE(at, std::string::npos) << "row " << i + 1 << " out of order:\n" << whole;
  }
}

// A cancelled job stops while its rows are matched by names, whose results are made on a thread
// of the matcher's own: the stop reaches the step as an error, and nothing is left running.
TEST_F(MatchPersonsStepTest, ACancelledJobStopsWhileRowsAreMatchedByNames) {
  std::string input = "AsNro;Henkilötunnus;Sukunimi;Etunimet;Syntymäaika\n";
  for (int i = 1; i <= 3000; ++i)
    input +=
        std::to_string(i) + (i % 2 == 0 ? ";;Laine;Matti;2.2.1985\n" : ";;Aho;Eeva;1.1.1950\n");
  cancelled_ = true;
  try {
    run(input);
    FAIL() << "the step ran to the end";
  } catch (const StepError& e) {
    EXPECT_NE(std::string(e.what()).find("stopped"), std::string::npos) << e.what();
  }
  cancelled_ = false;
  const StepOutputs out = run(input);
  EXPECT_EQ(out.at("rows"), "3000");
}

TEST_F(MatchPersonsStepTest, AFixedWidthFileIsReadByTheWorkflowsLayout) {
  context_.lists["fixed_width"] = {"client_ref:1:3", "hetu:4:11"};
  const StepOutputs out =
      run("001" + testing::hetu(1, 1, 1990, 2) + "\r\n002" + testing::hetu(9, 9, 1999, 2) + "\r\n");
  EXPECT_EQ(out.at("rows"), "2");
  EXPECT_EQ(out.at("matched_hetu"), "1");
  EXPECT_EQ(out.at("not_found"), "1");
  EXPECT_NE(read("result/result.csv").find("001;MATCHED_HETU;"), std::string::npos);
  for (const char* bad : {"hetu:0:11", "hetu:1:", "nosuchfield:1:11", "hetu:x:11", "hetu"}) {
    context_.lists["fixed_width"] = {bad};
    try {
      run("whatever\n");
      FAIL() << bad << " was accepted";
    } catch (const StepError& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("fixed_width item '") + bad + "'"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST_F(MatchPersonsStepTest, AFileThatIsNotATableFailsWithAReasonForTheClient) {
  try {
    run("%PDF-1.4 binary\n");
    FAIL() << "no error";
  } catch (const StepError& e) {
    EXPECT_FALSE(e.retryable());
    EXPECT_NE(e.client_message().find("could not be read as a table"), std::string::npos)
        << e.client_message();
  }
  EXPECT_FALSE(fs::exists(context_.work_dir / "result" / "result.csv"));
}

TEST_F(MatchPersonsStepTest, GroupsThePermitDoesNotGrantAreRefusedBeforeAnyRow) {
  context_.lists["groups"] = {"identity", "home_municipality"};
  EXPECT_THROW(run("hetu\n" + testing::hetu(1, 1, 1990, 2) + "\n"), StepError);
  EXPECT_FALSE(fs::exists(context_.work_dir / "result" / "result.csv"));
}

}  // namespace
}  // namespace popgate::workflows::steps
