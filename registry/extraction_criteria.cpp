#include "registry/extraction_criteria.h"

#include <algorithm>
#include <cmath>

#include "registry/extraction_selection.h"

namespace popgate::registry {
namespace {

// The municipality code as a number, or -1 when it is not 3 digits.
int municipality_number(std::string_view code) {
  if (code.size() != 3) return -1;
  int number = 0;
  for (const char c : code) {
    if (c < '0' || c > '9') return -1;
    number = number * 10 + (c - '0');
  }
  return number;
}

// Within a millimetre of the segment a-b: on the boundary, which counts as inside.
bool on_segment(const MapPoint& p, const MapPoint& a, const MapPoint& b) {
  constexpr double kTolerance = 0.001;
  const double dx = b.east - a.east, dy = b.north - a.north;
  const double length_squared = dx * dx + dy * dy;
  double t = 0;
  if (length_squared > 0)
    t = std::clamp(((p.east - a.east) * dx + (p.north - a.north) * dy) / length_squared, 0.0, 1.0);
  const double ex = a.east + t * dx - p.east, ey = a.north + t * dy - p.north;
  return ex * ex + ey * ey <= kTolerance * kTolerance;
}

// Crossings of a ray from `p` towards east with the ring's edges (the even-odd rule).
bool ring_crosses_odd(const std::vector<MapPoint>& ring, const MapPoint& p) {
  bool inside = false;
  for (std::size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
    const MapPoint& a = ring[i];
    const MapPoint& b = ring[j];
    if ((a.north > p.north) != (b.north > p.north)) {
      const double east_at = a.east + (p.north - a.north) * (b.east - a.east) / (b.north - a.north);
      if (p.east < east_at) inside = !inside;
    }
  }
  return inside;
}

bool on_boundary(const std::vector<std::vector<MapPoint>>& rings, const MapPoint& p) {
  for (const std::vector<MapPoint>& ring : rings) {
    for (std::size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++)
      if (on_segment(p, ring[j], ring[i])) return true;
  }
  return false;
}

MapPoint reference_point(const Building& building) {
  return {static_cast<double>(building.east), static_cast<double>(building.north)};
}

bool has_use_class_prefix(const std::vector<std::string>& prefixes, const std::string& use) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&use](const std::string& prefix) { return use.starts_with(prefix); });
}

bool postal_code_in(const std::vector<std::pair<std::string, std::string>>& ranges,
                    const Person& person) {
  const Address* address = person.address(AddressKind::permanent);
  if (address == nullptr || address->postal_code.empty()) return false;
  const std::string& code = address->postal_code;
  return std::any_of(ranges.begin(), ranges.end(), [&code](const auto& range) {
    return code.size() == range.first.size() && code >= range.first && code <= range.second;
  });
}

template <typename Condition, typename Holds>
bool evaluate(const CriteriaNode<Condition>& node, const Holds& holds_condition) {
  using Kind = typename CriteriaNode<Condition>::Kind;
  switch (node.kind) {
    case Kind::all:
      return std::all_of(node.children.begin(), node.children.end(),
                         [&](const auto& child) { return evaluate(child, holds_condition); });
    case Kind::any:
      return std::any_of(node.children.begin(), node.children.end(),
                         [&](const auto& child) { return evaluate(child, holds_condition); });
    case Kind::negation:
      return node.children.empty() || !evaluate(node.children.front(), holds_condition);
    case Kind::condition:
      return holds_condition(node.condition);
  }
  return false;
}

template <typename Condition, typename Test>
bool any_condition(const CriteriaNode<Condition>& node, const Test& test) {
  if (node.kind == CriteriaNode<Condition>::Kind::condition) return test(node.condition);
  return std::any_of(node.children.begin(), node.children.end(),
                     [&](const auto& child) { return any_condition(child, test); });
}

}  // namespace

void MunicipalitySet::add(std::string_view code) {
  const int number = municipality_number(code);
  if (number >= 0) codes_.set(static_cast<std::size_t>(number));
}

