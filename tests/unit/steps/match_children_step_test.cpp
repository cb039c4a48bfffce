// The update service's child selection through the match_persons step, on a real SQLite
// register and real files: children.csv, persons.txt and the summary, and the jobs refused
// before anything is written.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>

#include "adapters/store/sqlite_register_store.h"
#include "registry/child_selection.h"
#include "steps/builtin_steps.h"
#include "tests/unit/steps/match_step_setup.h"
#include "tests/unit/test_support/register_samples.h"

namespace popgate::workflows::steps {
namespace {

namespace fs = std::filesystem;
using registry::Date;
using testing::hetu;
using testing::TempDir;

// The reference date the rows give, so that ages do not depend on the day the test runs.
constexpr char kOn[] = "20.05.2026";

registry::Person person(const std::string& code, const std::string& first, Date born,
                        const std::string& building, std::uint32_t bans = 0) {
  registry::Person p;
  p.hetu = code;
  p.first_names = first;
  p.last_name = "Lahtinen";
  p.birth_date = born;
  p.mother_tongue = "fi";
  p.home_municipality = "091";
  p.bans = bans;
  p.addresses = {{registry::AddressKind::permanent, "Koivukatu " + building, "A 5", "00100",
                  "Helsinki", "FI", Date{2010, 6, 1}, std::nullopt}};
  p.residence_building = testing::prt(100000000 + std::stoi(building));
  p.residence_apartment = "A 5";
  return p;
}

void link(registry::Person& parent, const registry::Person& child) {
  parent.family.push_back({registry::Relation::child, child.hetu});
}

class MatchChildrenStepTest : public ::testing::Test {
 protected:
  // A mother and a father (both members, living apart) of a child at home with the mother; the
  // mother's other children: one turning 18 on the reference date, one deceased, one protected
  // for safety, one adult; a protected member with a child.
  const std::string mother_ = hetu(1, 1, 1980, 2);
  const std::string father_ = hetu(2, 2, 1979, 3);
  const std::string protected_member_ = hetu(3, 3, 1975, 4);
  const std::string at_home_ = hetu(1, 6, 2015, 6);
  const std::string turns_18_ = hetu(20, 5, 2008, 8);
  const std::string deceased_ = hetu(1, 7, 2012, 10);
  const std::string protected_child_ = hetu(1, 8, 2016, 12);
  const std::string adult_ = hetu(1, 9, 2000, 14);
  const std::string protected_members_child_ = hetu(1, 10, 2014, 16);
  // A parent whose children's ages are counted from today, for the job's day as the default:
  // a child of about a year and one of 18 years and some months.
  const Date baby_born_ = Date::today().plus_days(-400);
  const Date grown_born_ = Date::today().plus_days(-6800);
  const std::string young_parent_ = hetu(4, 4, 1990, 18);
  const std::string baby_ = hetu(baby_born_.day, baby_born_.month, baby_born_.year, 20);
  const std::string grown_ = hetu(grown_born_.day, grown_born_.month, grown_born_.year, 22);

  MatchChildrenStepTest() {
    registry::Person mother = person(mother_, "Anna", {1980, 1, 1}, "1");
    registry::Person father = person(father_, "Pekka", {1979, 2, 2}, "2");
    registry::Person prot =
        person(protected_member_, "Salla", {1975, 3, 3}, "3", registry::kBanSafety);
    registry::Person at_home = person(at_home_, "Eero", {2015, 6, 1}, "1");
    registry::Person turns_18 = person(turns_18_, "Ella", {2008, 5, 20}, "1");
    registry::Person deceased = person(deceased_, "Olli", {2012, 7, 1}, "1");
    deceased.death_date = Date{2020, 1, 1};
    registry::Person prot_child =
        person(protected_child_, "Iida", {2016, 8, 1}, "4", registry::kBanSafety);
    registry::Person adult = person(adult_, "Ville", {2000, 9, 1}, "5");
    registry::Person prot_members_child =
        person(protected_members_child_, "Aapo", {2014, 10, 1}, "3");
    registry::Person young_parent = person(young_parent_, "Jenni", {1990, 4, 4}, "6");
    registry::Person baby = person(baby_, "Aada", baby_born_, "6");
    registry::Person grown = person(grown_, "Kalle", grown_born_, "6");
    for (const registry::Person* child : {&at_home, &turns_18, &deceased, &prot_child, &adult})
      link(mother, *child);
    link(father, at_home);
    link(prot, prot_members_child);
    link(young_parent, grown);
    link(young_parent, baby);
    auto store = store::SqliteRegisterStore::open(dir_.file("register.db"),
                                                  store::SqliteRegisterStore::Mode::read_write);
    auto tx = store->begin();
    for (registry::Person* p :
         {&mother, &father, &prot, &at_home, &turns_18, &deceased, &prot_child, &adult,
          &prot_members_child, &young_parent, &baby, &grown}) {
      tx->put_person(*p);
    }
    tx->commit();

    permit_.id = "DVV/17/2026";
    permit_.use = registry::PermitUse::public_task;
    permit_.services = {registry::Service::update};
    permit_.data_groups = {registry::DataGroup::identity, registry::DataGroup::names,
                           registry::DataGroup::permanent_address, registry::DataGroup::family};
    context_.params = {{"permit", permit_.id}, {"children", "true"}, {"children_under", "18"}};
    context_.lists = {{"groups", {"identity", "names", "permanent_address", "family"}}};
    set_up_match_step(dir_, &permit_, "fund", &cancelled_, env_, context_);
  }

