// A disclosure result's shape: the columns of the requested groups, "<group>.<field>", and
// one row per person with values only where disclose() allowed them. Every service writes its
// output through this, so a result never holds a column of a group the permit does not grant,
// and a withheld group's columns are empty in the row of the person it was withheld for.
#ifndef POPGATE_REGISTRY_DISCLOSURE_ROW_H_
#define POPGATE_REGISTRY_DISCLOSURE_ROW_H_

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "registry/data_group.h"
#include "registry/disclosure.h"
#include "registry/person.h"

namespace popgate::registry {

// The result columns for `groups`, in order, then "note" (kWithheldNote, kDeceasedNote).
std::vector<std::string> disclosure_columns(std::span<const DataGroup> groups);
// The group a column belongs to; nullopt for "note" and unknown names.
std::optional<DataGroup> column_group(std::string_view column);

// The row of `person`, parallel to disclosure_columns(requested). Empty when the person is
// not disclosed at all (disclosure.disclosed is false): nothing of them may be written.
std::vector<std::string> disclosure_row(const Person& person, std::span<const DataGroup> requested,
                                        const PersonDisclosure& disclosure);

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_DISCLOSURE_ROW_H_
