#include "registry/disclosure_row.h"

#include <algorithm>

#include "registry/person_fields.h"

namespace popgate::registry {
namespace {

// The field names of a group: those of an empty person, as person_fields names them.
std::vector<Field> template_fields(DataGroup group) {
  return person_fields(Person{}, group);
}

}  // namespace

std::vector<std::string> disclosure_columns(std::span<const DataGroup> groups) {
  std::vector<std::string> columns;
  for (const DataGroup group : groups) {
    for (const Field& field : template_fields(group))
      columns.push_back(std::string(to_string(group)) + "." + field.name);
  }
  columns.push_back("note");
  return columns;
}

std::optional<DataGroup> column_group(std::string_view column) {
  const std::size_t dot = column.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  return parse_data_group(column.substr(0, dot));
}

std::vector<std::string> disclosure_row(const Person& person, std::span<const DataGroup> requested,
                                        const PersonDisclosure& disclosure) {
  if (!disclosure.disclosed) return {};
  std::vector<std::string> row;
  for (const DataGroup group : requested) {
    const bool allowed = std::find(disclosure.groups.begin(), disclosure.groups.end(), group) !=
                         disclosure.groups.end();
    for (const Field& field : person_fields(person, group))
      row.push_back(allowed ? field.value : std::string());
  }
  row.push_back(disclosure.note);
  return row;
}

}  // namespace popgate::registry
