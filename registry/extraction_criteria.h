// What the extraction service selects persons and buildings by: a tree of conditions (all, any,
// not) over the register's fields, evaluated one unit at a time as the register is read. Plain
// values and plain rules, no I/O: the request's reader (workflows/config) builds the tree, an
// area on the map arrives already in the register's ETRS-TM35FIN metres (an adapter does the
// projection), and regions and wellbeing services counties arrive as the set of their
// municipalities (ReferenceData), so that evaluating is a lookup.
//
// Persons' conditions read the person and, for the attributes of their residence, the building
// of their permanent residence (`PersonFacts::residence`; none: every building condition is
// false). Ages are completed years on the request's reference date.
#ifndef POPGATE_REGISTRY_EXTRACTION_CRITERIA_H_
#define POPGATE_REGISTRY_EXTRACTION_CRITERIA_H_

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "registry/building.h"
#include "registry/date.h"
#include "registry/person.h"

namespace popgate::registry {

// Inclusive bounds; an absent bound is open.
struct IntRange {
  std::optional<std::int64_t> min;
  std::optional<std::int64_t> max;
  bool contains(std::int64_t value) const {
    return (!min || value >= *min) && (!max || value <= *max);
  }
};

struct DateRange {
  std::optional<Date> from;  // inclusive
  std::optional<Date> to;    // inclusive
  bool contains(const Date& day) const { return (!from || day >= *from) && (!to || day <= *to); }
};

// Municipalities by their 3-digit code (000-999): a region or county is the set of its own.
class MunicipalitySet {
 public:
  void add(std::string_view code);  // ignores a code that is not 3 digits
  bool contains(std::string_view code) const;
  std::size_t size() const { return codes_.count(); }

 private:
  std::bitset<1000> codes_;
};

// A point in ETRS-TM35FIN (EPSG:3067), metres.
struct MapPoint {
  double east = 0;
  double north = 0;
};

// An area on the map: a circle, or a polygon (its first ring the outside, any further ones
// holes; the even-odd rule). A point on the boundary is inside.
struct MapArea {
  std::optional<MapPoint> center;  // a circle when set
  double radius_m = 0;
  std::vector<std::vector<MapPoint>> rings;
  bool contains(const MapPoint& point) const;
};

// Codes from a list: mother tongues, nationalities (ISO), use classes.
struct CodeList {
  std::vector<std::string> codes;  // sorted
  bool contains(std::string_view code) const;
};

enum class LifeStatus : std::uint8_t { alive, deceased, any };
enum class Residence : std::uint8_t { finland, abroad, any };

// One condition on a building (of its own, or a person's residence).
struct BuildingCondition {
  enum class Field : std::uint8_t {
    use_class,        // `codes`: exact codes; `prefixes`: a class and its subclasses ("01")
    completion_year,  // `range`
    municipality,     // `municipalities`
    floors,           // `range`
    floor_area_m2,    // `range`
    apartments,       // `range`
    heating,          // `heating`: any of
    equipment,        // `equipment`: every bit
    demolished,       // `flag`: demolished (true) or standing (false)
    area,             // `area`: its reference point inside
  };
  Field field = Field::use_class;
  CodeList codes;
  std::vector<std::string> prefixes;
  IntRange range;
  MunicipalitySet municipalities;
  std::vector<Heating> heating;
  std::uint32_t equipment = 0;
  bool flag = false;
  MapArea area;

  bool holds(const Building& building) const;
};

// One condition on a person.
struct PersonCondition {
  enum class Field : std::uint8_t {
    age,             // `range`: completed years on the reference date
    birth_date,      // `dates`
    sex,             // `sex`
    mother_tongue,   // `codes`
    nationality,     // `codes`: any of the person's
    municipality,    // `municipalities`: the home municipality
    life,            // `life`
    residence,       // `residence`: living in Finland (a home municipality) or abroad
    postal_code,     // `postal_codes`: the permanent address's, in any of the ranges
    marital_status,  // `marital`: any of
    building,        // `building`: of the permanent residence
    area,            // `area`: the residence building's reference point inside
  };
  Field field = Field::age;
  IntRange range;
  DateRange dates;
  Sex sex = Sex::female;
  CodeList codes;
  MunicipalitySet municipalities;
  LifeStatus life = LifeStatus::alive;
  Residence residence = Residence::finland;
  std::vector<std::pair<std::string, std::string>> postal_codes;  // inclusive, same length
  std::vector<MaritalStatus> marital;
  BuildingCondition building;
  MapArea area;
};

class ResidenceIndex;  // extraction_selection.h

struct PersonFacts {
  const Person& person;
  const Building* residence = nullptr;  // the permanent residence's building, when known
  Date reference_date;
  // When set, residence conditions are answered from it (by the person's residence PRT)
  // instead of from `residence`.
  const ResidenceIndex* residence_index = nullptr;
};

// A tree of conditions over units of type Condition's kind.
template <typename Condition>
struct CriteriaNode {
  enum class Kind : std::uint8_t { all, any, negation, condition };
  Kind kind = Kind::all;  // an empty `all` holds for everything
  std::vector<CriteriaNode> children;
  Condition condition;
};

using PersonCriteria = CriteriaNode<PersonCondition>;
using BuildingCriteria = CriteriaNode<BuildingCondition>;

bool holds(const PersonCondition& condition, const PersonFacts& facts);
bool matches(const PersonCriteria& criteria, const PersonFacts& facts);
bool matches(const BuildingCriteria& criteria, const Building& building);

// Whether the tree asks anything of the residence building (then the caller reads buildings).
bool needs_residence(const PersonCriteria& criteria);
// Whether the tree says anything about being alive or deceased; when it does not, the service
// selects living persons only (a deceased person is not in "everyone aged 65+").
bool mentions_life(const PersonCriteria& criteria);

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_EXTRACTION_CRITERIA_H_