bool MunicipalitySet::contains(std::string_view code) const {
  const int number = municipality_number(code);
  return number >= 0 && codes_.test(static_cast<std::size_t>(number));
}

bool MapArea::contains(const MapPoint& point) const {
  if (center) {
    const double dx = point.east - center->east, dy = point.north - center->north;
    return dx * dx + dy * dy <= radius_m * radius_m;
  }
  if (rings.empty() || rings.front().size() < 3) return false;
  if (on_boundary(rings, point)) return true;
  bool inside = false;
  for (const std::vector<MapPoint>& ring : rings)
    if (ring.size() >= 3 && ring_crosses_odd(ring, point)) inside = !inside;
  return inside;
}

bool CodeList::contains(std::string_view code) const {
  return std::binary_search(codes.begin(), codes.end(), code);
}

bool BuildingCondition::holds(const Building& b) const {
  switch (field) {
    case Field::use_class:
      return codes.contains(b.use_class) || has_use_class_prefix(prefixes, b.use_class);
    case Field::completion_year:
      return b.completion_year != 0 && range.contains(b.completion_year);
    case Field::municipality:
      return municipalities.contains(b.municipality);
    case Field::floors:
      return range.contains(b.floors);
    case Field::floor_area_m2:
      return range.contains(b.floor_area_m2);
    case Field::apartments:
      return range.contains(b.apartments);
    case Field::heating:
      return std::find(heating.begin(), heating.end(), b.heating) != heating.end();
    case Field::equipment:
      return (b.equipment & equipment) == equipment;
    case Field::demolished:
      return b.demolished_year.has_value() == flag;
    case Field::area:
      return area.contains(reference_point(b));
  }
  return false;
}

bool holds(const PersonCondition& c, const PersonFacts& facts) {
  const Person& p = facts.person;
  using F = PersonCondition::Field;
  switch (c.field) {
    case F::age:
      return p.birth_date <= facts.reference_date &&
             c.range.contains(p.birth_date.age_on(facts.reference_date));
    case F::birth_date:
      return c.dates.contains(p.birth_date);
    case F::sex:
      return p.sex == c.sex;
    case F::mother_tongue:
      return c.codes.contains(p.mother_tongue);
    case F::nationality:
      return std::any_of(p.nationalities.begin(), p.nationalities.end(),
                         [&c](const std::string& code) { return c.codes.contains(code); });
    case F::municipality:
      return c.municipalities.contains(p.home_municipality);
    case F::life:
      return c.life == LifeStatus::any || (c.life == LifeStatus::deceased) == p.deceased();
    case F::residence:
      return c.residence == Residence::any ||
             (c.residence == Residence::abroad) == p.home_municipality.empty();
    case F::postal_code:
      return postal_code_in(c.postal_codes, p);
    case F::marital_status:
      return std::find(c.marital.begin(), c.marital.end(), p.marital_status) != c.marital.end();
    case F::building:
      if (facts.residence_index != nullptr)
        return facts.residence_index->holds(c, p.residence_building);
      return facts.residence != nullptr && c.building.holds(*facts.residence);
    case F::area:
      if (facts.residence_index != nullptr)
        return facts.residence_index->holds(c, p.residence_building);
      return facts.residence != nullptr && c.area.contains(reference_point(*facts.residence));
  }
  return false;
}

bool matches(const PersonCriteria& criteria, const PersonFacts& facts) {
  return evaluate(criteria, [&facts](const PersonCondition& c) { return holds(c, facts); });
}

bool matches(const BuildingCriteria& criteria, const Building& building) {
  return evaluate(criteria, [&building](const BuildingCondition& c) { return c.holds(building); });
}

bool needs_residence(const PersonCriteria& criteria) {
  return any_condition(criteria, [](const PersonCondition& c) {
    return c.field == PersonCondition::Field::building || c.field == PersonCondition::Field::area;
  });
}

bool mentions_life(const PersonCriteria& criteria) {
  return any_condition(
      criteria, [](const PersonCondition& c) { return c.field == PersonCondition::Field::life; });
}

}  // namespace popgate::registry
