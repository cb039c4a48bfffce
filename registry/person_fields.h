// A person's data group as named fields: the shape of a change event's values, and of what a
// delivery discloses per group. One place decides the field names of every group.
#ifndef POPGATE_REGISTRY_PERSON_FIELDS_H_
#define POPGATE_REGISTRY_PERSON_FIELDS_H_

#include <vector>

#include "registry/change_event.h"
#include "registry/data_group.h"
#include "registry/person.h"

namespace popgate::registry {

// The fields of `group` for `person` (an absent value is an empty string, so that a change
// event says "cleared"). `building` is not a person group and yields no fields.
std::vector<Field> person_fields(const Person& person, DataGroup group);

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_PERSON_FIELDS_H_
