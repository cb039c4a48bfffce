// Selecting persons and buildings from a real register.db in one pass: residence conditions
// answered from the index of buildings, living persons unless the criteria say otherwise,
// register order, early stop, and the counts the report gives.
#include "registry/extraction_selection.h"

#include <gtest/gtest.h>

#include "adapters/store/sqlite_register_store.h"
#include "tests/unit/test_support/register_samples.h"

namespace popgate::registry {
namespace {

using store::SqliteRegisterStore;
using testing::TempDir;

class ExtractionSelectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ =
        SqliteRegisterStore::open(dir_.file("register.db"), SqliteRegisterStore::Mode::read_write);
    auto tx = store_->begin();
    Building old_house = testing::full_building(100000001);
    old_house.use_class = "0110";
    old_house.completion_year = 1950;
    old_house.demolished_year.reset();
    old_house.east = 386000;
    old_house.north = 6672000;
    Building block = testing::full_building(100000002);
    block.use_class = "0121";
    block.completion_year = 1990;
    block.demolished_year.reset();
    block.east = 400000;
    block.north = 6700000;
    tx->put_building(old_house);
    tx->put_building(block);
    for (int i = 0; i < 6; ++i) {
      Person p = testing::full_person(1 + i, 1, 1960 + i, 200 + i);
      p.death_date.reset();
      p.residence_building = i % 2 == 0 ? old_house.prt : block.prt;
      if (i == 5) p.death_date = Date{2020, 1, 1};
      tx->put_person(p);
      hetus_.push_back(p.hetu);
    }
    tx->commit();
  }

  std::vector<std::string> selected(const PersonCriteria& criteria,
                                    SelectionCounts* counts = nullptr) {
    std::vector<std::string> out;
    const SelectionCounts c =
        select_persons(*store_, criteria, Date{2026, 1, 1}, [&](const Person& p) {
          out.push_back(p.hetu);
          return true;
        });
    if (counts) *counts = c;
    return out;
  }

  TempDir dir_;
  std::unique_ptr<SqliteRegisterStore> store_;
  std::vector<std::string> hetus_;
};

PersonCriteria condition(PersonCondition c) {
  PersonCriteria n;
  n.kind = PersonCriteria::Kind::condition;
  n.condition = std::move(c);
  return n;
}

TEST_F(ExtractionSelectionTest, LivingPersonsInRegisterOrderUnlessTheCriteriaSayOtherwise) {
  SelectionCounts counts;
  EXPECT_EQ(selected(PersonCriteria{}, &counts),
            (std::vector<std::string>{hetus_[0], hetus_[1], hetus_[2], hetus_[3], hetus_[4]}));
  EXPECT_EQ(counts.examined, 6);
  EXPECT_EQ(counts.selected, 5);
  PersonCondition any_life;
  any_life.field = PersonCondition::Field::life;
  any_life.life = LifeStatus::any;
  EXPECT_EQ(selected(condition(any_life)).size(), 6u);
}

TEST_F(ExtractionSelectionTest, ResidenceConditionsAreAnsweredFromTheBuildings) {
  PersonCondition old_home;
  old_home.field = PersonCondition::Field::building;
  old_home.building.field = BuildingCondition::Field::completion_year;
  old_home.building.range = {std::nullopt, 1959};
  EXPECT_EQ(selected(condition(old_home)),
            (std::vector<std::string>{hetus_[0], hetus_[2], hetus_[4]}));
  PersonCondition near;
  near.field = PersonCondition::Field::area;
  near.area.center = MapPoint{400100, 6700000};
  near.area.radius_m = 200;
  EXPECT_EQ(selected(condition(near)), (std::vector<std::string>{hetus_[1], hetus_[3]}));
  const PersonCriteria near_criteria = condition(near);  // the index points into it
  ResidenceIndex index(near_criteria);
  index.fill(*store_);
  EXPECT_EQ(index.entries(), 1u) << "only the buildings that meet a condition are kept";
}

TEST_F(ExtractionSelectionTest, TakeMayStopEarlyAndBuildingsAreSelectedToo) {
  int taken = 0;
  select_persons(*store_, PersonCriteria{}, Date{2026, 1, 1},
                 [&](const Person&) { return ++taken < 2; });
  EXPECT_EQ(taken, 2);
  BuildingCriteria residential;
  residential.kind = BuildingCriteria::Kind::condition;
  residential.condition.field = BuildingCondition::Field::use_class;
  residential.condition.prefixes = {"011"};
  std::vector<std::string> prts;
  const SelectionCounts counts = select_buildings(*store_, residential, [&](const Building& b) {
    prts.push_back(b.prt);
    return true;
  });
  EXPECT_EQ(prts, (std::vector<std::string>{testing::prt(100000001)}));
  EXPECT_EQ(counts.examined, 2);
}

}  // namespace
}  // namespace popgate::registry
