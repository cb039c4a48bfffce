#include "registry/extraction_selection.h"

#include <algorithm>

namespace popgate::registry {
namespace {

bool is_residence_condition(const PersonCondition& c) {
  return c.field == PersonCondition::Field::building || c.field == PersonCondition::Field::area;
}

void collect(const PersonCriteria& node,
             std::map<const PersonCondition*, std::vector<std::string>>& out) {
  if (node.kind == PersonCriteria::Kind::condition) {
    if (is_residence_condition(node.condition)) out[&node.condition];
    return;
  }
  for (const PersonCriteria& child : node.children)
    collect(child, out);
}

bool residence_condition_holds(const PersonCondition& c, const Building& b) {
  if (c.field == PersonCondition::Field::building) return c.building.holds(b);
  return c.area.contains({static_cast<double>(b.east), static_cast<double>(b.north)});
}

}  // namespace

ResidenceIndex::ResidenceIndex(const PersonCriteria& criteria) {
  collect(criteria, buildings_);
}

void ResidenceIndex::fill(RegisterStore& store) {
  store.for_each_building([this](const Building& building) {
    add(building);
    return true;
  });
  finish();
}

void ResidenceIndex::add(const Building& building) {
  for (auto& [condition, prts] : buildings_)
    if (residence_condition_holds(*condition, building)) prts.push_back(building.prt);
}

void ResidenceIndex::finish() {
  for (auto& [condition, prts] : buildings_)
    std::sort(prts.begin(), prts.end());
}

bool ResidenceIndex::holds(const PersonCondition& condition, std::string_view prt) const {
  const auto it = buildings_.find(&condition);
  if (it == buildings_.end() || prt.empty()) return false;
  return std::binary_search(it->second.begin(), it->second.end(), prt);
}

std::size_t ResidenceIndex::entries() const {
  std::size_t n = 0;
  for (const auto& [condition, prts] : buildings_)
    n += prts.size();
  return n;
}

SelectionCounts select_persons(RegisterStore& store, const PersonCriteria& criteria,
                               const Date& reference_date,
                               const std::function<bool(const Person&)>& take) {
  ResidenceIndex index(criteria);
  if (!index.empty()) index.fill(store);
  const bool living_only = !mentions_life(criteria);
  SelectionCounts counts;
  store.for_each_person([&](const Person& person) {
    ++counts.examined;
    if (living_only && person.deceased()) return true;
    const PersonFacts facts{person, nullptr, reference_date, index.empty() ? nullptr : &index};
    if (!matches(criteria, facts)) return true;
    ++counts.selected;
    return take(person);
  });
  return counts;
}

SelectionCounts select_buildings(RegisterStore& store, const BuildingCriteria& criteria,
                                 const std::function<bool(const Building&)>& take) {
  SelectionCounts counts;
  store.for_each_building([&](const Building& building) {
    ++counts.examined;
    if (!matches(criteria, building)) return true;
    ++counts.selected;
    return take(building);
  });
  return counts;
}

}  // namespace popgate::registry
