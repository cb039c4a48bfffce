// What the register requires of a record before it is stored, beyond its types: valid identity
// codes, a birth date and sex that agree with the HETU, municipality, language and country
// codes that the shipped reference data knows, dates in order. Importers check every record with
// these; the store itself only refuses what it could not read back.
#ifndef POPGATE_REGISTRY_RECORD_CHECK_H_
#define POPGATE_REGISTRY_RECORD_CHECK_H_

#include <optional>
#include <string>

#include "registry/building.h"
#include "registry/change_event.h"
#include "registry/person.h"

namespace popgate::registry {

// The first problem found: the field (as named in the JSON form, "addresses[1].country") and
// why.
struct RecordProblem {
  std::string field;
  std::string reason;
};

std::optional<RecordProblem> check_person(const Person& person);
std::optional<RecordProblem> check_building(const Building& building);
std::optional<RecordProblem> check_change(const ChangeEvent& event);

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_RECORD_CHECK_H_