  StepOutputs run(const std::string& input) {
    std::ofstream(context_.input_file, std::ios::binary) << input;
    return match_persons_step(env_).run(context_);
  }
  std::string read(const std::string& name) {
    return testing::read_file((context_.work_dir / name).string());
  }
  // children.csv's rows as "member_client_ref child_hetu same_household street note".
  std::vector<std::string> children_rows() {
    std::istringstream in(read("result/children.csv"));
    std::string line;
    std::getline(in, line);
    const std::vector<std::string> header = split(line);
    const auto at = [&](const std::string& name) {
      return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) -
                                      header.begin());
    };
    std::vector<std::string> rows;
    while (std::getline(in, line)) {
      const std::vector<std::string> f = split(line);
      EXPECT_EQ(f.size(), header.size()) << line;
      rows.push_back(f[at("member_client_ref")] + " " + f[at("child_hetu")] + " " +
                     f[at("same_household")] + " " + f[at("permanent_address.street")] + " " +
                     f[at("note")]);
    }
    return rows;
  }
  static std::vector<std::string> split(std::string line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> fields;
    std::istringstream in(line);
    std::string field;
    while (std::getline(in, field, ';'))
      fields.push_back(field);
    if (!line.empty() && line.back() == ';') fields.emplace_back();
    return fields;
  }
  void expect_refused(const std::string& input, const std::string& client_words) {
    try {
      run(input);
      FAIL() << "not refused";
    } catch (const StepError& e) {
      EXPECT_FALSE(e.retryable());
      EXPECT_NE(e.client_message().find(client_words), std::string::npos) << e.client_message();
    }
    EXPECT_FALSE(fs::exists(context_.work_dir / "result" / "result.csv"));
    EXPECT_FALSE(fs::exists(context_.work_dir / "result" / "children.csv"));
    EXPECT_FALSE(fs::exists(context_.work_dir / "persons.txt"));
  }

  TempDir dir_;
  registry::Permit permit_;
  StepEnvironment env_;
  StepContext context_;
  std::atomic<bool> cancelled_{false};
};

TEST_F(MatchChildrenStepTest, EachMatchedPersonsChildrenComeInTheirOwnTable) {
  const StepOutputs out = run(std::string("ref;hetu;children_on\n") + "M;" + mother_ + ";" + kOn +
                              "\n" + "F;" + father_ + ";" + kOn + "\n" + "P;" + protected_member_ +
                              ";" + kOn + "\n" + "X;" + hetu(9, 9, 1999, 2) + ";" + kOn + "\n");
  EXPECT_EQ(out.at("children"), "result/children.csv");
  EXPECT_EQ(out.at("matched_hetu"), "3");
  // In the members' order, each member's children in the register's order; the child of two
  // members beside each; the one turning 18 that day, the deceased and the adult left out; a
  // protected child's or a protected member's child's address and household withheld.
  EXPECT_EQ(children_rows(),
            (std::vector<std::string>{
                "M " + at_home_ + " yes Koivukatu 1 ",
                "M " + protected_child_ + "   " + std::string(registry::kWithheldNote),
                "F " + at_home_ + " no Koivukatu 1 ",
                "P " + protected_members_child_ + "   " + std::string(registry::kWithheldNote)}));
  const std::string children = read("result/children.csv");
  EXPECT_TRUE(children.starts_with(
      "member_client_ref;member_hetu;child_hetu;same_household;identity.hetu;"))
      << children;
  EXPECT_NE(children.find("M;" + mother_ + ";" + at_home_ + ";yes;" + at_home_ + ";2015-06-01;"),
            std::string::npos)
      << children;
  EXPECT_EQ(children.find("Koivukatu 3"), std::string::npos) << "the protected member's address";
  EXPECT_EQ(children.find("Koivukatu 4"), std::string::npos) << "the protected child's address";

  // The audit record names every person whose data left: the members, then their children.
  EXPECT_EQ(read("persons.txt"), mother_ + "\n" + father_ + "\n" + protected_member_ + "\n" +
                                     at_home_ + "\n" + protected_child_ + "\n" + at_home_ + "\n" +
                                     protected_members_child_ + "\n");
  const std::string summary = read("result/summary.txt");
  EXPECT_NE(summary.find("children: 4 (of 3 matched persons)\n"), std::string::npos) << summary;
}

