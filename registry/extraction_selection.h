// Selecting the units an extraction request's criteria name, in one pass over the register in
// its key order, so that memory does not grow with the register: persons are read one at a
// time; the conditions on their residence building (its attributes, its place on the map) are
// answered from a ResidenceIndex made in one pass over the buildings first, rather than by a
// lookup per person.
#ifndef POPGATE_REGISTRY_EXTRACTION_SELECTION_H_
#define POPGATE_REGISTRY_EXTRACTION_SELECTION_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "registry/extraction_criteria.h"
#include "registry/register_store.h"

namespace popgate::registry {

// For each residence condition of a person criteria tree (building attributes or an area), the
// buildings that meet it, by PRT. Exact (the PRTs themselves, sorted), about 32 bytes per
// building that meets a condition.
class ResidenceIndex {
 public:
  // The residence conditions of `criteria`; the tree must outlive the index.
  explicit ResidenceIndex(const PersonCriteria& criteria);
  explicit ResidenceIndex(const PersonCriteria&& criteria) = delete;  // it would dangle

  bool empty() const { return buildings_.empty(); }
  // One pass over the register's buildings.
  void fill(RegisterStore& store);
  void add(const Building& building);
  void finish();  // after the last add()

  // Whether the building with `prt` meets `condition` (a condition of the tree given).
  bool holds(const PersonCondition& condition, std::string_view prt) const;
  std::size_t entries() const;

 private:
  std::map<const PersonCondition*, std::vector<std::string>> buildings_;
};

struct SelectionCounts {
  std::int64_t examined = 0;  // units read
  std::int64_t selected = 0;  // units the criteria select
};

// Every person the criteria select, in register order, handed to `take` (false stops). Living
// persons only, unless the criteria say otherwise (mentions_life). Builds the residence index
// first when the criteria need it.
SelectionCounts select_persons(RegisterStore& store, const PersonCriteria& criteria,
                               const Date& reference_date,
                               const std::function<bool(const Person&)>& take);
// Every building the criteria select, in register order.
SelectionCounts select_buildings(RegisterStore& store, const BuildingCriteria& criteria,
                                 const std::function<bool(const Building&)>& take);

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_EXTRACTION_SELECTION_H_