TEST_F(MatchChildrenStepTest, TheAgeAndTheDayComeFromTheRowOrTheWorkflow) {
  // The day before the 18th birthday the child is 17; under 10, only the youngest; without a
  // day, the job's.
  run(std::string("ref;hetu;children_under;children_on\n") + "A;" + mother_ + ";;19.05.2026\n" +
      "B;" + mother_ + ";10;" + kOn + "\n" + "C;" + young_parent_ + ";;\n");
  std::vector<std::string> refs;
  for (const std::string& row : children_rows())
    refs.push_back(row.substr(0, row.find(' ', 2)));
  EXPECT_EQ(refs,
            (std::vector<std::string>{"A " + at_home_, "A " + turns_18_, "A " + protected_child_,
                                      "B " + protected_child_, "C " + baby_}));
  // The workflow's age is the highest a row may ask for; a bad value is that row's error.
  context_.params["children_under"] = "16";
  run(std::string("ref;hetu;children_under;children_on\n") + "A;" + mother_ + ";17;\n" + "B;" +
      mother_ + ";x;\n" + "C;" + mother_ + ";;1.13.2026\n" + "D;" + young_parent_ + ";;\n");
  const std::string result = read("result/result.csv");
  EXPECT_NE(
      result.find("A;INVALID_ROW;0.000;line 2: children_under '17' is not from 1 to 16 years"),
      std::string::npos)
      << result;
  EXPECT_NE(result.find("B;INVALID_ROW;0.000;line 3: children_under 'x' is not a whole number"),
            std::string::npos)
      << result;
  EXPECT_NE(result.find("C;INVALID_ROW;0.000;line 4: children_on '1.13.2026' is not DD.MM.YYYY"),
            std::string::npos)
      << result;
  EXPECT_NE(result.find("D;MATCHED_HETU;"), std::string::npos) << result;
  EXPECT_EQ(children_rows(), (std::vector<std::string>{"D " + baby_ + " yes Koivukatu 6 "}));
}

std::string sorted_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const std::string& line : lines)
    out += line + "\n";
  return out;
}

// Batches of any size: the same children.csv, the rows of a child of two members in
// different batches too.
TEST_F(MatchChildrenStepTest, BatchesOfAnySizeGiveTheSameChildren) {
  const std::string input = std::string("ref;hetu;children_on\n") + "M;" + mother_ + ";" + kOn +
                            "\nF;" + father_ + ";" + kOn + "\nP;" + protected_member_ + ";" + kOn +
                            "\nM2;" + mother_ + ";" + kOn + "\n";
  std::string whole, persons;
  for (const char* batch : {"100000", "3", "1"}) {
    context_.params["batch_rows"] = batch;
    run(input);
    if (whole.empty()) {
      whole = read("result/children.csv");
      persons = sorted_lines(read("persons.txt"));
      continue;
    }
    EXPECT_EQ(read("result/children.csv"), whole) << "batch " << batch;
    // The members of a batch come before their children: the order differs, the persons not
    // (the audit record keeps them sorted).
    EXPECT_EQ(sorted_lines(read("persons.txt")), persons) << "batch " << batch;
  }
}

TEST_F(MatchChildrenStepTest, WithoutTheSelectionNoChildrenAndAFileAskingForThemIsRefused) {
  context_.params["children"] = "false";
  const StepOutputs out =
      run(std::string("ref;hetu;children_under;children_on\n") + "M;" + mother_ + ";;\n");
  EXPECT_EQ(out.at("children"), "");
  EXPECT_FALSE(fs::exists(context_.work_dir / "result" / "children.csv"));
  EXPECT_EQ(read("persons.txt"), mother_ + "\n");
  EXPECT_EQ(read("result/summary.txt").find("children"), std::string::npos);
  fs::remove_all(context_.work_dir);
  fs::create_directories(context_.work_dir);

  expect_refused(
      std::string("ref;hetu;children_under\n") + "M;" + mother_ + ";\nF;" + father_ + ";12\n",
      "your file asks for the children of its persons (column children_under, line 3)"
      ", but this service does not select children for you");
  context_.lists["columns"] = {"children_on=Lapset"};
  expect_refused(std::string("ref;hetu;Lapset\n") + "M;" + mother_ + ";1.1.2026\n",
                 "(column children_on, line 2)");
}

TEST_F(MatchChildrenStepTest, ASelectionThePermitOrTheGroupsDoNotAllowIsRefusedBeforeAnyRow) {
  const std::string input = std::string("ref;hetu\n") + "M;" + mother_ + "\n";
  // The permit grants family, the workflow does not ask for it.
  context_.lists["groups"] = {"identity", "names"};
  expect_refused(input, "the family group, which your permit DVV/17/2026 grants, is not among");
  // The permit does not grant it.
  permit_.data_groups = {registry::DataGroup::identity, registry::DataGroup::names};
  expect_refused(input, "your permit DVV/17/2026 does not grant the family group");
  // Children are not persons the client identifies itself.
  permit_.data_groups.push_back(registry::DataGroup::family);
  permit_.population.only_held_persons = true;
  context_.lists["groups"] = {"identity", "family"};
  expect_refused(input, "covers only persons you identify yourself");
}

}  // namespace
}  // namespace popgate::workflows::steps
